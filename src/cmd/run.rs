//! `losslab run`: one experiment — the lossy server and the clients in one event loop — recorded
//! to a results folder.
//!
//! Files: `requests.csv` (one row per packet, streamed while the run goes), `summary.csv` (one
//! row per client and `all`) and `summary.json` (the same plus the scenario, seed, timeout and
//! version). All three appear together at the end of the run or not at all; an interrupted run
//! still writes them, with `status = interrupted`. Invariant: the summary is computed from the
//! same records that became rows, never from a second count.
//!
//! Mode: live (sockets, the machine's clock) or sim (the same cores under virtual time, see
//! `driver::sim` for udp-time and `driver::sim_tcp` for tcp-echo and http, whose TCP is
//! smoltcp's on both ends); only the driver differs, the recording after it is shared. A sim run writes
//! no wall-clock value into its files (the server's address is "sim", `duration_us` is the
//! simulated duration), so the same scenario and seed give byte-identical files; wall time goes
//! to the console only.

use crate::client::loadgen::{LoadGen, LoadGenConfig, Record};
use crate::client::tcp::{Protocol, TcpLoad, TcpLoadConfig};
use crate::cmd::progress::LiveProgress;
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::driver::sim::{self, SIM_EPOCH_UNIX_US, SimLoop, SimPath};
use crate::driver::sim_tcp::{self, TcpSim};
use crate::driver::tcp::TcpService;
use crate::impair::Impairments;
use crate::impair::link::{Link, LinkConfig};
use crate::impair::path::{LinkCounts, LinkEvent, Path, PathConfig};
use crate::metrics::background::RecorderThread;
use crate::metrics::output::RowSink;
use crate::metrics::recorder::{Recorder, RecorderConfig, ServerTruth};
use crate::metrics::stats::{INFINITE_RTT, SummaryRow};
use crate::results::folder::Staging;
use crate::results::schema::{self, FilesJson, ServerJson, Status, SummaryJson, SummaryJsonRow};
use crate::results::{self as files, REPORT_DIR};
use crate::scenario::{Mode, Scenario, ServerKind};
use crate::server::time::{Action, Request, ServerEvent, ServerStats, TimeServer};
use crate::time::{Duration, fmt_ms};
use crate::tr;
use crate::wire::http::{Url, parse_url};
use anyhow::{Context, Result, bail};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

pub struct RunOptions {
    pub scenario: Scenario,
    /// Where the scenario came from, for the record (a path, or "built-in default").
    pub source: String,
    pub out_dir: PathBuf,
    /// Print each discard as the server makes it (the lab's console), not only the summary.
    pub show_discards: bool,
}

/// What happens around the run's folder: the defaults are `losslab run`'s.
#[derive(Clone, Copy, Debug)]
pub struct FolderPolicy {
    /// Write an interrupted run's files (marked `interrupted`); when false, an interrupted run
    /// leaves the folder as it was (`run-all`: a reference is never replaced by half a run).
    pub keep_interrupted: bool,
    /// Redraw a report an earlier run left in `report/` for the new data.
    pub redraw_report: bool,
}

impl Default for FolderPolicy {
    fn default() -> Self {
        FolderPolicy {
            keep_interrupted: true,
            redraw_report: true,
        }
    }
}

/// What a run measured, as returned to callers (tests call this in-process).
#[derive(Debug)]
pub struct RunReport {
    pub stop: Stop,
    pub summary: Vec<SummaryRow>,
    pub server: ServerStats,
    pub server_addr: SocketAddr,
    /// Rows whose outcome disagrees with the server's ground truth.
    pub mismatches: u64,
    /// The run's duration: the event loop's, or in sim mode the simulated time.
    pub duration: Duration,
    /// Wall-clock time of the whole run (console only, never written to a file).
    pub wall: std::time::Duration,
    /// Datagrams and connections to the run's server from other than its own clients,
    /// ignored (live runs; console only).
    pub foreign: u64,
    pub out_dir: PathBuf,
    /// The files were written (false only for an interrupted run under a policy that does not
    /// keep one).
    pub written: bool,
    /// An earlier report in `report/` was redrawn for this run's data.
    pub report_redrawn: bool,
    /// What crossed the `[link]` in all, when the run had one.
    pub link: Option<LinkCounts>,
}

impl RunReport {
    pub fn all(&self) -> &SummaryRow {
        self.summary
            .last()
            .expect("the summary always has an `all` row")
    }
}

