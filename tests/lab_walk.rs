//! The lab walk-through (docs/lab9.es.md, docs/lab9.en.md) as a test: every `losslab` command in
//! the documents' `sh` blocks is run, so the documents cannot go stale, and every command
//! `losslab lab` lists appears in both documents.
//!
//! In a block, `losslab serve ...` and `python3 -m http.server ...` lines are servers: started
//! first (on a free loopback port in place of the documents' 21567 and 8000) and killed when the
//! block ends; every other `losslab` line must exit 0 within the deadline. Other lines (`curl`,
//! comments) are for the reader. The commands run in a scratch folder holding a copy of
//! `scenarios/`, so nothing lands in the repository's `results/`.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Splits a command line into words; double quotes group (enough for the documents).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// The `sh` blocks of a markdown document, as lists of lines.
fn sh_blocks(md: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for line in md.lines() {
        match (&mut cur, line.trim_end()) {
            (None, "```sh") => cur = Some(Vec::new()),
            (Some(_), "```") => blocks.push(cur.take().unwrap()),
            (Some(b), l) => b.push(l.to_string()),
            (None, _) => {}
        }
    }
    blocks
}

fn copy_scenarios(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::create_dir_all(to.join("scenarios")).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join("scenarios").join(p.file_name().unwrap())).unwrap();
    }
}

fn walk(doc: &str) {
    require_program("python3", "python3");
    let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_scenarios(tmp.path());
    let blocks = sh_blocks(&md);
    assert!(blocks.len() >= 8, "{doc}: only {} sh blocks", blocks.len());
    let mut ran = 0;
    for block in blocks {
        let port = unused_tcp_port().to_string();
        let http_port = unused_tcp_port().to_string();
        let subst = |l: &str| l.replace("21567", &port).replace("8000", &http_port);
        let mut servers = Vec::new();
        for line in block.iter().map(|l| subst(l)) {
            let w = words(&line);
            if line.starts_with("losslab serve ") {
                let mut cmd = losslab(tmp.path());
                cmd.args(&w[1..]);
                if !w.iter().any(|a| a == "--bind") {
                    cmd.args(["--bind", &format!("127.0.0.1:{port}")]);
                }
                let mut p = Proc::spawn(&mut cmd);
                p.line_matching(DEADLINE, |l| l.contains("(Ctrl-C to stop)"));
                servers.push(p);
            } else if line.starts_with("python3 -m http.server ") {
                let mut cmd = Command::new("python3");
                cmd.current_dir(tmp.path())
                    .env("PYTHONUNBUFFERED", "1")
                    .args(&w[1..]);
                let mut p = Proc::spawn(&mut cmd);
                // It says so on stdout once it listens.
                p.line_matching(DEADLINE, |l| l.starts_with("Serving HTTP"));
                servers.push(p);
            }
        }
        for line in block.iter().map(|l| subst(l)) {
            if !line.starts_with("losslab ") || line.starts_with("losslab serve ") {
                continue;
            }
            let w = words(&line);
            let done = run(losslab(tmp.path()).args(&w[1..]), b"");
            assert_eq!(done.code(), Some(0), "{doc}: `{line}`: {done:?}");
            ran += 1;
        }
        drop(servers);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ran >= 10, "{doc}: ran only {ran} commands");
}

#[test]
fn the_spanish_walk_runs() {
    walk("docs/lab9.es.md");
}

#[test]
fn the_english_walk_runs() {
    walk("docs/lab9.en.md");
}

/// `losslab lab` and the documents list the same commands.
#[test]
fn every_lab_command_is_in_both_documents() {
    for doc in ["docs/lab9.es.md", "docs/lab9.en.md"] {
        let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
        let lines: Vec<String> = sh_blocks(&md).concat();
        for step in losslab::cmd::lab::STEPS {
            for c in step.servers.iter().chain(step.commands) {
                assert!(
                    lines.iter().any(|l| l == c),
                    "{doc} lacks `{c}` (step {})",
                    step.key
                );
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let done = run(losslab(tmp.path()).arg("lab"), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    for step in losslab::cmd::lab::STEPS {
        for c in step.commands {
            assert!(done.stdout.contains(&format!("$ {c}\n")), "{}", done.stdout);
        }
    }
}
