//! `serve`: accepts TCP connections and serves HTTP/1 and HTTP/2 on each,
//! with graceful shutdown, a connection limit, and back-off when the
//! process runs out of file descriptors.

use crate::loom::{Arc, AtomicBool, Ordering};
use crate::tracker::{ConnectionGuard, Tracker};
use crate::{WeftExecutor, WeftIo, WeftTimer};
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::server::conn::auto::Builder;
use std::error::Error as StdError;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture, Pending};
use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use weft::io::Interest;
use weft::net::{AcceptErrorKind, TcpListener, TcpStream};
use weft::time::Instant;

/// The first pause after the process or the system ran out of descriptors
/// (or memory) for a new connection; it doubles on each failure in a row.
const BACKOFF_START: Duration = Duration::from_millis(5);
/// The longest pause.
const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// The default of [`Serve::first_request_timeout`]: hyper's default
/// HTTP/1 header-read timeout.
const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection builder `serve` uses unless given another: hyper-util's
/// auto builder (HTTP/1, and HTTP/2 with prior knowledge, told apart by the
/// HTTP/2 preface) with a [`WeftExecutor`] for HTTP/2 streams and a
/// [`WeftTimer`] for both protocols, so hyper's timeouts work: HTTP/1's
/// header-read timeout (30 seconds by default; it runs from when the
/// connection is known to be HTTP/1 and from each time it goes idle, and
/// [`Serve::first_request_timeout`] covers the time before) and HTTP/2's
/// keep-alive pings when configured.
///
/// Configure it and hand it to [`Serve::connection_builder`]:
///
/// ```
/// use std::time::Duration;
///
/// let mut builder = weft_hyper::connection_builder();
/// builder
///     .http1()
///     .header_read_timeout(Duration::from_secs(5))
///     .http2()
///     .max_concurrent_streams(100);
/// ```
pub fn connection_builder() -> Builder<WeftExecutor> {
    let mut builder = Builder::new(WeftExecutor::new());
    builder.http1().timer(WeftTimer::new());
    builder.http2().timer(WeftTimer::new());
    builder
}

