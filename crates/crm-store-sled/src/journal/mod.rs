//! The journal: what makes a commit durable before sled has it.
//!
//! A directory of segment files named by the sequence number of their first batch
//! (`00000000000000000042.log`). Commits are queued in memory ([`Journal::enqueue`], in
//! commit order); [`Journal::sync_through`] writes everything queued after the last entry
//! of the current segment and makes it durable with one `fdatasync`. Whoever syncs writes the
//! batches of every commit queued before it: concurrent committers share one sync (group
//! commit).
//!
//! When the queued entries do not fit in the current segment, it is synced and closed and
//! the next one is started: a spare made ahead of time by the applier
//! ([`Journal::install_spare`]) when there is one, renamed, and the directory synced. A
//! closed segment is removed once sled holds all of its batches on disk
//! ([`Journal::remove_closed`], after the applier's sled flush and the fsync of sled's
//! files), and the directory is synced after every segment is created, renamed or removed.
//! Each write starts with a group frame naming its batches, which tells a torn last write
//! from damage to acknowledged data ([`segment`]).
//!
//! A failed write or sync poisons the journal: every later sync fails, so no commit is
//! acknowledged whose predecessors' fate is unknown. Reopening the store replays what is on
//! disk.

mod segment;

pub(crate) use segment::Segment;

use crate::batch::Batch;
use crm_core::{Error, Result};
use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How large segments are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sizes {
    /// The first segment's size; each next one is twice the last, up to `max`.
    pub(crate) first: u64,
    /// The largest segment (a single commit larger than this gets a segment of its own
    /// size).
    pub(crate) max: u64,
}

impl Sizes {
    /// 1 MiB first (a store used briefly writes little), growing to 16 MiB (about five
    /// thousand intakes). A checkpoint (a sled flush) follows each full segment, and at most
    /// about this much is replayed after a crash.
    pub(crate) const DEFAULT: Sizes = Sizes {
        first: 1024 * 1024,
        max: 16 * 1024 * 1024,
    };
}

/// The suffix of segment files.
const SEGMENT_SUFFIX: &str = ".log";
/// The suffix of a spare segment not yet in use (removed on open).
const SPARE_SUFFIX: &str = ".spare";

/// The journal of one store. See the [module](self) docs.
#[derive(Debug)]
pub(crate) struct Journal {
    dir: PathBuf,
    sizes: Sizes,
    queue: Mutex<Queue>,
    writer: Mutex<Writer>,
    durable: AtomicU64,
    /// Numbers the spare files (each name is used once).
    spares: AtomicU64,
}

/// Framed entries waiting to be written.
#[derive(Debug, Default)]
struct Queue {
    entries: Vec<u8>,
    /// The sequence number of the first queued batch (0: none queued).
    first: u64,
    /// The sequence number of the last queued batch.
    last: u64,
}

#[derive(Debug)]
struct Writer {
    current: Segment,
    closed: VecDeque<Closed>,
    spare: Option<Segment>,
    /// The size of the next segment made.
    next_capacity: u64,
    failed: Option<String>,
}

#[derive(Debug)]
struct Closed {
    path: PathBuf,
    last: u64,
}

/// What [`Journal::recover`] read.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    /// Every whole batch, in sequence order.
    pub(crate) batches: Vec<Batch>,
    /// The segment files read.
    pub(crate) segments: Vec<PathBuf>,
}

