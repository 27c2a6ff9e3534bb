//! A scratch directory for the tests that need paths (files, Unix sockets,
//! FIFOs): a fresh, uniquely named directory under the system's temporary
//! directory, removed (with all it holds) when the value is dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory, removed on drop.
#[derive(Debug)]
pub(crate) struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// Creates `$TMPDIR/weft-<name>-<pid>-<n>`, `n` counting up within the
    /// process, so tests running at once (threads or processes) never
    /// share one.
    pub(crate) fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("weft-{name}-{}-{n}", std::process::id()));
        // A leftover of an earlier run with the same pid.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// A path inside the directory.
    pub(crate) fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Permission bits a test took away could stop the removal.
        make_writable(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            make_writable(&path);
        } else if !entry.file_type().is_ok_and(|t| t.is_symlink()) {
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
        }
    }
}

/// Asserts that weft's result and std's for the same call agree: both
/// succeed, or both fail with the same `io::ErrorKind` and message.
#[track_caller]
pub(crate) fn assert_same_outcome<T: std::fmt::Debug, U: std::fmt::Debug>(
    what: &str,
    weft: std::io::Result<T>,
    std: std::io::Result<U>,
) {
    match (&weft, &std) {
        (Ok(_), Ok(_)) => {}
        (Err(w), Err(s)) => {
            assert_eq!(w.kind(), s.kind(), "{what}: weft {w:?}, std {s:?}");
            assert_eq!(w.to_string(), s.to_string(), "{what}: messages differ");
            assert_eq!(w.raw_os_error(), s.raw_os_error(), "{what}: errno differs");
        }
        _ => panic!("{what}: weft {weft:?}, std {std:?}"),
    }
}
