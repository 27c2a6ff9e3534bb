//! Which engine runs the stream sockets of `weft::net`: [`IoBackend`], the
//! `Builder` setting (the rings are built in `backends.rs`).

use std::io;

/// The engine that moves the bytes of a runtime's TCP and Unix stream
/// sockets, chosen with [`Builder::io_backend`](crate::runtime::Builder::io_backend).
///
/// With [`Uring`](IoBackend::Uring) a stream's reads and writes
/// (`AsyncRead`, `AsyncWrite` and every utility over them) and a
/// listener's accepts are operations on the io_uring ring of the worker
/// thread that runs the task: a stream keeps one multishot receive in
/// flight, which lands data in a buffer of the ring's shared pool (so a
/// connection waiting for data holds none of its own), the receives a
/// scheduler tick starts go to the kernel together in one
/// `io_uring_enter`, a write is a send submitted at once, and a listener
/// accepts with one multishot operation. With
/// [`Epoll`](IoBackend::Epoll) each socket is registered with the I/O
/// driver's epoll instance and every read or write is a system call, as
/// in tokio. UDP and Unix datagram sockets, pipes and `AsyncFd` use epoll
/// on both. The public API is the same on both; the differences are
/// listed under "Differences from tokio" on
/// [`Uring`](IoBackend::Uring).
///
/// # Examples
///
/// ```
/// use weft::runtime::{Builder, IoBackend};
///
/// // Sockets on epoll, as tokio runs them.
/// let rt = Builder::new_current_thread()
///     .enable_io()
///     .io_backend(IoBackend::Epoll)
///     .build()?;
/// rt.block_on(async {});
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IoBackend {
    /// The default: epoll for now. The io_uring backend is being built
    /// (see [`Uring`](IoBackend::Uring)); once it passes the whole network
    /// suite and is faster on it, `Auto` will pick it where this process
    /// can use it (Linux 5.19 or later, `io_uring_setup` not refused by a
    /// seccomp filter, `RLIMIT_MEMLOCK` or
    /// `/proc/sys/kernel/io_uring_disabled`) and fall back to epoll
    /// elsewhere.
    ///
    /// The environment variable `WEFT_IO_BACKEND` overrides this choice
    /// when the runtime is built (and only for `Auto`: a backend chosen
    /// in code stays): `io-uring` makes it [`Uring`](IoBackend::Uring)
    /// (the build fails if the rings cannot be set up), `epoll` makes it
    /// [`Epoll`](IoBackend::Epoll), `auto` or an empty value leaves it
    /// `Auto`; any other value fails the build with
    /// [`io::ErrorKind::InvalidInput`]. Tests use it to run the same
    /// network suite on both backends.
    #[default]
    Auto,
    /// io_uring rings, one per worker thread: [`Builder::build`] fails
    /// with the kernel's error if they cannot be set up (and with
    /// [`io::ErrorKind::Unsupported`] off Linux or without the feature
    /// `io-uring`).
    ///
    /// **Work in progress** (not yet what `Auto` picks): reads, writes
    /// and closes of TCP and Unix streams, TCP connects and the accepts
    /// of their listeners run on the ring; a Unix stream's connect is a
    /// system call whose end is waited for with a poll on the ring, and
    /// `shutdown` is a system call (the kernel runs a ring shutdown on a
    /// worker thread, 20 times slower).
    /// A receive's completions run on the worker thread that started it,
    /// so a worker with receives in flight spins on its ring for a few
    /// microseconds before it sleeps (see
    /// [`Builder::spin_before_park`](crate::runtime::Builder::spin_before_park)).
    ///
    /// # Differences from tokio
    ///
    /// * **Writes are sends on the ring.** A write to a socket with room
    ///   is sent from the caller's bytes, with no copy, by a send that has
    ///   ended when `poll_write` returns (as a `send` system call would).
    ///   A write to a socket without room (the peer reads slower than it
    ///   is written to) copies up to 64 KiB into the stream's send buffer,
    ///   submits the send (with the receives the tick pushed so far) and
    ///   returns; the next write waits until that send completed (one in
    ///   flight per stream, so they cannot overtake each other), where on
    ///   tokio the write itself would wait for room. `poll_flush` waits until the
    ///   kernel took every byte, so `flush().await` means what it means on
    ///   tokio (the bytes are in the socket's send queue). An error of a
    ///   send (`EPIPE`, `ECONNRESET`) is returned by the next write, flush
    ///   or shutdown; bytes written before the stream is dropped are still
    ///   sent.
    /// * **The runtime finishes what a drop leaves.** Dropping a stream or
    ///   an owned write half while its last send is in flight closes or
    ///   shuts the socket down when that send completes, which the
    ///   runtime sees only while it runs: a thread that blocks the only
    ///   worker right after the drop (`current_thread`) delays the peer's
    ///   end of stream until it returns. Dropping the runtime waits up to
    ///   1 s for sends still in flight, then a `weft-uring-linger` thread
    ///   waits up to 60 s more for a peer that reads late; a process that
    ///   exits meanwhile loses the bytes not sent yet (on epoll they would
    ///   sit in the kernel's send queue). `flush().await` or
    ///   `shutdown().await` before the drop sends them first.
    /// * **A read may receive more than it returns.** A receive that
    ///   completes after its read future was dropped (a `select!` branch
    ///   that lost) keeps its bytes for the next read, `try_read` or
    ///   `peek`: nothing is lost, but a `try_io` or `async_io` closure
    ///   that reads the descriptor itself would see the bytes after them.
    ///   Use the stream's own read methods when reads can be cancelled.
    /// * **A listener accepts ahead.** Its multishot accept takes each
    ///   connection as it arrives, up to 64 ahead of the tasks in
    ///   `accept` (then it stops, and the rest wait in the listen queue
    ///   as on epoll). Dropping the listener, or `into_std`, closes the
    ///   connections accepted ahead and not taken (their peers see a
    ///   reset), where on epoll they would stay queued in the kernel.
    /// * **`into_std` and `into_raw_fd`** wait for the stream's operations
    ///   in flight (a cancelled receive, a send) before giving the socket
    ///   back, and fail with [`io::ErrorKind::Other`] if bytes had been
    ///   received and not read (they cannot be handed back).
    ///
    /// [`Builder::build`]: crate::runtime::Builder::build
    Uring,
    /// Every socket in the I/O driver's epoll instance, read and written
    /// with one system call per operation, as tokio does.
    Epoll,
}

