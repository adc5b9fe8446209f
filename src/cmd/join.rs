//! `losslab join CLIENT_DIR SERVER_DIR`: where each loss of a run across hosts happened.
//!
//! The clients' folder (`run SCENARIO --server HOST:PORT`) says which requests got no reply; the
//! server's record (`serve time --record DIR`) says which requests reached the server and what
//! its loss model did with each. Joined on the request's id (client, seq, attempt) — never on
//! times, since two hosts' clocks are not compared — every attempt lands in exactly one class:
//! - `answered`: a reply came back in time;
//! - `lost_to_server`: the server never received the request (the network lost it on the way);
//! - `discarded_by_server`: the server received it and its model discarded it;
//! - `lost_from_server`: the server answered, but no reply came back in time (the network lost
//!   the reply on the way back, or it came after the timeout: `late`);
//! - `interrupted` / `error`: the attempt ended otherwise (not counted in the shares).
//!
//! Writes `join.csv` (one row per attempt: the client row's id and outcome, the server's action
//! and the class) and `join.json` (the counts and shares with 95% Wilson intervals) into
//! `--out DIR` (default `CLIENT_DIR/join`), completely or not at all. Invariant: every attempt of
//! the client's `requests.csv` is one row; a server row whose id no client row has is counted as
//! `foreign` (another client of that server), never joined.

use crate::metrics::stats::{Z95, wilson};
use crate::results::folder::Staging;
use crate::results::read::CsvFile;
use crate::results::schema::RequestRow;
use crate::tr;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct JoinArgs {
    /// The clients' results folder (`losslab run SCENARIO --server HOST:PORT`).
    pub client_dir: PathBuf,
    /// The server's record (`losslab serve time --record DIR`).
    pub server_dir: PathBuf,
    /// Where join.csv and join.json go [default: CLIENT_DIR/join].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One row of the server's `server.csv`, the fields the join needs.
#[derive(Deserialize)]
struct ServerRow {
    client: Option<u32>,
    seq: Option<u32>,
    attempt: Option<u8>,
    action: String,
}

/// Where an attempt's fate was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Answered,
    LostToServer,
    DiscardedByServer,
    LostFromServer,
    Other,
}

impl Class {
    fn as_str(self) -> &'static str {
        match self {
            Class::Answered => "answered",
            Class::LostToServer => "lost_to_server",
            Class::DiscardedByServer => "discarded_by_server",
            Class::LostFromServer => "lost_from_server",
            Class::Other => "other",
        }
    }
}

/// A share with its 95% Wilson interval: `count` of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Share {
    pub count: u64,
    pub of: u64,
    pub ratio: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

fn share(count: u64, of: u64) -> Share {
    let ci = wilson(count, of, Z95);
    Share {
        count,
        of,
        ratio: (of > 0).then(|| count as f64 / of as f64),
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
    }
}

/// What the join found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Joined {
    /// Attempts the clients sent (rows of requests.csv that ended as reply or timeout).
    pub sent: u64,
    pub answered: u64,
    /// Of the attempts sent: lost before the server.
    pub lost_to_server: Share,
    /// Of the attempts the server received: discarded by its model.
    pub discarded_by_server: Share,
    /// Of the attempts the server answered: no reply in time.
    pub lost_from_server: Share,
    /// Of the attempts sent: no reply, whatever the cause.
    pub lost: Share,
    /// Attempts that ended otherwise (interrupted, errors): not in the shares.
    pub other: u64,
    /// Server rows that match no client row (other clients of the same server).
    pub foreign: u64,
}

