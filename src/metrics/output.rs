//! A results folder written completely or not at all.
//!
//! Every file is first written under a temporary name (`NAME.tmp`) in the target folder and
//! renamed into place only by [`ResultsDir::commit`], after all of them are complete, so a reader
//! never sees half a CSV and an earlier run's files stay intact until the new set is ready.
//! If the run fails, dropping the `ResultsDir` deletes the temporary files. `summary.json` is
//! renamed last: when it is there and new, the whole set is.
//!
//! The files streamed during a run (`requests.csv` and the like, tens of MB for a large
//! simulation) are written by a thread of their own ([`StreamFile`]): the run fills a buffer and
//! hands it over, and the thread writes it and asks the kernel to put it on disk as it goes, so
//! the write calls and the final sync no longer stop the event loop or the simulation (with
//! requests.csv on, syncing at the end was a third of a simulation's wall time). Invariant: a
//! stream file's bytes are exactly the ones written to it, in order, and are on disk when
//! [`StreamFile::finish`] returns `Ok`.

use anyhow::{Context, Result, anyhow};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

pub struct ResultsDir {
    dir: PathBuf,
    /// Temporary files written so far, with their final names, in rename order.
    staged: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

impl ResultsDir {
    /// Creates `dir` (and its parents) if needed.
    pub fn create(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the results folder {}", dir.display()))?;
        Ok(ResultsDir {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Opens `name.tmp` for streaming; it becomes `name` at commit.
    pub fn stage(&mut self, name: &str) -> Result<BufWriter<File>> {
        let final_path = self.dir.join(name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        let file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        self.staged.push((tmp, final_path));
        Ok(BufWriter::with_capacity(1 << 18, file))
    }

    /// Opens `name.tmp` for streaming from a writer thread ([`StreamFile`]); it becomes `name`
    /// at commit.
    pub fn stage_stream(&mut self, name: &str) -> Result<StreamFile> {
        let final_path = self.dir.join(name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        let file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        self.staged.push((tmp.clone(), final_path));
        StreamFile::new(file).with_context(|| format!("cannot write {}", tmp.display()))
    }

    /// Writes `contents` to `name.tmp`; it becomes `name` at commit.
    pub fn stage_bytes(&mut self, name: &str, contents: &[u8]) -> Result<()> {
        let mut w = self.stage(name)?;
        w.write_all(contents)
            .and_then(|_| w.flush())
            .with_context(|| format!("cannot write {}", self.dir.join(name).display()))?;
        finish(w, &self.dir.join(name))
    }

    /// Renames every staged file into place, in the order they were staged.
    pub fn commit(mut self) -> Result<()> {
        for (tmp, final_path) in &self.staged {
            fs::rename(tmp, final_path)
                .with_context(|| format!("cannot move {} into place", final_path.display()))?;
        }
        self.committed = true;
        Ok(())
    }
}

/// Flushes a staged writer and syncs it to disk, naming the file on failure.
pub fn finish(w: BufWriter<File>, name: &Path) -> Result<()> {
    let file = w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", name.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", name.display()))
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
    fn new(mut file: File) -> io::Result<Self> {
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
                .with_context(|| format!("cannot write {}", path.display())),
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

impl Drop for ResultsDir {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.staged {
                let _ = fs::remove_file(tmp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_failure_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        {
            let mut out = ResultsDir::create(&dir).unwrap();
            out.stage_bytes("a.csv", b"x\n").unwrap();
            assert!(!dir.join("a.csv").exists());
            // dropped without commit: a failed run
        }
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        let mut out = ResultsDir::create(&dir).unwrap();
        out.stage_bytes("a.csv", b"y\n").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"y\n");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }

    /// A stream file gets every byte, in order, across many chunks and odd write sizes; an
    /// unfinished one (a failed run) leaves nothing behind.
    #[test]
    fn stream_files_keep_every_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let mut expected = Vec::new();
        let mut out = ResultsDir::create(&dir).unwrap();
        let mut f = out.stage_stream("big.csv").unwrap();
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
        out.commit().unwrap();
        assert_eq!(fs::read(dir.join("big.csv")).unwrap(), expected);
        {
            let mut out = ResultsDir::create(&dir).unwrap();
            let mut f = out.stage_stream("half.csv").unwrap();
            f.write_all(&[b'y'; 3 * CHUNK]).unwrap();
            // dropped unfinished and uncommitted
        }
        assert!(!dir.join("half.csv").exists() && !dir.join("half.csv.tmp").exists());
    }
}