struct RunObserver<'a> {
    /// The recording runs on a thread of its own, beside the loop (see `metrics::background`).
    recorder: RecorderThread<RowSink>,
    console: &'a mut dyn Write,
    /// The terminal's progress bar, when there is one.
    progress: Option<LiveProgress>,
    show_discards: bool,
    clients: u32,
    requests: u32,
    retries: u8,
}

impl Observer for RunObserver<'_> {
    fn server_event(&mut self, e: &ServerEvent) {
        // Only ids this run's clients can send: a stray datagram with a made-up id must not
        // grow the map or overwrite a real packet's truth.
        if let Request::Losslab(id) = e.request
            && id.client < self.clients
            && id.seq < self.requests
            && id.attempt <= self.retries
        {
            let truth = ServerTruth {
                action: e.action,
                delay: e.delay,
                state: e.state,
            };
            // A failed hand-over means the recording stopped on a write error; the next
            // record reports it.
            let _ = self.recorder.note_server_action(id, truth);
        }
        if self.show_discards && e.action == Action::Dropped {
            // A console that went away (closed pipe) must not stop the measurement.
            let line = format!(
                "{}\n",
                tr!(
                    "run-discard",
                    ms = format!("{:>9}", fmt_ms(e.at.as_micros())),
                    request = crate::cmd::serve::request_text(e.request),
                    from = e.from.to_string(),
                    rule = e.rule.to_string()
                )
            );
            let console = &mut self.console;
            match &self.progress {
                Some(p) => p.suspend(|| console.write_all(line.as_bytes())),
                None => console.write_all(line.as_bytes()),
            }
            .ok();
        }
    }

    fn record(&mut self, r: &Record) -> io::Result<()> {
        if let Some(p) = &mut self.progress {
            p.record(r);
        }
        self.recorder.record(r)
    }

    fn link_event(&mut self, e: &LinkEvent) -> io::Result<()> {
        self.recorder.link_event(e)
    }
}

