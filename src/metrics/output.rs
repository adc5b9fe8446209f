//! Writing a run's files to disk: [`StreamFile`] (a file written by a thread of its own) and
//! [`RowSink`] (rows to a file or nowhere). Where the files go, and how they get into the
//! results folder together, is [`crate::results::folder`]'s.
//!
//! The files streamed during a run (`requests.csv` and the like, tens of MB for a large
//! simulation) are written by a thread of their own ([`StreamFile`]): the run fills a buffer and
//! hands it over, and the thread writes it and asks the kernel to put it on disk as it goes, so
//! the write calls and the final sync no longer stop the event loop or the simulation (with
//! requests.csv on, syncing at the end was a third of a simulation's wall time). Invariant: a
//! stream file's bytes are exactly the ones written to it, in order, and are on disk when
//! [`StreamFile::finish`] returns `Ok`.

use anyhow::{Context, Result, anyhow};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Flushes a staged writer and syncs it to disk, naming the file on failure.
pub fn finish(w: BufWriter<File>, name: &Path) -> Result<()> {
    let file = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| crate::tr!("err-write", path = name.display().to_string()))?;
    file.sync_all()
        .with_context(|| crate::tr!("err-write", path = name.display().to_string()))
}

/// Bytes gathered before they go to the writer thread.
const CHUNK: usize = 1 << 20;
/// Chunks that may wait for the writer thread; past that, `write` waits (a slow disk slows
/// the run instead of filling memory).
const QUEUED_CHUNKS: usize = 2;
/// The writer thread asks the kernel to put the file on disk after this many bytes, so the sync
/// at the end has little left to do.
const SYNC_EVERY: usize = 8 << 20;

/// A file written by a thread of its own, in chunks of [`CHUNK`] bytes (see the module doc).
pub struct StreamFile {
    buf: Vec<u8>,
    to_writer: Option<SyncSender<Vec<u8>>>,
    /// Written chunks coming back to be filled again.
    spare: Receiver<Vec<u8>>,
    writer: Option<JoinHandle<io::Result<()>>>,
}

impl StreamFile {
    pub(crate) fn new(mut file: File) -> io::Result<Self> {
        let (to_writer, chunks) = mpsc::sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let (give_back, spare) = mpsc::channel::<Vec<u8>>();
        let writer = std::thread::Builder::new()
            .name("losslab-writer".into())
            .spawn(move || {
                let mut unsynced = 0;
                for mut chunk in chunks {
                    file.write_all(&chunk)?;
                    unsynced += chunk.len();
                    if unsynced >= SYNC_EVERY {
                        file.sync_data()?;
                        unsynced = 0;
                    }
                    chunk.clear();
                    // The run may have finished and dropped its end: nothing to give back to.
                    let _ = give_back.send(chunk);
                }
                file.sync_all()
            })?;
        Ok(StreamFile {
            buf: Vec::with_capacity(CHUNK),
            to_writer: Some(to_writer),
            spare,
            writer: Some(writer),
        })
    }

    /// Hands the buffer to the writer thread.
    fn send(&mut self) -> io::Result<()> {
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = match &self.to_writer {
            Some(to) => to.send(full).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The thread stopped: it failed to write. Its error says why.
        self.to_writer = None;
        Err(self
            .join()
            .err()
            .unwrap_or_else(|| io::Error::other("the file's writer thread stopped before the end")))
    }

    fn join(&mut self) -> io::Result<()> {
        match self.writer.take() {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the file's writer thread panicked"))),
            None => Err(io::Error::other("the file's writer thread is already gone")),
        }
    }

    /// Writes what is left, waits for the thread, and syncs the file to disk.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.send()?;
        }
        self.to_writer = None;
        self.join()
    }
}

impl Write for StreamFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    /// Hands what is buffered to the writer thread (it reaches the file soon after; `finish`
    /// waits for it).
    fn flush(&mut self) -> io::Result<()> {
        match self.buf.is_empty() {
            true => Ok(()),
            false => self.send(),
        }
    }
}

impl Drop for StreamFile {
    fn drop(&mut self) {
        // Not finished (the run failed): let the thread end; the file is deleted anyway.
        self.to_writer = None;
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

/// Where per-packet rows go: a staged file, or nowhere when a run keeps only its summaries
/// (`[output] requests_csv = false`). Rows still pass through the recorder either way, so the
/// summary never depends on whether they were written.
pub enum RowSink {
    File(StreamFile),
    Off,
}

impl RowSink {
    /// Finishes a file sink (everything on disk), naming `path` on failure.
    pub fn finish(self, path: &Path) -> Result<()> {
        match self {
            RowSink::File(f) => f
                .finish()
                .map_err(|e| anyhow!(e))
                .with_context(|| crate::tr!("err-write", path = path.display().to_string())),
            RowSink::Off => Ok(()),
        }
    }
}

impl Write for RowSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            RowSink::File(w) => w.write(buf),
            RowSink::Off => Ok(buf.len()),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            RowSink::File(w) => w.write_all(buf),
            RowSink::Off => Ok(()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            RowSink::File(w) => w.flush(),
            RowSink::Off => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream file gets every byte, in order, across many chunks and odd write sizes.
    #[test]
    fn stream_files_keep_every_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("big.csv");
        let mut expected = Vec::new();
        let mut f = StreamFile::new(File::create(&path).unwrap()).unwrap();
        for i in 0..300_000u32 {
            let line = format!("{i},{}\n", "x".repeat((i % 37) as usize));
            f.write_all(line.as_bytes()).unwrap();
            expected.extend_from_slice(line.as_bytes());
            if i % 100_000 == 0 {
                f.flush().unwrap();
            }
        }
        assert!(expected.len() > 3 * CHUNK);
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), expected);
    }
}
