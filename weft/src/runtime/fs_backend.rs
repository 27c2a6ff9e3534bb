//! Which engine runs `weft::fs`: [`FsBackend`], the `Builder` setting
//! (the rings are built in `backends.rs`).

use std::io;

/// The engine that runs the file-system operations of `weft::fs` on a
/// runtime, chosen with [`Builder::fs_backend`](crate::runtime::Builder::fs_backend).
///
/// # Differences from tokio
///
/// tokio runs every file operation on its blocking pool (its io_uring
/// support is experimental, behind a `--cfg` and its feature `io-uring`).
/// With its feature `io-uring` (in `full`), weft submits them to
/// io_uring rings where the kernel allows it, which saves the round trip
/// through a pool thread per call, and falls back to the blocking pool
/// everywhere else. This setting has no tokio counterpart.
///
/// # Examples
///
/// ```
/// use weft::runtime::{Builder, FsBackend};
///
/// // Files on the blocking pool, as tokio runs them.
/// let rt = Builder::new_current_thread()
///     .fs_backend(FsBackend::BlockingPool)
///     .build()?;
/// rt.block_on(async {});
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FsBackend {
    /// io_uring if this process can use it, else the blocking pool (the
    /// default). The runtime asks once, when it is built: weft built with
    /// its feature `io-uring` (in `full`), Linux with a
    /// kernel that has the operations `fs` needs (5.15 or later), and
    /// `io_uring_setup` not refused (a seccomp filter's `EPERM` or
    /// `ENOSYS`, `ENOMEM` when `RLIMIT_MEMLOCK` is too low for the rings,
    /// `/proc/sys/kernel/io_uring_disabled`).
    ///
    /// The environment variable `WEFT_FS_BACKEND` overrides this choice
    /// when the runtime is built (and only for `Auto`: a backend chosen
    /// in code stays): `io-uring` makes it [`IoUring`](FsBackend::IoUring)
    /// (the build fails if the rings cannot be set up), `blocking-pool`
    /// makes it [`BlockingPool`](FsBackend::BlockingPool), `auto` or an
    /// empty value leaves it `Auto`; any other value fails the build with
    /// [`io::ErrorKind::InvalidInput`]. Tests use it to run the same code
    /// on both backends.
    #[default]
    Auto,
    /// io_uring rings, one per worker thread: [`Builder::build`] fails
    /// with the kernel's error if they cannot be set up (and with
    /// [`io::ErrorKind::Unsupported`] off Linux or without the feature
    /// `io-uring`).
    ///
    /// [`Builder::build`]: crate::runtime::Builder::build
    IoUring,
    /// The blocking pool (`spawn_blocking`), as tokio does it.
    BlockingPool,
}

/// The environment variable that overrides [`FsBackend::Auto`].
pub(crate) const ENV_VAR: &str = "WEFT_FS_BACKEND";

/// What `backend` (`Auto` as [`ENV_VAR`] may say) asks of the rings.
pub(crate) fn ring_use(backend: FsBackend) -> io::Result<super::backends::RingWant> {
    use super::backends::RingWant;
    Ok(match resolve(backend)? {
        FsBackend::Auto => RingWant::IfAvailable,
        FsBackend::IoUring => RingWant::Required,
        FsBackend::BlockingPool => RingWant::No,
    })
}

/// `backend`, unless it is `Auto` and [`ENV_VAR`] says otherwise.
fn resolve(backend: FsBackend) -> io::Result<FsBackend> {
    if backend != FsBackend::Auto {
        return Ok(backend);
    }
    let Some(value) = std::env::var_os(ENV_VAR) else {
        return Ok(FsBackend::Auto);
    };
    match value.to_str() {
        Some("" | "auto") => Ok(FsBackend::Auto),
        Some("io-uring") => Ok(FsBackend::IoUring),
        Some("blocking-pool") => Ok(FsBackend::BlockingPool),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{ENV_VAR} is {value:?}: expected `io-uring`, `blocking-pool` or `auto`"),
        )),
    }
}
