//! Helpers shared by the integration tests: child processes that are always killed, bounded
//! reads of their output, scenario text, and an independent ctime parser.
//!
//! Every wait here has a deadline; every child is killed and reaped when its guard is dropped,
//! on success and on panic alike.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_losslab");

/// Upper bound for any one child process; generous, since CI machines can be slow. Reaching it
/// is a failure (a hang), never a timing measurement.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// A `losslab` command with its working directory set to `cwd`, so that a run which ignored
/// `--out` could never litter the repository with a `results/` folder.
pub fn losslab(cwd: &Path) -> Command {
    let mut c = Command::new(BIN);
    // English whatever the machine's locale: the tests read the English messages (tests that
    // want Spanish set LANG or --lang themselves).
    c.current_dir(cwd)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    c
}

/// What a finished child printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// A running child. Its stdout is read line by line on a thread (so the child never blocks on a
/// full pipe) and its stderr is collected on another. Dropping the guard kills and reaps it.
pub struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Option<JoinHandle<String>>,
    what: String,
}

impl Proc {
    /// Spawns `cmd` with piped stdin, stdout and stderr.
    pub fn spawn(cmd: &mut Command) -> Proc {
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {what}: {e}"));
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match out.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        });
        Proc {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
            what,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes `data` to the child's stdin and closes it.
    pub fn feed_stdin(&mut self, data: &[u8]) {
        let mut stdin = self.stdin.take().expect("stdin not yet closed");
        stdin.write_all(data).expect("write to the child's stdin");
        drop(stdin);
    }

    /// The next stdout line (with its line end), waiting at most `timeout`; `None` on timeout
    /// or end of output.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Reads stdout lines until one satisfies `pred`, within `timeout` overall; panics otherwise.
    pub fn line_matching(&mut self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(line) if pred(&line) => return line,
                Some(_) => continue,
                None => panic!(
                    "{}: no matching stdout line within {timeout:?}; stdout so far:\n{}",
                    self.what,
                    self.seen.concat()
                ),
            }
        }
    }

    /// Waits (at most `timeout`) for the child to exit and collects all of its output. On
    /// timeout the child is killed and the test fails.
    pub fn finish(&mut self, timeout: Duration) -> Finished {
        self.stdin.take();
        let end = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait().expect("try_wait") {
                Some(status) => break status,
                None if Instant::now() >= end => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} did not exit within {timeout:?}; stdout so far:\n{}",
                        self.what,
                        self.seen.concat()
                    );
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        // The child is gone, so its pipes reach end of file promptly; still bound the wait.
        let drain_end = Instant::now() + Duration::from_secs(10);
        loop {
            let left = drain_end.saturating_duration_since(Instant::now());
            if left.is_zero() || self.next_line(left).is_none() {
                break;
            }
        }
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        Finished {
            status,
            stdout: self.seen.concat(),
            stderr,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // Ok or an error if it already exited and was reaped; either way nothing is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` to completion (bounded by [`DEADLINE`]) with `stdin` as its input.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Finished {
    let mut p = Proc::spawn(cmd);
    p.feed_stdin(stdin);
    p.finish(DEADLINE)
}

/// A `losslab serve time` child, started and ready: its banner has been read, so its socket
/// is bound, and `addr` is where it listens (it was given port 0).
pub struct Server {
    pub proc: Proc,
    pub addr: SocketAddr,
}

pub fn start_server(cwd: &Path, args: &[&str]) -> Server {
    let mut cmd = losslab(cwd);
    cmd.args(["serve", "time", "--bind", "127.0.0.1:0"])
        .args(args);
    let mut proc = Proc::spawn(&mut cmd);
    let banner = proc.line_matching(Duration::from_secs(30), |l| {
        l.starts_with("losslab time server on udp ")
    });
    let addr = banner_addr(&banner);
    assert!(addr.ip().is_loopback(), "{banner}");
    assert_ne!(addr.port(), 0, "{banner}");
    Server { proc, addr }
}

/// The address in `losslab time server on udp 127.0.0.1:PORT: loss ...`.
pub fn banner_addr(banner: &str) -> SocketAddr {
    let rest = banner
        .strip_prefix("losslab time server on udp ")
        .unwrap_or_else(|| panic!("not a serve banner: {banner:?}"));
    let end = rest
        .find(": ")
        .unwrap_or_else(|| panic!("no address end: {banner:?}"));
    rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("bad address in {banner:?}: {e}"))
}

/// A loopback UDP port nobody listens on (bound and released at once).
pub fn unused_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    s.local_addr().unwrap().port()
}

/// Sends SIGINT to `pid` with the `kill` utility.
pub fn sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT {pid} failed: {status}");
}

