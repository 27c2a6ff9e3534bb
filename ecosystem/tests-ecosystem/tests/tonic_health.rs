//! tonic: the gRPC health service of `tonic-health` (its generated code
//! ships in the crate, no `protoc`), served by `tonic::transport::Server`
//! on a `TcpListenerStream` and called by its generated client over a
//! `Channel`: unary `check`, server-streaming `watch`, deadlines on either
//! side, graceful shutdown.

mod support;

use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use support::within;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::codegen::http;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus as Wire;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

/// The request header that makes the server wait that many milliseconds
/// before handling a call (a slow server, for the deadline tests).
const DELAY_HEADER: &str = "x-delay-ms";

/// A tower layer delaying the calls that carry [`DELAY_HEADER`]; reports on
/// `cancelled` each delayed call dropped before its delay ran out.
#[derive(Clone)]
struct DelayLayer {
    cancelled: mpsc::UnboundedSender<()>,
}

impl<S> tower::Layer<S> for DelayLayer {
    type Service = Delay<S>;

    fn layer(&self, inner: S) -> Delay<S> {
        Delay {
            inner,
            cancelled: self.cancelled.clone(),
        }
    }
}

#[derive(Clone)]
struct Delay<S> {
    inner: S,
    cancelled: mpsc::UnboundedSender<()>,
}

/// Reports on its channel when dropped armed.
struct CancelReport {
    armed: bool,
    cancelled: mpsc::UnboundedSender<()>,
}

impl Drop for CancelReport {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.cancelled.send(());
        }
    }
}

impl<S, B> tower::Service<http::Request<B>> for Delay<S>
where
    S: tower::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let delay = request
            .headers()
            .get(DELAY_HEADER)
            .map(|value| Duration::from_millis(value.to_str().unwrap().parse().unwrap()));
        // The clone that was made ready is the one that is called.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let cancelled = self.cancelled.clone();
        Box::pin(async move {
            if let Some(delay) = delay {
                let mut report = CancelReport {
                    armed: true,
                    cancelled,
                };
                tokio::time::sleep(delay).await;
                report.armed = false;
            }
            inner.call(request).await
        })
    }
}

struct Running {
    addr: SocketAddr,
    reporter: HealthReporter,
    /// One message per delayed call dropped before its delay ran out.
    cancelled: mpsc::UnboundedReceiver<()>,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<Result<(), tonic::transport::Error>>,
}

async fn start() -> Running {
    let (reporter, health) = tonic_health::server::health_reporter();
    let (cancelled_tx, cancelled) = mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder()
            .layer(DelayLayer {
                cancelled: cancelled_tx,
            })
            .add_service(health)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
                let _ = shutdown_rx.await;
            }),
    );
    Running {
        addr,
        reporter,
        cancelled,
        shutdown,
        server,
    }
}

async fn connect(endpoint: Endpoint) -> HealthClient<Channel> {
    let channel = within("connecting the channel", endpoint.connect())
        .await
        .unwrap();
    HealthClient::new(channel)
}

fn endpoint(addr: SocketAddr) -> Endpoint {
    Endpoint::from_shared(format!("http://{addr}")).unwrap()
}

fn asking(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

#[tokio::test]
async fn unary_check() {
    let running = start().await;
    let mut client = connect(endpoint(running.addr)).await;

    // The server as a whole ("") is serving from the start.
    let overall = within("check(\"\")", client.check(asking("")))
        .await
        .unwrap();
    assert_eq!(overall.get_ref().status(), Wire::Serving);

    running
        .reporter
        .set_service_status("ecosystem.Store", ServingStatus::NotServing)
        .await;
    let store = within("check(store)", client.check(asking("ecosystem.Store")))
        .await
        .unwrap();
    assert_eq!(store.get_ref().status(), Wire::NotServing);

    let unknown = within("check(unknown)", client.check(asking("no.Such")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    assert_eq!(unknown.message(), "service not registered");
}

async fn next(watch: &mut tonic::Streaming<HealthCheckResponse>) -> Wire {
    within("the next watch message", watch.message())
        .await
        .unwrap()
        .expect("the watch stream ended")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_watch_sees_each_status_change() {
    let running = start().await;
    let reporter = running.reporter.clone();
    reporter
        .set_service_status("ecosystem.Queue", ServingStatus::Serving)
        .await;
    let mut client = connect(endpoint(running.addr)).await;

    let mut watch = within("watch(queue)", client.watch(asking("ecosystem.Queue")))
        .await
        .unwrap()
        .into_inner();
    // The current status first, then every change as it is made.
    assert_eq!(next(&mut watch).await, Wire::Serving);
    reporter
        .set_service_status("ecosystem.Queue", ServingStatus::NotServing)
        .await;
    assert_eq!(next(&mut watch).await, Wire::NotServing);
    reporter
        .set_service_status("ecosystem.Queue", ServingStatus::Serving)
        .await;
    assert_eq!(next(&mut watch).await, Wire::Serving);

    let unknown = within("watch(unknown)", client.watch(asking("no.Such")))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

// tonic reports an expired deadline as `Cancelled` with the message
// "Timeout expired", on either side.
#[tokio::test]
async fn client_deadline_against_a_slow_server() {
    let mut running = start().await;
    let mut client = connect(endpoint(running.addr).timeout(Duration::from_millis(200))).await;

    let mut slow = Request::new(asking(""));
    slow.metadata_mut()
        .insert(DELAY_HEADER, "60000".parse().unwrap());
    let status = within("a check past its deadline", client.check(slow))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    assert_eq!(status.message(), "Timeout expired");
    // The client gave up on the call: the server drops it.
    within(
        "the server dropping the slow call",
        running.cancelled.recv(),
    )
    .await
    .unwrap();

    // The server still answers (on a channel without a deadline, which a
    // busy machine could not miss).
    let mut patient = connect(endpoint(running.addr)).await;
    let quick = within("a check without a deadline", patient.check(asking("")))
        .await
        .unwrap();
    assert_eq!(quick.get_ref().status(), Wire::Serving);
}

#[tokio::test]
async fn request_deadline_ends_a_slow_call_on_both_sides() {
    let mut running = start().await;
    // No deadline on the channel: only the request's, sent as the
    // `grpc-timeout` header (both the channel and the server enforce it).
    let mut client = connect(endpoint(running.addr)).await;

    let mut slow = Request::new(asking(""));
    slow.set_timeout(Duration::from_millis(200));
    slow.metadata_mut()
        .insert(DELAY_HEADER, "60000".parse().unwrap());
    let status = within("a check past its grpc-timeout", client.check(slow))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    assert_eq!(status.message(), "Timeout expired");
    within(
        "the server dropping the slow call",
        running.cancelled.recv(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn graceful_shutdown_with_a_connected_client() {
    let running = start().await;
    let mut client = connect(endpoint(running.addr)).await;
    within("check before shutdown", client.check(asking("")))
        .await
        .unwrap();

    running.shutdown.send(()).unwrap();
    // The idle connection is told to go away; serve returns.
    within("the server returning", running.server)
        .await
        .unwrap()
        .unwrap();

    // The listener is gone: a new call fails as unavailable.
    let after = within("check after shutdown", client.check(asking("")))
        .await
        .unwrap_err();
    assert_eq!(after.code(), Code::Unavailable, "{after:?}");
}