/// Joins the two folders and writes the result; returns what it found.
pub fn join(args: &JoinArgs, console: &mut dyn Write) -> Result<Joined> {
    let server_csv = args.server_dir.join("server.csv");
    let mut server: HashMap<(u32, u32, u8), String> = HashMap::new();
    let mut file = CsvFile::open(&server_csv)?;
    while file.next_row()? {
        let row: ServerRow = file.deserialize()?;
        // Plain datagrams (no id) cannot be joined: they are not losslab clients' requests.
        if let (Some(c), Some(s), Some(a)) = (row.client, row.seq, row.attempt) {
            server.insert((c, s, a), row.action);
        }
    }
    let requests_csv = args.client_dir.join("requests.csv");
    let mut file = CsvFile::open(&requests_csv)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.client_dir.join("join"));
    let mut staging = Staging::begin(&out, |_| false)?;
    let mut rows = csv::Writer::from_writer(staging.file("join.csv")?);
    rows.write_record([
        "client",
        "seq",
        "attempt",
        "outcome",
        "server_action",
        "class",
    ])
    .context(tr!("err-write", path = "join.csv"))?;
    let (mut sent, mut answered, mut other) = (0u64, 0u64, 0u64);
    let (mut unseen, mut received, mut discarded, mut server_answered, mut lost_back) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut matched = 0u64;
    while file.next_row()? {
        let r: RequestRow = file.deserialize()?;
        let action = server.get(&(r.client, r.seq, r.attempt));
        matched += u64::from(action.is_some());
        let class = match (r.outcome.as_str(), action.map(String::as_str)) {
            ("reply", _) => Class::Answered,
            ("timeout", None) => Class::LostToServer,
            ("timeout", Some("dropped")) => Class::DiscardedByServer,
            ("timeout", Some(_)) => Class::LostFromServer,
            _ => Class::Other,
        };
        if class != Class::Other {
            sent += 1;
            if action.is_some() {
                received += 1;
                if action.is_some_and(|a| a != "dropped") {
                    server_answered += 1;
                }
            }
        }
        match class {
            Class::Answered => answered += 1,
            Class::LostToServer => unseen += 1,
            Class::DiscardedByServer => discarded += 1,
            Class::LostFromServer => lost_back += 1,
            Class::Other => other += 1,
        }
        rows.write_record([
            r.client.to_string(),
            r.seq.to_string(),
            r.attempt.to_string(),
            r.outcome.clone(),
            action.cloned().unwrap_or_else(|| "unseen".into()),
            class.as_str().to_string(),
        ])
        .context(tr!("err-write", path = "join.csv"))?;
    }
    rows.flush().context(tr!("err-write", path = "join.csv"))?;
    drop(rows);
    if sent == 0 {
        bail!(tr!(
            "join-nothing",
            path = requests_csv.display().to_string()
        ));
    }
    let joined = Joined {
        sent,
        answered,
        lost_to_server: share(unseen, sent),
        discarded_by_server: share(discarded, received),
        lost_from_server: share(lost_back, server_answered),
        lost: share(unseen + discarded + lost_back, sent),
        other,
        foreign: server.len() as u64 - matched.min(server.len() as u64),
    };
    let mut text = serde_json::to_string_pretty(&joined)?;
    text.push('\n');
    staging.bytes("join.json", text.as_bytes())?;
    staging.commit()?;
    let pct = |s: &Share| match (s.ratio, s.ci_low, s.ci_high) {
        (Some(r), Some(lo), Some(hi)) => tr!(
            "join-share",
            ratio = format!("{:.1}", r * 100.0),
            low = format!("{:.1}", lo * 100.0),
            high = format!("{:.1}", hi * 100.0)
        ),
        _ => "-".into(),
    };
    // The labels in a column as wide as the widest of them, in the user's language.
    let rows = [
        (
            tr!("join-lost-to-server"),
            unseen,
            sent,
            pct(&joined.lost_to_server),
        ),
        (
            tr!("join-discarded-by-server"),
            discarded,
            received,
            pct(&joined.discarded_by_server),
        ),
        (
            tr!("join-lost-back"),
            lost_back,
            server_answered,
            pct(&joined.lost_from_server),
        ),
        (
            tr!("join-lost-in-all"),
            unseen + discarded + lost_back,
            sent,
            pct(&joined.lost),
        ),
    ];
    let width = rows
        .iter()
        .map(|(label, ..)| label.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = tr!(
        "join-header",
        sent = sent,
        client = args.client_dir.display().to_string(),
        server = args.server_dir.display().to_string()
    );
    for (label, k, n, share) in &rows {
        let of = tr!("join-of", k = format!("{k:>6}"), n = format!("{n:<6}"));
        text.push_str(&format!("\n{label:<width$} {of} {share}"));
    }
    text.push('\n');
    text.push_str(&tr!("join-results", dir = out.display().to_string()));
    let _ = writeln!(console, "{text}");
    if joined.foreign > 0 {
        let _ = writeln!(console, "{}", tr!("join-foreign", n = joined.foreign));
    }
    Ok(joined)
}
