//! Command-line interface: clap definitions and the mapping from outcomes to exit codes.
//!
//! Exit codes: 0 success, 1 `losslab check` found a check that failed, 2 error (bad input,
//! socket failure, unwritable output), 130 a run interrupted by Ctrl-C or SIGTERM, once or
//! twice (its results are written and marked `interrupted`). Errors print as
//! `Error: ...` with their cause chain. Invariant: nothing here measures; it only parses and
//! dispatches to `cmd`.

use crate::cmd::echo::{EchoOptions, ServeEchoOptions, run_echo_client, serve_echo};
use crate::cmd::head::{HeadOptions, run_head};
use crate::cmd::run::RunOptions;
use crate::cmd::serve::{ServeOptions, serve_time};
use crate::cmd::time_client::{TimeOptions, run_time_client};
use crate::driver::live::Stop;
use crate::impair::ImpairConfig;
use crate::report::ReportOptions;
use crate::scenario::{self, DEFAULT_SCENARIO, DEFAULT_SCENARIO_PATH};
use crate::time::Duration;
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A packet-loss lab: a lossy UDP time server and the clients that measure it.
#[derive(Parser, Debug)]
#[command(name = "losslab", version, about, max_term_width = 100)]
pub struct Cli {
    /// Language of the messages: es or en [default: from LC_ALL, LC_MESSAGES or LANG, else en].
    #[arg(long, global = true, value_parser = ["en", "es"])]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run an experiment: the lossy server and its clients in one event loop, recorded to CSV.
    Run(RunArgs),
    /// Run a server by hand.
    #[command(subcommand)]
    Serve(ServeCommand),
    /// Ask a UDP time server for the time, ping-like: one line per request, then a summary.
    Time(TimeArgs),
    /// The lab guide, walked: its exercises with the losslab command for each.
    Lab,
    /// The lab's echo client: send a message (or each line typed after "> ") and print the reply.
    Echo(EchoArgs),
    /// The lab's exercise 2: send HTTP HEAD requests and show the response, like `curl -sI`.
    Head(HeadArgs),
    /// Loss models: what a spec means, and its netem equivalent.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Gate CI on a results folder: check its loss against the model, an expectations file or
    /// a baseline folder; exit 0 if every check passes, 1 if one fails, 2 on unreadable input.
    Check(crate::check::CheckArgs),
    /// Plots and a markdown report from results folders (one, or several to compare).
    Report(ReportArgs),
    /// Run every scenario into results/<name>/ (the reference outputs); --verify reruns them and
    /// compares: sim-mode folders byte for byte, live ones with `losslab check`.
    RunAll(RunAllArgs),
    /// Run a grid of parameters × seeds (a sweep file) on all cores, or list its runs for GNU
    /// parallel, or print a Slurm job-array script; writes OUT/<point>/seed-<n>/ and sweep.csv.
    Sweep(crate::sweep::exec::SweepArgs),
    /// Build a sweep's sweep.csv from its run folders, wherever they were made.
    Merge(crate::sweep::exec::MergeArgs),
    /// Join a run against a server elsewhere (run --server) with the server's own record
    /// (serve time --record): each loss split into the way there, the server's model and the
    /// way back, by request id (clocks are never compared).
    Join(crate::cmd::join::JoinArgs),
    /// A lossy UDP relay: clients send to --listen, datagrams go on to --to and back, each
    /// crossing the seeded path (loss, delay, duplicate, reorder, corrupt) per direction.
    Relay(crate::cmd::relay::RelayArgs),
    /// Any two programs across a live lossy link (Linux): --server runs at 10.77.0.1, --client
    /// at 10.77.0.2, every packet between them crosses the seeded path; exits with the
    /// client's status.
    #[cfg(target_os = "linux")]
    Link(crate::cmd::link::LinkArgs),
}