impl Journal {
    /// Reads the journal left in `dir` (none: nothing), removing unused spares.
    ///
    /// A cut entry at the end of the last segment is a commit that was never acknowledged:
    /// reading stops there.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when a segment other than the last is damaged, when sequence
    /// numbers have a gap, or a file is not a segment; [`Error::Storage`] when the
    /// directory cannot be read.
    pub(crate) fn recover(dir: &Path) -> Result<Recovered> {
        let mut recovered = Recovered::default();
        let mut segments = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(recovered),
            Err(e) => return Err(io_error("reading the journal directory", dir, e)),
        };
        for entry in entries {
            let path = entry
                .map_err(|e| io_error("reading the journal directory", dir, e))?
                .path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(SPARE_SUFFIX) {
                std::fs::remove_file(&path)
                    .map_err(|e| io_error("removing a spare segment", &path, e))?;
            } else if name.ends_with(SEGMENT_SUFFIX) {
                segments.push(path);
            }
        }
        segments.sort();
        for (i, path) in segments.iter().enumerate() {
            let scan = segment::scan(path).map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => corrupted(path, e.to_string()),
                _ => io_error("reading a journal segment", path, e),
            })?;
            let last_segment = i + 1 == segments.len();
            if let Some((offset, why)) = &scan.damaged {
                return Err(corrupted(path, format!("{why} at byte {offset}")));
            }
            if let Some((offset, why)) = scan.stopped_at
                && !last_segment
            {
                return Err(corrupted(path, format!("{why} at byte {offset}")));
            }
            for batch in scan.batches {
                if let Some(previous) = recovered.batches.last()
                    && batch.seq != previous.seq + 1
                {
                    let why = format!("batch {} follows batch {}", batch.seq, previous.seq);
                    return Err(corrupted(path, why));
                }
                recovered.batches.push(batch);
            }
        }
        recovered.segments = segments;
        Ok(recovered)
    }

    /// Starts a journal in `dir` (created when missing, holding no segment) whose first
    /// batch will be `next_seq`.
    ///
    /// # Errors
    /// [`Error::Storage`] when the directory or the first segment cannot be made.
    pub(crate) fn start(dir: &Path, next_seq: u64, sizes: Sizes) -> Result<Journal> {
        std::fs::create_dir_all(dir)
            .map_err(|e| io_error("creating the journal directory", dir, e))?;
        // Made under a spare's name and renamed once whole: a crash meanwhile leaves a spare,
        // which the next open removes, never a half-written segment.
        let spare = dir.join(format!("{:020}{SPARE_SUFFIX}", u64::MAX));
        let _ = std::fs::remove_file(&spare);
        let mut current = Segment::create(&spare, sizes.first)
            .map_err(|e| io_error("creating a journal segment", &spare, e))?;
        let path = segment_path(dir, next_seq);
        current
            .rename(&path)
            .map_err(|e| io_error("naming a journal segment", &path, e))?;
        sync_dir(dir)?;
        Ok(Journal {
            dir: dir.to_owned(),
            sizes,
            queue: Mutex::new(Queue::default()),
            writer: Mutex::new(Writer {
                current,
                closed: VecDeque::new(),
                spare: None,
                next_capacity: sizes.max.min(sizes.first.saturating_mul(2)),
                failed: None,
            }),
            durable: AtomicU64::new(next_seq.saturating_sub(1)),
            spares: AtomicU64::new(0),
        })
    }

    /// Queues `batch` for the next sync. Callers queue batches in sequence order.
    pub(crate) fn enqueue(&self, batch: &Batch) {
        let mut queue = lock(&self.queue);
        if queue.first == 0 {
            queue.first = batch.seq;
        }
        queue.last = batch.seq;
        segment::frame(batch, &mut queue.entries);
    }

    /// The sequence number up to which every batch is durable.
    pub(crate) fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Writes every queued batch and makes it durable (blocking: a write and an
    /// `fdatasync`), unless batch `seq` is durable already when this caller's turn comes
    /// (someone else's sync took it along). Returns the sequence number now durable.
    ///
    /// # Errors
    /// [`Error::Storage`] when writing or syncing fails, now or before (the journal is then
    /// poisoned).
    pub(crate) fn sync_through(&self, seq: u64) -> Result<u64> {
        let mut writer = lock(&self.writer);
        if let Some(why) = &writer.failed {
            return Err(Error::storage(format!(
                "the journal failed earlier and takes no more writes: {why}"
            )));
        }
        if self.durable() >= seq {
            return Ok(self.durable());
        }
        let queued = std::mem::take(&mut *lock(&self.queue));
        if queued.first == 0 {
            return Ok(self.durable());
        }
        match self.write(&mut writer, &queued) {
            Ok(()) => {
                self.durable.store(queued.last, Ordering::Release);
                Ok(queued.last)
            }
            Err(e) => {
                writer.failed = Some(e.to_string());
                Err(e)
            }
        }
    }

    fn write(&self, writer: &mut Writer, queued: &Queue) -> Result<()> {
        let mut frames = Vec::with_capacity(segment::FRAME_LEN + 16 + queued.entries.len());
        segment::group(queued.first, queued.last, &mut frames);
        frames.extend_from_slice(&queued.entries);
        let len = frames.len() as u64;
        if len > writer.current.room() {
            self.rotate(writer, queued.first, len)?;
        }
        let current = &mut writer.current;
        current
            .append(&frames)
            .and_then(|()| current.sync())
            .map_err(|e| io_error("writing the journal", current.path(), e))
    }

    /// Closes the current segment and starts the one whose first batch is `first`, with
    /// room for at least `needed` bytes.
    fn rotate(&self, writer: &mut Writer, first: u64, needed: u64) -> Result<()> {
        let old_is_empty = writer.current.is_empty();
        if old_is_empty {
            // Nothing in it, and its name is the one the next segment takes.
            let old = writer.current.path();
            std::fs::remove_file(old)
                .map_err(|e| io_error("removing an empty journal segment", old, e))?;
        } else {
            // Every append is synced already; this makes sure of it before the next
            // segment takes entries.
            let old = &writer.current;
            old.sync()
                .map_err(|e| io_error("syncing a journal segment", old.path(), e))?;
        }
        let mut next = match writer.spare.take() {
            Some(spare) if spare.room() >= needed => spare,
            other => {
                writer.spare = other;
                let capacity = writer.next_capacity.max(needed + segment::HEADER_LEN);
                let path = self.spare_path();
                Segment::create(&path, capacity)
                    .map_err(|e| io_error("creating a journal segment", &path, e))?
            }
        };
        let path = segment_path(&self.dir, first);
        next.rename(&path)
            .map_err(|e| io_error("naming a journal segment", &path, e))?;
        sync_dir(&self.dir)?;
        let old = std::mem::replace(&mut writer.current, next);
        writer.next_capacity = self.sizes.max.min(writer.next_capacity.saturating_mul(2));
        if !old_is_empty {
            writer.closed.push_back(Closed {
                path: old.path().to_owned(),
                last: first - 1,
            });
        }
        Ok(())
    }

    /// True when the current segment is half full and no spare segment is ready for the
    /// next rotation.
    pub(crate) fn wants_spare(&self) -> bool {
        let writer = lock(&self.writer);
        writer.spare.is_none() && writer.current.room() < writer.current.capacity() / 2
    }

    /// Makes a spare segment for the next rotation (blocking: writes and syncs a segment's
    /// worth of zeros, outside the writer's lock).
    ///
    /// # Errors
    /// [`Error::Storage`] when the file cannot be made.
    pub(crate) fn install_spare(&self) -> Result<()> {
        let capacity = lock(&self.writer).next_capacity;
        let path = self.spare_path();
        let spare = Segment::create(&path, capacity)
            .map_err(|e| io_error("creating a spare journal segment", &path, e))?;
        let mut writer = lock(&self.writer);
        match writer.spare {
            None => writer.spare = Some(spare),
            Some(_) => {
                drop(writer);
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    }

    /// A name for a new spare file.
    fn spare_path(&self) -> PathBuf {
        let n = self.spares.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("{n:020}{SPARE_SUFFIX}"))
    }

    /// The last sequence number of the newest closed segment, if any.
    pub(crate) fn closed_through(&self) -> Option<u64> {
        lock(&self.writer).closed.back().map(|c| c.last)
    }

    /// Removes the closed segments whose batches all have numbers up to `through` (sled
    /// holds them durably).
    ///
    /// # Errors
    /// [`Error::Storage`] when a file cannot be removed.
    pub(crate) fn remove_closed(&self, through: u64) -> Result<()> {
        let mut writer = lock(&self.writer);
        let mut removed = false;
        while let Some(oldest) = writer.closed.front() {
            if oldest.last > through {
                break;
            }
            std::fs::remove_file(&oldest.path)
                .map_err(|e| io_error("removing a journal segment", &oldest.path, e))?;
            writer.closed.pop_front();
            removed = true;
        }
        if removed {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Removes every segment, the current one included: for a clean shutdown, once sled
    /// holds every batch durably and nothing more will be queued.
    ///
    /// # Errors
    /// [`Error::Storage`] when a file cannot be removed.
    pub(crate) fn remove_all(&self) -> Result<()> {
        let writer = lock(&self.writer);
        let paths = writer
            .closed
            .iter()
            .map(|c| c.path.as_path())
            .chain([writer.current.path()])
            .chain(writer.spare.as_ref().map(Segment::path));
        for path in paths {
            std::fs::remove_file(path)
                .map_err(|e| io_error("removing a journal segment", path, e))?;
        }
        sync_dir(&self.dir)
    }

    /// The bytes the journal's files take.
    pub(crate) fn size_on_disk(&self) -> u64 {
        let writer = lock(&self.writer);
        let closed: u64 = writer
            .closed
            .iter()
            .filter_map(|c| std::fs::metadata(&c.path).ok())
            .map(|m| m.len())
            .sum();
        closed + writer.current.capacity() + writer.spare.as_ref().map_or(0, Segment::capacity)
    }
}

/// Removes the segment files `recover` read, oldest first (a crash in between leaves the
/// newest, which replay again harmlessly).
///
/// # Errors
/// [`Error::Storage`] when a file cannot be removed.
pub(crate) fn remove_recovered(recovered: &Recovered, dir: &Path) -> Result<()> {
    for path in &recovered.segments {
        std::fs::remove_file(path).map_err(|e| io_error("removing a journal segment", path, e))?;
    }
    if recovered.segments.is_empty() {
        return Ok(());
    }
    sync_dir(dir)
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}{SEGMENT_SUFFIX}"))
}

/// Makes the directory's entries (a renamed or created segment) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("syncing the journal directory", dir, e))
}

/// The journal's locks guard plain data that every holder leaves consistent, so a panic
/// elsewhere (a poisoned lock) does not make it unusable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    Error::storage(format!("{what} ({}): {e}", path.display()))
}

fn corrupted(path: &Path, why: String) -> Error {
    Error::Corrupted {
        key: format!("journal segment {}", path.display()),
        source: why.into(),
    }
}

#[cfg(test)]
mod tests;
