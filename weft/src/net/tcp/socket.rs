//! `TcpSocket`: a TCP socket configured before it listens or connects.

use super::{TcpListener, TcpStream};
use socket2::{Domain, SockRef, Socket};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A TCP socket that has not yet become a listener or a connection, for
/// setting options that must come first (address reuse, buffer sizes, the
/// listen backlog, binding a client to a local address).
///
/// # Examples
///
/// ```
/// use weft::net::TcpSocket;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(1024)?;
/// let addr = listener.local_addr()?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(addr).await?;
/// assert_eq!(stream.peer_addr()?, addr);
/// # Ok(())
/// # }
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    /// A `TcpSocket` holding a std stream's socket (set to non-blocking),
    /// so its options can be read or changed before it is turned back
    /// into a connection with [`connect`](Self::connect) or a listener.
    ///
    /// ```
    /// use weft::net::TcpSocket;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let socket = TcpSocket::from_std_stream(stream);
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        let inner = Socket::from(std_stream);
        // A std stream is blocking unless its owner changed it; everything
        // weft makes of this socket expects non-blocking mode. The call
        // fails only for a descriptor that is not a socket, which a
        // `TcpStream` cannot hold.
        let _ = inner.set_nonblocking(true);
        TcpSocket { inner }
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = crate::sys::nonblocking_tcp_socket(domain)?;
        Ok(TcpSocket { inner })
    }

    /// Allows binding to an address still in `TIME_WAIT` (`SO_REUSEADDR`).
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Whether `SO_REUSEADDR` is set.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Lets several sockets bind the same address and port
    /// (`SO_REUSEPORT`; the kernel spreads connections among them).
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        SockRef::from(&self.inner).set_reuse_port(reuseport)
    }

    /// Whether `SO_REUSEPORT` is set.
    pub fn reuseport(&self) -> io::Result<bool> {
        SockRef::from(&self.inner).reuse_port()
    }

    /// Sets the send buffer size (`SO_SNDBUF`; the kernel may round it).
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The send buffer size.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(|size| size as u32)
    }

    /// Sets the receive buffer size (`SO_RCVBUF`; the kernel may round it).
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The receive buffer size.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(|size| size as u32)
    }

    /// Sets `SO_LINGER`: with `Some(d)`, closing waits up to `d` for unsent
    /// data; `Some(ZERO)` resets the connection on close.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// The `SO_LINGER` setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `SO_LINGER` to zero: closing the connection made from this
    /// socket resets it instead of closing gracefully.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    /// Sets `SO_KEEPALIVE`: the OS probes an idle connection and reports
    /// it broken when the peer stops answering.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets the IPv4 type-of-service byte (`IP_TOS`) of outgoing packets.
    ///
    /// ```
    /// use weft::net::TcpSocket;
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_tos_v4(0x10)?; // low delay
    /// assert_eq!(socket.tos_v4()?, 0x10);
    /// # Ok::<_, std::io::Error>(())
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// The IPv4 type-of-service byte (`IP_TOS`).
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// [`set_tos_v4`](Self::set_tos_v4) under its former name (hidden
    /// and deprecated, as in tokio).
    #[doc(hidden)]
    #[deprecated(note = "use `set_tos_v4`")]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// [`tos_v4`](Self::tos_v4) under its former name (hidden and
    /// deprecated, as in tokio).
    #[doc(hidden)]
    #[deprecated(note = "use `tos_v4`")]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets the IPv6 traffic class (`IPV6_TCLASS`) of outgoing packets.
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        self.inner.set_tclass_v6(tclass)
    }

    /// The IPv6 traffic class (`IPV6_TCLASS`).
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.inner.tclass_v6()
    }

    /// Binds the socket to a network interface by name (`SO_BINDTODEVICE`):
    /// only packets from that interface are received, and sent packets
    /// leave through it. `None` removes the binding. Usually needs
    /// `CAP_NET_RAW`.
    ///
    /// # Differences from tokio
    ///
    /// tokio has it only on Linux, Android and Fuchsia; weft has it
    /// everywhere, and elsewhere it fails with `ErrorKind::Unsupported`.
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        crate::sys::bind_device(self.inner.as_fd(), interface)
    }

    /// The interface the socket is bound to, if any; see
    /// [`bind_device`](Self::bind_device).
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        crate::sys::device(self.inner.as_fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Sets `TCP_NODELAY` for the connection this socket will make.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Binds to a local address (port 0: the OS picks one).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The bound local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the socket has no IP address")
        })
    }

    /// Starts listening with room for `backlog` pending connections.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        let std_listener: std::net::TcpListener = self.inner.into();
        TcpListener::new(mio::net::TcpListener::from_std(std_listener))
    }

    /// Connects to `addr`, waiting until the connection is established.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` and the like.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::start_connect(self.inner, addr)?
            .connected()
            .await
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The socket's descriptor.
impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

/// The socket's descriptor.
impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// Takes ownership of a TCP socket's descriptor.
impl FromRawFd for TcpSocket {
    /// # Safety
    ///
    /// `fd` must be an open TCP socket that nothing else owns or closes.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        // SAFETY: the caller passes ownership of an open socket.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        TcpSocket {
            inner: Socket::from(owned),
        }
    }
}

/// Gives the descriptor up; the caller now owns it.
impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}
