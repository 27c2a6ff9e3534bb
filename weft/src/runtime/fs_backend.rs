//! Which engine runs `weft::fs`: [`FsBackend`], the `Builder` setting, and
//! the choice made when the runtime is built.

use std::io;

/// The engine that runs the file-system operations of `weft::fs` on a
/// runtime, chosen with [`Builder::fs_backend`](crate::runtime::Builder::fs_backend).
///
/// # Differences from tokio
///
/// tokio runs every file operation on its blocking pool (its io_uring
/// support is experimental and behind a `--cfg`). weft submits them to
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
    /// default). The runtime asks once, when it is built: Linux with a
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
    /// [`io::ErrorKind::Unsupported`] off Linux).
    ///
    /// [`Builder::build`]: crate::runtime::Builder::build
    IoUring,
    /// The blocking pool (`spawn_blocking`), as tokio does it.
    BlockingPool,
}

/// The environment variable that overrides [`FsBackend::Auto`].
pub(crate) const ENV_VAR: &str = "WEFT_FS_BACKEND";

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

crate::sys::cfg_io_uring! {
    pub(crate) use super::uring::{Rings, RingConfig};

    /// Builds the rings `backend` asks for (`Auto` as [`ENV_VAR`] may
    /// say), one per scheduler thread (`count`), or none.
    pub(crate) fn select(
        backend: FsBackend,
        count: usize,
        config: RingConfig,
    ) -> io::Result<Option<crate::loom::Arc<Rings>>> {
        let build = || super::uring::build_rings(count, config).map(crate::loom::Arc::new);
        match resolve(backend)? {
            FsBackend::BlockingPool => Ok(None),
            FsBackend::Auto => Ok(build().ok()),
            FsBackend::IoUring => build().map(Some),
        }
    }
}

crate::sys::cfg_not_io_uring! {
    /// No rings on this platform: a type with no value, so every
    /// `Option<Arc<Rings>>` is `None`.
    #[derive(Debug)]
    pub(crate) enum Rings {}

    impl Rings {
        pub(crate) fn len(&self) -> usize {
            match *self {}
        }

        pub(crate) fn attach_to_epoll(
            &self,
            _index: usize,
            _epoll: crate::loom::Arc<std::os::fd::OwnedFd>,
            _token: u64,
        ) -> std::io::Result<()> {
            match *self {}
        }

        pub(crate) fn flush(&self, _index: usize, _arm: bool) -> bool {
            match *self {}
        }

        pub(crate) fn reap(&self, _index: usize) {
            match *self {}
        }

        pub(crate) fn reap_after_event(&self, _index: usize) {
            match *self {}
        }
    }

    /// Nothing to configure without rings.
    #[derive(Debug, Clone, Copy, Default)]
    pub(crate) struct RingConfig;

    /// `Auto` and `BlockingPool` run on the blocking pool here; `IoUring`
    /// cannot be had.
    pub(crate) fn select(
        backend: FsBackend,
        _count: usize,
        _config: RingConfig,
    ) -> io::Result<Option<crate::loom::Arc<Rings>>> {
        match resolve(backend)? {
            FsBackend::IoUring => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring is not available on this platform",
            )),
            _ => Ok(None),
        }
    }
}
