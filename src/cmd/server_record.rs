//! `serve time --record DIR`: the server's own ground truth, for runs where the clients are
//! elsewhere — one `server.csv` row per datagram received (when, from where, the id it carried
//! or its number as a plain datagram, and what the server's model did with it), and
//! `server.json` (settings, counts, `status`).
//!
//! Rows are keyed by ids, never compared by clock: a client's results and this file can be
//! joined on (client, seq, attempt) even when the two hosts' clocks disagree. The files appear
//! together at the end (Ctrl-C included, marked `interrupted`) or not at all, through the
//! results folder's staging.
//!
//! Invariant: one row per datagram the server received, in the order it handled them; every
//! text written comes from losslab (rules, actions) or is an address, never bytes of a packet.

use crate::driver::live::Stop;
use crate::impair::ImpairConfig;
use crate::metrics::output::StreamFile;
use crate::results::folder::Staging;
use crate::server::time::{Request, ServerEvent, ServerStats};
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const SERVER_COLUMNS: &str =
    "t_us,from,client,seq,attempt,plain_index,action,rule,delay_us,loss_state";

pub struct ServerRecord {
    dir: Staging,
    rows: StreamFile,
    target: PathBuf,
    /// The first write error; later rows are not written and the commit reports it.
    failed: Option<io::Error>,
}

#[derive(Serialize)]
struct ServerSummary<'a> {
    status: &'static str,
    version: &'static str,
    protocol: &'a str,
    listen: String,
    seed: u64,
    impairments: String,
    /// Wall-clock time at t_us = 0, µs since 1970 (only to read the rows' times as dates).
    epoch_unix_us: i64,
    received: u64,
    answered: u64,
    discarded: u64,
}

impl ServerRecord {
    pub fn open(dir: &Path) -> Result<ServerRecord> {
        let mut staging = Staging::begin(dir, |_| false)?;
        let mut rows = staging.stream("server.csv")?;
        writeln!(rows, "{SERVER_COLUMNS}").context(crate::tr!("err-write", path = "server.csv"))?;
        Ok(ServerRecord {
            dir: staging,
            rows,
            target: dir.to_path_buf(),
            failed: None,
        })
    }

    /// One datagram's row.
    pub fn row(&mut self, e: &ServerEvent) {
        if self.failed.is_some() {
            return;
        }
        let (id, plain) = match e.request {
            Request::Losslab(id) => (
                format!("{},{},{}", id.client, id.seq, id.attempt),
                String::new(),
            ),
            Request::Plain { index } => (",,".to_string(), index.to_string()),
        };
        let r = writeln!(
            self.rows,
            "{},{},{id},{plain},{},{},{},{}",
            e.at.as_micros(),
            e.from,
            e.action.as_str(),
            e.rule,
            e.delay.as_micros(),
            e.state.unwrap_or("")
        );
        if let Err(err) = r {
            self.failed = Some(err);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn commit(
        mut self,
        stop: Stop,
        protocol: &str,
        listen: std::net::SocketAddr,
        seed: u64,
        impair: &ImpairConfig,
        epoch_unix_us: i64,
        stats: ServerStats,
    ) -> Result<PathBuf> {
        if let Some(e) = self.failed.take() {
            return Err(e).context(crate::tr!("err-write", path = "server.csv"));
        }
        self.rows
            .finish()
            .context(crate::tr!("err-write", path = "server.csv"))?;
        let summary = ServerSummary {
            status: match stop {
                Stop::Interrupted => "interrupted",
                _ => "done",
            },
            version: env!("CARGO_PKG_VERSION"),
            protocol,
            listen: listen.to_string(),
            seed,
            impairments: impair.describe(),
            epoch_unix_us,
            received: stats.received,
            answered: stats.answered,
            discarded: stats.dropped,
        };
        let mut text = serde_json::to_string_pretty(&summary)?;
        text.push('\n');
        self.dir.bytes("server.json", text.as_bytes())?;
        self.dir.commit()?;
        Ok(self.target)
    }
}