/// Runs the experiment and writes its results folder.
pub fn run_experiment(
    opts: &RunOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<RunReport> {
    run_experiment_with_progress(opts, interrupt, console, false)
}

/// [`run_experiment`], with a progress bar on standard error when `progress` (the caller
/// checked that standard error is a terminal).
pub fn run_experiment_with_progress(
    opts: &RunOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
    progress: bool,
) -> Result<RunReport> {
    run_experiment_with(opts, interrupt, console, progress, FolderPolicy::default())
}

/// [`run_experiment_with_progress`] under a [`FolderPolicy`].
pub fn run_experiment_with(
    opts: &RunOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
    progress: bool,
    policy: FolderPolicy,
) -> Result<RunReport> {
    run_experiment_tagged(opts, None, interrupt, console, progress, policy)
}

/// [`run_experiment_with`], recording in `summary.json` the sweep point this run is (`sweep`).
pub fn run_experiment_tagged(
    opts: &RunOptions,
    sweep: Option<&crate::results::schema::SweepJson>,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
    progress: bool,
    policy: FolderPolicy,
) -> Result<RunReport> {
    let sc = &opts.scenario;
    let sim_mode = sc.mode == Mode::Sim;
    let wall = std::time::Instant::now();
    // Sockets first: a port in use must fail before anything is written.
    let clock = Clock::new();
    // Sim mode dates its replies from a fixed epoch, so that nothing depends on the wall clock.
    let epoch_unix_us = if sim_mode {
        SIM_EPOCH_UNIX_US
    } else {
        clock.epoch_unix_us
    };
    if let Some(remote) = sc.server.remote {
        let why = if sim_mode {
            Some(tr!("run-remote-why-sim"))
        } else if sc.server.kind != ServerKind::UdpTime {
            Some(tr!("run-remote-why-kind"))
        } else if sc.link.is_some() {
            Some(tr!("run-remote-why-link"))
        } else {
            None
        };
        if let Some(why) = why {
            bail!(tr!(
                "run-remote-refused",
                source = opts.source.as_str(),
                remote = remote.to_string(),
                why = why
            ));
        }
    }
    // A live run with a `[link]` runs across a private network of its own (driver::link).
    let live_link = if sim_mode { None } else { sc.link.clone() };
    if let (Some(_), Some(url)) = (&live_link, &sc.clients.url) {
        bail!(tr!(
            "run-link-url",
            source = opts.source.as_str(),
            url = url.as_str()
        ));
    }
    let mut ev = match &live_link {
        Some(path) => EventLoop::with_link(clock, path.clone(), sc.seed)?,
        None => EventLoop::new(clock)?,
    };
    let mut simloop = None;
    let mut tcpsim = None;
    let (server_addr, ground_truth) = match sc.server.kind {
        ServerKind::UdpTime => {
            let impair = Impairments::new(sc.impair.clone(), sc.seed).with_retry_schedule(
                sc.clients.timeout,
                sc.clients.backoff,
                sc.seed,
            );
            let server = TimeServer::with_impairments(impair, epoch_unix_us);
            let loadgen = LoadGen::new(LoadGenConfig {
                clients: sc.clients.count,
                first_client: 0,
                requests: sc.clients.requests,
                pacing: sc.clients.pacing,
                timeout: sc.clients.timeout,
                retries: sc.clients.retries,
                backoff: sc.clients.backoff,
                seed: sc.seed,
                late_window: sc.clients.late_window,
                progress: false,
            });
            if sim_mode {
                let link = match &sc.link {
                    Some(p) => SimPath::Link(Box::new(Path::new(p.clone(), sc.seed))),
                    None => SimPath::Default(Link::new(LinkConfig::default(), sc.seed)),
                };
                simloop = Some(SimLoop::new(server, loadgen, link)?);
                (sim::SERVER_ADDR, true)
            } else if let Some(remote) = sc.server.remote {
                // Only the clients run here; the server (and its model) is elsewhere, so this
                // run has no ground truth of its own (`losslab join` adds the server's).
                drop(server);
                ev.add_clients(remote, loadgen)?;
                (remote, false)
            } else {
                let addr = ev.add_server(sc.server.bind, server)?;
                ev.add_clients(reachable(addr), loadgen)?;
                (addr, true)
            }
        }
        ServerKind::TcpEcho | ServerKind::Http if sim_mode => {
            let (service, protocol) = sim_tcp_setup(sc, &opts.source)?;
            let load = TcpLoad::new(tcp_load_config(sc, protocol));
            let path = Path::new(sim_path_config(sc), sc.seed);
            tcpsim = Some(TcpSim::new(load, service, path, sc.seed));
            (sim_tcp::SERVER_ADDR, false)
        }
        ServerKind::TcpEcho | ServerKind::Http => {
            let (addr, protocol) = tcp_setup(sc, &mut ev)?;
            let load = TcpLoad::new(tcp_load_config(sc, protocol));
            ev.add_tcp_clients(reachable(addr), load);
            (addr, false)
        }
    };

    // Staged beside the folder and moved into place at the end (see `results::folder`).
    let mut out = Staging::begin(&opts.out_dir, files::legacy_run_folder)?;
    let requests_path = opts.out_dir.join(files::REQUESTS);
    let periods_path = opts.out_dir.join(files::LOSS_PERIODS);
    let logical_path = opts.out_dir.join(files::LOGICAL);
    let rows = match sc.output.requests_csv {
        true => RowSink::File(out.stream(files::REQUESTS)?),
        false => RowSink::Off,
    };
    let periods = RowSink::File(out.stream(files::LOSS_PERIODS)?);
    // Summary-only runs skip the per-request rows too: they are as many as the packets.
    let logical = match sc.output.requests_csv {
        true => RowSink::File(out.stream(files::LOGICAL)?),
        false => RowSink::Off,
    };
    let link_path = opts.out_dir.join(files::LINK);
    // `link.csv` has a row per packet: summary-only runs skip it as they skip requests.csv.
    let links = match (sc.link.is_some(), sc.output.requests_csv) {
        (false, _) => None,
        (true, true) => Some(RowSink::File(out.stream(files::LINK)?)),
        (true, false) => Some(RowSink::Off),
    };
    let server_text = match (&simloop, &tcpsim, ev.link()) {
        (Some(s), _, _) => tr!("run-server-sim", link = s.link().describe_console()),
        (_, Some(t), _) => tr!(
            "run-server-sim-tcp",
            link = t.path().config().describe_console()
        ),
        (None, None, Some(l)) => tr!(
            "run-server-link",
            server = server_addr.to_string(),
            link = l.config().describe_console(),
            client = crate::driver::netns::CLIENT_IP.to_string()
        ),
        (None, None, None) => server_addr.to_string(),
    };
    let recorder_config = RecorderConfig {
        clients: sc.clients.count,
        first_client: 0,
        ground_truth,
        timeout: sc.clients.timeout,
        retries: sc.clients.retries,
        lost_as_infinite: sc.metrics.lost_as_infinite,
    };
    let mut recorder = match links {
        Some(links) => Recorder::with_link(rows, periods, logical, links, recorder_config),
        None => Recorder::new(rows, periods, logical, recorder_config),
    }
    .with_context(|| err_files(&opts.out_dir))?;
    if !sc.output.requests_csv {
        recorder = recorder.without_rows();
    }

    let _ = writeln!(
        console,
        "{}",
        tr!(
            "run-header",
            name = sc.name.as_str(),
            seed = sc.seed.to_string(),
            impairments = sc.impair.describe_console(),
            clients = sc.clients.count,
            requests = sc.clients.requests,
            timeout = sc.clients.timeout.to_string(),
            server = server_text
        )
    );
    if let Some(remote) = sc.server.remote {
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "run-remote-header",
                remote = remote.to_string(),
                impairments = sc.impair.describe_console()
            )
        );
    }
    let total = u64::from(sc.clients.count) * u64::from(sc.clients.requests);
    let recorder = RecorderThread::spawn(recorder).context(tr!("err-recorder-thread"))?;
    let mut observer = RunObserver {
        recorder,
        console,
        progress: progress.then(|| {
            LiveProgress::new(
                total,
                sc.clients.retries,
                sc.clients.timeout + sc.clients.late_window,
            )
        }),
        show_discards: opts.show_discards,
        clients: sc.clients.count,
        requests: sc.clients.requests,
        retries: sc.clients.retries,
    };
    let stop = match (&mut simloop, &mut tcpsim) {
        (Some(s), _) => s.run(&mut observer, interrupt)?,
        (_, Some(t)) => t.run(&mut observer, interrupt)?,
        _ => ev.run(&mut observer, interrupt)?,
    };
    let duration = match (&simloop, &tcpsim) {
        (Some(s), _) => s.elapsed(),
        (_, Some(t)) => t.elapsed(),
        _ => ev.elapsed(),
    };
    let RunObserver {
        recorder,
        console,
        progress,
        ..
    } = observer;
    if let Some(p) = progress {
        p.finish();
    }

    let mut recorder = recorder
        .finish()
        .with_context(|| err_files(&opts.out_dir))?;
    recorder
        .finish()
        .with_context(|| err_files(&opts.out_dir))?;
    let lg = simloop.as_ref().map_or(ev.loadgen(), |s| Some(s.loadgen()));
    let summary = recorder.summary(|i| lg.map(|l| l.unmatched(i)).unwrap_or_default());
    let mismatches = recorder.mismatches();
    let link_counts: Option<(Vec<LinkCounts>, LinkCounts)> = recorder
        .link_counts()
        .map(|(per_client, all)| (per_client.to_vec(), all));
    if let Some(sink) = recorder
        .take_link_rows()
        .with_context(|| tr!("err-write", path = link_path.display().to_string()))?
    {
        sink.finish(&link_path)?;
    }
    let (rows, periods, logical) = recorder
        .into_inner()
        .with_context(|| err_files(&opts.out_dir))?;
    for (sink, path) in [
        (rows, &requests_path),
        (periods, &periods_path),
        (logical, &logical_path),
    ] {
        sink.finish(path)?;
    }
    let server_stats = match &simloop {
        Some(s) => s.server().stats(),
        None => ev.server().map(TimeServer::stats).unwrap_or_default(),
    };
    let interrupted = stop == Stop::Interrupted;
    let status = if interrupted {
        Status::Interrupted
    } else {
        Status::Complete
    };
    if interrupted && !policy.keep_interrupted {
        drop(out); // the folder stays as it was
        return Ok(RunReport {
            stop,
            summary,
            server: server_stats,
            server_addr,
            mismatches,
            duration,
            wall: wall.elapsed(),
            out_dir: opts.out_dir.clone(),
            written: false,
            report_redrawn: false,
            link: link_counts.map(|(_, all)| all),
            foreign: ev.foreign(),
        });
    }
    let link_rows: Option<Vec<LinkCounts>> = link_counts.as_ref().map(|(per_client, all)| {
        (0..summary.len())
            .map(|i| *per_client.get(i).unwrap_or(all))
            .collect()
    });
    out.bytes(
        files::SUMMARY_CSV,
        &schema::summary_csv(&summary, link_rows.as_deref(), status),
    )?;
    let doc = SummaryJson {
        losslab_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        scenario_file: Some(opts.source.clone()),
        scenario: serde_json::from_value(serde_json::to_value(sc)?)?,
        seed: sc.seed,
        mode: Some(match sc.mode {
            Mode::Live => "live".into(),
            Mode::Sim => "sim".into(),
        }),
        status: Some(status),
        interrupted: Some(interrupted),
        timeout_us: Some(sc.clients.timeout.as_micros()),
        late_window_us: Some(sc.clients.late_window.as_micros()),
        // TCP has no loss model: a lost segment is retransmitted, never a lost request. A
        // udp-time request is lost when the link or the server loses it (independent layers).
        expected_loss: (sc.server.kind == ServerKind::UdpTime).then(|| expected_loss(sc)),
        expected_mean_loss_period: sc.impair.expected_mean_loss_period(),
        // With a lossy [link] too, the larger of the two layers' factors (an approximation:
        // the layers' draws are independent, so the true factor lies between the two).
        loss_variance_factor: Some(
            sc.link
                .as_ref()
                .map_or(1.0, |l| l.impair.loss_variance_factor())
                .max(sc.impair.loss_variance_factor()),
        ),
        loss_ci_method: Some(crate::metrics::stats::LOSS_CI_METHOD.into()),
        rtt_percentiles: Some(
            if sc.metrics.lost_as_infinite {
                "lost-infinite"
            } else {
                "replies"
            }
            .into(),
        ),
        retries: Some(u64::from(sc.clients.retries)),
        backoff: Some(sc.clients.backoff.to_string()),
        tc_equivalent: Some(sc.impair.tc_line("DEV")),
        duration_us: Some(duration.as_micros()),
        server: Some(ServerJson {
            kind: serde_json::to_value(sc.server.kind)?
                .as_str()
                .map(str::to_string),
            address: Some(if sim_mode {
                "sim".to_string()
            } else {
                server_addr.to_string()
            }),
            received: Some(server_stats.received),
            answered: Some(server_stats.answered),
            dropped: Some(server_stats.dropped),
            plain: Some(server_stats.plain),
        }),
        ground_truth_mismatches: Some(mismatches),
        // `null` when requests.csv was not written ([output] requests_csv = false).
        files: Some(FilesJson {
            requests: sc.output.requests_csv.then(|| files::REQUESTS.into()),
            summary: Some(files::SUMMARY_CSV.into()),
            loss_periods: Some(files::LOSS_PERIODS.into()),
            logical: sc.output.requests_csv.then(|| files::LOGICAL.into()),
            // `link.csv`: listed (or null) only for a run with a [link].
            other: match &sc.link {
                Some(_) => [(
                    "link".to_string(),
                    sc.output.requests_csv.then(|| files::LINK.into()),
                )]
                .into(),
                None => Default::default(),
            },
        }),
        summary: summary.iter().map(SummaryJsonRow::from).collect(),
        sim_duration_s: (simloop.is_some() || tcpsim.is_some())
            .then(|| duration.as_micros() as f64 / 1e6),
        link: match (&simloop, &tcpsim, &sc.link) {
            (_, _, Some(link)) => Some(serde_json::to_value(link)?),
            (Some(s), _, None) => match s.link() {
                SimPath::Default(l) => Some(serde_json::to_value(l.config())?),
                _ => None,
            },
            // The default link a TCP sim crossed.
            (None, Some(t), None) => Some(serde_json::to_value(t.path().config().link)?),
            (None, None, None) => None,
        },
        link_counts: match &link_counts {
            Some((_, all)) => Some(serde_json::to_value(all)?),
            None => None,
        },
        link_description: sc.link.as_ref().map(|l| l.describe()),
        sweep: sweep.cloned(),
    };
    out.bytes(files::SUMMARY_JSON, doc.to_text()?.as_bytes())?;
    out.commit()?;
    let report_redrawn = if policy.redraw_report {
        redraw_report(&opts.out_dir, console)
    } else {
        false
    };

    let report = RunReport {
        foreign: ev.foreign(),
        stop,
        summary,
        server: server_stats,
        server_addr,
        mismatches,
        duration,
        wall: wall.elapsed(),
        out_dir: opts.out_dir.clone(),
        written: true,
        report_redrawn,
        link: link_counts.map(|(_, all)| all),
    };
    print_summary(console, sc, &report);
    Ok(report)
}