/// Serves `service` on every connection `listener` accepts, HTTP/1 or
/// HTTP/2, until the future returned by
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) completes.
///
/// Each connection runs in its own task with a clone of `service`.
/// [`serve_with`] makes a service per connection instead (from the peer's
/// address). The returned [`Serve`] is configured with its methods and
/// runs when awaited.
///
/// * **Protocols**: [`connection_builder`]'s, unless
///   [`Serve::connection_builder`] gives another; HTTP/1 upgrades
///   (WebSocket, `CONNECT`) are served: read and write the upgraded
///   connection through [`WeftIo`]`::new(upgraded)`, or take the
///   connection back with
///   `hyper_util::server::conn::auto::upgrade::downcast::<WeftIo<TcpStream>>`
///   (each connection is served as a [`WeftIo`]`<`[`TcpStream`]`>`). A builder's
///   `http1_only()` or `http2_only()` is honoured: a connection that
///   speaks the other protocol is closed before any response (see
///   [`Serve::connection_builder`]).
/// * **Reads** go from the socket straight into hyper's buffer, which is
///   never zeroed first: the [`TcpStream`] reads into uninitialized memory
///   (see [`WeftIo`]).
/// * **Graceful shutdown**: once the signal completes, `serve` closes the
///   listener (new connections are refused), tells every connection to
///   finish: an HTTP/1 connection completes the request in flight, if any,
///   and closes; an HTTP/2 connection sends `GOAWAY` and completes its open
///   streams; a connection whose first request head has not fully arrived
///   (silent, or part-way through its first request head or the HTTP/2
///   preface) is closed at once. The future completes when every
///   connection has. (To bound that wait, wrap it in
///   [`weft::time::timeout`].) Dropping the future
///   starts the same shutdown, without waiting for it.
/// * **First request deadline**: a connection whose first complete request
///   head has not arrived [`first_request_timeout`](Serve::first_request_timeout)
///   after it was accepted (30 seconds unless configured) is closed, with
///   no response. The deadline is absolute, counted from the accept, not
///   restarted by each byte that arrives; it covers telling HTTP/1 from
///   HTTP/2 (the HTTP/2 preface), the HTTP/2 handshake, and the first
///   request's head (HTTP/1) or `HEADERS` frame (HTTP/2). It ends there:
///   the request's body, the handler, and later requests on the same
///   connection are not under it. Later HTTP/1 requests are governed by
///   hyper's header-read timeout (see [`connection_builder`]): it runs
///   from the moment the connection is idle, so a keep-alive connection
///   idle that long is closed. HTTP/2 has no such timer (configure
///   keep-alive pings on the builder to close dead peers).
/// * **Connection limit**: with [`max_connections`](Serve::max_connections),
///   no connection is accepted while that many are open; new ones wait in
///   the listen queue. Connections that never send a request cannot hold
///   the limit for longer than the first request deadline. What no timer
///   bounds: a peer that stops reading while a response is written (hyper
///   has no write timeout), an HTTP/2 connection idle between requests
///   (keep-alive pings, when configured, close dead peers only), and an
///   HTTP/1 connection whose builder has its header-read timeout off.
///   Such a connection keeps its place, and graceful shutdown waits for
///   it. An upgraded connection (after a `101`) belongs to the code that
///   took it: it no longer counts, and shutdown does not wait for it.
/// * **Accept errors** are sorted by [`AcceptErrorKind`]: an error that
///   concerns one connection only (it was reset or aborted before being
///   accepted, ...) is skipped. Running out of file descriptors (`EMFILE`,
///   `ENFILE`), buffers (`ENOBUFS`, `ENOMEM`) or epoll watches (`ENOSPC`)
///   pauses accepting, 5 ms at first and doubling up to a second while it
///   lasts, so that open connections can finish and free theirs; the
///   shutdown signal still works during a pause. Any other error ends
///   `serve` with that error (after telling open connections to shut down).
/// * **Errors of a connection** (the peer went away, a malformed request, a
///   timeout) end that connection only.
/// * `TCP_NODELAY` is set on each connection (see
///   [`tcp_nodelay`](Serve::tcp_nodelay)).
///
/// # Differences from tokio (hyper-util, axum)
///
/// A server built on `hyper-util` with tokio, and `axum::serve`, wait for
/// a connection's first bytes with no timer (hyper's header-read timeout
/// starts only once HTTP/1 has been told from HTTP/2, and HTTP/2's
/// handshake has none), so a socket that sends nothing, or part of the
/// HTTP/2 preface, stays open forever, and a few of them fill a connection
/// limit for good. `serve` closes them at the first request deadline, and
/// at once on graceful shutdown.
///
/// # Examples
///
/// ```
/// use hyper::{Request, Response};
/// use std::convert::Infallible;
///
/// async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<String>, Infallible> {
///     Ok(Response::new("Hello, World!".to_owned()))
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = weft::sync::oneshot::channel::<()>();
/// let server = weft::spawn(
///     weft_hyper::serve(listener, hyper::service::service_fn(hello))
///         .with_graceful_shutdown(stopped)
///         .into_future(),
/// );
/// // ... serve requests; then, say on Ctrl-C:
/// stop.send(()).unwrap();
/// server.await.unwrap()?;
/// # Ok(())
/// # }
/// # use std::future::IntoFuture;
/// ```
pub fn serve<S>(
    listener: TcpListener,
    service: S,
) -> Serve<impl FnMut(SocketAddr) -> S + Send + 'static, Pending<()>>
where
    S: Clone + Send + 'static,
{
    serve_with(listener, move |_peer| service.clone())
}

