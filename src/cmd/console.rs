//! The console of the commands that run an event loop: a bounded queue of lines that a thread
//! of its own writes to standard output.
//!
//! A terminal that is scrolled back, a pipe nobody reads (`losslab run | sleep 6`) or a slow
//! `ssh` makes a write to stdout block; done inside the event loop, that stalls sends and
//! timers and falsifies the measurement (issue 13: 90% measured loss for 50%). Here a write
//! never blocks: a complete line goes into a queue of [`QUEUE_LINES`] lines, and when the queue
//! is full the line is dropped and counted. When the queue has room again a note says how many
//! lines were not shown, and at the end [`Console::finish`] waits a bounded time for the
//! writer, then reports lines it could not deliver on standard error. Invariant: nothing the
//! loop does waits on the console; lines are dropped, never measurements, and every dropped
//! line is counted in a note.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines the queue holds before further lines are dropped.
pub const QUEUE_LINES: usize = 4096;
/// A "line" without a newline is cut at this many bytes, so a partial line cannot grow.
const MAX_LINE: usize = 16 * 1024;
/// How long [`Console::finish`] waits for the writer to drain the queue.
const DRAIN_WAIT: Duration = Duration::from_secs(2);
/// How long it waits once Ctrl-C was pressed: just enough for a terminal to take the last lines.
const DRAIN_WAIT_INTERRUPTED: Duration = Duration::from_millis(200);

pub struct Console {
    tx: Option<SyncSender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
    partial: Vec<u8>,
    /// Lines dropped since the last note.
    dropped: u64,
    /// Lines dropped in all.
    pub dropped_total: u64,
    /// Lines handed to the writer, and how many of them it has written.
    queued: u64,
    written: Arc<AtomicU64>,
}

impl Console {
    /// A console writing to this process's standard output.
    pub fn stdout() -> Console {
        Console::to(io::stdout(), QUEUE_LINES)
    }

