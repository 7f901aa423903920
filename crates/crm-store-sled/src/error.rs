//! sled's errors in crm-rs terms.

use crm_core::Error;
use std::io::ErrorKind;
use std::path::Path;

/// The message sled 0.34.7 gives the `io::Error` it returns when the `db` file's exclusive
/// lock (fs2 `try_lock_exclusive`, an `flock`) is held, by another process or by another
/// open handle of this process.
const LOCK_MESSAGE: &str = "could not acquire lock on";

/// Maps an error of opening the store at `path`: the lock error becomes [`Error::Locked`].
pub(crate) fn open_error(path: &Path, e: sled::Error) -> Error {
    if is_lock_error(&e) {
        Error::Locked {
            path: path.display().to_string(),
            source: Box::new(e),
        }
    } else {
        storage(e)
    }
}

/// Maps an error of a running store: damage found by sled is [`Error::Corrupted`], anything
/// else [`Error::Storage`].
pub(crate) fn storage(e: sled::Error) -> Error {
    match e {
        sled::Error::Corruption { at, .. } => Error::Corrupted {
            key: match at {
                Some(ptr) => format!("sled log at {ptr:?}"),
                None => "sled log".to_owned(),
            },
            source: "sled found damaged bytes in its log".into(),
        },
        other => Error::storage(other),
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io)
        if io.kind() == ErrorKind::Other && io.to_string().starts_with(LOCK_MESSAGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lock_message_means_locked() {
        let lock = sled::Error::Io(std::io::Error::other(
            "could not acquire lock on \"x/db\": Os { code: 11 }",
        ));
        assert!(matches!(
            open_error(Path::new("x"), lock),
            Error::Locked { .. }
        ));
        let denied = sled::Error::Io(std::io::Error::from(ErrorKind::PermissionDenied));
        assert!(matches!(
            open_error(Path::new("x"), denied),
            Error::Storage { .. }
        ));
    }
}