/// A scenario file's text.
pub struct ScenarioText<'a> {
    pub name: &'a str,
    pub seed: u64,
    pub bind: &'a str,
    pub p: Option<f64>,
    pub clients: u32,
    pub requests: u32,
    /// One pacing line, e.g. `interval = "2ms"` or `concurrency = 8`.
    pub pacing: &'a str,
    pub timeout: &'a str,
    pub retries: u8,
}

impl Default for ScenarioText<'_> {
    fn default() -> Self {
        ScenarioText {
            name: "t",
            seed: 42,
            bind: "127.0.0.1:0",
            p: Some(0.5),
            clients: 1,
            requests: 10,
            pacing: "interval = \"2ms\"",
            timeout: "1s",
            retries: 0,
        }
    }
}

impl ScenarioText<'_> {
    pub fn render(&self) -> String {
        let loss = match self.p {
            Some(p) => format!("[loss]\nmodel = \"bernoulli\"\np = {p:?}\n\n"),
            None => String::new(),
        };
        format!(
            "name = \"{}\"\nseed = {}\n\n[server]\nkind = \"udp-time\"\nbind = \"{}\"\n\n{loss}\
             [clients]\ncount = {}\nrequests = {}\n{}\ntimeout = \"{}\"\nretries = {}\n",
            self.name,
            self.seed,
            self.bind,
            self.clients,
            self.requests,
            self.pacing,
            self.timeout,
            self.retries
        )
    }
}

/// One row of `requests.csv`, by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub client: u32,
    pub seq: u32,
    pub attempt: u8,
    pub outcome: String,
    pub server_action: String,
}

pub const REQUEST_HEADER: &str = "client,seq,attempt,sent_us,outcome,rtt_us,server_action,late_rtt_us,send_lag_us,connect_us,server_delay_us,loss_state";

/// Reads `requests.csv` through losslab's results schema (the `csv` crate, by header name),
/// checking the header and that an RTT is there exactly on replies.
pub fn read_requests(path: &Path) -> Vec<Row> {
    let mut r = losslab::results::read::CsvFile::open(path).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(r.header().join(","), REQUEST_HEADER, "{}", path.display());
    let mut rows = Vec::new();
    while r.next_row().unwrap_or_else(|e| panic!("{e:#}")) {
        let row: losslab::results::schema::RequestRow =
            r.deserialize().unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            row.rtt_us.is_some(),
            row.outcome == "reply",
            "rtt_us only on replies: {row:?}"
        );
        rows.push(Row {
            client: row.client,
            seq: row.seq,
            attempt: row.attempt,
            outcome: row.outcome,
            server_action: row.server_action,
        });
    }
    rows
}

// ---- An independent reading of ctime lines, `Tue Nov 24 01:22:28 2026 UTC`. ----

pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: usize) -> i64 {
    [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][m]
}

/// Days since 1970-01-01 for a date at or after 1970, by counting (deliberately naive, so it
/// shares nothing with the crate's era arithmetic).
fn days_from_date(y: i64, month0: usize, day: i64) -> i64 {
    let years: i64 = (1970..y)
        .map(|yy| if is_leap(yy) { 366 } else { 365 })
        .sum();
    let months: i64 = (0..month0).map(|mm| month_days(y, mm)).sum();
    years + months + day - 1
}

/// The calendar year of `unix_secs` (>= 0), by counting.
pub fn year_of(unix_secs: i64) -> i64 {
    let mut days = unix_secs / 86_400;
    let mut y = 1970;
    loop {
        let len = if is_leap(y) { 366 } else { 365 };
        if days < len {
            return y;
        }
        days -= len;
        y += 1;
    }
}

/// Parses a ctime-in-UTC line (`Www Mmm dd hh:mm:ss yyyy UTC`, day padded to two characters
/// with a space as C does) into seconds since 1970, checking the weekday and the exact layout.
pub fn parse_ctime_utc(line: &str) -> Result<i64, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [wd, mon, day, hms, year, utc] = f[..] else {
        return Err(format!("expected 6 fields in {line:?}"));
    };
    if utc != "UTC" {
        return Err(format!("no UTC in {line:?}"));
    }
    let month0 = MONTHS
        .iter()
        .position(|&m| m == mon)
        .ok_or_else(|| format!("bad month in {line:?}"))?;
    let year: i64 = year.parse().map_err(|_| format!("bad year in {line:?}"))?;
    let day: i64 = day.parse().map_err(|_| format!("bad day in {line:?}"))?;
    if year < 1970 || !(1..=month_days(year, month0)).contains(&day) {
        return Err(format!("impossible date in {line:?}"));
    }
    let t: Vec<i64> = hms
        .split(':')
        .map(|x| x.parse().map_err(|_| format!("bad time in {line:?}")))
        .collect::<Result<_, _>>()?;
    let [h, m, s] = t[..] else {
        return Err(format!("bad time in {line:?}"));
    };
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..61).contains(&s) {
        return Err(format!("bad time in {line:?}"));
    }
    let days = days_from_date(year, month0, day);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[((days + 4) % 7) as usize];
    if wd != weekday {
        return Err(format!("{line:?}: that date is a {weekday}, not a {wd}"));
    }
    let canonical = format!("{wd} {mon} {day:2} {h:02}:{m:02}:{s:02} {year} UTC");
    if line != canonical {
        return Err(format!(
            "layout of {line:?} differs from ctime's {canonical:?}"
        ));
    }
    Ok(days * 86_400 + h * 3600 + m * 60 + s)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Checks that `line` (without its line end) is a ctime-in-UTC date between `before` and
