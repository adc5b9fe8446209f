//! A results folder on disk: how a run's (or a report's) files get into it, which of its files
//! are losslab's, and the lock that keeps writers apart and readers from seeing two runs mixed.
//!
//! Writing: every file is first written into a staging folder beside the target
//! (`PARENT/.NAME.losslab-staging`), which the writer holds an exclusive lock on for as long as
//! it writes, so a second writer into the same target fails at once (exit 2, naming the folder)
//! instead of mixing its files with the first one's. [`Staging::commit`] then takes the target's
//! own lock (exclusive; readers take it shared while they open the files, see [`ReadLock`]),
//! and moves every staged file into place by rename. A failed or abandoned run never touches
//! the target: dropping an uncommitted [`Staging`] removes the staging folder, and a target
//! that `commit` created for nothing is removed again.
//!
//! Ownership: the target holds a manifest, [`MANIFEST`], listing the files losslab wrote there
//! last. A commit replaces and removes only files the manifest lists: a file of the same name
//! that the manifest does not list is a user's, and the commit refuses to replace it (nothing
//! is moved). A folder without a manifest, written by an earlier losslab, is recognised by a
//! caller-given test (a run folder by its `summary.json`); its files of the names being
//! written are replaced, nothing else in it is removed. Only regular files are ever replaced
//! or removed: a symlink, a folder or a device under a listed name is left where it is.
//!
//! Invariant: at every instant the manifest lists every file losslab wrote that is in the
//! folder (during a commit it lists the union of the old and the new set), and no file that
//! losslab did not write.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::metrics::output::StreamFile;
use crate::tr;

/// The manifest's file name: what losslab wrote into this folder.
pub const MANIFEST: &str = ".losslab-manifest";

const MANIFEST_HEAD: &str = "# Files losslab wrote into this folder. The next run or report into it replaces or\n\
# removes these (and only these); every other file here is left as it is.\n";

/// The staging folder of `target`.
pub fn staging_path(target: &Path) -> Result<PathBuf> {
    let (parent, name) = split(target)?;
    Ok(parent.join(format!(".{name}.losslab-staging")))
}

/// `target`'s parent folder and its name, for a path that names a folder (`--out .` included).
fn split(target: &Path) -> Result<(PathBuf, String)> {
    let abs = std::path::absolute(target)
        .with_context(|| tr!("folder-resolve", dir = target.display().to_string()))?;
    let abs = match abs.file_name() {
        Some(_) => abs,
        // `.` or `..` at the end: only an existing folder can be named that way.
        None => fs::canonicalize(&abs)
            .with_context(|| tr!("folder-resolve", dir = target.display().to_string()))?,
    };
    // `absolute` keeps a trailing `.`: drop it.
    let abs: PathBuf = abs
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    match (abs.parent(), abs.file_name()) {
        (Some(p), Some(n)) => Ok((p.to_path_buf(), n.to_string_lossy().into_owned())),
        _ => bail!(tr!("folder-no-parent", dir = target.display().to_string())),
    }
}

/// A name a manifest may list: one plain file name in the folder.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.contains('\\')
        && !name.contains('\0')
}

/// The names a folder's manifest lists; `None` when it has none. A manifest that is not a
/// regular file, or that cannot be read, is an error (the folder's ownership is unknown).
pub fn read_manifest(dir: &Path) -> Result<Option<BTreeSet<String>>> {
    let path = dir.join(MANIFEST);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(anyhow!(
                "{}: {e}",
                tr!("err-read", path = path.display().to_string())
            ));
        }
    };
    if !meta.is_file() || meta.len() > 1 << 20 {
        bail!(tr!(
            "folder-manifest-not-file",
            path = path.display().to_string()
        ));
    }
    let text = fs::read_to_string(&path)
        .with_context(|| tr!("err-read", path = path.display().to_string()))?;
    let mut names = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !plain_name(line) || line == MANIFEST {
            bail!(tr!(
                "folder-manifest-damaged",
                path = path.display().to_string(),
                line = i + 1,
                name = line
            ));
        }
        names.insert(line.to_string());
    }
    Ok(Some(names))
}

fn manifest_text(names: &BTreeSet<String>) -> String {
    let mut text = MANIFEST_HEAD.to_string();
    for n in names {
        text.push_str(n);
        text.push('\n');
    }
    text
}

