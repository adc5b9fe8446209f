//! `losslab time ADDR`: the client side of exercise 1, ping-like.
//!
//! One line per request as it resolves (a reply with its RTT and the server's text, or a
//! timeout), then a summary. It works against any UDP time server: a losslab server echoes the
//! request id, so replies match exactly; any other server's replies are credited to the oldest
//! request still waiting. Invariant: the run is bounded by `count` requests and their timeouts.

use crate::client::loadgen::{LoadGen, LoadGenConfig, Pacing, Progress, Record};
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::metrics::recorder::{Recorder, RecorderConfig};
use crate::metrics::stats::SummaryRow;
use crate::time::{Duration, fmt_ms};
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
        bail!("`{target}` has no port; write it as HOST:PORT, e.g. 127.0.0.1:21567");
    }
    target
        .to_socket_addrs()
        .map_err(|e| anyhow!("cannot resolve `{target}`: {e}"))?
        .next()
        .ok_or_else(|| anyhow!("`{target}` resolves to no address"))
}

struct TimeObserver<'a> {
    target: SocketAddr,
    timeout: Duration,
    recorder: Recorder<io::Sink>,
    console: &'a mut dyn Write,
    refused: u64,
}

impl Observer for TimeObserver<'_> {
    fn progress(&mut self, p: Progress) {
        let line = match p {
            Progress::Reply { id, rtt, text } => format!(
                "reply from {}: seq={} attempt={} time={} ms: {}",
                self.target,
                id.seq,
                id.attempt,
                fmt_ms(rtt.as_micros()),
                printable(&text)
            ),
            Progress::Timeout { id, retrying } => format!(
                "timeout: seq={} attempt={} (no reply within {}){}",
                id.seq,
                id.attempt,
                self.timeout,
                if retrying { ", retrying" } else { "" }
            ),
            Progress::Late { id, rtt } => format!(
                "late reply: seq={} attempt={} after {} ms (already counted as lost)",
                id.seq,
                id.attempt,
                fmt_ms(rtt.as_micros())
            ),
            Progress::Corrupted { text, .. } => {
                format!(
                    "corrupted reply (checksum failed, discarded): {}",
                    printable(&text)
                )
            }
            Progress::Unmatched {
                duplicate, text, ..
            } => {
                if duplicate {
                    format!("duplicate reply (counted once): {}", printable(&text))
                } else {
                    format!(
                        "unexpected datagram (matches no request): {}",
                        printable(&text)
                    )
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
                "{}: {e} (ICMP port unreachable: is a server listening there?)",
                self.target
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
    let loadgen = LoadGen::new(LoadGenConfig {
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
    ev.add_clients(target, loadgen)?;
    let _ = writeln!(
        console,
        "TIME {target}: {} requests, one every {}, timeout {}",
        opts.count, opts.interval, opts.timeout
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
    };
    let stop = ev.run(&mut obs, interrupt)?;
    let lg = ev.loadgen().expect("clients were added");
    obs.recorder.finish()?;
    let rows = obs.recorder.summary(|i| lg.unmatched(i));
    let all = rows.last().expect("an `all` row").clone();
    let ms = |v: Option<u64>| v.map_or("-".to_string(), fmt_ms);
    let mut text = format!("\n--- {target} time statistics ---\n");
    if stop == Stop::Interrupted {
        text.push_str("(interrupted)\n");
    }
    text.push_str(&format!(
        "{} requests sent, {} replies, {} loss",
        all.sent,
        all.replies,
        all.loss_ratio
            .map_or("-".into(), |l| format!("{:.1}%", l * 100.0)),
    ));
    if let (Some(lo), Some(hi)) = (all.loss_ci_low, all.loss_ci_high) {
        text.push_str(&format!(" (95% CI {:.1}-{:.1}%)", lo * 100.0, hi * 100.0));
    }
    text.push_str(&format!(
        ", {} late, {} duplicates\n",
        all.late, all.duplicates
    ));
    text.push_str(&format!(
        "rtt min/avg/p50/p99/max = {}/{}/{}/{}/{} ms\n",
        ms(all.rtt_min_us),
        all.rtt_mean_us
            .map_or("-".into(), |m| format!("{:.3}", m / 1000.0)),
        ms(all.rtt_p50_us),
        ms(all.rtt_p99_us),
        ms(all.rtt_max_us)
    ));
    let _ = obs.console.write_all(text.as_bytes());
    Ok((stop, all))
}
