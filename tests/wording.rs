//! The wording fixes of issue 15, one test each: words that named the wrong model, promised
//! what the model does not do, or said nothing where something went wrong.

mod common;

use common::*;
use std::path::Path;

fn scenario(dir: &Path, name: &str, loss: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"{name}\"\nseed = 5\nmode = \"sim\"\n\n[server]\nkind = \"udp-time\"\n\n\
             [impair]\nloss = \"{loss}\"\n\n[clients]\ncount = 1\nrequests = 200\n\
             interval = \"10ms\"\ntimeout = \"100ms\"\n{extra}"
        ),
    )
    .unwrap();
    path
}

/// `serve time --loss "pattern 10"` names the pattern it runs, not netem's stand-in for it.
#[test]
fn serve_time_names_a_pattern_as_a_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_server(tmp.path(), &["--loss", "pattern 10", "--max-requests", "1"]);
    let mut cmd = losslab(tmp.path());
    cmd.args([
        "echo",
        &server.addr.to_string(),
        "--udp",
        "x",
        "-W",
        "300ms",
    ]);
    let _ = run(&mut cmd, b"");
    let done = server.proc.finish(DEADLINE);
    assert!(
        done.stdout
            .contains("impairments loss pattern 10 (on request)"),
        "{}",
        done.stdout
    );
    assert!(!done.stdout.contains("random 50%"), "{}", done.stdout);
}

/// A `pattern` report neither calls its losses independent nor draws a 95% band for them.
#[test]
fn a_pattern_report_draws_no_band() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "pat", "pattern 10", "");
    let out = tmp.path().join("pat");
    run_ok(
        tmp.path(),
        &[
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--report",
        ],
    );
    let md = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(!md.contains("independent"), "{md}");
    assert!(!md.contains("grey band"), "{md}");
    assert!(
        md.contains("always the same ones in the same order"),
        "{md}"
    );
}

/// With retries under Bernoulli loss, the summary does not speak of a loss state.
#[test]
fn bernoulli_retries_speak_of_no_state() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "coin", "bernoulli 0.3", "retries = 2\n");
    let out = tmp.path().join("coin");
    let done = run_ok(
        tmp.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert!(
        done.stdout.contains("over first attempts"),
        "{}",
        done.stdout
    );
    assert!(!done.stdout.contains("loss state"), "{}", done.stdout);
    let gilbert = scenario(tmp.path(), "ge", "gemodel 5% 30%", "retries = 2\n");
    let out = tmp.path().join("ge");
    let done = run_ok(
        tmp.path(),
        &[gilbert.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert!(
        done.stdout.contains("meet the same loss state more often"),
        "{}",
        done.stdout
    );
}

/// `report --window` longer than the run says so (exit 2) instead of drawing an empty plot;
/// the Reproduce block names a folder outside `results/` absolutely.
#[test]
fn report_window_too_long_and_reproduce_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "win", "random 20%", "");
    let out = tmp.path().join("elsewhere");
    run_ok(
        tmp.path(),
        &[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
    );
    let mut cmd = losslab(tmp.path());
    cmd.args(["report", "elsewhere", "--window", "100000"]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("--window 100000 is longer than the 200 first attempts"),
        "{}",
        done.stderr
    );
    let mut cmd = losslab(tmp.path());
    cmd.args(["report", "elsewhere"]);
    let done = run(&mut cmd, b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    let md = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    let abs = std::path::absolute(&out).unwrap().display().to_string();
    assert!(md.contains(&format!("--out {abs}")), "{md}");
    assert!(md.contains(&format!("losslab report {abs}\n")), "{md}");
}

/// A mistyped `run` is pointed at `run`, never at `run-all` (which rewrites every reference).
#[test]
fn a_typo_of_run_suggests_run() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(losslab(tmp.path()).arg("rn"), b"");
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("'run'"), "{}", done.stderr);
    assert!(!done.stderr.contains("run-all"), "{}", done.stderr);
}

/// `serve echo --tcp` binds a port whose earlier connections are in TIME_WAIT (SO_REUSEADDR),
/// as the lab's own server leaves it.
#[test]
fn a_tcp_listener_reuses_a_port_in_time_wait() {
    let tmp = tempfile::tempdir().unwrap();
    // A connection closed by the server side leaves TIME_WAIT on the server's port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::net::TcpStream::connect(addr).unwrap();
    let (conn, _) = listener.accept().unwrap();
    drop(conn);
    drop(listener);
    drop(client);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut cmd = losslab(tmp.path());
    cmd.args([
        "serve",
        "echo",
        "--tcp",
        "--bind",
        &addr.to_string(),
        "--max-requests",
        "1",
    ]);
    let mut server = Proc::spawn(&mut cmd);
    server.line_matching(DEADLINE, |l| l.contains("losslab echo server on tcp"));
    let echo = run(
        losslab(tmp.path()).args(["echo", &addr.to_string(), "--tcp", "hola"]),
        b"",
    );
    assert_eq!(echo.code(), Some(0), "{echo:?}");
    assert!(echo.stdout.contains("Resp: hola"), "{}", echo.stdout);
}
