//! Asynchronous file-system operations: the asynchronous versions of
//! [`std::fs`]'s types and functions, with tokio's names and signatures.
//!
//! * [`File`] with [`OpenOptions`]: open, read, write, seek, `sync_all`,
//!   `set_len`, ... through the I/O traits ([`AsyncReadExt`],
//!   [`AsyncWriteExt`], [`AsyncSeekExt`]), and, with the feature
//!   `futures-io`, that ecosystem's I/O traits (tokio's through the crate
//!   `weft-tokio-io`).
//! * Whole-file calls: [`read`], [`read_to_string`], [`write()`], [`copy`].
//! * Paths: [`metadata`], [`symlink_metadata`], [`try_exists`],
//!   [`rename`], [`remove_file`], [`hard_link`], [`symlink`],
//!   [`read_link`], [`canonicalize`], [`set_permissions`].
//! * Directories: [`create_dir`], [`create_dir_all`], [`DirBuilder`],
//!   [`remove_dir`], [`remove_dir_all`], [`read_dir`] with [`ReadDir`] and
//!   [`DirEntry`].
//!
//! Errors are std's: the same [`io::ErrorKind`](std::io::ErrorKind) and
//! message as the `std::fs` call of the same name (and, like std, no path
//! in the message: add it where you report the error).
//!
//! # How it works
//!
//! Ordinary files cannot be waited on with the I/O driver the way sockets
//! can (the OS reports them always "ready"). So each call goes one of two
//! ways, chosen per call:
//!
//! * **io_uring** (Linux, when the runtime has rings: see
//!   [`FsBackend`](crate::runtime::FsBackend)): opening a file, reading
//!   and writing a [`File`], [`File::sync_all`], [`File::sync_data`],
//!   [`read`], [`read_to_string`], [`write()`], [`rename`],
//!   [`remove_file`], [`remove_dir`], and [`create_dir`] /
//!   [`DirBuilder::create`] when not recursive are submitted to the
//!   io_uring ring of the worker thread the task runs on; the task sleeps
//!   until the kernel completes them, with no thread round trip.
//! * **The blocking pool** (as [`spawn_blocking`](crate::task::spawn_blocking)
//!   does, and as tokio runs every file call): every other call
//!   ([`metadata`], [`read_dir`], [`copy`], seeks, `set_len`, links,
//!   permissions, ...), and every call on a runtime without rings (not
//!   Linux, a kernel older than 5.15, io_uring refused, or
//!   `FsBackend::BlockingPool`).
//!
//! The environment variable `WEFT_FS_BACKEND` (`io-uring`,
//! `blocking-pool` or `auto`) overrides [`FsBackend::Auto`] when a
//! runtime is built, to run the same program or test suite on either.
//! Either way every call must run inside a weft runtime, and each is a
//! trip to the kernel or to a pool thread: prefer one call that does much
//! ([`read`], [`write()`]) to many small ones, and wrap a [`File`] read or
//! written in small pieces in a [`BufReader`](crate::io::BufReader) or
//! [`BufWriter`](crate::io::BufWriter).
//!
//! [`FsBackend::Auto`]: crate::runtime::FsBackend::Auto
//!
//! A [`File`] buffers: a write returns once its bytes are copied, and the
//! OS write happens in the background; [`flush`](crate::io::AsyncWriteExt::flush)
//! waits for it and reports its error. Flush before dropping a `File` you
//! wrote to, or the last write's error is lost. [`File::set_max_buf_size`]
//! bounds how much one background read or write moves (2 MiB by default).
//!
//! # Examples
//!
//! ```
//! use weft::fs;
//! use weft::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
//! use std::io::SeekFrom;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let dir = std::env::temp_dir().join(format!("weft-doc-fs-{}", std::process::id()));
//! fs::create_dir_all(&dir).await?;
//!
//! // Whole files.
//! fs::write(dir.join("greeting.txt"), "hello").await?;
//! assert_eq!(fs::read_to_string(dir.join("greeting.txt")).await?, "hello");
//!
//! // A file, read and written in place.
//! let mut file = fs::OpenOptions::new().read(true).write(true).open(dir.join("greeting.txt")).await?;
//! file.seek(SeekFrom::End(0)).await?;
//! file.write_all(b", world").await?;
//! file.rewind().await?;
//! let mut contents = String::new();
//! file.read_to_string(&mut contents).await?;
//! assert_eq!(contents, "hello, world");
//!
//! // Listing a directory.
//! let mut entries = fs::read_dir(&dir).await?;
//! while let Some(entry) = entries.next_entry().await? {
//!     assert_eq!(entry.file_name(), "greeting.txt");
//! }
//!
//! fs::remove_dir_all(&dir).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from tokio
//!
//! * tokio runs every file call on its blocking pool (its io_uring support
//!   is experimental and behind a `--cfg`); weft, with its feature
//!   `io-uring` (in `full`), submits the calls listed above to io_uring
//!   where it can, which saves a thread round trip per call. Results and errors are the same. On the ring, a dropped read
//!   is cancelled, while a dropped write, `sync_all`, open, rename or
//!   removal still completes once submitted, as on the pool; a dropped
//!   multi-step call ([`write()`], or a [`File`] write the OS took only
//!   part of) stops after the step in flight, where tokio's closure
//!   finishes the whole call. [`read`] and [`read_to_string`] on the ring
//!   open the file into the ring's own table of files (Linux 5.19), not
//!   the process's descriptor table, so they work even when the process
//!   has no descriptor left, where std's fail with `EMFILE`.
//! * [`FileTimes`] is std's type re-exported (tokio has a copy of it with
//!   the same methods), so one value serves both `std::fs::File` and
//!   weft's [`File::set_times`].
//! * A failed background write is reported with its full [`io::Error`]
//!   (tokio keeps only its kind).
//! * A [`File`] read asks the OS for at least 64 KiB (at most
//!   [`max_buf_size`](File::set_max_buf_size)) and keeps what the caller
//!   had no room for, where tokio asks for exactly the caller's room: a
//!   [`BufReader`](crate::io::BufReader) with its 8 KiB buffer then costs
//!   one background round trip per 64 KiB instead of per 8 KiB. The
//!   descriptor's own position runs ahead of the `File`'s meanwhile;
//!   writes, seeks, `set_len` and [`File::into_std`] put it back first.
//!   Only code that uses the raw descriptor directly (through
//!   [`AsRawFd`](std::os::fd::AsRawFd)) can see the difference.
//! * [`File::into_std`] and [`File::try_into_std`] return a std file whose
//!   position is where this `File`'s reads got to (tokio's may be past
//!   bytes it read ahead), and `try_into_std` gives the `File` back while
//!   a finished operation's outcome has not been seen yet (a write whose
//!   error would otherwise be lost: flush first), where tokio's returns
//!   the std file.
//! * The `fs` feature implies `sync`: `File`'s `&self` methods wait for
//!   its operation in flight under weft's own async
//!   [`Mutex`](crate::sync::Mutex) (tokio uses its internal copy of its
//!   `Mutex` without enabling `sync`).
//!
//! [`AsyncReadExt`]: crate::io::AsyncReadExt
//! [`AsyncWriteExt`]: crate::io::AsyncWriteExt
//! [`AsyncSeekExt`]: crate::io::AsyncSeekExt
//! [`io::Error`]: std::io::Error

mod dir_builder;
mod file;
mod open_options;
mod ops;
crate::sys::cfg_io_uring! {
    mod on_ring;
    #[cfg(test)]
    mod tests;
}
mod paths;
mod read_dir;

pub use dir_builder::DirBuilder;
pub use file::File;
pub use open_options::OpenOptions;
pub use paths::{
    canonicalize, copy, create_dir, create_dir_all, hard_link, metadata, read, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions, symlink,
    symlink_metadata, try_exists, write,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use std::fs::FileTimes;
