//! `losslab lab`: the lab guide (lab9-network-apps-with-python) as a list of exercises, each
//! with the losslab commands that walk it, in the user's language.
//!
//! [`STEPS`] is the one list: the command prints it, and tests/lab_walk.rs checks that every
//! command here appears in docs/lab9.es.md and docs/lab9.en.md and runs the documents' commands,
//! so neither the list nor the documents can go stale. Invariant: every command is bounded
//! (a count, a timeout or a finite scenario) except the servers, which a student stops with
//! Ctrl-C; every address is loopback.

use crate::tr;
use std::io::Write;

/// One exercise: its catalog key (`lab-KEY-title`, `lab-KEY-look`) and its commands, servers
/// (to start in another terminal) first.
pub struct Step {
    pub key: &'static str,
    pub servers: &'static [&'static str],
    pub commands: &'static [&'static str],
}

pub const STEPS: &[Step] = &[
    Step {
        key: "echo-tcp",
        servers: &["losslab serve echo --tcp"],
        commands: &["losslab echo 127.0.0.1:21567 --tcp hola"],
    },
    Step {
        key: "echo-udp",
        servers: &["losslab serve echo --udp"],
        commands: &["losslab echo 127.0.0.1:21567 --udp hola"],
    },
    Step {
        key: "ex1",
        servers: &["losslab serve time"],
        commands: &["losslab time 127.0.0.1:21567 -c 10 -i 200ms -W 500ms"],
    },
    Step {
        key: "ex1-run",
        servers: &[],
        commands: &["losslab run"],
    },
    Step {
        key: "ex2",
        servers: &["python3 -m http.server 8000 --bind 127.0.0.1"],
        commands: &[
            "losslab head http://127.0.0.1:8000/",
            "curl -sI http://127.0.0.1:8000/",
        ],
    },
    Step {
        key: "bursty",
        servers: &[],
        commands: &[
            "losslab model explain \"bursty 9% burst 3\"",
            "losslab run scenarios/bursty-gilbert.toml --sim",
        ],
    },
    Step {
        key: "retries",
        servers: &[],
        commands: &[
            "losslab run scenarios/retry-immediate.toml --sim",
            "losslab run scenarios/retry-backoff.toml --sim",
        ],
    },
    Step {
        key: "udp-vs-tcp",
        servers: &[],
        commands: &[
            "losslab run scenarios/udp-vs-tcp-sim-udp.toml",
            "losslab run scenarios/udp-vs-tcp-sim-tcp.toml",
            "losslab report results/udp-vs-tcp-sim-udp results/udp-vs-tcp-sim-tcp --out cmp",
        ],
    },
];

/// The exercises as text, in the process's language.
pub fn render() -> String {
    let mut out = format!("{}\n", tr!("lab-title"));
    for (i, step) in STEPS.iter().enumerate() {
        let title = crate::i18n::message(&format!("lab-{}-title", step.key), None);
        let look = crate::i18n::message(&format!("lab-{}-look", step.key), None);
        out.push_str(&format!("\n{}. {title}\n", i + 1));
        for s in step.servers {
            out.push_str(&format!("   {}\n     $ {s}\n", tr!("lab-server")));
        }
        for c in step.commands {
            out.push_str(&format!("   $ {c}\n"));
        }
        out.push_str(&format!("   {look}\n"));
    }
    out.push_str(&format!("\n{}\n", tr!("lab-docs")));
    out
}

pub fn run(console: &mut dyn Write) -> std::io::Result<()> {
    console.write_all(render().as_bytes())
}
