//! `serve`: accepts TCP connections and serves HTTP/1 and HTTP/2 on each,
//! with graceful shutdown, a connection limit, and back-off when the
//! process runs out of file descriptors.

use super::tracker::{ConnectionGuard, Tracker};
use super::{WeftExecutor, WeftTimer};
use crate::loom::Arc;
use crate::net::{TcpListener, TcpStream};
use ::hyper::body::{Body, Incoming};
use ::hyper::service::Service;
use ::hyper::{Request, Response};
use hyper_util::server::conn::auto::Builder;
use std::error::Error as StdError;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture, Pending};
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// The first pause after the process or the system ran out of descriptors
/// (or memory) for a new connection; it doubles on each failure in a row.
const BACKOFF_START: Duration = Duration::from_millis(5);
/// The longest pause.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The connection builder `serve` uses unless given another: hyper-util's
/// auto builder (HTTP/1, and HTTP/2 with prior knowledge, told apart by the
/// HTTP/2 preface) with a [`WeftExecutor`] for HTTP/2 streams and a
/// [`WeftTimer`] for both protocols, so hyper's timeouts work: HTTP/1's
/// header-read timeout (30 seconds by default) and HTTP/2's keep-alive
/// pings when configured.
///
/// Configure it and hand it to [`Serve::connection_builder`]:
///
/// ```
/// use std::time::Duration;
///
/// let mut builder = weft::hyper::connection_builder();
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
///   connection through [`WeftIo`](super::WeftIo)`::new(upgraded)`.
/// * **Reads** go from the socket straight into hyper's buffer, which is
///   never zeroed first: a [`TcpStream`] reads into uninitialized memory
///   (see [`WeftIo`](super::WeftIo) for other streams).
/// * **Graceful shutdown**: once the signal completes, `serve` closes the
///   listener (new connections are refused), tells every connection to
///   finish: an HTTP/1 connection completes the request in flight, if any,
///   and closes; an HTTP/2 connection sends `GOAWAY` and completes its open
///   streams; a connection that has not sent a request yet is closed. The
///   future completes when every connection has. (To bound that wait, wrap
///   it in [`weft::time::timeout`](crate::time::timeout).) Dropping the
///   future starts the same shutdown, without waiting for it.
/// * **Connection limit**: with [`max_connections`](Serve::max_connections),
///   no connection is accepted while that many are open; new ones wait in
///   the listen queue.
/// * **Accept errors**: an error that concerns one connection only (it was
///   reset or aborted before being accepted, ...) is skipped. Running out of
///   file descriptors (`EMFILE`, `ENFILE`), buffers (`ENOBUFS`, `ENOMEM`)
///   or epoll watches (`ENOSPC`) pauses accepting, 5 ms at first and
///   doubling up to a second while it lasts, so that open connections can
///   finish and free theirs; the shutdown signal still works during a
///   pause. Any other error ends
///   `serve` with that error (after telling open connections to shut down).
/// * **Errors of a connection** (the peer went away, a malformed request, a
///   timeout) end that connection only.
/// * `TCP_NODELAY` is set on each connection (see
///   [`tcp_nodelay`](Serve::tcp_nodelay)).
///
/// # Examples
///
/// ```
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// use hyper::{Request, Response};
/// use std::convert::Infallible;
///
/// async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
///     Ok(Response::new(Full::new(Bytes::from("Hello, World!"))))
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = weft::sync::oneshot::channel::<()>();
/// let server = weft::spawn(
///     weft::hyper::serve(listener, hyper::service::service_fn(hello))
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
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// use std::convert::Infallible;
/// use std::net::SocketAddr;
///
/// # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
/// weft::hyper::serve_with(listener, |peer: SocketAddr| {
///     hyper::service::service_fn(move |_request| async move {
///         let text = format!("you are {peer}");
///         Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(text))))
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

    /// Serves connections with `builder` (say, one from
    /// [`connection_builder`] with other limits, or with
    /// `http1_only()`) instead of the default one.
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
/// An accept error that is neither about one connection nor about running
/// out of resources (see [`serve`]).
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