    /// A console writing to `out` through a queue of `lines` lines (tests use a slow writer).
    pub fn to<W: Write + Send + 'static>(out: W, lines: usize) -> Console {
        let (tx, rx) = sync_channel(lines);
        let written = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&written);
        let writer = std::thread::Builder::new()
            .name("losslab-console".into())
            .spawn(move || write_lines(rx, out, &counter))
            .ok();
        Console {
            tx: writer.as_ref().map(|_| tx),
            writer,
            partial: Vec::new(),
            dropped: 0,
            dropped_total: 0,
            queued: 0,
            written,
        }
    }

    fn offer(&mut self, line: Vec<u8>) {
        let Some(tx) = &self.tx else {
            return;
        };
        if self.dropped > 0 {
            let note = format!("{}\n", crate::tr!("console-not-shown", n = self.dropped));
            match tx.try_send(note.into_bytes()) {
                Ok(()) => {
                    self.dropped = 0;
                    self.queued += 1;
                }
                Err(TrySendError::Full(_)) => {
                    self.dropped += 1;
                    self.dropped_total += 1;
                    return;
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
        match tx.try_send(line) {
            Ok(()) => self.queued += 1,
            Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped += 1;
                self.dropped_total += 1;
            }
        }
    }

    /// Sends what is left, then waits for the writer at most [`DRAIN_WAIT`] (or
    /// [`DRAIN_WAIT_INTERRUPTED`] after Ctrl-C). Lines that could not be shown are reported
    /// on standard error.
    pub fn finish(&mut self, interrupted: &AtomicBool) {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.offer(rest);
        }
        let Some(tx) = self.tx.take() else {
            return;
        };
        let wait = |i: &AtomicBool| {
            if i.load(Ordering::Relaxed) {
                DRAIN_WAIT_INTERRUPTED
            } else {
                DRAIN_WAIT
            }
        };
        let start = Instant::now();
        // The note about the last dropped lines goes into the queue like any line.
        let mut note = (self.dropped > 0).then(|| {
            format!("{}\n", crate::tr!("console-not-shown", n = self.dropped)).into_bytes()
        });
        while let Some(n) = note.take() {
            match tx.try_send(n) {
                Ok(()) => {
                    self.dropped = 0;
                    self.queued += 1;
                }
                Err(TrySendError::Full(n)) if start.elapsed() < wait(interrupted) => {
                    note = Some(n);
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => {}
            }
        }
        drop(tx);
        if let Some(writer) = self.writer.take() {
            while !writer.is_finished() && start.elapsed() < wait(interrupted) {
                std::thread::sleep(Duration::from_millis(2));
            }
            if writer.is_finished() {
                let _ = writer.join();
            } else {
                // Still blocked on a stalled stdout: leave it; the process ends without it.
                let unwritten = self.queued - self.written.load(Ordering::Relaxed).min(self.queued);
                eprintln!(
                    "{}",
                    crate::tr!("console-stalled", n = unwritten + self.dropped)
                );
                return;
            }
        }
        if self.dropped > 0 {
            eprintln!("{}", crate::tr!("console-dropped", n = self.dropped));
        }
    }
}

fn write_lines<W: Write>(rx: Receiver<Vec<u8>>, mut out: W, written: &AtomicU64) {
    let mut broken = false;
    let write = |out: &mut W, line: &[u8]| {
        let ok = out.write_all(line).is_ok();
        if ok {
            written.fetch_add(1, Ordering::Relaxed);
        }
        !ok
    };
    while let Ok(line) = rx.recv() {
        // After a write error (a closed pipe) lines are still taken, so senders never wait.
        broken = broken || write(&mut out, &line);
        if !broken {
            let mut batch = 0;
            while let Ok(more) = rx.try_recv() {
                broken = write(&mut out, &more);
                batch += 1;
                if broken || batch == 64 {
                    break;
                }
            }
            broken = broken || out.flush().is_err();
        }
    }
    let _ = out.flush();
}

impl Write for Console {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let rest = self.partial.split_off(end + 1);
            let line = std::mem::replace(&mut self.partial, rest);
            self.offer(line);
        }
        if self.partial.len() >= MAX_LINE {
            let line = std::mem::take(&mut self.partial);
            self.offer(line);
        }
        Ok(buf.len())
    }

    /// Hands over a partial line too (an interactive prompt such as `> `).
    fn flush(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.offer(line);
        }
        Ok(())
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.finish(&AtomicBool::new(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer that blocks until released, like a pipe nobody reads.
    struct Stalled {
        gate: Arc<Mutex<()>>,
        got: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Stalled {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _open = self.gate.lock().unwrap();
            self.got.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// 10,000 lines into a queue of 100 while the writer is stalled: every write returns at
    /// once, the overflow is counted, and once the writer runs again the note says how many
    /// lines were not shown, and every line is either shown or counted.
    #[test]
    fn a_stalled_writer_never_blocks_and_every_line_is_accounted_for() {
        let gate = Arc::new(Mutex::new(()));
        let got = Arc::new(Mutex::new(Vec::new()));
        let closed = gate.lock().unwrap();
        let mut console = Console::to(
            Stalled {
                gate: Arc::clone(&gate),
                got: Arc::clone(&got),
            },
            100,
        );
        for i in 0..10_000 {
            writeln!(console, "line {i}").unwrap();
        }
        assert!(
            console.dropped_total >= 10_000 - 102,
            "{}",
            console.dropped_total
        );
        drop(closed);
        console.finish(&AtomicBool::new(false));
        let text = String::from_utf8(got.lock().unwrap().clone()).unwrap();
        let shown = text.lines().filter(|l| l.starts_with("line ")).count() as u64;
        let noted: u64 = text
            .lines()
            .filter_map(|l| l.strip_prefix("… "))
            .map(|l| l.split(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(shown + noted, 10_000, "{text}");
        assert!(text.ends_with("console lines not shown\n"), "{text}");
    }
}