/// Whether `path` is a regular file (not a symlink, a folder or a device); false when absent.
fn is_regular(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

fn exists_at_all(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Opens a folder for locking (a folder can be opened read-only and `flock`ed on Linux).
fn open_dir(dir: &Path) -> io::Result<File> {
    File::open(dir)
}

/// `flock` on an open file or folder: the lock goes with the open file and is released when
/// it is closed (also when the process dies).
fn flock(f: &File, op: rustix::fs::FlockOperation) -> io::Result<()> {
    rustix::fs::flock(f, op).map_err(io::Error::from)
}

/// Identity of an inode, to tell a folder from one that replaced it under the same name.
fn same_inode(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// A shared lock on a results folder, held while a reader opens its files, so that a commit
/// (which takes it exclusively) never moves files in between. `None` when the folder cannot be
/// opened for locking (the reading then fails with its own message).
pub struct ReadLock(#[allow(dead_code)] Option<File>);

impl ReadLock {
    pub fn take(dir: &Path) -> ReadLock {
        let file = open_dir(dir)
            .ok()
            .filter(|f| flock(f, rustix::fs::FlockOperation::LockShared).is_ok());
        ReadLock(file)
    }
}

/// Which files losslab may replace in a folder written before manifests: a test on the folder.
pub type LegacyTest = fn(&Path) -> bool;

/// A run's (or a report's) files while they are written: see the module doc.
pub struct Staging {
    target: PathBuf,
    stage: PathBuf,
    /// Held for the whole write: a second writer into the same target fails at once.
    stage_lock: Option<File>,
    /// Names staged, in the order they are moved into place.
    files: Vec<String>,
    legacy: LegacyTest,
    committed: bool,
    /// Folders above the target that `begin` created, deepest first.
    made_parents: Vec<PathBuf>,
}

impl Staging {
    /// Starts writing into `target` (which need not exist yet). Fails, naming the folder, when
    /// another losslab is writing into it.
    pub fn begin(target: &Path, legacy: LegacyTest) -> Result<Staging> {
        if let Ok(m) = fs::metadata(target)
            && !m.is_dir()
        {
            bail!(
                "{} exists and is not a folder; choose another output folder",
                target.display()
            );
        }
        let stage = staging_path(target)?;
        // Parent folders made here are removed again if the run fails (when still empty).
        let mut made_parents = Vec::new();
        if let Some(parent) = stage.parent() {
            let mut missing = parent;
            while !missing.exists() {
                made_parents.push(missing.to_path_buf());
                match missing.parent() {
                    Some(p) => missing = p,
                    None => break,
                }
            }
            fs::create_dir_all(parent)
                .with_context(|| tr!("folder-create", dir = parent.display().to_string()))?;
        }
        // A few tries: the folder may be removed by a writer that just finished between our
        // opening it and our locking it.
        for _ in 0..5 {
            match fs::create_dir(&stage) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(anyhow!(
                        "{}: {e}",
                        tr!("folder-create-staging", dir = stage.display().to_string())
                    ));
                }
            }
            let meta = match fs::symlink_metadata(&stage) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if !meta.is_dir() {
                bail!(tr!(
                    "folder-staging-in-the-way",
                    path = stage.display().to_string()
                ));
            }
            let lock = open_dir(&stage)
                .with_context(|| tr!("folder-open-staging", dir = stage.display().to_string()))?;
            match flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => bail!(tr!(
                    "folder-busy",
                    dir = target.display().to_string(),
                    stage = stage.display().to_string()
                )),
                Err(e) => {
                    return Err(anyhow!(
                        "{}: {e}",
                        tr!("folder-lock", path = stage.display().to_string())
                    ));
                }
            }
            // Still the folder at that name (not one removed meanwhile)?
            let now = matches!(
                (fs::symlink_metadata(&stage), lock.metadata()),
                (Ok(a), Ok(b)) if same_inode(&a, &b)
            );
            if !now {
                continue;
            }
            // Ours, locked: what is in it was left by a writer that was killed. Staging
            // folders hold only files losslab wrote.
            for entry in fs::read_dir(&stage)
                .with_context(|| tr!("err-read", path = stage.display().to_string()))?
                .flatten()
            {
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    let _ = fs::remove_file(entry.path());
                }
            }
            return Ok(Staging {
                target: target.to_path_buf(),
                stage,
                stage_lock: Some(lock),
                files: Vec::new(),
                legacy,
                committed: false,
                made_parents,
            });
        }
        bail!(tr!(
            "folder-contended",
            stage = stage.display().to_string(),
            dir = target.display().to_string()
        ))
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    fn add(&mut self, name: &str) -> Result<PathBuf> {
        if !plain_name(name) || name == MANIFEST || self.files.iter().any(|f| f == name) {
            bail!("internal error: cannot stage `{name}` twice or under that name");
        }
        self.files.push(name.to_string());
        Ok(self.stage.join(name))
    }

    /// A staged file for buffered writing; finish it with [`crate::metrics::output::finish`].
    pub fn file(&mut self, name: &str) -> Result<BufWriter<File>> {
        let path = self.add(name)?;
        let file = File::create(&path)
            .with_context(|| tr!("err-write", path = path.display().to_string()))?;
        Ok(BufWriter::with_capacity(1 << 18, file))
    }

    /// A staged file written by a thread of its own ([`StreamFile`]).
    pub fn stream(&mut self, name: &str) -> Result<StreamFile> {
        let path = self.add(name)?;
        let file = File::create(&path)
            .with_context(|| tr!("err-write", path = path.display().to_string()))?;
        StreamFile::new(file).with_context(|| tr!("err-write", path = path.display().to_string()))
    }

    /// A staged file with these contents, on disk when this returns.
    pub fn bytes(&mut self, name: &str, contents: &[u8]) -> Result<()> {
        let shown = self.target.join(name);
        let mut w = self.file(name)?;
        w.write_all(contents)
            .and_then(|_| w.flush())
            .with_context(|| tr!("err-write", path = shown.display().to_string()))?;
        crate::metrics::output::finish(w, &shown)
    }

    /// Moves every staged file into the target, replaces the manifest, and removes the files
    /// the previous manifest listed that this set does not have. Nothing is moved when a file
    /// of the same name is not losslab's. Returns the names removed.
    pub fn commit(mut self) -> Result<Vec<String>> {
        let target = self.target.clone();
        let created = match fs::create_dir(&target) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
            Err(e) => {
                return Err(anyhow!(
                    "{}: {e}",
                    tr!("folder-create-results", dir = target.display().to_string())
                ));
            }
        };
        let result = self.commit_into(&target);
        if result.is_err() && created {
            let _ = fs::remove_dir(&target); // only if still empty
        }
        result
    }

    fn commit_into(&mut self, target: &Path) -> Result<Vec<String>> {
        let lock = open_dir(target)
            .with_context(|| tr!("folder-open-results", dir = target.display().to_string()))?;
        flock(&lock, rustix::fs::FlockOperation::LockExclusive)
            .with_context(|| tr!("folder-lock-results", dir = target.display().to_string()))?;
        let old = read_manifest(target)?;
        let new: BTreeSet<String> = self.files.iter().cloned().collect();
        let legacy = old.is_none() && (self.legacy)(target);
        for name in &self.files {
            let at = target.join(name);
            if !exists_at_all(&at) {
                continue;
            }
            let ours = match &old {
                Some(listed) => listed.contains(name),
                None => legacy,
            };
            if !ours {
                bail!(tr!(
                    "folder-not-ours",
                    path = at.display().to_string(),
                    manifest = MANIFEST
                ));
            }
            if !is_regular(&at) {
                bail!(tr!("folder-not-regular", path = at.display().to_string()));
            }
        }
        // The manifest first lists both sets, so that a stop half-way leaves every file of
        // ours listed.
        let union: BTreeSet<String> = old.iter().flatten().cloned().chain(new.clone()).collect();
        self.write_manifest(target, &union)?;
        for name in &self.files {
            let to = target.join(name);
            fs::rename(self.stage.join(name), &to)
                .with_context(|| tr!("folder-move", path = to.display().to_string()))?;
        }
        let mut removed = Vec::new();
        for name in old.iter().flatten().filter(|n| !new.contains(*n)) {
            let at = target.join(name);
            // Only a regular file: never a link (nor what it points to), never a folder.
            if is_regular(&at) && fs::remove_file(&at).is_ok() {
                removed.push(name.clone());
            }
        }
        self.write_manifest(target, &new)?;
        if let Ok(d) = File::open(target) {
            let _ = d.sync_all();
        }
        self.committed = true;
        drop(lock);
        Ok(removed)
    }

    fn write_manifest(&self, target: &Path, names: &BTreeSet<String>) -> Result<()> {
        let tmp = self.stage.join(MANIFEST);
        let to = target.join(MANIFEST);
        let mut f = File::create(&tmp)
            .with_context(|| tr!("err-write", path = to.display().to_string()))?;
        f.write_all(manifest_text(names).as_bytes())
            .and_then(|_| f.sync_all())
            .with_context(|| tr!("err-write", path = to.display().to_string()))?;
        fs::rename(&tmp, &to).with_context(|| tr!("err-write", path = to.display().to_string()))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            for name in &self.files {
                let _ = fs::remove_file(self.stage.join(name));
            }
        }
        let _ = fs::remove_file(self.stage.join(MANIFEST));
        // Removed while still locked, so that no other writer takes it half-emptied.
        let _ = fs::remove_dir(&self.stage);
        self.stage_lock = None;
        if !self.committed {
            for dir in &self.made_parents {
                let _ = fs::remove_dir(dir); // only when empty
            }
        }
    }
}