/// What an accept error means for the loop.
#[derive(Debug, PartialEq, Eq)]
enum AcceptError {
    /// About the connection being accepted only: try the next one.
    Connection,
    /// Out of descriptors or memory: pause, then try again.
    Resources,
    /// About the listener: stop.
    Fatal,
}

fn classify(err: &io::Error) -> AcceptError {
    use io::ErrorKind::*;
    match err.raw_os_error() {
        // ENOSPC: epoll's limit on watches, when registering a connection.
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM | libc::ENOSPC) => {
            return AcceptError::Resources
        }
        // Linux passes network errors already pending on the new
        // connection to accept(2), which says to treat them as EAGAIN; and
        // a firewall rule can refuse one connection (EPERM).
        Some(
            libc::EPROTO
            | libc::ENOPROTOOPT
            | libc::ENETDOWN
            | libc::ENETUNREACH
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
            | libc::ENONET
            | libc::EPERM
            | libc::ETIMEDOUT,
        ) => return AcceptError::Connection,
        _ => {}
    }
    match err.kind() {
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock => {
            AcceptError::Connection
        }
        _ => AcceptError::Fatal,
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
        signal,
    } = serve;
    let builder = Arc::new(builder.unwrap_or_else(connection_builder));
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
            listener.poll_accept_mio(cx).map(Some)
        })
        .await;
        let err = match accepted {
            None => break Ok(()),
            Some(Err(err)) => err,
            // Registering with the driver can fail as an accept can (out
            // of memory or of epoll watches, or the driver shut down): the
            // same handling.
            Some(Ok((stream, peer))) => match TcpStream::new(stream) {
                Err(err) => err,
                Ok(stream) => {
                    pause = BACKOFF_START;
                    if nodelay {
                        // Only a socket already broken fails here; serving
                        // it reports that soon enough.
                        let _ = stream.set_nodelay(true);
                    }
                    let service = make_service(peer);
                    let guard = Tracker::open(&tracker);
                    drop(crate::spawn(serve_connection(
                        builder.clone(),
                        stream,
                        service,
                        guard,
                    )));
                    continue;
                }
            },
        };
        match classify(&err) {
            AcceptError::Connection => {}
            AcceptError::Resources => {
                let mut sleep = pin!(crate::time::sleep(pause));
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
            AcceptError::Fatal => break Err(err),
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

/// Serves one connection until it ends, shutting it down gracefully when
/// the tracker says so.
async fn serve_connection<S, B>(
    builder: Arc<Builder<WeftExecutor>>,
    stream: TcpStream,
    service: S,
    mut guard: ConnectionGuard,
) where
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    {
        let connection = builder.serve_connection_with_upgrades(stream, service);
        let mut connection = pin!(connection);
        let mut draining = false;
        // An error ends this connection only (the peer went away, sent a
        // malformed request, or a timeout fired); there is no one to
        // report it to.
        let _ = poll_fn(|cx| {
            if !draining && guard.poll_shutdown(cx) {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            connection.as_mut().poll(cx)
        })
        .await;
        // The connection, and its socket, are dropped here ...
    }
    // ... before it stops counting as open.
    drop(guard);
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_are_sorted_by_what_they_concern() {
        let os = io::Error::from_raw_os_error;
        assert_eq!(classify(&os(libc::EMFILE)), AcceptError::Resources);
        assert_eq!(classify(&os(libc::ENFILE)), AcceptError::Resources);
        assert_eq!(classify(&os(libc::ENOBUFS)), AcceptError::Resources);
        assert_eq!(classify(&os(libc::ENOSPC)), AcceptError::Resources);
        assert_eq!(classify(&os(libc::ECONNABORTED)), AcceptError::Connection);
        assert_eq!(classify(&os(libc::EPROTO)), AcceptError::Connection);
        assert_eq!(classify(&os(libc::EINTR)), AcceptError::Connection);
        assert_eq!(classify(&os(libc::EBADF)), AcceptError::Fatal);
        assert_eq!(classify(&os(libc::EINVAL)), AcceptError::Fatal);
        assert_eq!(
            classify(&crate::io::driver::shutdown_error()),
            AcceptError::Fatal,
            "a runtime that shut down stops the loop"
        );
    }
}
