//! The free functions of `weft::fs`: one operation on a path each, the
//! asynchronous versions of `std::fs`'s functions of the same names.
//!
//! Each takes owned copies of its arguments (the operation outlives the
//! caller's borrow: see `ops`) and returns what std returns, errors
//! included: the same `io::ErrorKind` and message, and like std no path
//! in the message.

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use super::ops;

/// Reads the whole file at `path` into a `Vec<u8>`.
///
/// One background operation opens, sizes and reads the file, so this is
/// cheaper than [`File::open`](super::File::open) and
/// [`read_to_end`](crate::io::AsyncReadExt::read_to_end).
///
/// # Errors
///
/// As [`std::fs::read`]: [`NotFound`](io::ErrorKind::NotFound),
/// [`PermissionDenied`](io::ErrorKind::PermissionDenied),
/// [`IsADirectory`](io::ErrorKind::IsADirectory) when `path` is a
/// directory, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("address.txt"), b"127.0.0.1")?;
/// let contents = weft::fs::read(dir.join("address.txt")).await?;
/// assert_eq!(contents, b"127.0.0.1");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    ops::read_file(path.as_ref().to_owned()).await
}

/// Reads the whole file at `path` into a `String`.
///
/// # Errors
///
/// As [`read`], and [`InvalidData`](io::ErrorKind::InvalidData) ("stream
/// did not contain valid UTF-8", std's message) if the contents are not
/// UTF-8.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-read-to-string-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("foo.txt"), "héllo")?;
/// let contents = weft::fs::read_to_string(dir.join("foo.txt")).await?;
/// assert_eq!(contents, "héllo");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let bytes = ops::read_file(path.as_ref().to_owned()).await?;
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Writes `contents` as the whole of the file at `path`, creating it if
/// needed and truncating it if it exists.
///
/// # Errors
///
/// As [`std::fs::write`]: a missing parent directory
/// ([`NotFound`](io::ErrorKind::NotFound)), no permission, `path` is a
/// directory ([`IsADirectory`](io::ErrorKind::IsADirectory)), ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// weft::fs::write(dir.join("foo.txt"), b"Hello world!").await?;
/// assert_eq!(std::fs::read(dir.join("foo.txt"))?, b"Hello world!");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    ops::write_file(path.as_ref().to_owned(), contents.as_ref().to_vec()).await
}

/// Copies the contents and permission bits of the file `from` to the file
/// `to` (created or truncated); returns the number of bytes copied.
///
/// # Errors
///
/// As [`std::fs::copy`]: `from` is missing or not a file, no permission,
/// ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-copy-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("foo.txt"), b"abc")?;
/// let copied = weft::fs::copy(dir.join("foo.txt"), dir.join("bar.txt")).await?;
/// assert_eq!(copied, 3);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> Result<u64, io::Error> {
    ops::copy(from.as_ref().to_owned(), to.as_ref().to_owned()).await
}

/// Renames a file or directory, replacing `to` if it exists (a file, or
/// an empty directory when `from` is a directory).
///
/// # Errors
///
/// As [`std::fs::rename`]: `from` is missing, the two are on different
/// file systems ([`CrossesDevices`](io::ErrorKind::CrossesDevices)), no
/// permission, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-rename-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("a.txt"), b"")?;
/// weft::fs::rename(dir.join("a.txt"), dir.join("b.txt")).await?;
/// assert!(dir.join("b.txt").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    ops::rename(from.as_ref().to_owned(), to.as_ref().to_owned()).await
}

/// Removes a file (or a symbolic link, not what it points to).
///
/// # Errors
///
/// As [`std::fs::remove_file`]: [`NotFound`](io::ErrorKind::NotFound),
/// [`IsADirectory`](io::ErrorKind::IsADirectory) for a directory, no
/// permission, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-remove-file-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("a.txt"), b"")?;
/// weft::fs::remove_file(dir.join("a.txt")).await?;
/// assert!(!dir.join("a.txt").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    ops::remove_file(path.as_ref().to_owned()).await
}

/// Removes an empty directory.
///
/// # Errors
///
/// As [`std::fs::remove_dir`]: [`NotFound`](io::ErrorKind::NotFound),
/// [`DirectoryNotEmpty`](io::ErrorKind::DirectoryNotEmpty),
/// [`NotADirectory`](io::ErrorKind::NotADirectory), ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-remove-dir-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("empty"))?;
/// weft::fs::remove_dir(dir.join("empty")).await?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    ops::remove_dir(path.as_ref().to_owned()).await
}

/// Removes a directory and everything in it (symbolic links inside are
/// removed, not followed).
///
/// # Errors
///
/// As [`std::fs::remove_dir_all`]: `path` is missing or not a directory,
/// or something inside could not be removed.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-remove-dir-all-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("a/b"))?;
/// weft::fs::remove_dir_all(&dir).await?;
/// assert!(!dir.exists());
/// # Ok(())
/// # }
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    ops::remove_dir_all(path.as_ref().to_owned()).await
}