/// Removes the files a folder's manifest lists (regular files only) and the manifest, then the
/// folder if that left it empty. Returns the names removed. A folder without a manifest is
/// left as it is.
pub fn remove_own(dir: &Path) -> Result<Vec<String>> {
    let Some(listed) = read_manifest(dir)? else {
        return Ok(Vec::new());
    };
    let lock = open_dir(dir)?;
    flock(&lock, rustix::fs::FlockOperation::LockExclusive)?;
    let mut removed = Vec::new();
    for name in listed {
        let at = dir.join(&name);
        if is_regular(&at) && fs::remove_file(&at).is_ok() {
            removed.push(name);
        }
    }
    let _ = fs::remove_file(dir.join(MANIFEST));
    drop(lock);
    let _ = fs::remove_dir(dir);
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &Path) -> bool {
        false
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_appears_until_commit_and_failure_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        {
            let mut s = Staging::begin(&dir, never).unwrap();
            s.bytes("a.csv", b"x\n").unwrap();
            assert!(!dir.exists());
        }
        assert!(!dir.exists(), "a failed run leaves no folder");
        assert_eq!(
            names(tmp.path()),
            Vec::<String>::new(),
            "nor a staging folder"
        );
        let mut s = Staging::begin(&dir, never).unwrap();
        s.bytes("a.csv", b"y\n").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"y\n");
        assert_eq!(names(&dir), [MANIFEST, "a.csv"]);
        assert_eq!(names(tmp.path()), ["r"]);
    }

    #[test]
    fn a_rerun_replaces_and_removes_only_its_own_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let mut s = Staging::begin(&dir, never).unwrap();
        s.bytes("a.csv", b"1\n").unwrap();
        s.bytes("b.csv", b"1\n").unwrap();
        s.commit().unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let elsewhere = tmp.path().join("elsewhere.csv");
        fs::write(&elsewhere, "keep").unwrap();
        // b.csv replaced by a user's symlink: never followed, never removed.
        fs::remove_file(dir.join("b.csv")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("b.csv")).unwrap();
        let mut s = Staging::begin(&dir, never).unwrap();
        s.bytes("a.csv", b"2\n").unwrap();
        let removed = s.commit().unwrap();
        assert!(removed.is_empty(), "{removed:?}");
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"2\n");
        assert_eq!(fs::read(&elsewhere).unwrap(), b"keep");
        assert_eq!(names(&dir), [MANIFEST, "a.csv", "b.csv", "notes.txt"]);
        assert_eq!(read_manifest(&dir).unwrap().unwrap().len(), 1);
        // A user's file under a name losslab writes: refused, nothing moved.
        let mut s = Staging::begin(&dir, never).unwrap();
        s.bytes("a.csv", b"3\n").unwrap();
        s.bytes("notes.txt", b"ours?\n").unwrap();
        let e = s.commit().unwrap_err().to_string();
        assert!(e.contains("notes.txt is not losslab's"), "{e}");
        assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"mine");
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"2\n");
    }

    #[test]
    fn a_second_writer_is_refused_naming_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let first = Staging::begin(&dir, never).unwrap();
        let e = Staging::begin(&dir, never).err().unwrap().to_string();
        assert!(e.contains("another losslab is writing into"), "{e}");
        assert!(e.contains(&dir.display().to_string()), "{e}");
        drop(first);
        Staging::begin(&dir, never).unwrap();
    }

    #[test]
    fn a_killed_writers_leftovers_are_cleared() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let stage = staging_path(&dir).unwrap();
        fs::create_dir_all(&stage).unwrap();
        fs::write(stage.join("requests.csv"), "half").unwrap();
        let mut s = Staging::begin(&dir, never).unwrap();
        s.bytes("summary.csv", b"x\n").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dir), [MANIFEST, "summary.csv"]);
        assert!(!stage.exists());
    }
}
