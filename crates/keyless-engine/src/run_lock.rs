//! The lock that keeps two processes from applying the same setup at once: one lock file per
//! setup in the state directory, held with an advisory file lock for as long as a run lasts.
//!
//! It does not say which process holds the lock, and it does not stop a run of another setup:
//! two different setups may be applied side by side.

use std::{
    fs::{File, TryLockError},
    path::{Path, PathBuf},
};

use keyless_core::Guid;

use crate::journal::{JournalError, open_private};

/// Namespace of the lock file names, so the same key always names the same file.
const LOCK_NAMESPACE: Guid = Guid::from_u128(0x6b65_796c_6573_735f_7275_6e5f_6c6f_636b);

/// Holds one setup's lock; the lock is released when this is dropped (or the process ends,
/// however it ends, since the operating system releases file locks with the file).
#[derive(Debug)]
pub struct RunLock {
    // Kept open only to hold the lock.
    _file: File,
    path: PathBuf,
}

impl RunLock {
    pub(crate) fn acquire(dir: &Path, key: &str) -> Result<RunLock, JournalError> {
        // A hash rather than the key itself: keys may hold any character and any length.
        let path = dir.join(format!("setup-{}.lock", Guid::derived(LOCK_NAMESPACE, key)));
        let io = |source| JournalError::Io { path: path.clone(), source };
        let file = open_private(&path, false).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(JournalError::Busy { what: format!("lock {}", path.display()) }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }

    /// The lock file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
