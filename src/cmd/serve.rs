//! `losslab serve time`: the lab's exercise 1 as a standalone server.
//!
//! It answers each datagram with the date and time unless the loss model discards it, and
//! prints one line per request saying which (the lab asks for a message for every discard).
//! It runs until Ctrl-C, or until `--max-requests` datagrams have arrived. Invariant: it never
//! dies because of what a client sends; any datagram is a valid request.

use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::impair::loss::LossModel;
use crate::server::time::{Action, ServerEvent, ServerStats, TimeServer};
use crate::time::fmt_ms;
use anyhow::Result;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;

pub struct ServeOptions {
    pub bind: SocketAddr,
    pub loss: LossModel,
    pub seed: u64,
    pub max_requests: Option<u64>,
    /// Print answered requests too, not only discards.
    pub show_answers: bool,
}

struct ServeObserver<'a> {
    console: &'a mut dyn Write,
    loss: LossModel,
    seen: u64,
    max: Option<u64>,
    show_answers: bool,
}

impl Observer for ServeObserver<'_> {
    fn server_event(&mut self, e: &ServerEvent) {
        self.seen += 1;
        let at = fmt_ms(e.at.as_micros());
        let line = match e.action {
            Action::Dropped => format!(
                "[{at:>9} ms] discarded {} from {} (loss {})",
                e.request, e.from, self.loss
            ),
            Action::Answered if self.show_answers => {
                format!("[{at:>9} ms] answered {} from {}", e.request, e.from)
            }
            Action::Answered => return,
        };
        let _ = writeln!(self.console, "{line}");
    }

    fn should_stop(&self) -> bool {
        self.max.is_some_and(|m| self.seen >= m)
    }
}

pub fn serve_time(
    opts: &ServeOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<(Stop, ServerStats)> {
    let clock = Clock::new();
    let server = TimeServer::new(opts.loss, opts.seed, clock.epoch_unix_us);
    let mut ev = EventLoop::new(clock)?;
    let local = ev.add_server(opts.bind, server)?;
    let _ = writeln!(
        console,
        "losslab time server on udp {local}: loss {}, seed {} (Ctrl-C to stop)",
        opts.loss, opts.seed
    );
    let mut obs = ServeObserver {
        console,
        loss: opts.loss,
        seen: 0,
        max: opts.max_requests,
        show_answers: opts.show_answers,
    };
    let stop = ev.run(&mut obs, interrupt)?;
    let stats = ev.server().expect("the server was added").stats();
    let _ = writeln!(
        obs.console,
        "received {}, answered {}, discarded {}",
        stats.received, stats.answered, stats.dropped
    );
    Ok((stop, stats))
}
