//! `losslab time ADDR`: the client side of exercise 1, ping-like.
//!
//! One line per request as it resolves (a reply with its RTT and the server's text, or a
//! timeout), then a summary. It works against any UDP time server: it sends one request at a
//! time (stop-and-wait, as the lab's own client does) until a reply shows whether the server
//! echoes losslab ids. A losslab server does, and the requests are then pipelined and matched
//! by id; any other server's replies carry none, and the client stays stop-and-wait, so a reply
//! is never guessed onto another request (see `LoadGen::stop_and_wait_until_ids`). Exit code as
//! ping's: 1 when no reply came at all. Invariant: the run is bounded by `count` requests and
//! their timeouts.

use crate::client::loadgen::{LoadGen, LoadGenConfig, Pacing, Progress, Record};
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::metrics::recorder::{Recorder, RecorderConfig};
use crate::metrics::stats::SummaryRow;
use crate::time::{Duration, fmt_ms};
use crate::tr;
use crate::wire::escape::printable;
use anyhow::{Result, anyhow, bail};
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicBool;

pub struct TimeOptions {
    pub target: String,
    pub count: u32,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u8,
    pub client_id: u32,
}

/// Resolves `HOST:PORT`, naming the address in every error.
pub fn resolve(target: &str) -> Result<SocketAddr> {
    if let Ok(addr) = target.parse() {
        return Ok(addr);
    }
    if !target.contains(':') {
        bail!(tr!("err-no-port", target = target));
    }
    target
        .to_socket_addrs()
        .map_err(|e| anyhow!(tr!("err-resolve", target = target, error = e.to_string())))?
        .next()
        .ok_or_else(|| anyhow!(tr!("err-no-address", target = target)))
}

struct TimeObserver<'a> {
    target: SocketAddr,
    timeout: Duration,
    recorder: Recorder<io::Sink>,
    console: &'a mut dyn Write,
    refused: u64,
    /// Whether the server echoed losslab ids, once a reply showed it.
    by_id: Option<bool>,
}

impl Observer for TimeObserver<'_> {
    fn progress(&mut self, p: Progress) {
        let target = self.target.to_string();
        let line = match p {
            Progress::Reply { id, rtt, text } => tr!(
                "time-reply",
                target = target,
                seq = id.seq,
                attempt = id.attempt,
                ms = fmt_ms(rtt.as_micros()),
                text = printable(&text)
            ),
            Progress::Timeout { id, retrying } => {
                let key = self.timeout.to_string();
                match retrying {
                    true => tr!(
                        "time-timeout-retrying",
                        seq = id.seq,
                        attempt = id.attempt,
                        timeout = key
                    ),
                    false => tr!(
                        "time-timeout",
                        seq = id.seq,
                        attempt = id.attempt,
                        timeout = key
                    ),
                }
            }
            Progress::Late { id, rtt } => tr!(
                "time-late",
                seq = id.seq,
                attempt = id.attempt,
                ms = fmt_ms(rtt.as_micros())
            ),
            Progress::Corrupted { text, .. } => tr!("time-corrupted", text = printable(&text)),
            Progress::Unmatched {
                duplicate, text, ..
            } => match duplicate {
                true => tr!("time-duplicate", text = printable(&text)),
                false => tr!("time-unmatched", text = printable(&text)),
            },
            Progress::Matching { by_id } => {
                self.by_id = Some(by_id);
                match by_id {
                    true => tr!("time-mode-by-id"),
                    false => tr!("time-mode-stop-and-wait"),
                }
            }
        };
        let _ = writeln!(self.console, "{line}");
    }

    fn record(&mut self, r: &Record) -> io::Result<()> {
        self.recorder.record(r)
    }

    fn socket_error(&mut self, _client: Option<u32>, e: &io::Error) {
        self.refused += 1;
        if self.refused == 1 {
            let _ = writeln!(
                self.console,
                "{}",
                tr!(
                    "err-port-unreachable",
                    target = self.target.to_string(),
                    error = e.to_string()
                )
            );
        }
    }
}

/// Runs the client; returns the summary row (`all`).
pub fn run_time_client(
    opts: &TimeOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<(Stop, SummaryRow)> {
    let target = resolve(&opts.target)?;
    let mut ev = EventLoop::new(Clock::new())?;
    let mut loadgen = LoadGen::new(LoadGenConfig {
        clients: 1,
        first_client: opts.client_id,
        requests: opts.count,
        pacing: Pacing::Interval(opts.interval),
        timeout: opts.timeout,
        retries: opts.retries,
        backoff: crate::client::backoff::Backoff::NONE,
        seed: 0,
        late_window: opts.timeout,
        progress: true,
    });
    loadgen.stop_and_wait_until_ids();
    ev.add_clients(target, loadgen)?;
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "time-header",
            target = target.to_string(),
            count = opts.count,
            interval = opts.interval.to_string(),
            timeout = opts.timeout.to_string()
        )
    );
    let mut obs = TimeObserver {
        target,
        timeout: opts.timeout,
        recorder: Recorder::summary_only(RecorderConfig {
            clients: 1,
            first_client: opts.client_id,
            ground_truth: false,
            timeout: opts.timeout,
            retries: opts.retries,
            lost_as_infinite: false,
        }),
        console,
        refused: 0,
        by_id: None,
    };
    let stop = ev.run(&mut obs, interrupt)?;
    let lg = ev.loadgen().expect("clients were added");
    obs.recorder.finish()?;
    let rows = obs.recorder.summary(|i| lg.unmatched(i));
    let all = rows.last().expect("an `all` row").clone();
    let ms = |v: Option<u64>| v.map_or("-".to_string(), fmt_ms);
    let mut text = format!(
        "\n{}\n",
        tr!("time-summary-title", target = target.to_string())
    );
    if stop == Stop::Interrupted {
        text.push_str(&format!("{}\n", tr!("summary-interrupted")));
    }
    let loss = all
        .loss_ratio
        .map_or("-".into(), |l| format!("{:.1}%", l * 100.0));
    let ci = match (all.loss_ci_low, all.loss_ci_high) {
        (Some(lo), Some(hi)) => tr!(
            "time-summary-ci",
            low = format!("{:.1}", lo * 100.0),
            high = format!("{:.1}", hi * 100.0)
        ),
        _ => String::new(),
    };
    text.push_str(&tr!(
        "time-summary-counts",
        sent = all.sent,
        replies = all.replies,
        loss = loss,
        ci = ci,
        late = all.late,
        duplicates = all.duplicates
    ));
    text.push('\n');
    text.push_str(&tr!(
        "time-summary-rtt",
        min = ms(all.rtt_min_us),
        avg = all
            .rtt_mean_us
            .map_or("-".into(), |m| format!("{:.3}", m / 1000.0)),
        p50 = ms(all.rtt_p50_us),
        p99 = ms(all.rtt_p99_us),
        max = ms(all.rtt_max_us)
    ));
    text.push('\n');
    // What decides the drops, so students sharing one server know why they see the same ones.
    text.push_str(&match obs.by_id {
        Some(true) => tr!("time-summary-reproducible", client = opts.client_id),
        Some(false) => tr!("time-summary-foreign-server"),
        None => tr!("time-summary-no-reply"),
    });
    text.push('\n');
    let _ = obs.console.write_all(text.as_bytes());
    Ok((stop, all))
}
