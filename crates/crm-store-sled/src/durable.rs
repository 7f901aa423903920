//! Making what sled holds durable: sled 0.34.7's `flush` only calls `sync_file_range` on its
//! log (`pagecache/iobuf.rs`), which makes neither the data nor the file's metadata durable
//! against a power loss, and it writes large pages to files under `blobs/` without any sync.
//! After a flush, [`sync_sled`] fsyncs them: the log file `db`, its `conf`, every blob file, the
//! snapshot files sled renames into place, and the directories that name them. Only then may
//! a journal segment whose batches sled holds be removed.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Fsyncs `db`, the blob files not synced before, the snapshot files, and the directories of
/// the sled store at `dir`. `synced_blobs` remembers blob files already synced (blobs are
/// written once and never change).
///
/// # Errors
/// The first failing open or fsync.
pub(crate) fn sync_sled(dir: &Path, synced_blobs: &Mutex<HashSet<PathBuf>>) -> io::Result<()> {
    File::open(dir.join("db"))?.sync_all()?;
    match File::open(dir.join("conf")) {
        Ok(conf) => conf.sync_all()?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let blobs = dir.join("blobs");
    match std::fs::read_dir(&blobs) {
        Ok(entries) => {
            let mut synced = synced_blobs.lock().unwrap_or_else(|e| e.into_inner());
            let mut present = HashSet::new();
            for entry in entries {
                let path = entry?.path();
                if !synced.contains(&path) {
                    match File::open(&path) {
                        Ok(file) => file.sync_all()?,
                        // sled removed it meanwhile (garbage collection).
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e),
                    }
                }
                present.insert(path);
            }
            *synced = present;
            sync_dir(&blobs)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("snap.") && !name.ends_with(".generating") {
            match File::open(&path) {
                Ok(file) => file.sync_all()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    sync_dir(dir)
}

/// Makes a directory's entries (files created, renamed or removed in it) durable.
///
/// # Errors
/// When the directory cannot be opened or synced.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