/// The share of udp-time round trips the scenario's models lose: the server's own and, with a
/// `[link]`, the link's, whose draws are independent of each other.
pub fn expected_loss(sc: &Scenario) -> f64 {
    let server = sc.impair.expected_round_trip_loss();
    match sc
        .link
        .as_ref()
        .map_or(0.0, |l| l.expected_round_trip_loss())
    {
        0.0 => server,
        link => 1.0 - (1.0 - server) * (1.0 - link),
    }
}

/// `summary.csv`'s columns for what crossed the `[link]` (runs with a link only).
pub const LINK_SUMMARY_COLUMNS: &str = "link_request_packets,link_request_dropped,link_request_duplicated,link_reply_packets,link_reply_dropped,link_reply_duplicated";

/// After a run replaced a results folder: a report an earlier run left in `report/` described
/// other data, so it is redrawn for the new files; if it cannot be, losslab's own files of it
/// are removed (a user's files there stay), and the console says so. A `report` that is a
/// symlink is never followed: it is left as it is, with a line saying it is stale. Returns
/// whether the report was redrawn.
fn redraw_report(dir: &std::path::Path, console: &mut dyn Write) -> bool {
    let report = dir.join(REPORT_DIR);
    let Ok(meta) = std::fs::symlink_metadata(&report) else {
        return false;
    };
    if meta.file_type().is_symlink() {
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "run-report-symlink",
                report = report.display().to_string(),
                dir = dir.display().to_string()
            )
        );
        return false;
    }
    let ours = crate::results::folder::read_manifest(&report)
        .ok()
        .flatten()
        .is_some_and(|m| m.contains(files::REPORT_MD))
        || files::legacy_report_folder(&report);
    if !meta.is_dir() || !ours {
        return false;
    }
    // In the user's language, as `run --report` draws it.
    match crate::report::write_report(&crate::report::ReportOptions {
        dirs: vec![dir.to_path_buf()],
        out: None,
        window: None,
        lang: crate::i18n::lang(),
    }) {
        Ok(w) => {
            let _ = writeln!(
                console,
                "{}",
                tr!("run-report-redrawn", dir = w.out_dir.display().to_string())
            );
            true
        }
        Err(e) => {
            let removed = crate::results::folder::remove_own(&report).unwrap_or_default();
            let _ = writeln!(
                console,
                "{}",
                tr!(
                    "run-report-removed",
                    report = report.display().to_string(),
                    error = format!("{e:#}"),
                    files = if removed.is_empty() {
                        tr!("run-report-removed-none")
                    } else {
                        removed.join(", ")
                    }
                )
            );
            false
        }
    }
}