#[derive(Args, Debug)]
pub struct RunAllArgs {
    /// Folder of scenario files.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// Where the runs go [default: results, or a temporary folder with --verify].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Rerun and compare with the committed references instead of replacing them; exit 1 on any
    /// difference (sim mode) or failed check (live mode).
    #[arg(long)]
    pub verify: bool,
    /// The committed references --verify compares with.
    #[arg(long, default_value = "results")]
    pub results: PathBuf,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Results folders written by `losslab run`; two or more are compared side by side.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write report.md and the SVG figures [default: DIR/report for one folder;
    /// required for several].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Packets per window in the loss-over-time plot [default: about a twentieth of the run].
    #[arg(long)]
    pub window: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Print a loss spec's parameters, stationary loss, mean burst length and `tc` line.
    Explain {
        /// A loss spec, e.g. "gemodel 1% 30%", "bursty 5% burst 3", "state 1% 30%", "random 10%".
        spec: String,
    },
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML). Without one, runs the built-in default, scenarios/lab9-udp-time.toml.
    pub scenario: Option<PathBuf>,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Results folder [default: results/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print only the summary, not each discard (nor the progress bar); twice (-qq): print
    /// nothing at all, for scripts that only want the files and the exit code.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Also write the report (plots and report.md) into RESULTS/report.
    #[arg(long)]
    pub report: bool,
    /// Simulate: virtual time over the scenario's [link], no sockets (TCP scenarios run over
    /// smoltcp's TCP/IP stack); the same seed gives byte-identical files.
    #[arg(long, conflicts_with = "live")]
    pub sim: bool,
    /// Run on real sockets even if the scenario says mode = "sim".
    #[arg(long)]
    pub live: bool,
    /// Do not write requests.csv (one row per packet); keep only the summaries.
    #[arg(long)]
    pub no_requests_csv: bool,
    /// Override a scenario field (a dotted path into the file), checked as the file is:
    /// `--set impair.loss="bursty 10% burst 5"`, `--set clients.retries=3`. Repeatable.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub sets: Vec<crate::sweep::set::Set>,
    /// Record this run as a point of sweep ID (what `losslab sweep --list` writes).
    #[arg(long, value_name = "ID")]
    pub sweep_id: Option<String>,
    /// Run only the scenario's clients, against a udp-time server elsewhere (e.g. `losslab
    /// serve time --record DIR` on another host); `losslab join` then splits every loss into
    /// the way there, the server's model and the way back.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "sim")]
    pub server: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ServeCommand {
    /// The lab's exercise 1: a UDP server that answers with the date and time, losing requests.
    Time(ServeTimeArgs),
    /// The lab's echo servers: UDP replies "Res: " + data, TCP "Resp: " + data and closes.
    Echo(ServeEchoArgs),
}

#[derive(Args, Debug)]
#[group(id = "transport", required = true, multiple = false)]
pub struct Transport {
    /// Use UDP.
    #[arg(long, group = "transport")]
    pub udp: bool,
    /// Use TCP.
    #[arg(long, group = "transport")]
    pub tcp: bool,
}

#[derive(Args, Debug)]
pub struct ServeEchoArgs {
    #[command(flatten)]
    pub transport: Transport,
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:21567")]
    pub bind: SocketAddr,
    /// TCP: answer every chunk a client sends instead of closing after the first answer.
    #[arg(long)]
    pub keep_open: bool,
    /// Stop after this many requests.
    #[arg(long)]
    pub max_requests: Option<u64>,
    /// TCP: close a connection after this long without bytes either way.
    #[arg(long, default_value = "30s", value_parser = parse_nonzero_duration)]
    pub idle_timeout: Duration,
}

#[derive(Args, Debug)]
pub struct EchoArgs {
    /// Server address, HOST:PORT.
    pub addr: String,
    #[command(flatten)]
    pub transport: Transport,
    /// What to send; without it, each line of standard input is sent after a "> " prompt.
    pub message: Option<String>,
    /// How long to wait for each reply.
    #[arg(short = 'W', long, default_value = "2s", value_parser = parse_nonzero_duration)]
    pub timeout: Duration,
}

#[derive(Args, Debug)]
pub struct HeadArgs {
    /// http://HOST[:PORT]/PATH
    pub url: String,
    /// Measure N requests (connect time, time to headers) instead of printing the response.
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
    /// How long to wait for each response's headers.
    #[arg(short = 'W', long, default_value = "5s", value_parser = parse_nonzero_duration)]
    pub timeout: Duration,
    /// Send HTTP/1.0 requests.
    #[arg(long = "http1.0")]
    pub http10: bool,
    /// Open a new connection for every request instead of reusing a kept-alive one.
    #[arg(long)]
    pub new_connection: bool,
}

#[derive(Args, Debug)]
pub struct ServeTimeArgs {
    /// Address to listen on (loopback by default, never all interfaces unless asked).
    #[arg(long, default_value = "127.0.0.1:21567")]
    pub bind: SocketAddr,
    /// Loss: a probability (0.5) or a netem loss spec ("random 10%", "gemodel 1% 30%",
    /// "state 1% 30% ...", "bursty 5% burst 3", "pattern 10") [default: 0.5, the lab's server,
    /// when no other impairment is given].
    #[arg(long)]
    pub loss: Option<String>,
    /// Delay in netem's syntax: "T [JITTER] [distribution uniform|normal|pareto|paretonormal]".
    #[arg(long)]
    pub delay: Option<String>,
    /// Duplicate a share of packets: "P" (e.g. "5%").
    #[arg(long)]
    pub duplicate: Option<String>,
    /// Send a share of packets at once while the others wait out the delay: "P".
    #[arg(long)]
    pub reorder: Option<String>,
    /// Alter a share of replies (the client's checksum catches them): "P".
    #[arg(long)]
    pub corrupt: Option<String>,
    /// Which packets the impairments act on: request, reply or both.
    #[arg(long)]
    pub direction: Option<String>,
    /// Seed of the drop decisions: the same seed discards the same requests.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Stop after this many datagrams.
    #[arg(long)]
    pub max_requests: Option<u64>,
    /// Print only discards, not answered requests.
    #[arg(short, long)]
    pub quiet: bool,
    /// What to answer: the lab's text, RFC 867 daytime, RFC 868 time (both also on TCP, the
    /// same port) or RFC 4330 SNTP.
    #[arg(long, value_enum, default_value = "lab")]
    pub protocol: crate::server::protocols::Protocol,
    /// Write the server's ground truth into this folder: server.csv (one row per datagram:
    /// when, from where, its id, what the model did) and server.json.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// SNTP: an address that asks again sooner than this gets a kiss-o'-death RATE.
    #[arg(long, default_value = "1s", value_parser = parse_nonzero_duration)]
    pub min_interval: Duration,
}

#[derive(Args, Debug)]
pub struct TimeArgs {
    /// Server address, HOST:PORT.
    pub addr: String,
    /// Number of requests.
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// Time between requests.
    #[arg(short, long, default_value = "1s", value_parser = parse_nonzero_duration)]
    pub interval: Duration,
    /// How long to wait for each reply before counting it lost.
    #[arg(short = 'W', long, default_value = "1s", value_parser = parse_nonzero_duration)]
    pub timeout: Duration,
    /// Send a lost request again, up to this many times.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub retries: u8,
    /// Client id written into requests (losslab servers key their drop decisions on it).
    #[arg(long, default_value_t = 0)]
    pub client_id: u32,
    /// lab: losslab's protocol; sntp: RFC 4330, printing offset and delay per reply.
    #[arg(long, value_enum, default_value = "lab")]
    pub protocol: TimeProtocol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TimeProtocol {
    Lab,
    Sntp,
}

fn parse_nonzero_duration(s: &str) -> Result<Duration, String> {
    match Duration::parse(s)? {
        Duration::ZERO => Err(crate::tr!("arg-err-zero-duration")),
        d => Ok(d),
    }
}

/// Ctrl-C / SIGTERM handling. The first and the second signal set `interrupt`, which asks the
/// event loop to stop and keep what it measured: GNU `timeout` sends SIGTERM twice (to the
/// process, then to its group), and a user presses Ctrl-C twice when the first seems slow, so
/// both must still let the files be written. Only a third signal ends the process at once
/// with 130 (a run's files are then left unfinished in the staging folder, and the results
/// folder as it was); so does a first one while the program waits on standard input
/// (`waiting`), where there is nothing to keep.
pub struct Signals {
    pub interrupt: Arc<AtomicBool>,
    pub waiting: Arc<AtomicBool>,
}

/// Signals that end the process at once, counting from the first.
const ABANDON_AT: usize = 3;

fn install_signals() -> Result<Signals> {
    use std::sync::atomic::Ordering;
    let interrupt = Arc::new(AtomicBool::new(false));
    let waiting = Arc::new(AtomicBool::new(false));
    // signal-hook's iterator: the handler only wakes this thread, which counts the signals (no
    // unsafe code, and the decision is made outside the signal handler).
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    let (flag, wait) = (Arc::clone(&interrupt), Arc::clone(&waiting));
    std::thread::Builder::new()
        .name("losslab-signals".into())
        .spawn(move || {
            let mut count = 0;
            for _ in signals.forever() {
                count += 1;
                if count >= ABANDON_AT || wait.load(Ordering::SeqCst) {
                    signal_hook::low_level::exit(130);
                }
                flag.store(true, Ordering::SeqCst);
            }
        })?;
    Ok(Signals { interrupt, waiting })
}

pub fn main() -> ExitCode {
    // The language is needed before parsing, for `--help` and clap's own errors.
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    crate::i18n::set_lang(crate::i18n::detect(lang_flag(&raw).as_deref()));
    let cli = match crate::i18n::localized_command()
        .try_get_matches_from(&raw)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(mut e) => {
            if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
                better_subcommand_suggestion(&mut e, &raw);
            }
            crate::i18n_clap::exit(e)
        }
    };
    // Still one thread here, which a user namespace requires (see `driver::netns`).
    if needs_private_net(&cli)
        && crate::driver::netns::needs_user_namespace()
        && let Err(e) = crate::driver::netns::enter_user_namespace()
    {
        eprintln!("{}: {e:#}", crate::tr!("error-prefix"));
        return ExitCode::from(2);
    }
    let signals = match install_signals() {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "{}: {}",
                crate::tr!("error-prefix"),
                crate::tr!("err-signal-handler", error = e.to_string())
            );
            return ExitCode::from(2);
        }
    };
    match execute(cli, &signals) {
        Ok(code) => code,
        // A command cut short by Ctrl-C reports it as such, with the shell's code for it.
        Err(e) if signals.interrupt.load(std::sync::atomic::Ordering::Relaxed) => {
            eprintln!(
                "{}: {} ({e:#})",
                crate::tr!("error-prefix"),
                crate::tr!("err-interrupted")
            );
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("{}: {e:#}", crate::tr!("error-prefix"));
            ExitCode::from(2)
        }
    }
}