/// `after` (unix seconds, read around the request), with two seconds of slack for the server's
/// monotonic clock versus the wall clock. Returns the parsed time.
pub fn assert_date_line(line: &str, before: i64, after: i64) -> i64 {
    let t = parse_ctime_utc(line).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        (before - 2..=after + 2).contains(&t),
        "{line:?} is {t}, outside [{before}, {after}] (unix seconds) around the request"
    );
    let year = year_of(t);
    assert!(
        year == year_of(before) || year == year_of(after),
        "{line:?}: year {year} is not the current year"
    );
    t
}

// ---- TCP servers started by the tests: free ports, readiness, and what HTTP heads say. ----

impl Proc {
    /// How the child ended, if it already has (never waits).
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// Everything the child printed on stdout so far (lines already read).
    pub fn stdout_so_far(&self) -> String {
        self.seen.concat()
    }
}

/// A loopback TCP port nobody listens on (bound and released at once).
pub fn unused_tcp_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// Waits until something accepts TCP connections on `addr`: at most `timeout`, and only while
/// `running` says the server process is still alive. Returns whether a connection succeeded.
pub fn wait_for_tcp(
    addr: SocketAddr,
    timeout: Duration,
    mut running: impl FnMut() -> bool,
) -> bool {
    let end = Instant::now() + timeout;
    // Bounded in count as well as in time: 50 ms apart, the deadline ends it.
    while Instant::now() < end {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
            return true;
        }
        if !running() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Fails the test (never skips it) when `program` is missing: CI installs it (see `.ci/run`).
pub fn require_program(program: &str, package: &str) {
    let found = Command::new(program)
        .arg(if program.ends_with("nginx") {
            "-v"
        } else {
            "--version"
        })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "`{program}` is not installed; this test needs it (Debian: apt-get install -y \
         --no-install-recommends {package}; .ci/run installs it)"
    );
}

/// The final response head of `text` (what `curl -sI` or `losslab head` printed: interim 1xx
/// heads first, each ending with an empty line): its status line and the set of its header
/// names, lowercased (field names are case-insensitive, RFC 9110 §5.1).
pub fn final_head(text: &str) -> (String, std::collections::BTreeSet<String>) {
    let heads: Vec<Vec<&str>> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect::<Vec<_>>()
        .split(|l| l.is_empty())
        .filter(|h| !h.is_empty())
        .map(<[&str]>::to_vec)
        .collect();
    let last = heads
        .last()
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    assert!(last[0].starts_with("HTTP/"), "not a status line: {text:?}");
    let names = last[1..]
        .iter()
        .filter(|l| !l.starts_with([' ', '\t'])) // an obs-fold continues the previous field
        .map(|l| {
            let (name, _) = l
                .split_once(':')
                .unwrap_or_else(|| panic!("not a header line {l:?} in {text:?}"));
            name.trim_end().to_ascii_lowercase()
        })
        .collect();
    (last[0].to_string(), names)
}

/// What `curl -sI [extra...] url` prints (the run must succeed). curl's own timeouts bound it,
/// and [`run`] bounds the process.
pub fn curl_head(cwd: &Path, url: &str, extra: &[&str]) -> String {
    require_program("curl", "curl");
    let mut cmd = Command::new("curl");
    cmd.current_dir(cwd)
        .args(["-sI", "--max-time", "20", "--noproxy", "*"])
        .args(extra)
        .arg(url);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code(), Some(0), "curl -sI {url}: {done:?}");
    done.stdout
}

