use super::*;
use crate::batch::Change;
use crm_core::store::kv::Space;

const SMALL: Sizes = Sizes {
    first: 256,
    max: 1024,
};

fn batch(seq: u64, value_len: usize) -> Batch {
    Batch {
        seq,
        changes: vec![Change {
            space: Space::Records,
            key: seq.to_be_bytes().to_vec(),
            value: Some(vec![seq as u8; value_len]),
        }],
    }
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The sequence numbers of the batches the journal in `dir` holds.
fn recovered_seqs(dir: &Path) -> Vec<u64> {
    let recovered = Journal::recover(dir).unwrap();
    recovered.batches.iter().map(|b| b.seq).collect()
}

/// Queues and syncs batches `from..=to`, `len` value bytes each, one sync per batch.
fn write(journal: &Journal, from: u64, to: u64, len: usize) {
    for seq in from..=to {
        journal.enqueue(&batch(seq, len));
        assert_eq!(journal.sync_through(seq).unwrap(), seq);
    }
}

#[test]
fn synced_batches_are_recovered_in_order_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 40, 30);
    // 40 batches of ~60 bytes do not fit in 256 + 512 + 1024 + ... bytes: several segments,
    // growing to the maximum.
    let names = segment_files(dir.path());
    assert!(names.len() >= 3, "{names:?}");
    assert_eq!(names[0], "00000000000000000001.log");
    let recovered = Journal::recover(dir.path()).unwrap();
    assert_eq!(recovered_seqs(dir.path()), (1..=40).collect::<Vec<_>>());
    assert_eq!(recovered.batches[7], batch(8, 30));
    assert_eq!(recovered.segments.len(), names.len());
}

#[test]
fn a_group_sync_writes_every_queued_batch_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 5, SMALL).unwrap();
    assert_eq!(journal.durable(), 4);
    for seq in 5..=8 {
        journal.enqueue(&batch(seq, 3));
    }
    // The sync for batch 5 takes 6, 7 and 8 along; a later sync for 7 has nothing to do.
    assert_eq!(journal.sync_through(5).unwrap(), 8);
    assert_eq!(journal.sync_through(7).unwrap(), 8);
    assert_eq!(recovered_seqs(dir.path()), vec![5, 6, 7, 8]);
}

#[test]
fn queued_but_unsynced_batches_are_not_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 2, 3);
    journal.enqueue(&batch(3, 3));
    assert_eq!(journal.durable(), 2);
    assert_eq!(Journal::recover(dir.path()).unwrap().batches.len(), 2);
}

#[test]
fn a_batch_larger_than_a_segment_gets_one_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 1, 10);
    write(&journal, 2, 2, 5000);
    write(&journal, 3, 3, 10);
    let recovered = Journal::recover(dir.path()).unwrap();
    assert_eq!(
        recovered.batches,
        vec![batch(1, 10), batch(2, 5000), batch(3, 10)]
    );
}

#[test]
fn an_empty_first_segment_makes_way_for_a_large_batch() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 1, 5000);
    assert_eq!(segment_files(dir.path()), vec!["00000000000000000001.log"]);
    assert_eq!(
        Journal::recover(dir.path()).unwrap().batches,
        vec![batch(1, 5000)]
    );
}

#[test]
fn the_spare_is_used_for_the_next_segment_and_leftover_spares_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    assert!(!journal.wants_spare());
    write(&journal, 1, 2, 40);
    assert!(journal.wants_spare());
    journal.install_spare().unwrap();
    assert!(!journal.wants_spare());
    let spare = segment_files(dir.path())
        .into_iter()
        .find(|n| n.ends_with(SPARE_SUFFIX))
        .unwrap();
    write(&journal, 3, 6, 40);
    let names = segment_files(dir.path());
    assert!(!names.contains(&spare), "the spare was renamed: {names:?}");
    assert_eq!(names.len(), 2, "{names:?}");
    journal.install_spare().unwrap();
    assert_eq!(segment_files(dir.path()).len(), 3);
    let recovered = Journal::recover(dir.path()).unwrap();
    assert_eq!(recovered.batches.len(), 6);
    assert_eq!(
        segment_files(dir.path()).len(),
        2,
        "the unused spare is gone"
    );
}