/// clap suggests the subcommand most *similar* by Jaro distance, which sends `losslab rn` to
/// `run-all` — the one command that rewrites every reference folder. This puts in `e` the
/// closest by edit distance instead (shorter names first on ties), among the subcommands of
/// the command the typo was typed to, or no suggestion when none is close.
fn better_subcommand_suggestion(e: &mut clap::Error, raw: &[std::ffi::OsString]) {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand).cloned() else {
        return;
    };
    // The command the typo was given to: follow the subcommand names on the line up to it.
    let mut cmd = crate::i18n::localized_command();
    for arg in raw.iter().skip(1).filter_map(|a| a.to_str()) {
        if arg == typed {
            break;
        }
        if let Some(sub) = cmd.find_subcommand(arg).cloned() {
            cmd = sub;
        }
    }
    let best = cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .map(|n| (edit_distance(&typed, &n), n.len(), n))
        .min();
    match best {
        Some((d, _, name)) if d <= typed.chars().count().div_ceil(2).max(1) => {
            e.insert(
                ContextKind::SuggestedSubcommand,
                ContextValue::Strings(vec![name]),
            );
        }
        _ => {
            e.remove(ContextKind::SuggestedSubcommand);
            if matches!(e.get(ContextKind::Suggested), Some(ContextValue::StyledStrs(v)) if v.is_empty())
            {
                e.remove(ContextKind::Suggested);
            }
        }
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The value of `--lang` on a raw command line (`--lang es` or `--lang=es`), if any.
fn lang_flag(args: &[std::ffi::OsString]) -> Option<String> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Some(v.to_string());
        }
        if a == "--lang" {
            return it.next().map(str::to_string);
        }
    }
    None
}

