//! `losslab echo` as a process: nothing listening, and the interactive mode that reads lines
//! from standard input like the lab's `input('> ')`.

mod common;

use common::*;

#[test]
fn udp_echo_with_nobody_listening_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", unused_udp_port());
    let done = run(
        losslab(tmp.path()).args(["echo", &addr, "--udp", "hola", "-W", "300ms"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    let err = done.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{:?}", done.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains(&addr), "{err}");
    assert!(done.stdout.is_empty(), "{}", done.stdout);
}

#[test]
fn tcp_echo_with_nobody_listening_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", unused_tcp_port());
    let done = run(
        losslab(tmp.path()).args(["echo", &addr, "--tcp", "hola", "-W", "300ms"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    let err = done.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{:?}", done.stderr);
    assert!(err.contains(&addr), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

/// The replies of an interactive session, in order: what follows each `> ` prompt.
fn replies(stdout: &str) -> Vec<&str> {
    stdout
        .split("> ")
        .map(str::trim_end)
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn interactive_tcp_echo_answers_each_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_echo_server(tmp.path(), true, &["--max-requests", "2"]);
    let done = run(
        losslab(tmp.path()).args(["echo", &server.addr.to_string(), "--tcp"]),
        b"uno\ndos\n",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(
        replies(&done.stdout),
        ["Resp: uno", "Resp: dos"],
        "{done:?}"
    );
    assert!(
        done.stdout.starts_with("> "),
        "the lab's prompt: {:?}",
        done.stdout
    );
    let served = server.proc.finish(DEADLINE);
    assert_eq!(served.code(), Some(0), "{served:?}");
}

#[test]
fn interactive_udp_echo_answers_each_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_echo_server(tmp.path(), false, &["--max-requests", "2"]);
    let done = run(
        losslab(tmp.path()).args(["echo", &server.addr.to_string(), "--udp"]),
        b"uno\ndos\n",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(replies(&done.stdout), ["Res: uno", "Res: dos"], "{done:?}");
    let served = server.proc.finish(DEADLINE);
    assert_eq!(served.code(), Some(0), "{served:?}");
}

/// Interactive echo against a silent port: every line goes unanswered, the session goes on to
/// the end of input, and the exit code is 1 (a failed line is not an error of the program).
#[test]
fn interactive_echo_exits_1_when_a_line_went_unanswered() {
    let tmp = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", unused_udp_port());
    let done = run(
        losslab(tmp.path()).args(["echo", &addr, "--udp", "-W", "200ms"]),
        b"a\nb\n",
    );
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert!(
        done.stdout
            .contains("2 lines went unanswered (exit code 1)"),
        "{}",
        done.stdout
    );
}