/// "cannot write the files of DIR", the context of every failure to write a run's files.
fn err_files(dir: &std::path::Path) -> String {
    tr!("err-write-files", dir = dir.display().to_string())
}

/// Clients cannot send to 0.0.0.0; a server bound to all interfaces is reached on loopback.
pub fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    SocketAddr::new(ip, addr.port())
}

/// The TCP clients' configuration (live and sim alike).
fn tcp_load_config(sc: &Scenario, protocol: Protocol) -> TcpLoadConfig {
    TcpLoadConfig {
        clients: sc.clients.count,
        first_client: 0,
        requests: sc.clients.requests,
        pacing: sc.clients.pacing,
        timeout: sc.clients.timeout,
        retries: sc.clients.retries,
        backoff: sc.clients.backoff,
        seed: sc.seed,
        reuse: !sc.clients.new_connection,
        protocol,
        progress: false,
    }
}

/// The path a sim run's packets cross: the scenario's `[link]`, or the default link.
fn sim_path_config(sc: &Scenario) -> PathConfig {
    sc.link.clone().unwrap_or_default()
}

/// What the simulated TCP server runs and what the clients send to it. The simulation has no
/// outside network, so an http scenario's HEAD requests always go to the built-in responder.
fn sim_tcp_setup(sc: &Scenario, source: &str) -> Result<(TcpService, Protocol)> {
    let c = &sc.clients;
    match sc.server.kind {
        ServerKind::TcpEcho => {
            let message = c.message.clone().unwrap_or_default().into_bytes();
            Ok((
                TcpService::Echo { keep_open: false },
                Protocol::Echo { message },
            ))
        }
        _ => {
            if let Some(url) = &c.url {
                bail!(tr!("run-sim-url", source = source, url = url.as_str()));
            }
            let url = parse_url(&format!("http://{}/", sim_tcp::SERVER_ADDR))
                .map_err(anyhow::Error::msg)?;
            let head = Protocol::Head {
                url,
                http10: c.http10,
            };
            Ok((TcpService::Http, head))
        }
    }
}