/// As [`serve`], with a service made for each connection by
/// `make_service(peer_address)`.
///
/// # Examples
///
/// Each connection's service knows who it serves:
///
/// ```
/// use std::convert::Infallible;
/// use std::net::SocketAddr;
///
/// # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
/// weft_hyper::serve_with(listener, |peer: SocketAddr| {
///     hyper::service::service_fn(move |_request| async move {
///         let text = format!("you are {peer}");
///         Ok::<_, Infallible>(hyper::Response::new(text))
///     })
/// })
/// .await
/// # }
/// ```
pub fn serve_with<M, S>(listener: TcpListener, make_service: M) -> Serve<M, Pending<()>>
where
    M: FnMut(SocketAddr) -> S,
{
    Serve {
        listener,
        make_service,
        builder: None,
        max_connections: None,
        nodelay: true,
        first_request_timeout: Some(FIRST_REQUEST_TIMEOUT),
        signal: std::future::pending(),
    }
}

/// An HTTP server being configured; it runs when awaited. Made by
/// [`serve`] and [`serve_with`].
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<M, G> {
    listener: TcpListener,
    make_service: M,
    builder: Option<Builder<WeftExecutor>>,
    max_connections: Option<usize>,
    nodelay: bool,
    first_request_timeout: Option<Duration>,
    signal: G,
}

impl<M, G> Serve<M, G> {
    /// Shuts the server down gracefully once `signal` completes (whatever
    /// its output): see [`serve`]. For example
    /// `weft::signal::ctrl_c()`, or the receiver of a oneshot channel.
    pub fn with_graceful_shutdown<G2>(self, signal: G2) -> Serve<M, G2>
    where
        G2: Future + Send + 'static,
    {
        Serve {
            listener: self.listener,
            make_service: self.make_service,
            builder: self.builder,
            max_connections: self.max_connections,
            nodelay: self.nodelay,
            first_request_timeout: self.first_request_timeout,
            signal,
        }
    }

    /// Accepts no connection while `limit` are open.
    ///
    /// # Panics
    ///
    /// If `limit` is 0.
    pub fn max_connections(mut self, limit: usize) -> Self {
        assert!(limit > 0, "max_connections must be at least 1");
        self.max_connections = Some(limit);
        self
    }

