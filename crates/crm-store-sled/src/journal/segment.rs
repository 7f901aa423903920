//! One journal segment: a preallocated file of framed batches.
//!
//! Layout: a 16-byte header (the magic `crm-jrnl`, then the format version as a
//! little-endian `u32`, then 4 zero bytes), then frames, then zeros to the end of the file.
//!
//! Format 2 (written now): a frame is the mark `CRMJ`, a kind byte, `len: u32` (of the
//! payload), `crc32: u32` (of the kind byte and the payload), and the payload. Kind 1 is a
//! batch ([`Batch`] in its stored form); kind 2 starts a *group*: the batches of one write,
//! made durable by one `fdatasync`, with the sequence numbers of its first and last batch
//! (two little-endian `u64`). Format 1 (read only, written by schema version 2) had no mark,
//! no kind and no groups: `len`, `crc32` of the payload, the batch.
//!
//! The file is written full of zeros and synced when it is created, so appending frames and
//! `fdatasync` never change the file's size or block map: the sync writes data only, which is
//! what makes a durable commit cheap.
//!
//! Reading stops at the zeros after the last frame. A frame that does not read (a checksum
//! that fails, a length past the end, a batch that does not decode) is either the torn end
//! of the last write, which no commit was acknowledged for, or damage to data that was
//! acknowledged. The groups tell them apart: a write starts only after the one before it was
//! synced, so a valid frame of a *later* group after the bad one (a group that starts after
//! the bad batch, or a batch past the bad one's group) means the bad frame had been synced:
//! that is damage ([`Scan::damaged`]). Otherwise the rest of the file is the torn write
//! ([`Scan::stopped_at`]), dropped.

use crate::batch::{Batch, Malformed};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The first 8 bytes of a segment.
const MAGIC: &[u8; 8] = b"crm-jrnl";
/// The format version written after the magic.
const FORMAT: u32 = 2;
/// The format of schema version 2's journals, still read.
const FORMAT_V1: u32 = 1;
/// Bytes before the first entry.
pub(crate) const HEADER_LEN: u64 = 16;
/// The mark every frame of format 2 starts with.
const MARK: &[u8; 4] = b"CRMJ";
/// Bytes of a frame (mark, kind, length, checksum) before its payload.
pub(crate) const FRAME_LEN: usize = 13;
/// Bytes of a format-1 frame (length, checksum).
const FRAME_LEN_V1: usize = 8;
/// Kind byte of a batch frame.
const BATCH: u8 = 1;
/// Kind byte of a group frame.
const GROUP: u8 = 2;

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

/// Appends one batch frame holding `batch` to `out`.
pub(crate) fn frame(batch: &Batch, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; FRAME_LEN]);
    batch.encode_into(out);
    seal(out, start, BATCH);
}

/// Appends the frame that starts a group of the batches `first..=last` to `out`.
pub(crate) fn group(first: u64, last: u64, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; FRAME_LEN]);
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&last.to_le_bytes());
    seal(out, start, GROUP);
}

/// Fills in the head of the frame at `start` of `out`, whose payload follows it to the end.
fn seal(out: &mut [u8], start: usize, kind: u8) {
    let payload_len = out.len() - start - FRAME_LEN;
    let len = u32::try_from(payload_len).unwrap_or(u32::MAX);
    out[start + 4] = kind;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&[kind]);
    crc.update(&out[start + FRAME_LEN..]);
    out[start..start + 4].copy_from_slice(MARK);
    out[start + 5..start + 9].copy_from_slice(&len.to_le_bytes());
    out[start + 9..start + FRAME_LEN].copy_from_slice(&crc.finalize().to_le_bytes());
}

/// What reading a segment found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The batches of every whole entry, in file order.
    pub(crate) batches: Vec<Batch>,
    /// Set when reading stopped at bytes that are not a whole frame and not the zeros after
    /// the last one, and nothing acknowledged follows: a torn write (or, in a segment that
    /// is not the last, damage).
    pub(crate) stopped_at: Option<(u64, &'static str)>,
    /// Set when a frame that does not read is followed by a valid frame of a later group:
    /// acknowledged data is damaged.
    pub(crate) damaged: Option<(u64, String)>,
}

/// Reads every whole frame of the segment at `path`.
///
/// # Errors
/// The file cannot be read, or does not start with a segment header.
pub(crate) fn scan(path: &Path) -> io::Result<Scan> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    if bytes.len() < HEADER_LEN as usize || &bytes[..8] != MAGIC {
        return Err(not_a_segment(path));
    }
    match u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) {
        FORMAT => Ok(scan_v2(&bytes)),
        FORMAT_V1 => Ok(scan_v1(&bytes)),
        _ => Err(not_a_segment(path)),
    }
}