/// True for a live `run` of a scenario with a `[link]`, or a `run-all` whose folder has one:
/// they build a private network. A scenario that does not load says nothing here; `execute`
/// reports its error.
fn needs_private_net(cli: &Cli) -> bool {
    let args = match &cli.command {
        Command::Run(args) => args,
        #[cfg(target_os = "linux")]
        Command::Link(_) => return true,
        Command::RunAll(args) => {
            return crate::cmd::run_all::load_all(&args.scenarios).is_ok_and(|all| {
                all.iter()
                    .any(|(_, sc)| sc.mode == scenario::Mode::Live && sc.link.is_some())
            });
        }
        _ => return false,
    };
    let Some(path) = &args.scenario else {
        return false; // the built-in default has no [link]
    };
    let Ok(sc) = crate::sweep::set::load_with_sets(path, &args.sets) else {
        return false;
    };
    let live = match (args.sim, args.live) {
        (true, _) => false,
        (_, true) => true,
        _ => sc.mode == scenario::Mode::Live,
    };
    live && sc.link.is_some()
}

/// Runs a parsed command line, printing to stdout.
pub fn execute(cli: Cli, signals: &Signals) -> Result<ExitCode> {
    if let Some(lang) = cli.lang.as_deref().and_then(crate::i18n::Lang::from_tag) {
        crate::i18n::set_lang(lang);
    }
    let interrupt = &signals.interrupt;
    // Commands with an event loop print through a queue that never blocks the loop (a stalled
    // pipe drops console lines, counted, never measurements); the others write directly.
    let looping = !matches!(
        cli.command,
        Command::Check(_) | Command::Report(_) | Command::Model(_)
    );
    let mut stdout = std::io::stdout();
    let mut queued = looping.then(crate::cmd::console::Console::stdout);
    let console: &mut dyn Write = match &mut queued {
        Some(q) => q,
        None => &mut stdout,
    };
    let result = dispatch(cli, signals, console);
    if let Some(q) = &mut queued {
        q.finish(interrupt);
    }
    result
}