#[test]
fn closed_segments_are_removed_once_sled_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    assert_eq!(journal.closed_through(), None);
    write(&journal, 1, 20, 30);
    let through = journal.closed_through().unwrap();
    assert!(through < 20);
    journal.remove_closed(through - 1).unwrap();
    let left = Journal::recover(dir.path()).unwrap().batches;
    assert_eq!(left.last().unwrap().seq, 20);
    journal.remove_closed(through).unwrap();
    assert_eq!(journal.closed_through(), None);
    let left = Journal::recover(dir.path()).unwrap().batches;
    assert_eq!(left.first().unwrap().seq, through + 1);
    assert_eq!(left.last().unwrap().seq, 20);
    journal.remove_all().unwrap();
    assert!(Journal::recover(dir.path()).unwrap().batches.is_empty());
    assert!(segment_files(dir.path()).is_empty());
}

/// Flips a byte of the `index`-th segment file, `back` bytes before its last entry ends.
fn damage(dir: &Path, index: usize) {
    let name = &segment_files(dir)[index];
    let path = dir.join(name);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.iter().rposition(|&b| b != 0).unwrap();
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn a_torn_tail_of_the_last_segment_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 12, 30);
    drop(journal);
    let last = segment_files(dir.path()).len() - 1;
    damage(dir.path(), last);
    assert_eq!(recovered_seqs(dir.path()), (1..=11).collect::<Vec<_>>());
}

#[test]
fn damage_in_the_last_segment_followed_by_later_writes_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(
        dir.path(),
        1,
        Sizes {
            first: 64 * 1024,
            max: 64 * 1024,
        },
    )
    .unwrap();
    // Three writes, each synced on its own: the first two were acknowledged before the
    // third began.
    write(&journal, 1, 3, 30);
    drop(journal);
    assert_eq!(segment_files(dir.path()).len(), 1);
    let path = dir.path().join(&segment_files(dir.path())[0]);
    let mut bytes = std::fs::read(&path).unwrap();
    // A byte inside the first batch's payload.
    bytes[segment::HEADER_LEN as usize + segment::FRAME_LEN + 16 + segment::FRAME_LEN + 4] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let err = Journal::recover(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
    assert!(
        err.to_string().contains("written after it was synced"),
        "{err}"
    );
}

#[test]
fn damage_inside_an_older_segment_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 12, 30);
    drop(journal);
    assert!(segment_files(dir.path()).len() > 1);
    damage(dir.path(), 0);
    let err = Journal::recover(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
}

#[test]
fn a_gap_in_sequence_numbers_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 12, 30);
    drop(journal);
    let names = segment_files(dir.path());
    assert!(names.len() > 2);
    std::fs::remove_file(dir.path().join(&names[1])).unwrap();
    let err = Journal::recover(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
}

#[test]
fn a_missing_journal_is_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let recovered = Journal::recover(&dir.path().join("journal")).unwrap();
    assert!(recovered.batches.is_empty());
    assert!(recovered.segments.is_empty());
}

#[test]
fn a_failed_write_poisons_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 1, 10);
    // The next segment cannot be made: the directory is gone.
    std::fs::remove_dir_all(dir.path()).unwrap();
    journal.enqueue(&batch(2, 5000));
    assert!(matches!(
        journal.sync_through(2),
        Err(Error::Storage { .. })
    ));
    journal.enqueue(&batch(3, 1));
    let err = journal.sync_through(3).unwrap_err();
    assert!(err.to_string().contains("failed earlier"), "{err}");
    assert_eq!(journal.durable(), 1);
}

#[test]
fn a_half_made_first_segment_is_a_spare_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    // What a crash while `start` writes the first segment leaves: a spare, cut short.
    std::fs::write(
        dir.path().join(format!("{:020}{SPARE_SUFFIX}", u64::MAX)),
        b"crm-",
    )
    .unwrap();
    assert!(Journal::recover(dir.path()).unwrap().batches.is_empty());
    let journal = Journal::start(dir.path(), 1, SMALL).unwrap();
    write(&journal, 1, 1, 10);
    assert_eq!(segment_files(dir.path()), vec!["00000000000000000001.log"]);
}
