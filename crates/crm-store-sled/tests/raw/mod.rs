//! sled's own handle on a store's directory, for tests that look at or damage the raw trees.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses part of it

use std::fs::TryLockError;
use std::path::Path;
use std::time::{Duration, Instant};

/// Opens sled at `dir`, runs `f`, closes sled and waits until it has let go of the lock on
/// its `db` file (its I/O threads hold the file a moment after the last handle), so that
/// the store can be opened right after.
pub fn with_sled<T>(dir: &Path, f: impl FnOnce(&sled::Db) -> T) -> T {
    // sled refuses to open with another compression setting than the data's (kept in `conf`).
    // The file ends with a binary checksum: read it lossily.
    let conf = std::fs::read(dir.join("conf")).unwrap_or_default();
    let compressed = String::from_utf8_lossy(&conf)
        .lines()
        .any(|l| l.trim() == "use_compression: true");
    let db = sled::Config::new()
        .path(dir)
        .use_compression(compressed)
        .open()
        .unwrap();
    let result = f(&db);
    drop(db);
    let deadline = Instant::now() + Duration::from_secs(5);
    let file = std::fs::File::open(dir.join("db")).unwrap();
    loop {
        match file.try_lock() {
            Ok(()) => return result,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("sled kept the lock on {}: {e:?}", dir.display()),
        }
    }
}
