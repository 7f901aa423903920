//! One journal segment: a preallocated file of framed batches.
//!
//! Layout: a 16-byte header (the magic `crm-jrnl`, then the format version as a
//! little-endian `u32`, then 4 zero bytes), then entries, then zeros to the end of the file.
//! An entry is `len: u32` (of the payload, never 0), `crc32: u32` (of the payload), and the
//! payload: one [`Batch`] in its stored form.
//!
//! The file is written full of zeros and synced when it is created, so appending an entry
//! and `fdatasync` never change the file's size or block map: the sync writes data only,
//! which is what makes a durable commit cheap. Reading stops at the first entry whose
//! length is 0 (the zeros after the last entry), runs past the end, or whose checksum or
//! batch does not decode: an entry cut by a crash.

use crate::batch::{Batch, Malformed};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The first 8 bytes of a segment.
const MAGIC: &[u8; 8] = b"crm-jrnl";
/// The format version after the magic.
const FORMAT: u32 = 1;
/// Bytes before the first entry.
pub(crate) const HEADER_LEN: u64 = 16;
/// Bytes of an entry's frame (length and checksum) before its payload.
pub(crate) const FRAME_LEN: usize = 8;

/// A segment open for appending.
#[derive(Debug)]
pub(crate) struct Segment {
    file: File,
    path: PathBuf,
    capacity: u64,
    end: u64,
}

impl Segment {
    /// Creates the file at `path` (which must not exist) with `capacity` bytes: the header
    /// and zeros, synced.
    pub(crate) fn create(path: &Path, capacity: u64) -> io::Result<Segment> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        let mut header = [0u8; HEADER_LEN as usize];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT.to_le_bytes());
        file.write_all(&header)?;
        let zeros = vec![0u8; 1 << 20];
        let mut written = HEADER_LEN;
        while written < capacity {
            let n = usize::try_from(capacity - written).map_or(zeros.len(), |n| n.min(zeros.len()));
            file.write_all(&zeros[..n])?;
            written += n as u64;
        }
        file.sync_all()?;
        Ok(Segment {
            file,
            path: path.to_owned(),
            capacity: written,
            end: HEADER_LEN,
        })
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file (the caller syncs the directory).
    pub(crate) fn rename(&mut self, to: &Path) -> io::Result<()> {
        std::fs::rename(&self.path, to)?;
        self.path = to.to_owned();
        Ok(())
    }

    /// Bytes left for entries.
    pub(crate) fn room(&self) -> u64 {
        self.capacity - self.end
    }

    /// The file's size.
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// True when nothing was appended yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.end == HEADER_LEN
    }

    /// Writes already framed entries after the last one; `entries` must fit in
    /// [`Segment::room`].
    pub(crate) fn append(&mut self, entries: &[u8]) -> io::Result<()> {
        let len = entries.len() as u64;
        if len > self.room() {
            return Err(io::Error::other("journal entries larger than the segment"));
        }
        self.file.write_all_at(entries, self.end)?;
        self.end += len;
        Ok(())
    }

    /// Makes what was appended durable (`fdatasync`).
    pub(crate) fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// Appends one framed entry holding `batch` to `out`.
pub(crate) fn frame(batch: &Batch, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; FRAME_LEN]);
    batch.encode_into(out);
    let payload = &out[start + FRAME_LEN..];
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let crc = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + FRAME_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// What reading a segment found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The batches of every whole entry, in file order.
    pub(crate) batches: Vec<Batch>,
    /// Set when reading stopped at bytes that are not a whole entry and not the zeros after
    /// the last one: a torn write, or damage.
    pub(crate) stopped_at: Option<(u64, &'static str)>,
}