fn not_a_segment(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{} is not a crm-rs journal segment", path.display()),
    )
}

/// A frame of format 2 read at some offset.
enum Frame {
    Batch(Batch),
    Group { first: u64, last: u64 },
}

/// The frame at `at` and its length, or why there is none.
fn read_frame(bytes: &[u8], at: usize) -> Result<(Frame, usize), &'static str> {
    let head = bytes
        .get(at..at + FRAME_LEN)
        .ok_or("a frame runs past the end")?;
    if &head[..4] != MARK {
        return Err("not a frame");
    }
    let kind = head[4];
    let len = u32::from_le_bytes([head[5], head[6], head[7], head[8]]) as usize;
    let crc = u32::from_le_bytes([head[9], head[10], head[11], head[12]]);
    let payload = bytes
        .get(at + FRAME_LEN..at + FRAME_LEN + len)
        .ok_or("a frame runs past the end")?;
    let mut check = crc32fast::Hasher::new();
    check.update(&[kind]);
    check.update(payload);
    if check.finalize() != crc {
        return Err("checksum mismatch");
    }
    let frame = match kind {
        BATCH => Frame::Batch(Batch::decode(payload).map_err(|Malformed(why)| why)?),
        GROUP if len == 16 => {
            let number = |i: usize| {
                let mut n = [0; 8];
                n.copy_from_slice(&payload[i..i + 8]);
                u64::from_le_bytes(n)
            };
            Frame::Group {
                first: number(0),
                last: number(8),
            }
        }
        _ => return Err("unknown frame"),
    };
    Ok((frame, FRAME_LEN + len))
}

fn scan_v2(bytes: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let mut at = HEADER_LEN as usize;
    let mut group: Option<(u64, u64)> = None;
    while at < bytes.len() {
        if bytes[at..].starts_with(&[0; 4]) && bytes[at..].iter().all(|&b| b == 0) {
            return scan;
        }
        match read_frame(bytes, at) {
            Ok((Frame::Batch(batch), len)) => {
                scan.batches.push(batch);
                at += len;
            }
            Ok((Frame::Group { first, last }, len)) => {
                group = Some((first, last));
                at += len;
            }
            Err(why) => {
                let bad = scan.batches.last().map_or(0, |b| b.seq) + 1;
                // The bad frame is a batch of the group read last, or the start of a group.
                let bad_group_last = group.filter(|(_, last)| *last >= bad).map(|(_, l)| l);
                match later_frame(bytes, at + 1, bad, bad_group_last) {
                    Some(found) => {
                        scan.damaged = Some((
                            at as u64,
                            format!("{why}, followed by {found} written after it was synced"),
                        ))
                    }
                    None => scan.stopped_at = Some((at as u64, why)),
                }
                return scan;
            }
        }
    }
    scan
}

