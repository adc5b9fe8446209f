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
//! `driver::sim`); only the driver differs, the recording after it is shared. A sim run writes
//! no wall-clock value into its files (the server's address is "sim", `duration_us` is the
//! simulated duration), so the same scenario and seed give byte-identical files; wall time goes
//! to the console only.

use crate::client::loadgen::{LoadGen, LoadGenConfig, Record};
use crate::client::tcp::{Protocol, TcpLoad, TcpLoadConfig};
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::driver::sim::{self, SIM_EPOCH_UNIX_US, SimLoop};
use crate::driver::tcp::TcpService;
use crate::impair::Impairments;
use crate::impair::link::Link;
use crate::metrics::output::{ResultsDir, RowSink, finish};
use crate::metrics::recorder::{Recorder, ServerTruth};
use crate::metrics::stats::{SUMMARY_COLUMNS, SummaryRow};
use crate::scenario::{Mode, SIM_UDP_ONLY, Scenario, ServerKind};
use crate::server::time::{Action, Request, ServerEvent, ServerStats, TimeServer};
use crate::time::{Duration, fmt_ms};
use crate::wire::http::{Url, parse_url};
use anyhow::{Context, Result, bail};
use serde_json::json;
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
    pub out_dir: PathBuf,
}

impl RunReport {
    pub fn all(&self) -> &SummaryRow {
        self.summary
            .last()
            .expect("the summary always has an `all` row")
    }
}

struct RunObserver<'a> {
    recorder: Recorder<RowSink>,
    console: &'a mut dyn Write,
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
            self.recorder.note_server_action(
                id,
                ServerTruth {
                    action: e.action,
                    delay: e.delay,
                    state: e.state,
                },
            );
        }
        if self.show_discards && e.action == Action::Dropped {
            // A console that went away (closed pipe) must not stop the measurement.
            let _ = writeln!(
                self.console,
                "[{:>9} ms] server discarded {} from {} ({})",
                fmt_ms(e.at.as_micros()),
                e.request,
                e.from,
                e.rule
            );
        }
    }

    fn record(&mut self, r: &Record) -> io::Result<()> {
        self.recorder.record(r)
    }
}