/// Reads every whole entry of the segment at `path`.
///
/// # Errors
/// The file cannot be read, or does not start with a segment header.
pub(crate) fn scan(path: &Path) -> io::Result<Scan> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    if bytes.len() < HEADER_LEN as usize
        || &bytes[..8] != MAGIC
        || bytes[8..12] != FORMAT.to_le_bytes()
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a crm-rs journal segment", path.display()),
        ));
    }
    let mut scan = Scan::default();
    let mut at = HEADER_LEN as usize;
    while let Some(frame) = bytes.get(at..at + FRAME_LEN) {
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        let crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
        if len == 0 {
            if bytes[at..].iter().any(|&b| b != 0) {
                scan.stopped_at = Some((at as u64, "bytes after the last entry"));
            }
            break;
        }
        let Some(payload) = bytes.get(at + FRAME_LEN..at + FRAME_LEN + len) else {
            scan.stopped_at = Some((at as u64, "an entry runs past the end"));
            break;
        };
        if crc32fast::hash(payload) != crc {
            scan.stopped_at = Some((at as u64, "checksum mismatch"));
            break;
        }
        match Batch::decode(payload) {
            Ok(batch) => scan.batches.push(batch),
            Err(Malformed(why)) => {
                scan.stopped_at = Some((at as u64, why));
                break;
            }
        }
        at += FRAME_LEN + len;
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{Change, Tree};

    fn batch(seq: u64, value: &[u8]) -> Batch {
        Batch {
            seq,
            changes: vec![Change {
                tree: Tree::Records,
                key: seq.to_be_bytes().to_vec(),
                value: Some(value.to_vec()),
            }],
        }
    }

    #[test]
    fn entries_read_back_and_the_zeros_end_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut segment = Segment::create(&path, 4096).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
        let mut entries = Vec::new();
        frame(&batch(1, b"one"), &mut entries);
        frame(&batch(2, b"two"), &mut entries);
        segment.append(&entries).unwrap();
        segment.sync().unwrap();
        let scan = scan(&path).unwrap();
        assert_eq!(scan.batches, vec![batch(1, b"one"), batch(2, b"two")]);
        assert_eq!(scan.stopped_at, None);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
    }

    #[test]
    fn a_torn_or_damaged_entry_ends_the_scan_and_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut segment = Segment::create(&path, 4096).unwrap();
        let mut entries = Vec::new();
        frame(&batch(1, b"one"), &mut entries);
        let second = entries.len();
        frame(&batch(2, b"two"), &mut entries);
        segment.append(&entries).unwrap();
        drop(segment);
        let whole = std::fs::read(&path).unwrap();
        let at = HEADER_LEN as usize + second;
        for (damage, why) in [
            (at + FRAME_LEN + 3, "checksum mismatch"),
            (at + 4, "checksum mismatch"),
            (at + 2, "an entry runs past the end"),
        ] {
            let mut bytes = whole.clone();
            bytes[damage] ^= 0x40;
            std::fs::write(&path, &bytes).unwrap();
            let scan = scan(&path).unwrap();
            assert_eq!(scan.batches, vec![batch(1, b"one")], "damage at {damage}");
            assert_eq!(
                scan.stopped_at,
                Some((at as u64, why)),
                "damage at {damage}"
            );
        }
        let mut stray = whole;
        let last = stray.len() - 10;
        stray[last] = 1;
        std::fs::write(&path, &stray).unwrap();
        let scan = scan(&path).unwrap();
        assert_eq!(scan.batches.len(), 2);
        assert!(matches!(
            scan.stopped_at,
            Some((_, "bytes after the last entry"))
        ));
    }

    #[test]
    fn a_file_that_is_not_a_segment_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, b"hello, this is not a journal").unwrap();
        assert_eq!(scan(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn appending_more_than_the_room_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(&dir.path().join("s.log"), 64).unwrap();
        assert_eq!(segment.room(), 48);
        assert!(segment.append(&[1; 49]).is_err());
        assert!(segment.is_empty());
        segment.append(&[1; 48]).unwrap();
        assert_eq!(segment.room(), 0);
    }
}
