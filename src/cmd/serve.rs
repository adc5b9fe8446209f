//! `losslab serve time`: the lab's exercise 1 as a standalone server.
//!
//! It answers each datagram with the date and time unless the loss model discards it, and
//! prints one line per request saying which (the lab asks for a message for every discard).
//! It runs until Ctrl-C, or until `--max-requests` datagrams have arrived. Invariant: it never
//! dies because of what a client sends; any datagram is a valid request.

use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::impair::{ImpairConfig, Impairments};
use crate::server::time::{Action, ServerEvent, ServerStats, TimeServer};
use crate::time::fmt_ms;
use crate::tr;
use anyhow::Result;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;

pub struct ServeOptions {
    pub bind: SocketAddr,
    pub impair: ImpairConfig,
    pub seed: u64,
    pub max_requests: Option<u64>,
    /// Print answered requests too, not only discards.
    pub show_answers: bool,
    /// Write the server's ground truth here (`serve_record`).
    pub record: Option<std::path::PathBuf>,
}

struct ServeObserver<'a> {
    console: &'a mut dyn Write,
    record: Option<crate::cmd::server_record::ServerRecord>,
    seen: u64,
    max: Option<u64>,
    show_answers: bool,
}

impl Observer for ServeObserver<'_> {
    fn server_event(&mut self, e: &ServerEvent) {
        self.seen += 1;
        if let Some(r) = &mut self.record {
            r.row(e);
        }
        let at = fmt_ms(e.at.as_micros());
        let line = match e.action {
            Action::Dropped => tr!(
                "serve-discarded",
                ms = format!("{at:>9}"),
                request = request_text(e.request),
                from = e.from.to_string(),
                rule = e.rule.to_string()
            ),
            _ if !self.show_answers => return,
            Action::Answered => tr!(
                "serve-answered",
                ms = format!("{at:>9}"),
                request = request_text(e.request),
                from = e.from.to_string()
            ),
            other => tr!(
                "serve-held",
                ms = format!("{at:>9}"),
                action = other.as_str(),
                request = request_text(e.request),
                from = e.from.to_string(),
                rule = e.rule,
                delay = e.delay.to_string()
            ),
        };
        let _ = writeln!(self.console, "{line}");
    }

    fn should_stop(&self) -> bool {
        self.max.is_some_and(|m| self.seen >= m)
    }
}

/// One line for standard error when a server listens beyond loopback: it is reachable from the
/// network, and a forged source address makes it send `amplifies` to someone else.
pub fn exposure_warning(local: SocketAddr, amplifies: &str) -> Option<String> {
    (!local.ip().is_loopback()).then(|| {
        tr!(
            "exposure-warning",
            local = local.to_string(),
            amplifies = amplifies
        )
    })
}

pub fn serve_time(
    opts: &ServeOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<(Stop, ServerStats)> {
    let record = opts
        .record
        .as_deref()
        .map(crate::cmd::server_record::ServerRecord::open)
        .transpose()?;
    let clock = Clock::new();
    let epoch_unix_us = clock.epoch_unix_us;
    let impair = Impairments::new(opts.impair.clone(), opts.seed);
    let server = TimeServer::with_impairments(impair, clock.epoch_unix_us);
    let mut ev = EventLoop::new(clock)?;
    let local = ev.add_server(opts.bind, server)?;
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "serve-time-header",
            local = local.to_string(),
            impairments = opts.impair.describe_console(),
            seed = opts.seed.to_string()
        )
    );
    let copies = if opts.impair.duplicate.is_some_and(|d| d.p > 0.0) {
        tr!("exposure-amplifies-duplicate")
    } else {
        String::new()
    };
    if let Some(warning) = exposure_warning(
        local,
        &tr!(
            "exposure-amplifies-time",
            bytes = crate::wire::time::MAX_REPLY_LEN,
            copies = copies
        ),
    ) {
        eprintln!("{warning}");
    }
    let mut obs = ServeObserver {
        console,
        record,
        seen: 0,
        max: opts.max_requests,
        show_answers: opts.show_answers,
    };
    let stop = ev.run(&mut obs, interrupt)?;
    let stats = ev.server().expect("the server was added").stats();
    let _ = writeln!(
        obs.console,
        "{}",
        tr!(
            "serve-time-footer",
            received = stats.received,
            answered = stats.answered,
            discarded = stats.dropped
        )
    );
    if let Some(r) = obs.record.take() {
        let dir = r.commit(
            stop,
            "lab",
            local,
            opts.seed,
            &opts.impair,
            epoch_unix_us,
            stats,
        )?;
        let _ = writeln!(
            obs.console,
            "{}",
            tr!("serve-recorded", dir = dir.display().to_string())
        );
    }
    Ok((stop, stats))
}

/// A request as a console line names it, in the user's language (`run` and `serve time`).
pub fn request_text(r: crate::server::time::Request) -> String {
    match r {
        crate::server::time::Request::Losslab(id) => tr!(
            "request-losslab",
            seq = id.seq,
            attempt = id.attempt,
            client = id.client
        ),
        crate::server::time::Request::Plain { index } => tr!("request-plain", index = index),
    }
}
