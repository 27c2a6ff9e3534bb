//! `TcpListener`: accepts TCP connections.

use super::TcpStream;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::listener::Accepting;
use crate::runtime::backends::RingAccept;
use crate::runtime::io::PollEvented;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// The listen backlog `bind` asks for. The kernel caps it at
/// `net.core.somaxconn` (4096 by default on Linux since 5.4).
const BACKLOG: i32 = 4096;

/// A TCP socket server, listening for connections.
///
/// # Differences from tokio
///
/// [`bind`](TcpListener::bind) asks for a listen backlog of 4096 (capped by
/// the kernel's `somaxconn`); tokio, through mio, asks for 128, so a burst
/// of more than 128 simultaneous connects has the rest wait for a SYN
/// retransmit (about a second).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// let server = weft::spawn(async move {
///     let (mut socket, _) = listener.accept().await?;
///     let mut buf = [0; 5];
///     socket.read_exact(&mut buf).await?;
///     socket.write_all(&buf).await?;
///     std::io::Result::Ok(())
/// });
/// let mut client = TcpStream::connect(addr).await?;
/// client.write_all(b"hello").await?;
/// let mut echoed = [0; 5];
/// client.read_exact(&mut echoed).await?;
/// assert_eq!(&echoed, b"hello");
/// server.await.unwrap()?;
/// # Ok(())
/// # }
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
    /// The multishot accept, on a runtime whose sockets run on io_uring.
    ring: Option<RingAccept>,
}

impl TcpListener {
    /// Binds to `addr` (each resolved address in turn, until one works)
    /// and starts listening. Port 0 asks the OS for a free port.
    ///
    /// # Errors
    ///
    /// Resolution errors, or the last bind error (`AddrInUse`, ...).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move { TcpListener::bind_addr(addr) }).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )?;
        socket.set_nonblocking(true)?;
        // Quick rebinding after a restart, as std and mio do on Unix.
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(BACKLOG)?;
        let std_listener: std::net::TcpListener = socket.into();
        TcpListener::new(mio::net::TcpListener::from_std(std_listener))
    }

    #[track_caller]
    pub(crate) fn new(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        let ring = RingAccept::for_current_runtime(listener.as_raw_fd());
        Ok(TcpListener {
            io: PollEvented::new(listener)?,
            ring,
        })
    }

    /// How this listener takes connections (`net/listener.rs`).
    fn accepting(&self) -> Accepting<'_, mio::net::TcpListener, mio::net::TcpStream, SocketAddr> {
        Accepting {
            ring: self.ring.as_ref(),
            accept: mio::net::TcpListener::accept,
            from_fd: |fd| mio::net::TcpStream::from_std(std::net::TcpStream::from(fd)),
            peer: mio::net::TcpStream::peer_addr,
        }
    }

    // API twins of UnixListener's `accept` and `poll_accept` (same public
    // methods on both types, as in tokio); the accept loop is in
    // `net/listener.rs`. After them, `local_addr`, `set_ttl`, `ttl`,
    // `from_std` and `into_std` are twins of the same methods on the other
    // socket types, each one call to mio.

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// # Errors
    ///
    /// The OS's `accept` error. Running out of file descriptors
    /// (`EMFILE` for the process, `ENFILE` for the system: raw OS errors
    /// 24 and 23 on Linux) is reported as an error like any other, and the
    /// listener stays usable: the connection waits in the listen queue
    /// and is accepted once descriptors are free again. Calling `accept`
    /// again at once would fail again at once, so the usual loop backs off
    /// for a while, doubling the pause up to a cap and resetting it after
    /// a success (tokio's and hyper's servers do the same):
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # async fn serve(listener: weft::net::TcpListener) {
    /// let mut pause = Duration::from_millis(5);
    /// loop {
    ///     match listener.accept().await {
    ///         Ok((socket, _)) => {
    ///             pause = Duration::from_millis(5);
    ///             weft::spawn(async move { drop(socket) }); // serve it
    ///         }
    ///         Err(err) if matches!(err.raw_os_error(), Some(23 | 24)) => {
    ///             // Out of descriptors: give open connections time to close.
    ///             let _ = weft::task::spawn_blocking(move || std::thread::sleep(pause)).await;
    ///             pause = (pause * 2).min(Duration::from_secs(1));
    ///         }
    ///         Err(err) => eprintln!("accept: {err}"), // e.g. ECONNABORTED: go on
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// (With `weft::time`, `sleep(pause).await` replaces the blocking
    /// pause.) This is tested with a lowered `RLIMIT_NOFILE`
    /// (`tests/net_accept_emfile.rs`).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no connection is lost.
    ///
    /// Any number of tasks may wait in `accept` on one listener (shared
    /// through an `Arc`): each connection goes to one of them.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        self.io
            .accept_with(self.accepting(), TcpStream::new_accepted)
            .await
    }

    /// Polls for a connection; see [`accept`](Self::accept).
    ///
    /// Only the waker of the last call is woken: two tasks calling
    /// `poll_accept` on one listener lose wake-ups (use `accept` then).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept)'s; also when the new connection cannot
    /// be registered with the I/O driver (out of memory or of epoll
    /// watches: `ENOMEM`, `ENOSPC`; or the runtime has shut down): that
    /// connection is closed, and the listener stays usable.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_accept_with(cx, self.accepting(), TcpStream::new_accepted)
    }

    /// The address this listener is bound to (with the OS-chosen port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of accepted sockets' packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live; see [`set_ttl`](Self::set_ttl).
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Wraps a std listener, which must be in non-blocking mode (as
    /// `set_nonblocking(true)` makes it).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Unregisters the listener and returns it as a std listener (still in
    /// non-blocking mode).
    ///
    /// On io_uring, connections the listener accepted ahead and no task
    /// took are closed (see "Differences from tokio" on
    /// [`IoBackend::Uring`](crate::runtime::IoBackend::Uring)).
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        drop(self.ring);
        self.io.into_inner().map(Into::into)
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

// API twins of the same std trait impls on every socket type (`AsRawFd`,
// `AsFd`, `TryFrom` of the std type, as in tokio).

/// The socket's descriptor.
impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

/// The socket's descriptor.
impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

/// [`TcpListener::from_std`].
impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}
