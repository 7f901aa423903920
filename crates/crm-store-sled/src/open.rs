//! Opening the store: sled, the schema version, what the journal left, and a new journal.

use crate::batch::Batch;
use crate::config::SledConfig;
use crate::durable;
use crate::engine::JOURNAL_DIR;
use crate::error::{open_error, storage};
use crate::journal::{self, Journal};
use crate::lock::LockRelease;
use crate::migrate;
use crate::schema::{self, SCHEMA_VERSION};
use crate::trees::Trees;
use crm_core::store::kv::Space;
use crm_core::{Error, Result};
use std::collections::HashSet;
use std::sync::Mutex;

/// What [`open`] gives the engine.
pub(crate) struct Opened {
    pub(crate) db: sled::Db,
    pub(crate) trees: Trees,
    pub(crate) journal: Journal,
    /// The sequence number of the last batch sled holds (the next one is one more).
    pub(crate) last_seq: u64,
    pub(crate) lock: LockRelease,
}

/// Opens sled at `config.path`, checks the schema version, replays the journal into sled,
/// converts data of an older schema, and starts a new journal.
///
/// # Errors
/// See [`crate::SledEngine`]'s `open`.
/// The zstd level sled compresses its pages with (sled's default is 5). Level 1 keeps most of
/// the saving at a fraction of the CPU, which the committing threads share on a small
/// machine. sled does not store the level: pages written at any level read back.
const ZSTD_LEVEL: i32 = 1;

pub(crate) fn open(config: &SledConfig) -> Result<Opened> {
    let db = sled::Config::new()
        .path(&config.path)
        .cache_capacity(config.cache_capacity)
        .mode(sled::Mode::LowSpace)
        .use_compression(compression(config))
        .compression_factor(ZSTD_LEVEL)
        .flush_every_ms(config.flush_every_ms)
        .open()
        .map_err(|e| open_error(&config.path, e))?;
    // sled holds the directory's lock now. Should what follows fail, `db` is dropped first,
    // then `lock` waits for the lock's release.
    let lock = LockRelease(config.path.join("db"));
    let (trees, journal, last_seq) = recover(&db, config)?;
    Ok(Opened {
        db,
        trees,
        journal,
        last_seq,
        lock,
    })
}

/// Whether sled compresses: as the store was created (sled refuses to open data with another
/// setting; it keeps it in its `conf` file), or as `config` says for a new store.
fn compression(config: &SledConfig) -> bool {
    let Ok(conf) = std::fs::read(config.path.join("conf")) else {
        return config.compression;
    };
    let conf = String::from_utf8_lossy(&conf);
    conf.lines()
        .find_map(|line| line.strip_prefix("use_compression: "))
        .map_or(config.compression, |value| value.trim() == "true")
}

fn recover(db: &sled::Db, config: &SledConfig) -> Result<(Trees, Journal, u64)> {
    let trees = Trees::open(db).map_err(storage)?;
    let blobs = Mutex::new(HashSet::new());
    let make_durable = || {
        db.flush().map_err(storage)?;
        durable::sync_sled(&config.path, &blobs)
            .map_err(|e| Error::storage(format!("syncing sled's files: {e}")))
    };
    let meta = trees.of(Space::Meta);
    let dir = config.path.join(JOURNAL_DIR);
    let version = match schema::read(meta)? {
        Some(version) => version,
        None => {
            let old_records = db.open_tree(migrate::OLD_TREES[0]).map_err(storage)?;
            if !old_records.is_empty() || !trees.of(Space::Records).is_empty() {
                return Err(schema::unversioned());
            }
            schema::write(meta)?;
            make_durable()?;
            SCHEMA_VERSION
        }
    };
    let recovered = Journal::recover(&dir)?;
    let targets: Vec<sled::Tree> = if version < 3 {
        migrate::OLD_TREES
            .iter()
            .map(|name| db.open_tree(name).map_err(storage))
            .collect::<Result<_>>()?
    } else {
        [Space::Records, Space::Unique, Space::Index, Space::Meta]
            .iter()
            .map(|s| trees.of(*s).clone())
            .collect()
    };
    for batch in &recovered.batches {
        replay(&targets, batch)?;
    }
    if !recovered.batches.is_empty() {
        make_durable()?;
    }
    journal::remove_recovered(&recovered, &dir)?;
    if version < 3 {
        migrate::to_v3(db, &trees, &make_durable)?;
    } else {
        migrate::drop_old_trees(db)?;
    }
    let next_seq = recovered.batches.last().map_or(1, |b| b.seq + 1);
    let journal = Journal::start(&dir, next_seq, config.tuning.journal)?;
    Ok((trees, journal, next_seq - 1))
}

/// Writes `batch` into `trees` (indexed by the position of each change's space).
fn replay(trees: &[sled::Tree], batch: &Batch) -> Result<()> {
    for change in &batch.changes {
        let tree = trees
            .get(change.space.position())
            .ok_or_else(|| Error::Corrupted {
                key: format!("journal batch {}", batch.seq),
                source: "a change to a tree this schema version does not have".into(),
            })?;
        match &change.value {
            Some(value) => tree.insert(&change.key, value.as_slice()),
            None => tree.remove(&change.key),
        }
        .map_err(storage)?;
    }
    Ok(())
}
