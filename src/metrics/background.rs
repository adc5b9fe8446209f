//! A [`Recorder`] run on a thread of its own, fed in batches.
//!
//! Owns the hand-over between the loop that runs the experiment (the event loop, or the
//! simulator) and the recording: statistics, loss patterns, logical requests and the rows of
//! the result files. That recording was about half of a simulation's work per packet, and none
//! of it feeds back into the experiment, so it can run beside it: the loop's thread only copies
//! each server decision and each finished record into a batch, and the recorder thread replays
//! the batches, in order, into the same [`Recorder`] calls the loop used to make itself.
//! The server and the clients still share one thread; only what is written down moves.
//!
//! Invariant: the recorder sees exactly the calls, in exactly the order, it would have seen
//! called directly, so every statistic and every byte of every file is the same. At most
//! [`QUEUED`] batches wait for the thread (a slow recorder slows the loop instead of filling
//! memory). A write error stops the recording; the loop learns of it at its next hand-over or
//! at [`RecorderThread::finish`].

use super::recorder::{Recorder, ServerTruth};
use crate::client::loadgen::Record;
use crate::impair::path::LinkEvent;
use crate::wire::time::RequestId;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Calls gathered before a batch goes to the thread.
const BATCH: usize = 2048;
/// Batches that may wait for the thread.
const QUEUED: usize = 4;

/// One call the loop would have made on the recorder.
enum Note {
    Truth(RequestId, ServerTruth),
    Record(Record),
    /// Boxed: link events come only from runs with a `[link]`, and a large variant would
    /// make every note of every run larger.
    Link(Box<LinkEvent>),
}

pub struct RecorderThread<W: Write + Send + 'static> {
    batch: Vec<Note>,
    to_thread: Option<SyncSender<Vec<Note>>>,
    /// Replayed batches coming back to be filled again.
    spare: Receiver<Vec<Note>>,
    thread: Option<JoinHandle<(Recorder<W>, io::Result<()>)>>,
}

impl<W: Write + Send + 'static> RecorderThread<W> {
    /// Moves `recorder` to a new thread.
    pub fn spawn(mut recorder: Recorder<W>) -> io::Result<Self> {
        let (to_thread, batches) = mpsc::sync_channel::<Vec<Note>>(QUEUED);
        let (give_back, spare) = mpsc::channel::<Vec<Note>>();
        let thread = std::thread::Builder::new()
            .name("losslab-recorder".into())
            .spawn(move || {
                for mut batch in batches {
                    if let Err(e) = replay(&mut recorder, &batch) {
                        // Stop taking batches: the loop's next hand-over fails and asks why.
                        return (recorder, Err(e));
                    }
                    batch.clear();
                    // The loop may be done and gone: nothing to give back to.
                    let _ = give_back.send(batch);
                }
                (recorder, Ok(()))
            })?;
        Ok(RecorderThread {
            batch: Vec::with_capacity(BATCH),
            to_thread: Some(to_thread),
            spare,
            thread: Some(thread),
        })
    }

    /// [`Recorder::note_server_action`], on the recorder thread.
    pub fn note_server_action(&mut self, id: RequestId, truth: ServerTruth) -> io::Result<()> {
        self.push(Note::Truth(id, truth))
    }

    /// [`Recorder::record`], on the recorder thread. An error is a write error of an earlier
    /// record (the recording has stopped).
    pub fn record(&mut self, r: &Record) -> io::Result<()> {
        self.push(Note::Record(*r))
    }

    /// [`Recorder::link_event`], on the recorder thread.
    pub fn link_event(&mut self, e: &LinkEvent) -> io::Result<()> {
        self.push(Note::Link(Box::new(*e)))
    }

    fn push(&mut self, note: Note) -> io::Result<()> {
        self.batch.push(note);
        match self.batch.len() >= BATCH {
            true => self.send(),
            false => Ok(()),
        }
    }

    /// Hands the batch to the thread.
    fn send(&mut self) -> io::Result<()> {
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut self.batch, next);
        if let Some(to) = &self.to_thread
            && to.send(batch).is_ok()
        {
            return Ok(());
        }
        // The thread stopped: it met a write error (or panicked). Its answer says which.
        self.join().map(|_| ())
    }

    fn join(&mut self) -> io::Result<Recorder<W>> {
        self.to_thread = None;
        let thread = self
            .thread
            .take()
            .ok_or_else(|| io::Error::other("the recorder thread is already gone"))?;
        match thread.join() {
            Ok((recorder, Ok(()))) => Ok(recorder),
            Ok((_, Err(e))) => Err(e),
            Err(_) => Err(io::Error::other("the recorder thread panicked")),
        }
    }

    /// Replays what is left and hands the recorder back, or the first error it met.
    pub fn finish(mut self) -> io::Result<Recorder<W>> {
        if !self.batch.is_empty() {
            self.send()?;
        }
        self.join()
    }
}