    /// Whether to set `TCP_NODELAY` on each connection (the default: yes,
    /// so that a response written in pieces, a streamed body say, is not
    /// held back by Nagle's algorithm waiting for the peer's delayed ACK).
    ///
    /// # Differences from axum
    ///
    /// `axum::serve` leaves `TCP_NODELAY` off unless asked.
    pub fn tcp_nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// How long a connection may take, from its accept, to deliver its
    /// first complete request head (30 seconds by default, hyper's default
    /// header-read timeout); `None` waits forever. A connection that misses
    /// it is closed without a response, freeing its place under
    /// [`max_connections`](Serve::max_connections).
    ///
    /// The deadline covers telling HTTP/1 from HTTP/2 (no timer of hyper's
    /// runs then), the HTTP/2 handshake, and the first request head
    /// (HTTP/1) or `HEADERS` frame (HTTP/2). It is absolute: a client
    /// trickling a byte at a time does not push it back. It stops once the
    /// first request has been handed to the service, so neither a slow
    /// handler, nor the request's body, nor a keep-alive connection idle
    /// between requests is under it (an idle HTTP/1 connection is closed
    /// by hyper's header-read timeout, configured on the
    /// [`connection_builder`]). Independent of that timeout: with the
    /// builder's header-read timeout off, this deadline still applies.
    ///
    /// # Differences from tokio (hyper-util, axum)
    ///
    /// They have no such deadline: see [`serve`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
    /// # let service = hyper::service::service_fn(|_| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// weft_hyper::serve(listener, service)
    ///     .first_request_timeout(Duration::from_secs(5))
    ///     .max_connections(1000)
    ///     .await
    /// # }
    /// ```
    pub fn first_request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.first_request_timeout = timeout.into();
        self
    }

    /// Serves connections with `builder` (say, one from
    /// [`connection_builder`] with other limits) instead of the default
    /// one.
    ///
    /// The builder's `http1_only()` and `http2_only()` are honoured, and
    /// HTTP/1 upgrades are still served under `http1_only()`: a connection
    /// whose first bytes speak the other protocol (the 24-byte HTTP/2
    /// preface under `http1_only()`; anything else under `http2_only()`)
    /// is closed as soon as they tell, without a byte of response (no
    /// HTTP/2 `SETTINGS` or `GOAWAY`, no HTTP/1 status line) and without
    /// calling the service. The peer sees the connection end (on Linux a reset, as
    /// its bytes are left unread), so its request fails. That is what
    /// hyper's own HTTP/1 server does on the HTTP/2 preface; a polite
    /// refusal (an HTTP/2 `GOAWAY` with `HTTP_1_1_REQUIRED`, an HTTP/1
    /// `505`) would need the peer's bytes read first for the reset not to
    /// destroy it, which is more work for a peer that is not welcome.
    /// Telling them apart takes no more
    /// than [`first_request_timeout`](Serve::first_request_timeout): a
    /// client that sends part of the preface and stops is closed then.
    /// The bytes are peeked, not read, and only when the builder is
    /// restricted to one protocol; upgraded connections still downcast to
    /// [`WeftIo`]`<`[`TcpStream`]`>`
    /// (`hyper_util::server::conn::auto::upgrade::downcast`).
    ///
    /// # Differences from tokio (hyper-util)
    ///
    /// hyper-util's `serve_connection_with_upgrades`, which `serve`
    /// calls, ignores `http1_only()` and `http2_only()` (as hyper-util
    /// documents), so a server built on it serves both protocols whatever
    /// the builder says.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
    /// # let service = hyper::service::service_fn(|_| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
    /// # });
    /// // HTTP/1 only (upgrades included): HTTP/2 clients are refused.
    /// weft_hyper::serve(listener, service)
    ///     .connection_builder(weft_hyper::connection_builder().http1_only())
    ///     .await
    /// # }
    /// ```
    pub fn connection_builder(mut self, builder: Builder<WeftExecutor>) -> Self {
        self.builder = Some(builder);
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// As [`TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl<M, G> fmt::Debug for Serve<M, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("max_connections", &self.max_connections)
            .field("nodelay", &self.nodelay)
            .field("first_request_timeout", &self.first_request_timeout)
            .finish_non_exhaustive()
    }
}

impl<M, S, B, G> IntoFuture for Serve<M, G>
where
    M: FnMut(SocketAddr) -> S + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    G: Future + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(self)))
    }
}

/// The future of an awaited [`Serve`]: accepts and serves until shut down.
///
/// # Errors
///
/// An accept error about the listener ([`AcceptErrorKind::Listener`]: not
/// about one connection, nor about running out of resources; see
/// [`serve`]).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

/// Tells the connections to shut down when the accept loop ends, however
/// it ends (returned, failed, or dropped).
struct ShutdownOnDrop(Arc<Tracker>);

impl Drop for ShutdownOnDrop {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

async fn run<M, S, B, G>(serve: Serve<M, G>) -> io::Result<()>
where
    M: FnMut(SocketAddr) -> S + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
    G: Future + Send + 'static,
{
    let Serve {
        listener,
        mut make_service,
        builder,
        max_connections,
        nodelay,
        first_request_timeout,
        signal,
    } = serve;
    let builder = Arc::new(builder.unwrap_or_else(connection_builder));
    let only = Protocol::only(&builder);
    let tracker = Tracker::new();
    let stop = ShutdownOnDrop(tracker.clone());
    let mut signal = pin!(signal);
    let mut pause = BACKOFF_START;
    let result = loop {
        let accepted = poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            if let Some(limit) = max_connections {
                ready!(tracker.poll_below(cx, limit));
            }
            // A failure to register the new connection with the I/O
            // driver (out of memory or of epoll watches, or the driver shut
            // down) comes as an accept error: the same handling.
            listener.poll_accept(cx).map(Some)
        })
        .await;
        let err = match accepted {
            None => break Ok(()),
            Some(Err(err)) => err,
            Some(Ok((stream, peer))) => {
                pause = BACKOFF_START;
                if nodelay {
                    // Only a socket already broken fails here; serving it
                    // reports that soon enough.
                    let _ = stream.set_nodelay(true);
                }
                // Counted from the accept (a far deadline that does not fit
                // an `Instant` is none).
                let deadline =
                    first_request_timeout.and_then(|after| Instant::now().checked_add(after));
                let service = make_service(peer);
                let guard = Tracker::open(&tracker);
                drop(weft::spawn(serve_connection(
                    builder.clone(),
                    only,
                    stream,
                    service,
                    guard,
                    deadline,
                )));
                continue;
            }
        };
        match AcceptErrorKind::of(&err) {
            AcceptErrorKind::Connection => {}
            AcceptErrorKind::OutOfResources => {
                let mut sleep = pin!(weft::time::sleep(pause));
                let stopped = poll_fn(|cx| {
                    if signal.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(true);
                    }
                    sleep.as_mut().poll(cx).map(|()| false)
                })
                .await;
                if stopped {
                    break Ok(());
                }
                pause = (pause * 2).min(BACKOFF_MAX);
            }
            // `Listener`, and any kind a later weft may add: stop.
            _ => break Err(err),
        }
    };
    // New connections are refused from here on.
    drop(listener);
    drop(stop);
    if result.is_ok() {
        poll_fn(|cx| tracker.poll_drained(cx)).await;
    }
    result
}