/// The environment variable that overrides [`IoBackend::Auto`].
pub(crate) const ENV_VAR: &str = "WEFT_IO_BACKEND";

/// What `backend` (`Auto` as [`ENV_VAR`] may say) asks of the rings.
pub(crate) fn ring_use(backend: IoBackend) -> io::Result<super::backends::RingWant> {
    use super::backends::RingWant;
    Ok(match resolve(backend)? {
        // Until the io_uring backend passes the whole network suite and
        // is faster on it, `Auto` keeps sockets on epoll (see `Auto`).
        IoBackend::Auto => RingWant::No,
        IoBackend::Uring => RingWant::Required,
        IoBackend::Epoll => RingWant::No,
    })
}

/// `backend`, unless it is `Auto` and [`ENV_VAR`] says otherwise.
fn resolve(backend: IoBackend) -> io::Result<IoBackend> {
    if backend != IoBackend::Auto {
        return Ok(backend);
    }
    let Some(value) = std::env::var_os(ENV_VAR) else {
        return Ok(IoBackend::Auto);
    };
    match value.to_str() {
        Some("" | "auto") => Ok(IoBackend::Auto),
        Some("io-uring") => Ok(IoBackend::Uring),
        Some("epoll") => Ok(IoBackend::Epoll),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{ENV_VAR} is {value:?}: expected `io-uring`, `epoll` or `auto`"),
        )),
    }
}
