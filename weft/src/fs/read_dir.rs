//! `read_dir`, `ReadDir`, `DirEntry`: listing a directory.
//!
//! # Design note
//!
//! A listing is read in chunks of [`CHUNK_SIZE`] entries, one background
//! operation per chunk (`ops::read_dir_chunk`), as tokio's `ReadDir` does:
//! one round trip per entry would dominate. Each entry's file type is
//! fetched in the same chunk (std takes it from the listing itself on most
//! file systems), so [`DirEntry::file_type`] usually answers at once.
//! `ReadDir` is idle (holding the listing and the entries not yet handed
//! out) or busy (the chunk operation owns the listing); `poll_next_entry`
//! keeps the operation in the state, so a dropped `next_entry` future
//! loses no entry.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::os::unix::fs::DirEntryExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::ops::{self, DirChunk, Op};

/// Entries read per background operation.
const CHUNK_SIZE: usize = 32;

/// Returns a stream over the entries of the directory at `path`.
///
/// The entries come in no particular order, and without `.` and `..`.
///
/// # Errors
///
/// As [`std::fs::read_dir`]: `path` does not exist
/// ([`NotFound`](io::ErrorKind::NotFound)), is not a directory
/// ([`NotADirectory`](io::ErrorKind::NotADirectory)), may not be listed
/// ([`PermissionDenied`](io::ErrorKind::PermissionDenied)). Errors while
/// listing come from [`ReadDir::next_entry`].
///
/// # Examples
///
/// ```
/// use weft::fs;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-read-dir-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("a.txt"), b"a")?;
/// let mut entries = fs::read_dir(&dir).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     assert_eq!(entry.file_name(), "a.txt");
///     assert!(entry.file_type().await?.is_file());
/// }
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let dir = ops::open_dir(path.as_ref().to_owned()).await?;
    Ok(ReadDir(State::Idle {
        entries: VecDeque::new(),
        dir: Some(dir),
    }))
}

/// The entries of a directory, returned by [`read_dir`].
///
/// # Errors
///
/// [`next_entry`](ReadDir::next_entry) returns an error for an entry that
/// could not be read; the listing goes on after it.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct ReadDir(State);

#[derive(Debug)]
enum State {
    /// `dir` is `None` once the listing is exhausted (or was lost).
    Idle {
        entries: VecDeque<io::Result<DirEntry>>,
        dir: Option<std::fs::ReadDir>,
    },
    Busy(Op<Option<DirChunk>>),
}

impl ReadDir {
    /// Returns the next entry, or `None` at the end of the listing.
    ///
    /// # Errors
    ///
    /// If an entry could not be read (as [`std::fs::ReadDir`]'s iterator
    /// reports it).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped call loses no entry.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-next-entry-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let mut entries = weft::fs::read_dir(&dir).await?;
    /// assert!(entries.next_entry().await?.is_none());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(Some(entry)))`,
    /// `Ready(Ok(None))` at the end, `Ready(Err(_))` for an entry that
    /// could not be read, or `Pending` (the waker of the latest call is
    /// woken when an entry is ready).
    ///
    /// # Errors
    ///
    /// As [`next_entry`](ReadDir::next_entry).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-poll-next-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("x"), b"")?;
    /// let mut entries = weft::fs::read_dir(&dir).await?;
    /// let first = poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    /// assert_eq!(first.unwrap().file_name(), "x");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.0 {
                State::Idle { entries, dir } => {
                    if let Some(entry) = entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(listing) = dir.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    self.0 = State::Busy(ops::read_dir_chunk(listing, CHUNK_SIZE));
                }
                State::Busy(op) => {
                    let chunk = ready!(Pin::new(op).poll(cx));
                    let Some(DirChunk { dir, entries, done }) = chunk else {
                        self.0 = State::Idle {
                            entries: VecDeque::new(),
                            dir: None,
                        };
                        return Poll::Ready(Err(io::Error::other("background task failed")));
                    };
                    let entries = entries
                        .into_iter()
                        .map(|entry| {
                            entry.map(|(std, file_type)| DirEntry {
                                std: Arc::new(std),
                                file_type,
                            })
                        })
                        .collect();
                    self.0 = State::Idle {
                        entries,
                        dir: (!done).then_some(dir),
                    };
                }
            }
        }
    }
}

/// One entry of a directory listing, from [`ReadDir`]: the asynchronous
/// version of [`std::fs::DirEntry`].
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-dir-entry-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("x"), b"12")?;
/// let mut entries = weft::fs::read_dir(&dir).await?;
/// let entry = entries.next_entry().await?.unwrap();
/// assert_eq!(entry.path(), dir.join("x"));
/// assert_eq!(entry.metadata().await?.len(), 2);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Fetched with the chunk, when it could be.
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The entry's full path: the path given to [`read_dir`] joined with
    /// the entry's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-entry-path-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("x"), b"")?;
    /// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.path(), dir.join("x"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without its directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-entry-name-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("x"), b"")?;
    /// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.file_name(), "x");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's inode number, as the listing reported it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-entry-ino-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("x"), b"")?;
    /// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.ino(), std::fs::metadata(dir.join("x"))?.ino());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn ino(&self) -> u64 {
        self.std.ino()
    }

    /// The entry's metadata, not following a symbolic link (`lstat`).
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::metadata`] (say, the entry was removed
    /// since it was listed: [`NotFound`](io::ErrorKind::NotFound)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-entry-metadata-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # std::fs::write(dir.join("x"), b"abc")?;
    /// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.metadata().await?.len(), 3);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        ops::entry_metadata(Arc::clone(&self.std)).await
    }

    /// The entry's type, not following a symbolic link. Usually known from
    /// the listing already, without a system call.
    ///
    /// # Errors
    ///
    /// As [`std::fs::DirEntry::file_type`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("weft-doc-entry-type-{}", std::process::id()));
    /// # std::fs::create_dir_all(dir.join("sub"))?;
    /// let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    /// assert!(entry.file_type().await?.is_dir());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        match self.file_type {
            Some(file_type) => Ok(file_type),
            None => ops::entry_file_type(Arc::clone(&self.std)).await,
        }
    }
}