/// The recorder calls a batch stands for, in order; stops at the first error.
fn replay<W: Write>(recorder: &mut Recorder<W>, batch: &[Note]) -> io::Result<()> {
    for note in batch {
        match note {
            Note::Truth(id, truth) => recorder.note_server_action(*id, *truth),
            Note::Record(r) => recorder.record(r)?,
            Note::Link(e) => recorder.link_event(e)?,
        }
    }
    Ok(())
}

impl<W: Write + Send + 'static> Drop for RecorderThread<W> {
    fn drop(&mut self) {
        // Not finished (the run failed): let the thread end with what it has.
        self.to_thread = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::loadgen::Outcome;
    use crate::metrics::recorder::RecorderConfig;
    use crate::server::time::Action;
    use crate::time::{Duration, Instant};

    fn recorder() -> Recorder<Vec<u8>> {
        let cfg = RecorderConfig {
            clients: 3,
            first_client: 0,
            ground_truth: true,
            timeout: Duration::from_millis(10),
            retries: 2,
            lost_as_infinite: false,
        };
        Recorder::new(Vec::new(), Vec::new(), Vec::new(), cfg).unwrap()
    }

    /// A writer that fails: the error comes back (at a hand-over or at the end), never lost.
    #[test]
    fn a_write_error_comes_back() {
        /// Takes the first 1000 bytes (the headers), then fails.
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0 += b.len();
                match self.0 > 1000 {
                    true => Err(io::Error::other("disk full")),
                    false => Ok(b.len()),
                }
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let cfg = RecorderConfig {
            clients: 1,
            first_client: 0,
            ground_truth: false,
            timeout: Duration::from_millis(10),
            retries: 0,
            lost_as_infinite: false,
        };
        let rec = Recorder::new(Full(0), Full(0), Full(0), cfg).unwrap();
        let mut t = RecorderThread::spawn(rec).unwrap();
        let mut failed = None;
        for seq in 0..(4 * BATCH as u32) {
            let r = Record {
                id: RequestId {
                    client: 0,
                    seq,
                    attempt: 0,
                },
                index: 0,
                sent: Instant::ZERO,
                intended: Instant::ZERO,
                outcome: Outcome::Reply,
                rtt: Some(Duration::from_micros(5)),
                late_rtt: None,
                connect: None,
            };
            if let Err(e) = t.record(&r) {
                failed = Some(e);
                break;
            }
        }
        let e = failed
            .or_else(|| t.finish().err())
            .expect("the error comes back");
        assert!(e.to_string().contains("disk full"), "{e}");
    }

    /// Thousands of interleaved decisions and records (retries, losses, late replies, strays
    /// of ground truth) give the same files and summary through the thread as called
    /// directly.
    #[test]
    fn same_files_and_summary_as_direct_calls() {
        let mut direct = recorder();
        let mut threaded = RecorderThread::spawn(recorder()).unwrap();
        for i in 0..20_000u32 {
            let id = RequestId {
                client: i % 3,
                seq: i / 3 / 3,
                attempt: (i / 3 % 3) as u8,
            };
            let action = match i % 7 {
                0 => Action::Dropped,
                1 => Action::Delayed,
                _ => Action::Answered,
            };
            let truth = ServerTruth {
                action,
                delay: Duration::from_micros(u64::from(i % 5) * 1_000),
                state: (i % 11 == 0).then_some("bad"),
            };
            direct.note_server_action(id, truth);
            threaded.note_server_action(id, truth).unwrap();
            let outcome = match (action, i % 13) {
                (Action::Dropped, _) | (_, 0) => Outcome::Timeout,
                _ => Outcome::Reply,
            };
            let r = Record {
                id,
                index: id.client,
                sent: Instant::from_micros(u64::from(i) * 10),
                intended: Instant::from_micros(u64::from(i) * 10),
                outcome,
                rtt: (outcome == Outcome::Reply).then(|| Duration::from_micros(u64::from(i % 97))),
                late_rtt: (i % 17 == 0 && outcome == Outcome::Timeout)
                    .then(|| Duration::from_micros(12_000)),
                connect: None,
            };
            direct.record(&r).unwrap();
            threaded.record(&r).unwrap();
        }
        let mut threaded = threaded.finish().unwrap();
        direct.finish().unwrap();
        threaded.finish().unwrap();
        let unmatched = |_: u32| crate::client::loadgen::Unmatched::default();
        assert_eq!(direct.summary(unmatched), threaded.summary(unmatched));
        assert_eq!(direct.mismatches(), threaded.mismatches());
        let (a, b) = (direct.into_inner().unwrap(), threaded.into_inner().unwrap());
        assert!(a.0.len() > 500_000, "{}", a.0.len());
        assert_eq!(a, b);
    }
}