/// A `losslab serve echo --tcp|--udp --bind 127.0.0.1:0 ARGS...` child, ready: its banner
/// (`losslab echo server on tcp 127.0.0.1:PORT (Ctrl-C to stop)`) has been read.
pub fn start_echo_server(cwd: &Path, tcp: bool, args: &[&str]) -> Server {
    let proto = if tcp { "tcp" } else { "udp" };
    let mut cmd = losslab(cwd);
    cmd.args([
        "serve",
        "echo",
        &format!("--{proto}"),
        "--bind",
        "127.0.0.1:0",
    ])
    .args(args);
    let mut proc = Proc::spawn(&mut cmd);
    let prefix = format!("losslab echo server on {proto} ");
    let banner = proc.line_matching(Duration::from_secs(30), |l| l.starts_with(&prefix));
    let addr: SocketAddr = banner[prefix.len()..]
        .split_whitespace()
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    assert!(addr.ip().is_loopback(), "{banner}");
    assert_ne!(addr.port(), 0, "{banner}");
    Server { proc, addr }
}

/// Runs `scenarios/FILE` in-process (no console) into `out` and returns what it measured.
pub fn run_scenario_file(file: &str, out: &Path) -> losslab::cmd::run::RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let sc = losslab::scenario::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
    let opts = losslab::cmd::run::RunOptions {
        scenario: sc,
        source: file.into(),
        out_dir: out.to_path_buf(),
        show_discards: false,
    };
    let stop = std::sync::atomic::AtomicBool::new(false);
    losslab::cmd::run::run_experiment(&opts, &stop, &mut Vec::new()).unwrap()
}

/// The default experiment in sim mode (the committed `lab9-udp-time-sim.toml`), copied into
/// `dir`.
pub fn sim_scenario(dir: &Path) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lab9-udp-time-sim.toml");
    let to = dir.join("lab9-udp-time-sim.toml");
    std::fs::copy(src, &to).unwrap();
    to
}

/// `losslab run ARGS` in `dir`, which must exit 0.
pub fn run_ok(dir: &Path, args: &[&str]) -> Finished {
    let done = run(losslab(dir).arg("run").args(args), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    done
}

/// A committed results folder, `results/NAME`.
pub fn committed_results(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(name)
}

/// A copy of a committed folder's result files (not its report) into `to/NAME`.
pub fn copy_results(name: &str, to: &Path) -> std::path::PathBuf {
    let dest = to.join(name);
    std::fs::create_dir_all(&dest).unwrap();
    for f in [
        "requests.csv",
        "summary.csv",
        "summary.json",
        "loss_periods.csv",
        "logical.csv",
    ] {
        std::fs::copy(committed_results(name).join(f), dest.join(f)).unwrap();
    }
    dest
}

/// Starts `losslab serve time --protocol P --bind 127.0.0.1:0 ARGS...`, with `LANG=lang` when
/// given, and reads its address from the banner line that starts with `prefix` (the first
/// address-shaped word after it). Waits up to [`DEADLINE`]: a loaded CI machine can take long to
/// start a debug binary.
pub fn start_protocol_server(
    dir: &Path,
    protocol: &str,
    args: &[&str],
    lang: Option<&str>,
    prefix: &str,
) -> (Proc, SocketAddr) {
    let mut cmd = losslab(dir);
    if let Some(lang) = lang {
        cmd.env("LANG", lang);
    }
    cmd.args([
        "serve",
        "time",
        "--protocol",
        protocol,
        "--bind",
        "127.0.0.1:0",
    ])
    .args(args);
    let mut p = Proc::spawn(&mut cmd);
    let line = p.line_matching(DEADLINE, |l| l.starts_with(prefix));
    let addr = line[prefix.len()..]
        .split_whitespace()
        .find_map(|w| w.trim_end_matches(':').parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (p, addr)
}

/// A live scenario that prints many discard lines: Bernoulli 50% on 4 × 1,000 requests, 2 ms
/// apart, for the tests of a console nobody reads.
pub const HALF_LIVE: &str = r#"
name = "half"
description = "half the requests lost, many discard lines"
seed = 42

[server]
kind = "udp-time"
bind = "127.0.0.1:0"

[loss]
model = "bernoulli"
p = 0.5

[clients]
count = 4
requests = 1000
interval = "2ms"
timeout = "1s"
"#;

/// Runs `losslab run half.toml --live --out live` in `dir` ([`HALF_LIVE`] written there), with
/// `LANG=lang` when given, holding its stdout pipe open and never reading it until the child
/// has exited (within [`DEADLINE`], else it is killed and the test fails). Returns the exit
/// status and standard error.
pub fn run_with_unread_stdout(dir: &Path, lang: Option<&str>) -> (ExitStatus, String) {
    std::fs::write(dir.join("half.toml"), HALF_LIVE).unwrap();
    let mut cmd = losslab(dir);
    if let Some(lang) = lang {
        cmd.env("LANG", lang);
    }
    let mut child = cmd
        .args(["run", "half.toml", "--live", "--out", "live"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _unread = child.stdout.take();
    let end = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end while its stdout was not read");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}
