//! A results folder written completely or not at all.
//!
//! Every file is first written under a temporary name (`NAME.tmp`) in the target folder and
//! renamed into place only by [`ResultsDir::commit`], after all of them are complete, so a reader
//! never sees half a CSV and an earlier run's files stay intact until the new set is ready.
//! If the run fails, dropping the `ResultsDir` deletes the temporary files. `summary.json` is
//! renamed last: when it is there and new, the whole set is.

use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// Where per-packet rows go: a staged file, or nowhere when a run keeps only its summaries
/// (`[output] requests_csv = false`). Rows still pass through the recorder either way, so the
/// summary never depends on whether they were written.
pub enum RowSink {
    File(BufWriter<File>),
    Off,
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
}