/// Starts the scenario's TCP server (unless an http scenario names an outside URL) and says what
/// the clients send: returns the address they connect to and their protocol.
fn tcp_setup(sc: &Scenario, ev: &mut EventLoop) -> Result<(SocketAddr, Protocol)> {
    let c = &sc.clients;
    match sc.server.kind {
        ServerKind::TcpEcho => {
            let addr = ev.add_tcp_server(sc.server.bind, TcpService::Echo { keep_open: false })?;
            let message = c.message.clone().unwrap_or_default().into_bytes();
            Ok((addr, Protocol::Echo { message }))
        }
        _ => {
            let (addr, url) = match &c.url {
                Some(text) => {
                    let url = parse_url(text).map_err(anyhow::Error::msg)?;
                    (resolve_url(&url)?, url)
                }
                None => {
                    let addr = ev.add_tcp_server(sc.server.bind, TcpService::Http)?;
                    let url = parse_url(&format!("http://{}/", reachable(addr)))
                        .map_err(anyhow::Error::msg)?;
                    (addr, url)
                }
            };
            Ok((
                addr,
                Protocol::Head {
                    url,
                    http10: c.http10,
                },
            ))
        }
    }
}

/// The first address of a URL's host, naming the URL when it cannot be resolved.
pub fn resolve_url(url: &Url) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| {
            anyhow::anyhow!(tr!(
                "err-resolve-url",
                authority = url.authority.as_str(),
                error = e.to_string()
            ))
        })?
        .next()
        .ok_or_else(|| {
            anyhow::anyhow!(tr!(
                "err-url-no-address",
                authority = url.authority.as_str()
            ))
        })
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn ms(v: Option<u64>) -> String {
    match v {
        None => "-".into(),
        Some(INFINITE_RTT) => "inf".into(),
        Some(v) => fmt_ms(v),
    }
}