/// Runs the experiment and writes its results folder.
pub fn run_experiment(
    opts: &RunOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<RunReport> {
    let sc = &opts.scenario;
    let sim_mode = sc.mode == Mode::Sim;
    if sim_mode && sc.server.kind != ServerKind::UdpTime {
        bail!("{}: {SIM_UDP_ONLY}", opts.source);
    }
    let wall = std::time::Instant::now();
    // Sockets first: a port in use must fail before anything is written.
    let clock = Clock::new();
    // Sim mode dates its replies from a fixed epoch, so that nothing depends on the wall clock.
    let epoch_unix_us = if sim_mode {
        SIM_EPOCH_UNIX_US
    } else {
        clock.epoch_unix_us
    };
    let mut ev = EventLoop::new(clock)?;
    let mut simloop = None;
    let (server_addr, ground_truth) = match sc.server.kind {
        ServerKind::UdpTime => {
            let impair = Impairments::new(sc.impair.clone(), sc.seed);
            let server = TimeServer::with_impairments(impair, epoch_unix_us);
            let loadgen = LoadGen::new(LoadGenConfig {
                clients: sc.clients.count,
                first_client: 0,
                requests: sc.clients.requests,
                pacing: sc.clients.pacing,
                timeout: sc.clients.timeout,
                retries: sc.clients.retries,
                late_window: sc.clients.late_window,
                progress: false,
            });
            if sim_mode {
                let link = Link::new(sc.link.unwrap_or_default(), sc.seed);
                simloop = Some(SimLoop::new(server, loadgen, link)?);
                (sim::SERVER_ADDR, true)
            } else {
                let addr = ev.add_server(sc.server.bind, server)?;
                ev.add_clients(reachable(addr), loadgen)?;
                (addr, true)
            }
        }
        ServerKind::TcpEcho | ServerKind::Http => {
            let (addr, protocol) = tcp_setup(sc, &mut ev)?;
            let load = TcpLoad::new(TcpLoadConfig {
                clients: sc.clients.count,
                first_client: 0,
                requests: sc.clients.requests,
                pacing: sc.clients.pacing,
                timeout: sc.clients.timeout,
                retries: sc.clients.retries,
                reuse: !sc.clients.new_connection,
                protocol,
                progress: false,
            });
            ev.add_tcp_clients(reachable(addr), load);
            (addr, false)
        }
    };

    let mut out = ResultsDir::create(&opts.out_dir)?;
    let requests_path = opts.out_dir.join("requests.csv");
    let rows = match sc.output.requests_csv {
        true => RowSink::File(out.stage("requests.csv")?),
        false => RowSink::Off,
    };
    let server_text = match &simloop {
        Some(s) => format!("sim (virtual time, link {})", s.link().config().describe()),
        None => server_addr.to_string(),
    };
    let mut recorder = Recorder::new(rows, sc.clients.count, ground_truth, sc.clients.timeout)
        .with_context(|| format!("cannot write {}", requests_path.display()))?;
    if !sc.output.requests_csv {
        recorder = recorder.without_rows();
    }

    let _ = writeln!(
        console,
        "losslab run {}: seed {}, impairments {}, {} clients x {} requests, timeout {}, server {}",
        sc.name,
        sc.seed,
        sc.impair.describe(),
        sc.clients.count,
        sc.clients.requests,
        sc.clients.timeout,
        server_text
    );
    let mut observer = RunObserver {
        recorder,
        console,
        show_discards: opts.show_discards,
        clients: sc.clients.count,
        requests: sc.clients.requests,
        retries: sc.clients.retries,
    };
    let stop = match &mut simloop {
        Some(s) => s.run(&mut observer, interrupt)?,
        None => ev.run(&mut observer, interrupt)?,
    };
    let duration = simloop
        .as_ref()
        .map_or_else(|| ev.elapsed(), SimLoop::elapsed);
    let RunObserver {
        recorder, console, ..
    } = observer;

    let lg = simloop.as_ref().map_or(ev.loadgen(), |s| Some(s.loadgen()));
    let summary = recorder.summary(0, |i| lg.map(|l| l.unmatched(i)).unwrap_or_default());
    let mismatches = recorder.mismatches();
    let rows = recorder
        .into_inner()
        .with_context(|| format!("cannot write {}", requests_path.display()))?;
    if let RowSink::File(rows) = rows {
        finish(rows, &requests_path)?;
    }
    let server_stats = match &simloop {
        Some(s) => s.server().stats(),
        None => ev.server().map(TimeServer::stats).unwrap_or_default(),
    };
    let status = if stop == Stop::Interrupted {
        "interrupted"
    } else {
        "complete"
    };

    let mut csv = format!("{SUMMARY_COLUMNS},status\n");
    for row in &summary {
        csv.push_str(&row.to_csv());
        csv.push(',');
        csv.push_str(status);
        csv.push('\n');
    }
    out.stage_bytes("summary.csv", csv.as_bytes())?;
    let mut doc = json!({
        "losslab_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": opts.source,
        "scenario": sc,
        "seed": sc.seed,
        "mode": sc.mode,
        "status": status,
        "interrupted": stop == Stop::Interrupted,
        "timeout_us": sc.clients.timeout.as_micros(),
        "late_window_us": sc.clients.late_window.as_micros(),
        "expected_loss": sc.impair.expected_round_trip_loss(),
        "tc_equivalent": sc.impair.tc_line("DEV"),
        "duration_us": duration.as_micros(),
        "server": {
            "kind": sc.server.kind,
            "address": if sim_mode { "sim".to_string() } else { server_addr.to_string() },
            "received": server_stats.received,
            "answered": server_stats.answered,
            "dropped": server_stats.dropped,
            "plain": server_stats.plain,
        },
        "ground_truth_mismatches": mismatches,
        // `null` when requests.csv was not written ([output] requests_csv = false).
        "files": {
            "requests": sc.output.requests_csv.then_some("requests.csv"),
            "summary": "summary.csv",
        },
        "summary": summary,
    });
    if let Some(s) = &simloop {
        // serde_json's map is sorted by key, so where these go does not depend on insertion.
        doc["sim_duration_s"] = json!(duration.as_micros() as f64 / 1e6);
        doc["link"] = json!(s.link().config());
    }
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    out.stage_bytes("summary.json", text.as_bytes())?;
    out.commit()?;

    let report = RunReport {
        stop,
        summary,
        server: server_stats,
        server_addr,
        mismatches,
        duration,
        wall: wall.elapsed(),
        out_dir: opts.out_dir.clone(),
    };
    print_summary(console, sc, &report);
    Ok(report)
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
        .map_err(|e| anyhow::anyhow!("cannot resolve the host of http://{}/: {e}", url.authority))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("the host of http://{}/ has no address", url.authority))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn ms(v: Option<u64>) -> String {
    v.map_or("-".into(), fmt_ms)
}

/// The summary as a table a person reads at the end of a run.
pub fn render_table(rows: &[SummaryRow]) -> String {
    let mut t = format!(
        "{:<6} {:>7} {:>7} {:>8} {:>7}  {:<15} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
        "scope",
        "sent",
        "replies",
        "timeouts",
        "loss",
        "loss 95% CI",
        "rtt min",
        "p50",
        "p90",
        "p99",
        "max ms"
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
        text.push_str("\ninterrupted: the results below cover what was measured before the stop\n");
    }
    text.push('\n');
    text.push_str(&render_table(&r.summary));
    if sc.server.kind == ServerKind::UdpTime {
        text.push_str(&format!(
            "\nserver: received {}, answered {}, discarded {}; the loss model expects {:.1}% \
             loss, measured {}.\n",
            r.server.received,
            r.server.answered,
            r.server.dropped,
            sc.impair.expected_round_trip_loss() * 100.0,
            pct(all.loss_ratio),
        ));
    } else {
        text.push_str(&format!(
            "\nTCP: {} requests failed outright (refused, reset, malformed); TCP never reports a \
             lost segment to the application, it retransmits it and the loss shows up as delay.\n",
            all.errors
        ));
    }
    if sc.impair.delay.is_some() {
        text.push_str("The loss model's figure leaves out delay: a reply held past the timeout is lost too.\n");
    }
    if all.late > 0 {
        text.push_str(&format!(
            "{} replies came after the {} timeout and count as lost (RFC 7680).\n",
            all.late, sc.clients.timeout
        ));
    }
    if r.mismatches > 0 {
        text.push_str(&format!(
            "{} packets' outcome differs from what the server did (answered but no reply in \
             time, or never reached the server).\n",
            r.mismatches
        ));
    }
    let files = match sc.output.requests_csv {
        true => "requests.csv,summary.csv,summary.json",
        false => "summary.csv,summary.json",
    };
    let seconds = r.duration.as_micros() as f64 / 1e6;
    let timing = match sc.mode {
        Mode::Live => format!("{seconds:.2} s"),
        Mode::Sim => format!(
            "simulated {seconds:.3} s in {:.3} s of wall time, {:.0} requests/s",
            r.wall.as_secs_f64(),
            all.sent as f64 / r.wall.as_secs_f64().max(1e-9)
        ),
    };
    text.push_str(&format!(
        "results: {}/{{{files}}} ({timing})\n",
        r.out_dir.display(),
    ));
    let _ = console.write_all(text.as_bytes());
}