/// A connection's service, noting that the first request has arrived:
/// hyper calls the service once a request head is complete (HTTP/1), or
/// its `HEADERS` frame has arrived (HTTP/2), from the connection's own poll.
struct FirstRequest<S> {
    inner: S,
    seen: Arc<AtomicBool>,
}

impl<S, R> Service<R> for FirstRequest<S>
where
    S: Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, request: R) -> S::Future {
        // Relaxed: a flag for the task whose poll this call is part of.
        if !self.seen.load(Ordering::Relaxed) {
            self.seen.store(true, Ordering::Relaxed);
        }
        self.inner.call(request)
    }
}

/// The HTTP/2 connection preface, with which a client that knows the
/// server speaks HTTP/2 ("prior knowledge") starts.
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One of the protocols a connection builder can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http1,
    Http2,
}

impl Protocol {
    /// The one protocol `builder` is restricted to (`http1_only()`,
    /// `http2_only()`), if any.
    fn only(builder: &Builder<WeftExecutor>) -> Option<Protocol> {
        match (builder.is_http1_available(), builder.is_http2_available()) {
            (true, false) => Some(Protocol::Http1),
            (false, true) => Some(Protocol::Http2),
            _ => None,
        }
    }
}

/// What a connection's first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstBytes {
    /// They are a proper prefix of the HTTP/2 preface (or none yet).
    Undecided,
    /// The whole preface: HTTP/2.
    Http2,
    /// They diverge from the preface: HTTP/1 (hyper-util's rule: it
    /// switches to HTTP/1 at the first byte that differs).
    Http1,
}

impl FirstBytes {
    fn of(bytes: &[u8]) -> FirstBytes {
        let len = bytes.len().min(H2_PREFACE.len());
        if bytes[..len] != H2_PREFACE[..len] {
            FirstBytes::Http1
        } else if len == H2_PREFACE.len() {
            FirstBytes::Http2
        } else {
            FirstBytes::Undecided
        }
    }
}

