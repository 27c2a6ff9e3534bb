//! `UdpSocket`: datagrams over UDP.

use crate::io::{Interest, ReadBuf, Ready};
use crate::net::addr::{each_addr, ToSocketAddrs};
use bytes::BufMut;

use crate::net::buf_mut::read_into_buf_mut;
use crate::runtime::io::{Direction, PollEvented, Wants};
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A UDP socket.
///
/// UDP is connectionless: [`send_to`](UdpSocket::send_to) and
/// [`recv_from`](UdpSocket::recv_from) name the peer of each datagram.
/// After [`connect`](UdpSocket::connect), [`send`](UdpSocket::send) and
/// [`recv`](UdpSocket::recv) talk to one peer (and datagrams from others
/// are filtered out by the OS).
///
/// Every method takes `&self`, so one socket can be shared by several
/// tasks through an `Arc`: any number of tasks may wait in the `async`
/// methods (`recv_from`, `send_to`, `readable`...) at once, and each
/// datagram goes to one of them. The `poll_*` methods keep one waker per
/// direction (only the last task to poll is woken), as in tokio.
///
/// A datagram longer than the buffer given to a receive is truncated: the
/// buffer is filled and the rest of that datagram is discarded (on Linux,
/// as `recv(2)` does without `MSG_TRUNC`).
///
/// # Examples
///
/// An echo exchange between two sockets:
///
/// ```
/// use weft::net::UdpSocket;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// client.send_to(b"hello", server.local_addr()?).await?;
///
/// let mut buf = [0u8; 64];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!(from, client.local_addr()?);
/// server.send_to(&buf[..n], from).await?;
///
/// let n = client.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"hello");
/// # Ok(())
/// # }
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (each resolved address in turn, until one
    /// works). Port 0 asks the OS for a free port.
    ///
    /// # Errors
    ///
    /// Resolution errors, or the last bind error (`AddrInUse`, ...).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            UdpSocket::new(mio::net::UdpSocket::bind(addr)?)
        })
        .await
    }

    // API twins of the same methods on the other socket types (`from_std`,
    // `into_std`, `local_addr`, `peer_addr`: same public methods on each type,
    // as in tokio); each is one call to mio.

    #[track_caller]
    fn new(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: PollEvented::new(socket)?,
        })
    }

    /// Wraps a std socket, which must be in non-blocking mode (as
    /// `set_nonblocking(true)` makes it).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// std_socket.set_nonblocking(true)?;
    /// let socket = weft::net::UdpSocket::from_std(std_socket)?;
    /// let back: std::net::UdpSocket = socket.into_std()?;
    /// # drop(back);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::new(mio::net::UdpSocket::from_std(socket))
    }

    /// Unregisters the socket and returns it as a std socket (still in
    /// non-blocking mode).
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner().map(Into::into)
    }

    /// The address this socket is bound to (with the OS-chosen port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets the default peer: [`send`](Self::send) goes there, and only
    /// its datagrams are received. Tries each resolved address in turn.
    ///
    /// # Errors
    ///
    /// Resolution errors, or the last connect error.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::net::UdpSocket;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"ping").await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let socket = self.io.get_ref();
        each_addr(addr, |addr| async move { socket.connect(addr) }).await
    }

    // API twins of UnixDatagram's methods of the same names, from `ready` to
    // `async_io` (same public methods on both types, as in tokio; `ready`,
    // `readable`, `writable`, `try_io` and `async_io` are on the streams too).
    // Each is one call to `PollEvented` (its readiness waits, or its
    // `async_io` / `poll_io` / `try_io` loops around the mio operation); the
    // peeks are UDP's own.

    /// Waits until the socket is ready for any of `interest`, and says
    /// which readiness it saw. May wake spuriously: a following `try_*`
    /// can still say `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until a datagram may be received; see
    /// [`ready`](Self::ready).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Read).await
    }

    /// Waits until a datagram may be sent; see [`ready`](Self::ready).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.wait_ready(Wants::Write).await
    }

    /// Polls for receive readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last `poll_*` call per direction (receive:
    /// `poll_recv_ready`, `poll_recv`, `poll_recv_from`, `poll_peek`...) is
    /// woken; tasks that share the socket should use the `async` methods,
    /// which any number of tasks may await at once.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read)
    }

    /// Polls for send readiness (the waker is stored on `Pending`).
    ///
    /// Only the waker of the last `poll_*` call per direction is woken
    /// (see [`poll_recv_ready`](Self::poll_recv_ready)).
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write)
    }

    // --- connected: send / recv / peek ---------------------------------

    /// Sends `buf` as one datagram to the connected peer; returns the
    /// bytes sent.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](Self::connect); the OS's error
    /// (`ConnectionRefused` may report an ICMP error from an earlier
    /// datagram).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, nothing was sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Wants::Write, |socket| socket.send(buf))
            .await
    }

    /// Polls sending `buf` to the connected peer; see [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |socket| socket.send(buf))
    }

    /// Sends to the connected peer now, or `WouldBlock`.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Write, |socket| socket.send(buf))
    }

    /// Receives one datagram from the connected peer into `buf`; returns
    /// its length (at most `buf.len()`: the rest of a longer datagram is
    /// discarded).
    ///
    /// # Errors
    ///
    /// The OS's error (`ConnectionRefused` when an earlier datagram drew
    /// an ICMP "port unreachable").
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Wants::Read, |socket| socket.recv(buf))
            .await
    }

    /// Polls receiving one datagram from the connected peer into the
    /// unfilled part of `buf`, which is advanced by its length.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| Ok((socket.recv(unfilled)?, ())))
    }

    /// Receives a datagram from the connected peer now, or `WouldBlock`.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Read, |socket| socket.recv(buf))
    }

    /// As [`recv`](Self::recv), into `buf`, a [`bytes::BufMut`] (a
    /// `Vec<u8>`, a `BytesMut`, ...), which is advanced past the datagram.
    /// The datagram goes into `buf`'s writable chunk (never zeroed; a full
    /// `Vec` or `BytesMut` grows first); one longer than the chunk is cut
    /// to fit (the rest is discarded), as with `recv`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    ///
    /// ```
    /// use weft::net::UdpSocket;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"datagram").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(a.recv_buf(&mut buf).await?, 8);
    /// assert_eq!(buf, b"datagram");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .async_io(Wants::Read, |socket| recv_into_buf(socket, buf))
            .await
    }

    /// As [`try_recv`](Self::try_recv), into `buf`, a [`bytes::BufMut`]
    /// (see [`recv_buf`](Self::recv_buf)).
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Wants::Read, |socket| recv_into_buf(socket, buf))
    }

    /// As [`recv_from`](Self::recv_from), into `buf`, a [`bytes::BufMut`]
    /// (see [`recv_buf`](Self::recv_buf)).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    ///
    /// ```
    /// use weft::net::UdpSocket;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// b.send_to(b"hi", a.local_addr()?).await?;
    /// let mut buf = Vec::new();
    /// let (n, from) = a.recv_buf_from(&mut buf).await?;
    /// assert_eq!((n, from, buf.as_slice()), (2, b.local_addr()?, &b"hi"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Wants::Read, |socket| recv_from_into_buf(socket, buf))
            .await
    }

    /// As [`try_recv_from`](Self::try_recv_from), into `buf`, a
    /// [`bytes::BufMut`] (see [`recv_buf`](Self::recv_buf)).
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Wants::Read, |socket| recv_from_into_buf(socket, buf))
    }

    /// Receives the next datagram from the connected peer without taking
    /// it off the queue.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Wants::Read, |socket| socket.peek(buf))
            .await
    }

    /// Polls [`peek`](Self::peek), into `buf`'s unfilled part.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| Ok((socket.peek(unfilled)?, ())))
    }

    /// Peeks at the next datagram now, or `WouldBlock`.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Wants::Read, |socket| socket.peek(buf))
    }

    // --- unconnected: send_to / recv_from / peek_from ------------------

    /// Sends `buf` as one datagram to `target` (its first resolved
    /// address); returns the bytes sent.
    ///
    /// # Errors
    ///
    /// Resolution errors (`InvalidInput` if `target` resolves to
    /// nothing), or the OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe once the address is resolved (a literal address
    /// resolves at once): if the `await` is dropped, nothing was sent.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let mut addrs = crate::net::lookup_host(target).await?;
        let Some(target) = addrs.next() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no addresses to send data to",
            ));
        };
        self.io
            .async_io(Wants::Write, |socket| socket.send_to(buf, target))
            .await
    }

    /// Polls sending `buf` to `target`; see [`send_to`](Self::send_to).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |socket| socket.send_to(buf, target))
    }

    /// Sends to `target` now, or `WouldBlock`.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Wants::Write, |socket| socket.send_to(buf, target))
    }

    /// Receives one datagram into `buf`; returns its length (at most
    /// `buf.len()`: the rest of a longer datagram is discarded) and its
    /// sender.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no datagram was taken.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Wants::Read, |socket| socket.recv_from(buf))
            .await
    }

    /// Polls receiving one datagram into `buf`'s unfilled part (advanced
    /// by its length); returns the sender.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| socket.recv_from(unfilled))
    }

    /// Receives a datagram now, or `WouldBlock`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Wants::Read, |socket| socket.recv_from(buf))
    }

    /// Receives the next datagram and its sender without taking it off
    /// the queue.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Wants::Read, |socket| socket.peek_from(buf))
            .await
    }

    /// Polls [`peek_from`](Self::peek_from), into `buf`'s unfilled part.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_buf(cx, buf, |socket, unfilled| socket.peek_from(unfilled))
    }

    /// Peeks at the next datagram and its sender now, or `WouldBlock`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Wants::Read, |socket| socket.peek_from(buf))
    }

    /// The sender of the next datagram, without taking it off the queue
    /// (and without copying its bytes).
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Wants::Read, peek_sender).await
    }

    /// Polls [`peek_sender`](Self::peek_sender).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, peek_sender)
    }

    /// The sender of the next datagram now, or `WouldBlock`.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Wants::Read, peek_sender)
    }

    // --- custom operations ---------------------------------------------

    /// Runs `f` (a non-blocking operation on this socket, say a
    /// `sendmsg` through `socket2::SockRef`) now if the cached readiness
    /// for `interest` allows; a `WouldBlock` from `f` clears it.
    ///
    /// # Errors
    ///
    /// `f`'s error, or `WouldBlock`.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(Wants::from_interest(interest), |_| f())
    }

    /// Runs `f` until it does not hit `WouldBlock`, waiting for
    /// `interest` readiness before each try.
    ///
    /// # Errors
    ///
    /// `f`'s error, or an error when the runtime has shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io
            .async_io(Wants::from_interest(interest), |_| f())
            .await
    }

    // --- options ---------------------------------------------------------

    // Socket options: each is one call to mio's accessor of the same name, as
    // in tokio (`take_error`, `set_ttl` and `ttl` are API twins of the same
    // methods on the other socket types).

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Sets `SO_BROADCAST`: whether datagrams may go to a broadcast
    /// address.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = weft::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets the IPv4 type-of-service byte (`IP_TOS`) of outgoing
    /// datagrams.
    ///
    /// ```
    /// use weft::net::UdpSocket;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_tos_v4(0x08)?; // high throughput
    /// assert_eq!(socket.tos_v4()?, 0x08);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tos_v4(tos)
    }

    /// The IPv4 type-of-service byte (`IP_TOS`).
    pub fn tos_v4(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.io.get_ref()).tos_v4()
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

    /// Sets the IPv6 traffic class (`IPV6_TCLASS`) of outgoing datagrams.
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tclass_v6(tclass)
    }

    /// The IPv6 traffic class (`IPV6_TCLASS`).
    pub fn tclass_v6(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.io.get_ref()).tclass_v6()
    }

    /// Binds the socket to a network interface by name (`SO_BINDTODEVICE`);
    /// `None` removes the binding. Usually needs `CAP_NET_RAW`.
    ///
    /// # Differences from tokio
    ///
    /// tokio has it only on Linux, Android and Fuchsia; weft has it
    /// everywhere, and elsewhere it fails with `ErrorKind::Unsupported`.
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        crate::sys::bind_device(self.as_fd(), interface)
    }

    /// The interface the socket is bound to, if any; see
    /// [`bind_device`](Self::bind_device).
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        crate::sys::device(self.as_fd())
    }

    /// Sets the IP time-to-live of outgoing datagrams.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live; see [`set_ttl`](Self::set_ttl).
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether multicast datagrams sent from
    /// here loop back to local sockets.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: how many hops multicast datagrams may
    /// take (1, the default, keeps them on the local network).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL` setting.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`; see
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the OS picks one).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0: the OS picks one).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }
}