/// The summary as a table a person reads at the end of a run.
pub fn render_table(rows: &[SummaryRow]) -> String {
    let mut t = format!(
        "{:<6} {:>7} {:>7} {:>8} {:>7}  {:<15} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        tr!("table-scope"),
        tr!("table-sent"),
        tr!("table-replies"),
        tr!("table-timeouts"),
        tr!("table-loss"),
        tr!("table-loss-ci"),
        tr!("table-rtt-min"),
        "p50",
        "p90",
        "p99",
        tr!("table-max-ms")
    );
    for r in rows {
        let ci = match (r.loss_ci_low, r.loss_ci_high) {
            (Some(lo), Some(hi)) => format!("{:.1}-{:.1}%", lo * 100.0, hi * 100.0),
            _ => "-".into(),
        };
        t.push_str(&format!(
            "{:<6} {:>7} {:>7} {:>8} {:>7}  {:<15} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            r.scope,
            r.sent,
            r.replies,
            r.timeouts,
            pct(r.loss_ratio),
            ci,
            ms(r.rtt_min_us),
            ms(r.rtt_p50_us),
            ms(r.rtt_p90_us),
            ms(r.rtt_p99_us),
            ms(r.rtt_max_us),
        ));
    }
    t
}

fn print_summary(console: &mut dyn Write, sc: &Scenario, r: &RunReport) {
    let all = r.all();
    let mut text = String::new();
    if r.stop == Stop::Interrupted {
        text.push_str(&format!("\n{}\n", tr!("run-interrupted")));
    }
    text.push('\n');
    text.push_str(&render_table(&r.summary));
    if let Some(remote) = sc.server.remote {
        text.push_str(&format!(
            "\n{}\n",
            tr!(
                "run-remote-summary",
                remote = remote.to_string(),
                loss = pct(all.loss_ratio),
                impairments = sc.impair.describe_console()
            )
        ));
    } else if sc.server.kind == ServerKind::UdpTime {
        // With a [link], the two layers' losses together (independent draws).
        let expected = (1.0
            - (1.0 - sc.impair.expected_round_trip_loss())
                * (1.0
                    - sc.link
                        .as_ref()
                        .map_or(0.0, |l| l.expected_round_trip_loss())))
            * 100.0;
        let retries = if sc.clients.retries > 0 && all.first_attempts > 0 {
            let first = pct(Some(
                all.first_attempt_losses as f64 / all.first_attempts as f64,
            ));
            // Only a model with state makes a retry meet the loss that hit its first
            // attempt more often; independent losses treat every attempt alike.
            match sc.impair.loss.is_some_and(|l| l.is_stateful()) {
                true => tr!("run-server-retries-stateful", first = first),
                false => tr!("run-server-retries", first = first),
            }
        } else {
            String::new()
        };
        text.push_str(&format!(
            "\n{}\n",
            tr!(
                "run-server",
                received = r.server.received,
                answered = r.server.answered,
                discarded = r.server.dropped,
                expected = format!("{expected:.1}"),
                measured = pct(all.loss_ratio),
                retries = retries
            )
        ));
        if let (Some(c), Some(link)) = (&r.link, &sc.link) {
            text.push_str(&format!(
                "{}\n",
                tr!(
                    "run-link-udp",
                    link = link.describe_console(),
                    req_dropped = c.request.dropped + c.request.corrupted,
                    requests = c.request.packets,
                    rep_dropped = c.reply.dropped + c.reply.corrupted,
                    replies = c.reply.packets
                )
            ));
        }
    } else {
        if let (Some(c), Some(link)) = (&r.link, &sc.link) {
            text.push_str(&format!(
                "\n{}",
                tr!(
                    "run-link-tcp",
                    link = link.describe_console(),
                    req_dropped = c.request.dropped + c.request.corrupted,
                    requests = c.request.packets,
                    rep_dropped = c.reply.dropped + c.reply.corrupted,
                    replies = c.reply.packets
                )
            ));
        }
        text.push_str(&format!("\n{}\n", tr!("run-tcp", errors = all.errors)));
    }
    if r.foreign > 0 {
        text.push_str(&format!("{}\n", tr!("run-foreign", n = r.foreign)));
    }
    if all.loss_periods > 0 {
        let model = sc
            .impair
            .expected_mean_loss_period()
            .map_or(String::new(), |m| {
                tr!("run-loss-periods-model", mean = format!("{m:.2}"))
            });
        text.push_str(&format!(
            "{}\n",
            tr!(
                "run-loss-periods",
                periods = all.loss_periods,
                mean = format!("{:.2}", all.loss_period_mean.unwrap_or(0.0)),
                model = model,
                longest = all.loss_period_max.unwrap_or(0)
            )
        ));
    }
    if sc.clients.retries > 0 {
        text.push_str(&format!(
            "{}\n",
            tr!(
                "run-retries",
                retries = sc.clients.retries,
                backoff = sc.clients.backoff.to_string(),
                successes = all.successes,
                requests = all.logical_requests,
                ratio = pct(all.success_ratio),
                attempts = format!("{:.2}", all.attempts_per_success.unwrap_or(0.0)),
                goodput = all.goodput_ratio.map_or("-".into(), |g| format!("{g:.2}")),
                p50 = ms(all.tts_p50_us),
                p99 = ms(all.tts_p99_us)
            )
        ));
    }
    if sc.impair.delay.is_some() {
        text.push_str(&format!("{}\n", tr!("run-delay-note")));
    }
    if all.late > 0 {
        text.push_str(&format!(
            "{}\n",
            tr!(
                "run-late",
                n = all.late,
                timeout = sc.clients.timeout.to_string()
            )
        ));
    }
    if r.mismatches > 0 {
        text.push_str(&format!("{}\n", tr!("run-mismatches", n = r.mismatches)));
    }
    let files = match (sc.output.requests_csv, sc.link.is_some()) {
        (true, false) => "requests.csv,summary.csv,summary.json,loss_periods.csv,logical.csv",
        (true, true) => {
            "requests.csv,summary.csv,summary.json,loss_periods.csv,logical.csv,link.csv"
        }
        (false, _) => "summary.csv,summary.json,loss_periods.csv",
    };
    let seconds = r.duration.as_micros() as f64 / 1e6;
    let timing = match sc.mode {
        Mode::Live => format!("{seconds:.2} s"),
        Mode::Sim => tr!(
            "run-sim-timing",
            simulated = format!("{seconds:.3}"),
            wall = format!("{:.3}", r.wall.as_secs_f64()),
            rate = format!("{:.0}", all.sent as f64 / r.wall.as_secs_f64().max(1e-9))
        ),
    };
    text.push_str(&format!(
        "{}\n",
        tr!(
            "run-results",
            dir = r.out_dir.display().to_string(),
            files = files,
            timing = timing
        )
    ));
    let _ = console.write_all(text.as_bytes());
}