/// Peeks at `stream`'s first bytes until they tell which protocol it
/// speaks, as hyper-util's `serve_connection_with_upgrades` will tell it
/// when it reads the same bytes; `None` if the stream ended (or failed)
/// first. Nothing is read off the stream.
///
/// The peek runs inside [`TcpStream::try_io`], which forgets the socket's
/// read readiness when the closure fails with `WouldBlock`: while the
/// bytes are a proper prefix of the preface (all the queue held), the
/// closure says `WouldBlock`, and the next poll waits for more bytes to
/// arrive instead of peeking again at once. A client that sent part of
/// the preface and went silent costs nothing until the deadline.
/// (`try_io` forgets only the readiness it saw when it started: bytes
/// that arrive during the peek are a newer event, and wake the task.)
fn poll_protocol(stream: &TcpStream, cx: &mut Context<'_>) -> Poll<Option<Protocol>> {
    let mut buf = [MaybeUninit::<u8>::uninit(); H2_PREFACE.len()];
    loop {
        if ready!(stream.poll_read_ready(cx)).is_err() {
            return Poll::Ready(None);
        }
        let peeked = stream.try_io(Interest::READABLE, || {
            let n = socket2::SockRef::from(stream).peek(&mut buf)?;
            if n == 0 {
                // The end of the stream before the protocol was told.
                return Ok(None);
            }
            // SAFETY: `peek` initialized the first `n` bytes of `buf` (`n`
            // is at most its length), and `u8` has no invalid values.
            let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
            match FirstBytes::of(bytes) {
                FirstBytes::Undecided => Err(io::ErrorKind::WouldBlock.into()),
                FirstBytes::Http1 => Ok(Some(Protocol::Http1)),
                FirstBytes::Http2 => Ok(Some(Protocol::Http2)),
            }
        });
        match peeked {
            Ok(spoken) => return Poll::Ready(spoken),
            // Undecided, or no bytes after all: wait for the next arrival.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            // An error (reset, ...): `None`.
            Err(_) => return Poll::Ready(None),
        }
    }
}

/// Serves one connection until it ends, shutting it down gracefully when
/// the tracker says so, and closing it if its first request head has not
/// arrived by `deadline` (see [`Serve::first_request_timeout`]). With
/// `only` a protocol, a connection that speaks the other is closed first
/// (see [`Serve::connection_builder`]).
async fn serve_connection<S, B>(
    builder: Arc<Builder<WeftExecutor>>,
    only: Option<Protocol>,
    stream: TcpStream,
    service: S,
    mut guard: ConnectionGuard,
    deadline: Option<Instant>,
) where
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    {
        // Disarmed (`None`) once the first request has arrived.
        let mut first_request = pin!(deadline.map(weft::time::sleep_until));
        if let Some(only) = only {
            // Telling the protocols apart is under the first request
            // deadline, and ends at once on shutdown (no request yet).
            let spoken = poll_fn(|cx| {
                if guard.poll_shutdown(cx) {
                    return Poll::Ready(None);
                }
                if let Poll::Ready(spoken) = poll_protocol(&stream, cx) {
                    return Poll::Ready(spoken);
                }
                match first_request.as_mut().as_pin_mut() {
                    Some(sleep) => sleep.poll(cx).map(|()| None),
                    None => Poll::Pending,
                }
            })
            .await;
            if spoken != Some(only) {
                // The other protocol (or the end, or too late): closed
                // with no response, before it stops counting as open.
                drop(stream);
                drop(guard);
                return;
            }
        }
        let seen = Arc::new(AtomicBool::new(false));
        let service = FirstRequest {
            inner: service,
            seen: seen.clone(),
        };
        let connection = builder.serve_connection_with_upgrades(WeftIo::new(stream), service);
        let mut connection = pin!(connection);
        let mut draining = false;
        poll_fn(|cx| {
            if !draining && guard.poll_shutdown(cx) {
                draining = true;
                if !seen.load(Ordering::Relaxed) {
                    // No request yet: nothing to finish. (hyper would keep
                    // waiting for a partly received HTTP/1 head, up to its
                    // header-read timeout.)
                    return Poll::Ready(());
                }
                connection.as_mut().graceful_shutdown();
            }
            // An error ends this connection only (the peer went away, sent
            // a malformed request, or a timeout fired); there is no one to
            // report it to.
            if connection.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            if let Some(sleep) = first_request.as_mut().as_pin_mut() {
                if seen.load(Ordering::Relaxed) {
                    first_request.set(None);
                } else if sleep.poll(cx).is_ready() {
                    // Too late: close it, with no response.
                    return Poll::Ready(());
                }
            }
            Poll::Pending
        })
        .await;
        // The connection, and its socket, are dropped here ...
    }
    // ... before it stops counting as open.
    drop(guard);
}