/// The first valid frame from `from` on that belongs to a group written after the one of
/// batch `bad` (whose group ends at `bad_group_last`, when known), described.
fn later_frame(bytes: &[u8], from: usize, bad: u64, bad_group_last: Option<u64>) -> Option<String> {
    let mut at = from;
    while let Some(found) = bytes.get(at..).and_then(|rest| find(rest, MARK)) {
        at += found;
        match read_frame(bytes, at) {
            Ok((Frame::Group { first, .. }, _)) if first > bad => {
                return Some(format!("the group of batch {first}"));
            }
            Ok((Frame::Batch(b), _)) if bad_group_last.is_some_and(|last| b.seq > last) => {
                return Some(format!("batch {}", b.seq));
            }
            _ => at += 1,
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn scan_v1(bytes: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let mut at = HEADER_LEN as usize;
    while let Some(frame) = bytes.get(at..at + FRAME_LEN_V1) {
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        let crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
        if len == 0 {
            if bytes[at..].iter().any(|&b| b != 0) {
                scan.stopped_at = Some((at as u64, "bytes after the last entry"));
            }
            break;
        }
        let Some(payload) = bytes.get(at + FRAME_LEN_V1..at + FRAME_LEN_V1 + len) else {
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
        at += FRAME_LEN_V1 + len;
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Change;
    use crm_core::store::kv::Space;

    fn batch(seq: u64, value: &[u8]) -> Batch {
        Batch {
            seq,
            changes: vec![Change {
                space: Space::Records,
                key: seq.to_be_bytes().to_vec(),
                value: Some(value.to_vec()),
            }],
        }
    }

    /// A group of the batches `first..=last` as one write, and where each batch frame starts.
    fn write_group(first: u64, last: u64) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        group(first, last, &mut out);
        let mut starts = Vec::new();
        for seq in first..=last {
            starts.push(out.len());
            frame(&batch(seq, b"value"), &mut out);
        }
        (out, starts)
    }

    /// A segment at `path` holding the groups `(first, last)`, one write and sync each;
    /// returns the file offset of every batch frame.
    fn segment_of(path: &Path, groups: &[(u64, u64)]) -> Vec<usize> {
        let mut segment = Segment::create(path, 4096).unwrap();
        let mut offsets = Vec::new();
        for (first, last) in groups {
            let base = HEADER_LEN as usize + (4096 - HEADER_LEN as usize - segment.room() as usize);
            let (bytes, starts) = write_group(*first, *last);
            offsets.extend(starts.into_iter().map(|s| base + s));
            segment.append(&bytes).unwrap();
            segment.sync().unwrap();
        }
        offsets
    }

    fn seqs(scan: &Scan) -> Vec<u64> {
        scan.batches.iter().map(|b| b.seq).collect()
    }

    fn damage(path: &Path, at: usize) {
        let mut bytes = std::fs::read(path).unwrap();
        bytes[at] ^= 0x40;
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn frames_read_back_and_the_zeros_end_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        segment_of(&path, &[(1, 2), (3, 3)]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
        let scan = scan(&path).unwrap();
        assert_eq!(seqs(&scan), [1, 2, 3]);
        assert_eq!(scan.batches[1], batch(2, b"value"));
        assert_eq!((scan.stopped_at, scan.damaged), (None, None));
    }

    #[test]
    fn a_torn_last_write_is_dropped_even_with_valid_frames_of_its_own_after_the_tear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let offsets = segment_of(&path, &[(1, 2), (3, 5)]);
        // The tear hits batch 3; batches 4 and 5 of the same write made it to disk.
        damage(&path, offsets[2] + FRAME_LEN + 2);
        let scan = scan(&path).unwrap();
        assert_eq!(seqs(&scan), [1, 2]);
        assert_eq!(
            scan.stopped_at,
            Some((offsets[2] as u64, "checksum mismatch"))
        );
        assert_eq!(scan.damaged, None);
    }

    #[test]
    fn damage_followed_by_a_later_write_is_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let offsets = segment_of(&path, &[(1, 2), (3, 4), (5, 5)]);
        for (hit, what) in [
            (offsets[1] + 6, "the group of batch 3"),
            (offsets[3] + FRAME_LEN, "the group of batch 5"),
        ] {
            let copy = dir.path().join("copy.log");
            std::fs::copy(&path, &copy).unwrap();
            damage(&copy, hit);
            let scan = scan(&copy).unwrap();
            let (at, why) = scan.damaged.expect("damage found");
            assert!(why.contains(what), "{why}");
            assert!(at as usize <= hit);
            assert_eq!(scan.stopped_at, None);
        }
    }

    #[test]
    fn damage_to_a_group_frame_before_later_groups_is_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let offsets = segment_of(&path, &[(1, 1), (2, 2), (3, 3)]);
        // The group frame of batch 2 sits right before batch 2's frame.
        let group_frame = offsets[1] - (FRAME_LEN + 16);
        damage(&path, group_frame + FRAME_LEN + 1);
        let scan = scan(&path).unwrap();
        assert_eq!(seqs(&scan), [1]);
        assert!(scan.damaged.is_some(), "{:?}", scan.stopped_at);
    }

    #[test]
    fn stray_bytes_after_the_last_frame_stop_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        segment_of(&path, &[(1, 2)]);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 10;
        bytes[last] = 1;
        std::fs::write(&path, &bytes).unwrap();
        let scan = scan(&path).unwrap();
        assert_eq!(seqs(&scan), [1, 2]);
        assert!(scan.stopped_at.is_some());
        assert_eq!(scan.damaged, None);
    }

    #[test]
    fn format_1_segments_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut bytes = Vec::from(*MAGIC);
        bytes.extend_from_slice(&FORMAT_V1.to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        for seq in 1..=2 {
            let mut payload = Vec::new();
            batch(seq, b"old").encode_into(&mut payload);
            bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            bytes.extend_from_slice(&payload);
        }
        bytes.extend_from_slice(&[0; 64]);
        std::fs::write(&path, &bytes).unwrap();
        let scan = scan(&path).unwrap();
        assert_eq!(scan.batches, vec![batch(1, b"old"), batch(2, b"old")]);
        assert_eq!(scan.stopped_at, None);
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
