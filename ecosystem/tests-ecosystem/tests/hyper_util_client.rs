//! hyper-util's legacy `Client` with its `HttpConnector` (names resolved on
//! the blocking pool, timers from the runtime for the idle pool) against an
//! axum server: HTTP/1 with keep-alive, and HTTP/2 without TLS multiplexing
//! requests over one connection.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, State};
use axum::http::{Method, Request, StatusCode, Version};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use support::within;
use tokio::net::TcpListener;
use tokio::sync::Barrier;

/// The peers the server saw, one entry per request.
type Peers = Arc<Mutex<Vec<SocketAddr>>>;

const CONCURRENT: usize = 8;

async fn serve() -> (SocketAddr, Peers) {
    let peers = Peers::default();
    let barrier = Arc::new(Barrier::new(CONCURRENT));
    let app = Router::new()
        .route(
            "/hello",
            get(
                |State((peers, _)): State<(Peers, Arc<Barrier>)>,
                 ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    peers.lock().unwrap().push(peer);
                    "hello from axum"
                },
            ),
        )
        .route(
            "/upper",
            post(|body: String| async move { body.to_uppercase() }),
        )
        .route(
            // Answers only once CONCURRENT requests are inside at once.
            "/together",
            get(
                |State((peers, barrier)): State<(Peers, Arc<Barrier>)>,
                 ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    peers.lock().unwrap().push(peer);
                    barrier.wait().await;
                    "together"
                },
            ),
        )
        .with_state((Arc::clone(&peers), barrier));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    (addr, peers)
}

async fn body_text(response: hyper::Response<hyper::body::Incoming>) -> String {
    let bytes = within("the response body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn http1_to_localhost_reuses_the_connection() {
    let (addr, peers) = serve().await;
    let client: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    // `localhost`: the connector resolves it on the blocking pool (it may
    // resolve to ::1 first, which refuses; 127.0.0.1 is tried next).
    let url: hyper::Uri = format!("http://localhost:{}/hello", addr.port())
        .parse()
        .unwrap();

    for _ in 0..5 {
        let response = within("GET localhost/hello", client.get(url.clone()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.version(), Version::HTTP_11);
        assert_eq!(body_text(response).await, "hello from axum");
    }
    // Each response was read to its end, so the connection went back to
    // the pool and was used again: one client port for all five.
    let peers = peers.lock().unwrap();
    assert_eq!(peers.len(), 5);
    assert!(
        peers.iter().all(|peer| *peer == peers[0]),
        "the connection was not reused: {peers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_post_with_a_body() {
    let (addr, _) = serve().await;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("http://{addr}/upper"))
        .body(Full::new(Bytes::from_static(b"shout this")))
        .unwrap();
    let response = within("POST /upper", client.request(request))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, "SHOUT THIS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_multiplexes_concurrent_requests_on_one_connection() {
    let (addr, peers) = serve().await;
    let client: Client<HttpConnector, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build(HttpConnector::new());
    let url: hyper::Uri = format!("http://{addr}/together").parse().unwrap();

    // Open the connection first, so the concurrent requests share it.
    let first = within("GET /hello over HTTP/2", async {
        client
            .get(format!("http://{addr}/hello").parse().unwrap())
            .await
    })
    .await
    .unwrap();
    assert_eq!(first.version(), Version::HTTP_2);
    assert_eq!(body_text(first).await, "hello from axum");

    // The handler answers only when all of them are in flight at once.
    let requests: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            tokio::spawn(async move {
                let response = client.get(url).await.unwrap();
                assert_eq!(response.version(), Version::HTTP_2);
                body_text(response).await
            })
        })
        .collect();
    for request in requests {
        assert_eq!(
            within("a concurrent request", request).await.unwrap(),
            "together"
        );
    }
    let peers = peers.lock().unwrap();
    assert_eq!(peers.len(), CONCURRENT + 1);
    assert!(
        peers.iter().all(|peer| *peer == peers[0]),
        "more than one connection: {peers:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    // A port that was just free: bind, note it, close.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let err = within(
        "GET from a closed port",
        client.get(format!("http://localhost:{port}/").parse().unwrap()),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}
