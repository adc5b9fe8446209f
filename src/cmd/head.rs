//! `losslab head URL`: the lab's exercise 2, a TCP client that sends HTTP HEAD requests.
//!
//! Without `--count` it prints the response head the way `curl -sI` does (interim 1xx
//! responses first, then the final one). With `--count N` it measures N requests in a closed
//! loop — connect time and time to the end of the headers — reusing a kept-alive connection
//! unless told not to. Invariants: every error is one line naming the URL; the client stops at
//! the end of the headers (a HEAD response has no body), so a server that keeps the
//! connection open never makes it wait for EOF.

use crate::client::loadgen::Record;
use crate::client::tcp::{Protocol, TcpLoad, TcpLoadConfig, TcpProgress, TcpResponse};
use crate::cmd::run::resolve_url;
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::metrics::recorder::{Recorder, RecorderConfig};
use crate::metrics::stats::percentile;
use crate::time::{Duration, fmt_ms};
use crate::tr;
use crate::wire::escape::printable;
use crate::wire::http::{parse_url, render_like_curl};
use anyhow::{Result, anyhow, bail};
use hdrhistogram::Histogram;
use std::io::{self, Write};
use std::sync::atomic::AtomicBool;

pub struct HeadOptions {
    pub url: String,
    pub count: Option<u32>,
    pub timeout: Duration,
    pub http10: bool,
    pub new_connection: bool,
}

struct HeadObserver<'a> {
    console: &'a mut dyn Write,
    url: String,
    /// One request: print the head like curl. Several: one line per request.
    measure: bool,
    recorder: Recorder<io::Sink>,
    connect: Histogram<u64>,
    /// The first failure: whether it was a timeout, and what it was.
    first_error: Option<(bool, String)>,
}

impl Observer for HeadObserver<'_> {
    fn tcp_progress(&mut self, p: TcpProgress) {
        match p {
            TcpProgress::Reply {
                id,
                rtt,
                connect,
                reused,
                response: TcpResponse::Head(resp),
            } => {
                if !self.measure {
                    let _ = write!(self.console, "{}", render_like_curl(&resp));
                    return;
                }
                if let Some(c) = connect.filter(|_| !reused) {
                    self.connect
                        .record(c.as_micros())
                        .expect("an auto-resizing histogram records any time in µs");
                }
                let how = match reused {
                    true => tr!("head-reused"),
                    false => tr!("head-new"),
                };
                let _ = writeln!(
                    self.console,
                    "{}",
                    tr!(
                        "head-line",
                        seq = id.seq,
                        status = resp.status.to_string(),
                        connect = connect.map_or("-".into(), |c| fmt_ms(c.as_micros())),
                        headers = fmt_ms(rtt.as_micros()),
                        how = how
                    )
                );
            }
            TcpProgress::Reply { .. } => {}
            TcpProgress::Timeout { id, .. } => {
                let reason = tr!("head-timeout-reason");
                if self.measure {
                    let _ = writeln!(
                        self.console,
                        "{}",
                        tr!("head-timeout", seq = id.seq, reason = reason.as_str())
                    );
                }
                self.first_error.get_or_insert((true, reason));
            }
            TcpProgress::Failed { id, reason, .. } => {
                // A reason can quote the server's bytes.
                let reason = printable(&reason).into_owned();
                if self.measure {
                    let _ = writeln!(
                        self.console,
                        "{}",
                        tr!("head-error", seq = id.seq, reason = reason.as_str())
                    );
                }
                self.first_error.get_or_insert((false, reason));
            }
        }
    }

    fn record(&mut self, r: &Record) -> io::Result<()> {
        self.recorder.record(r)
    }
}

pub fn run_head(opts: &HeadOptions, interrupt: &AtomicBool, console: &mut dyn Write) -> Result<()> {
    let url = parse_url(&opts.url).map_err(|m| anyhow!("{m}"))?;
    let target = resolve_url(&url).map_err(|e| anyhow!("{}: {e:#}", opts.url))?;
    let count = opts.count.unwrap_or(1);
    let mut ev = EventLoop::new(Clock::new())?;
    ev.add_tcp_clients(
        target,
        TcpLoad::new(TcpLoadConfig::one_client(
            count,
            opts.timeout,
            !opts.new_connection,
            Protocol::Head {
                url,
                http10: opts.http10,
            },
        )),
    );
    let measure = opts.count.is_some();
    if measure {
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "head-header",
                url = opts.url.as_str(),
                target = target.to_string(),
                count = count,
                timeout = opts.timeout.to_string()
            )
        );
    }
    let mut obs = HeadObserver {
        console,
        url: opts.url.clone(),
        measure,
        recorder: Recorder::summary_only(RecorderConfig {
            clients: 1,
            first_client: 0,
            ground_truth: false,
            timeout: opts.timeout,
            retries: 0,
            lost_as_infinite: false,
        }),
        connect: Histogram::new(3).expect("valid precision"),
        first_error: None,
    };
    let stop = ev.run(&mut obs, interrupt)?;
    if stop == Stop::Interrupted {
        bail!("{}: {}", obs.url, tr!("err-interrupted"));
    }
    obs.recorder.finish()?;
    let rows = obs.recorder.summary(|_| Default::default());
    let all = &rows[rows.len() - 1];
    if !measure {
        return match obs.first_error {
            Some((true, _)) => {
                bail!(tr!(
                    "head-no-response",
                    url = obs.url.as_str(),
                    timeout = opts.timeout.to_string()
                ))
            }
            Some((false, reason)) => bail!("{}: {reason}", obs.url),
            None => Ok(()),
        };
    }
    let ms = |v: Option<u64>| v.map_or("-".to_string(), fmt_ms);
    let connect_line = if obs.connect.is_empty() {
        tr!("head-no-new-connection")
    } else {
        tr!(
            "head-connect",
            min = fmt_ms(obs.connect.min()),
            p50 = fmt_ms(percentile(&obs.connect, 0.5).unwrap_or(0)),
            max = fmt_ms(obs.connect.max()),
            n = obs.connect.len()
        )
    };
    let _ = writeln!(
        obs.console,
        "\n{}\n{}\n{}\n{connect_line}",
        tr!("head-summary-title", url = obs.url.as_str()),
        tr!(
            "head-summary-counts",
            sent = all.sent,
            replies = all.replies,
            timeouts = all.timeouts,
            errors = all.errors
        ),
        tr!(
            "head-summary-headers",
            min = ms(all.rtt_min_us),
            p50 = ms(all.rtt_p50_us),
            p99 = ms(all.rtt_p99_us),
            max = ms(all.rtt_max_us)
        ),
    );
    if all.replies == 0 {
        let reason = obs
            .first_error
            .map(|(_, reason)| reason)
            .unwrap_or_else(|| tr!("head-no-response-short"));
        bail!(tr!(
            "head-none-succeeded",
            url = obs.url.as_str(),
            reason = reason
        ));
    }
    Ok(())
}
