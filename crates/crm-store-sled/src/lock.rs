//! Letting go of the directory: sled's lock on its `db` file outlives the last handle.

use std::fs::TryLockError;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Waits, when dropped, until sled has let go of the lock on its `db` file: sled's I/O
/// threads hold the file a moment after the last handle is gone, and reopening the store
/// right after closing it, or after a failed open, must work. Drop it after every sled
/// handle.
#[derive(Debug)]
pub(crate) struct LockRelease(pub(crate) PathBuf);

impl Drop for LockRelease {
    fn drop(&mut self) {
        let deadline = Instant::now() + LOCK_RELEASE_WAIT;
        while let Ok(file) = std::fs::File::open(&self.0) {
            match file.try_lock() {
                Ok(()) => return,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_micros(200));
                }
                // Another process took it meanwhile, or locks do not work here.
                Err(_) => return,
            }
        }
    }
}

/// How long [`LockRelease`] waits at most.
const LOCK_RELEASE_WAIT: Duration = Duration::from_secs(1);