/// One `recv` into `buf`'s writable chunk; the datagram's length.
fn recv_into_buf<B: BufMut + ?Sized>(
    socket: &mio::net::UdpSocket,
    buf: &mut B,
) -> io::Result<usize> {
    read_into_buf_mut(buf, |spare| {
        let n = socket2::SockRef::from(socket).recv(spare)?;
        Ok((n, n))
    })
}

/// One `recvfrom` into `buf`'s writable chunk; the length and the sender.
fn recv_from_into_buf<B: BufMut + ?Sized>(
    socket: &mio::net::UdpSocket,
    buf: &mut B,
) -> io::Result<(usize, SocketAddr)> {
    read_into_buf_mut(buf, |spare| {
        let (n, from) = socket2::SockRef::from(socket).recv_from(spare)?;
        let from = from.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "sender is not an IP address")
        })?;
        Ok((n, (n, from)))
    })
}

/// `recvfrom(MSG_PEEK)` into no buffer: the next datagram's sender.
fn peek_sender(socket: &mio::net::UdpSocket) -> io::Result<SocketAddr> {
    socket2::SockRef::from(socket)
        .peek_sender()?
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "sender is not an IP address"))
}

// API twins of the same std trait impls on every socket type (`TryFrom`,
// `AsRawFd`, `AsFd`, `Debug`, as in tokio).

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// As [`UdpSocket::from_std`].
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}