fn dispatch(cli: Cli, signals: &Signals, console: &mut dyn Write) -> Result<ExitCode> {
    let interrupt = &signals.interrupt;
    match cli.command {
        Command::Run(args) => {
            let (mut sc, source) = match &args.scenario {
                Some(path) => (
                    crate::sweep::set::load_with_sets(path, &args.sets)?,
                    scenario::source_name(path),
                ),
                None => (
                    crate::sweep::set::parse_with_sets(
                        DEFAULT_SCENARIO,
                        DEFAULT_SCENARIO_PATH,
                        &args.sets,
                    )?,
                    format!("{DEFAULT_SCENARIO_PATH} (built-in default)"),
                ),
            };
            let sweep = match &args.sweep_id {
                None => None,
                Some(id) => {
                    let (text, file) = match &args.scenario {
                        Some(p) => (std::fs::read_to_string(p)?, p.display().to_string()),
                        None => (DEFAULT_SCENARIO.to_string(), DEFAULT_SCENARIO_PATH.into()),
                    };
                    let parameters = crate::sweep::set::applied_values(&text, &file, &args.sets)?;
                    Some(crate::results::schema::SweepJson {
                        id: id.clone(),
                        point: crate::sweep::file::point_id(&parameters),
                        parameters,
                    })
                }
            };
            if let Some(seed) = args.seed {
                sc.seed = seed;
            }
            if args.sim {
                sc.mode = scenario::Mode::Sim;
            } else if args.live {
                sc.mode = scenario::Mode::Live;
            }
            if args.no_requests_csv {
                sc.output.requests_csv = false;
            }
            if let Some(target) = &args.server {
                sc.server.remote = Some(crate::cmd::time_client::resolve(target)?);
            }
            let out_dir = args
                .out
                .unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
            let opts = RunOptions {
                scenario: sc,
                source,
                out_dir,
                show_discards: args.quiet == 0,
            };
            let progress = args.quiet == 0 && std::io::stderr().is_terminal();
            let mut silent = std::io::sink();
            let console: &mut dyn Write = if args.quiet >= 2 {
                &mut silent
            } else {
                console
            };
            let report = crate::cmd::run::run_experiment_tagged(
                &opts,
                sweep.as_ref(),
                interrupt,
                console,
                progress,
                Default::default(),
            )?;
            if args.report && report.stop != Stop::Interrupted && !report.report_redrawn {
                signals
                    .waiting
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                write_report_for(&report.out_dir, console)?;
            }
            Ok(exit_for(report.stop))
        }
        Command::Serve(ServeCommand::Time(args)) => {
            let others = [&args.delay, &args.duplicate, &args.reorder, &args.corrupt];
            let loss = match args.loss.as_deref().map(str::trim) {
                // The lab's server: half the requests lost, unless other impairments are asked for.
                None if others.iter().all(|o| o.is_none()) => Some("0.5"),
                None | Some("0" | "0%") => None,
                Some(l) => Some(l),
            };
            let impair = ImpairConfig::parse(
                loss,
                args.delay.as_deref(),
                args.duplicate.as_deref(),
                args.reorder.as_deref(),
                args.corrupt.as_deref(),
                args.direction.as_deref(),
            )
            .map_err(|e| {
                let flags = [
                    ("--loss", args.loss.as_ref()),
                    ("--delay", args.delay.as_ref()),
                    ("--duplicate", args.duplicate.as_ref()),
                    ("--reorder", args.reorder.as_ref()),
                    ("--corrupt", args.corrupt.as_ref()),
                    ("--direction", args.direction.as_ref()),
                ];
                let flag = flags
                    .iter()
                    .find(|(_, v)| v.is_some_and(|v| *v == e.spec))
                    .map_or("impairment", |(f, _)| *f);
                anyhow::anyhow!("{flag} {e}")
            })?;
            if args.protocol != crate::server::protocols::Protocol::Lab {
                let opts = crate::cmd::protocols::ProtocolServeOptions {
                    bind: args.bind,
                    protocol: args.protocol,
                    impair,
                    seed: args.seed,
                    max_requests: args.max_requests,
                    show_answers: !args.quiet,
                    min_interval: args.min_interval,
                    record: args.record,
                };
                // As the lab's server: Ctrl-C is how it ends, not a failure.
                crate::cmd::protocols::serve_protocol(&opts, interrupt, console)?;
                return Ok(ExitCode::SUCCESS);
            }
            let opts = ServeOptions {
                bind: args.bind,
                impair,
                seed: args.seed,
                max_requests: args.max_requests,
                show_answers: !args.quiet,
                record: args.record,
            };
            serve_time(&opts, interrupt, console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(ServeCommand::Echo(args)) => {
            let opts = ServeEchoOptions {
                bind: args.bind,
                tcp: args.transport.tcp,
                keep_open: args.keep_open,
                max_requests: args.max_requests,
                idle_timeout: args.idle_timeout,
            };
            serve_echo(&opts, interrupt, console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Echo(args) => {
            let opts = EchoOptions {
                target: args.addr,
                tcp: args.transport.tcp,
                message: args.message,
                timeout: args.timeout,
            };
            let unanswered = run_echo_client(
                &opts,
                &mut std::io::stdin().lock(),
                interrupt,
                &signals.waiting,
                console,
            )?;
            // Interactive: 1 when any line went unanswered (a single message that fails is an
            // error, 2).
            Ok(if unanswered > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Head(args) => {
            let opts = HeadOptions {
                url: args.url,
                count: args.count,
                timeout: args.timeout,
                http10: args.http10,
                new_connection: args.new_connection,
            };
            run_head(&opts, interrupt, console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Model(ModelCommand::Explain { spec }) => {
            let text = crate::cmd::model::explain(&spec)?;
            let _ = console.write_all(text.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            // No event loop to stop and nothing half-written to keep: Ctrl-C ends it at once.
            signals
                .waiting
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let report = crate::check::run(&args, console)?;
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::RunAll(args) => {
            let outcome = crate::cmd::run_all::run_all(
                &crate::cmd::run_all::RunAllOptions {
                    scenarios: args.scenarios,
                    out: args.out,
                    verify: args.verify,
                    results: args.results,
                },
                interrupt,
                console,
            )?;
            Ok(match outcome {
                crate::cmd::run_all::RunAllOutcome::Ok => ExitCode::SUCCESS,
                crate::cmd::run_all::RunAllOutcome::Failed => ExitCode::from(1),
                crate::cmd::run_all::RunAllOutcome::Interrupted => ExitCode::from(130),
            })
        }
        Command::Report(args) => {
            // Reading the CSVs is the long part and writes nothing; the files appear by rename
            // at the end. A Ctrl-C ends it at once.
            signals
                .waiting
                .store(true, std::sync::atomic::Ordering::Relaxed);
            if let [dir] = args.dirs.as_slice()
                && crate::sweep::report::is_sweep_folder(dir)
            {
                let (out, figures) = crate::sweep::report::write(dir, args.out.clone())?;
                let _ = writeln!(
                    console,
                    "{}",
                    crate::tr!(
                        "report-written",
                        dir = out.display().to_string(),
                        figures = figures
                    )
                );
                return Ok(ExitCode::SUCCESS);
            }
            let written = crate::report::write_report(&ReportOptions {
                dirs: args.dirs,
                out: args.out,
                window: args.window,
                lang: crate::i18n::lang(),
            })?;
            let _ = writeln!(
                console,
                "{}",
                crate::tr!(
                    "report-written",
                    dir = written.out_dir.display().to_string(),
                    figures = written.files.len() - 1
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Lab => {
            crate::cmd::lab::run(console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep(args) => {
            let outcome = crate::sweep::exec::sweep(&args, interrupt, console)?;
            Ok(match outcome {
                crate::sweep::exec::SweepOutcome::Done => ExitCode::SUCCESS,
                crate::sweep::exec::SweepOutcome::Interrupted => ExitCode::from(130),
            })
        }
        Command::Merge(args) => {
            crate::sweep::exec::merge_cmd(&args, console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Join(args) => {
            crate::cmd::join::join(&args, console)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Relay(args) => crate::cmd::relay::execute(args, interrupt, console),
        #[cfg(target_os = "linux")]
        Command::Link(args) => crate::cmd::link::execute(args, interrupt, console),
        Command::Time(args) if args.protocol == TimeProtocol::Sntp => {
            let opts = crate::cmd::protocols::SntpOptions {
                target: args.addr,
                count: args.count,
                interval: args.interval,
                timeout: args.timeout,
            };
            let (stop, results) = crate::cmd::protocols::sntp_client(&opts, interrupt, console)?;
            // As `time` (and ping): exit 1 when no answer at all came back.
            let answered = results
                .iter()
                .any(|r| !matches!(r, crate::cmd::protocols::SntpResult::Timeout));
            Ok(match stop {
                Stop::Done | Stop::Observer if !answered => ExitCode::from(1),
                _ => exit_for(stop),
            })
        }
        Command::Time(args) => {
            let opts = TimeOptions {
                target: args.addr,
                count: args.count,
                interval: args.interval,
                timeout: args.timeout,
                retries: args.retries,
                client_id: args.client_id,
            };
            let (stop, all) = run_time_client(&opts, interrupt, console)?;
            // As ping: 1 when no reply came at all (an interrupted run keeps 130).
            Ok(match stop {
                Stop::Done | Stop::Observer if all.replies == 0 => ExitCode::from(1),
                _ => exit_for(stop),
            })
        }
    }
}

/// `run --report`: the report of the folder just written, into its `report/`.
fn write_report_for(dir: &std::path::Path, console: &mut dyn Write) -> Result<()> {
    let written = crate::report::write_report(&ReportOptions {
        dirs: vec![dir.to_path_buf()],
        out: None,
        window: None,
        lang: crate::i18n::lang(),
    })?;
    let _ = writeln!(
        console,
        "{}",
        crate::tr!(
            "report-written-short",
            dir = written.out_dir.display().to_string()
        )
    );
    Ok(())
}

fn exit_for(stop: Stop) -> ExitCode {
    match stop {
        Stop::Interrupted => ExitCode::from(130),
        Stop::Done | Stop::Observer => ExitCode::SUCCESS,
    }
}