/// Creates a directory (its parent must exist).
///
/// # Errors
///
/// As [`std::fs::create_dir`]: [`AlreadyExists`](io::ErrorKind::AlreadyExists),
/// [`NotFound`](io::ErrorKind::NotFound) for a missing parent, no
/// permission, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-create-dir-{}", std::process::id()));
/// weft::fs::create_dir(&dir).await?;
/// assert!(dir.is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    ops::create_dir(path.as_ref().to_owned(), false, None).await
}

/// Creates a directory and every missing parent; a directory that already
/// exists is not an error.
///
/// # Errors
///
/// As [`std::fs::create_dir_all`]: a component exists and is not a
/// directory, no permission, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-create-dir-all-{}", std::process::id()));
/// weft::fs::create_dir_all(dir.join("a/b/c")).await?;
/// assert!(dir.join("a/b/c").is_dir());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    ops::create_dir(path.as_ref().to_owned(), true, None).await
}

/// Queries the metadata of `path`, following symbolic links (`stat`).
///
/// # Errors
///
/// As [`std::fs::metadata`]: [`NotFound`](io::ErrorKind::NotFound), no
/// permission to search a directory of the path, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let metadata = weft::fs::metadata(std::env::temp_dir()).await?;
/// assert!(metadata.is_dir());
/// # Ok(())
/// # }
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    ops::metadata(path.as_ref().to_owned()).await
}

/// Queries the metadata of `path` itself, without following a symbolic
/// link (`lstat`).
///
/// # Errors
///
/// As [`std::fs::symlink_metadata`].
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-symlink-metadata-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// weft::fs::symlink("nowhere", dir.join("link")).await?;
/// let metadata = weft::fs::symlink_metadata(dir.join("link")).await?;
/// assert!(metadata.file_type().is_symlink());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    ops::symlink_metadata(path.as_ref().to_owned()).await
}

/// Returns the canonical, absolute form of `path`, with every symbolic
/// link, `.` and `..` resolved (`realpath`).
///
/// # Errors
///
/// As [`std::fs::canonicalize`]: a component does not exist, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let tmp = weft::fs::canonicalize(std::env::temp_dir()).await?;
/// assert!(tmp.is_absolute());
/// # Ok(())
/// # }
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    ops::canonicalize(path.as_ref().to_owned()).await
}

/// Creates a hard link `link` to the file `original`.
///
/// # Errors
///
/// As [`std::fs::hard_link`]: `original` is missing, `link` exists, the
/// two are on different file systems, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-hard-link-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("a.txt"), b"a")?;
/// weft::fs::hard_link(dir.join("a.txt"), dir.join("b.txt")).await?;
/// assert_eq!(std::fs::read(dir.join("b.txt"))?, b"a");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    ops::hard_link(original.as_ref().to_owned(), link.as_ref().to_owned()).await
}

/// Creates a symbolic link `link` pointing to `original` (which need not
/// exist).
///
/// # Errors
///
/// As [`std::os::unix::fs::symlink`]: `link` exists, ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-symlink-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// weft::fs::symlink("target.txt", dir.join("link")).await?;
/// assert_eq!(std::fs::read_link(dir.join("link"))?, std::path::Path::new("target.txt"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    ops::symlink(original.as_ref().to_owned(), link.as_ref().to_owned()).await
}

/// Reads where the symbolic link `path` points.
///
/// # Errors
///
/// As [`std::fs::read_link`]: `path` is missing, or is not a symbolic link
/// ([`InvalidInput`](io::ErrorKind::InvalidInput)).
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-read-link-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::os::unix::fs::symlink("target.txt", dir.join("link"))?;
/// let target = weft::fs::read_link(dir.join("link")).await?;
/// assert_eq!(target, std::path::Path::new("target.txt"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    ops::read_link(path.as_ref().to_owned()).await
}

/// Changes the permission bits of the file or directory at `path`.
///
/// # Errors
///
/// As [`std::fs::set_permissions`]: `path` is missing, the caller does not
/// own it ([`PermissionDenied`](io::ErrorKind::PermissionDenied)), ...
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("weft-doc-set-permissions-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # std::fs::write(dir.join("a.txt"), b"")?;
/// let mut perms = weft::fs::metadata(dir.join("a.txt")).await?.permissions();
/// perms.set_readonly(true);
/// weft::fs::set_permissions(dir.join("a.txt"), perms).await?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    ops::set_permissions(path.as_ref().to_owned(), perm).await
}

/// Whether `path` exists (following symbolic links): `Ok(false)` only when
/// it certainly does not; an error when that cannot be told (say, no
/// permission to search a parent directory).
///
/// # Errors
///
/// As [`std::fs::exists`]: any error other than "not found".
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// assert!(weft::fs::try_exists(std::env::temp_dir()).await?);
/// assert!(!weft::fs::try_exists("/no/such/path").await?);
/// # Ok(())
/// # }
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    ops::try_exists(path.as_ref().to_owned()).await
}
