//! reqwest (no TLS) against an axum server the test starts: GET, POST
//! (bytes and JSON), request and response bodies streamed in lock step with
//! the other side, and timeouts.

mod support;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use support::{client, serve, within};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn basic_app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello, world" }))
        .route(
            "/echo",
            post(|body: Bytes| async move {
                let mut reversed = body.to_vec();
                reversed.reverse();
                reversed
            }),
        )
        .route(
            "/sum",
            post(|Json(numbers): Json<HashMap<String, u64>>| async move {
                let total: u64 = numbers.values().sum();
                Json(HashMap::from([("total".to_owned(), total)]))
            }),
        )
}

#[tokio::test]
async fn get_by_address_and_by_localhost() {
    let addr = serve(basic_app()).await;
    let client = client();

    let by_address = within(
        "GET /hello",
        client.get(format!("http://{addr}/hello")).send(),
    )
    .await
    .unwrap();
    assert_eq!(by_address.status(), StatusCode::OK);
    assert_eq!(
        by_address.headers()[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    assert_eq!(by_address.text().await.unwrap(), "hello, world");

    // `localhost` is resolved on the blocking pool by reqwest's resolver.
    let port = addr.port();
    let by_name = within(
        "GET localhost/hello",
        client.get(format!("http://localhost:{port}/hello")).send(),
    )
    .await
    .unwrap();
    assert_eq!(by_name.text().await.unwrap(), "hello, world");

    let missing = within(
        "GET /missing",
        client.get(format!("http://{addr}/missing")).send(),
    )
    .await
    .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_bytes_and_json() {
    let addr = serve(basic_app()).await;
    let client = client();

    let body: Vec<u8> = (0..256 * 1024).map(|i| (i % 253) as u8).collect();
    let echoed = within(
        "POST /echo",
        client
            .post(format!("http://{addr}/echo"))
            .body(body.clone())
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(echoed.status(), StatusCode::OK);
    let echoed = within("the /echo body", echoed.bytes()).await.unwrap();
    let mut expected = body;
    expected.reverse();
    assert!(echoed[..] == expected[..], "/echo answered other bytes");

    let numbers = HashMap::from([("a", 1u64), ("b", 20), ("c", 300)]);
    let sum = within(
        "POST /sum",
        client
            .post(format!("http://{addr}/sum"))
            .json(&numbers)
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(sum.status(), StatusCode::OK);
    let sum: HashMap<String, u64> = sum.json().await.unwrap();
    assert_eq!(sum["total"], 321);

    // Bad JSON is the server's 400-class answer, not a client error.
    let bad = within(
        "POST /sum with bad JSON",
        client
            .post(format!("http://{addr}/sum"))
            .header(header::CONTENT_TYPE, "application/json")
            .body("{not json")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

const CHUNK: usize = 16;
const CHUNKS: usize = 8;

fn chunk(i: usize) -> Bytes {
    Bytes::from(format!("chunk {i:02} of {CHUNKS:02}.\n"))
}

/// The upload streams: the client sends chunk `i + 1` only once the server
/// has read chunk `i` (the server acknowledges each one), so a client that
/// buffered the whole body, or a server that waited for all of it, hangs.
#[tokio::test]
async fn request_body_streams_chunk_by_chunk() {
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<usize>();
    let app = Router::new()
        .route(
            "/upload",
            post(
                |State(ack_tx): State<mpsc::UnboundedSender<usize>>, body: Body| async move {
                    let mut stream = body.into_data_stream();
                    let mut received = Vec::new();
                    let mut acked = 0;
                    while let Some(frame) = stream.next().await {
                        received.extend_from_slice(&frame.unwrap());
                        while received.len() >= (acked + 1) * CHUNK {
                            acked += 1;
                            ack_tx.send(acked).unwrap();
                        }
                    }
                    String::from_utf8(received).unwrap()
                },
            ),
        )
        .with_state(ack_tx);
    let addr = serve(app).await;

    assert_eq!(chunk(0).len(), CHUNK);
    let (chunk_tx, chunk_rx) = mpsc::channel::<Result<Bytes, Infallible>>(1);
    let body = reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(chunk_rx));
    let upload = tokio::spawn(
        client()
            .post(format!("http://{addr}/upload"))
            .body(body)
            .send(),
    );
    for i in 0..CHUNKS {
        chunk_tx.send(Ok(chunk(i))).await.unwrap();
        let acked = within("the server reading a chunk", ack_rx.recv())
            .await
            .unwrap();
        assert_eq!(acked, i + 1);
    }
    drop(chunk_tx);

    let response = within("the upload's response", upload)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let expected: String = (0..CHUNKS)
        .map(|i| String::from_utf8(chunk(i).to_vec()).unwrap())
        .collect();
    assert_eq!(response.text().await.unwrap(), expected);
}

/// The download streams: the server produces chunk `i + 1` only once the
/// client has read chunk `i`.
#[tokio::test]
async fn response_body_streams_chunk_by_chunk() {
    let (go_tx, go_rx) = mpsc::unbounded_channel::<()>();
    let go_rx = Arc::new(Mutex::new(Some(go_rx)));
    let app = Router::new()
        .route(
            "/download",
            get(
                |State(go_rx): State<Arc<Mutex<Option<mpsc::UnboundedReceiver<()>>>>>| async move {
                    let go_rx = go_rx.lock().unwrap().take().expect("one download");
                    let chunks = futures::stream::unfold((0, go_rx), |(i, mut go_rx)| async move {
                        if i == CHUNKS {
                            return None;
                        }
                        // The first chunk goes at once, each next one on a go.
                        if i > 0 {
                            go_rx.recv().await?;
                        }
                        Some((Ok::<_, Infallible>(chunk(i)), (i + 1, go_rx)))
                    });
                    Body::from_stream(chunks)
                },
            ),
        )
        .with_state(go_rx);
    let addr = serve(app).await;

    let response = within(
        "GET /download",
        client().get(format!("http://{addr}/download")).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    for i in 0..CHUNKS {
        while received.len() < (i + 1) * CHUNK {
            let bytes = within("the next chunk of the download", stream.next())
                .await
                .expect("the body ended early")
                .unwrap();
            received.extend_from_slice(&bytes);
        }
        assert_eq!(received.len(), (i + 1) * CHUNK, "the server sent ahead");
        if i + 1 < CHUNKS {
            go_tx.send(()).unwrap();
        }
    }
    assert!(within("the end of the download", stream.next())
        .await
        .is_none());
    let expected: Vec<u8> = (0..CHUNKS).flat_map(|i| chunk(i).to_vec()).collect();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn timeouts_end_requests_to_a_server_that_does_not_answer() {
    let app = Router::new()
        .route("/never", get(std::future::pending::<&'static str>))
        .route(
            "/stall",
            get(|| async {
                // The headers and a first chunk, then nothing.
                let chunks = futures::stream::once(async { Ok::<_, Infallible>(chunk(0)) })
                    .chain(futures::stream::pending());
                Body::from_stream(chunks)
            }),
        )
        .route("/hello", get(|| async { "hello" }));
    let addr = serve(app).await;

    // A client-wide timeout.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = within(
        "GET /never with a client timeout",
        impatient.get(format!("http://{addr}/never")).send(),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // The timeout covers the body as well: the first chunk arrives, the
    // read of the second times out. (Long enough for the first chunk to
    // arrive on a busy machine.)
    let patient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let stalled = within(
        "GET /stall with a client timeout",
        patient.get(format!("http://{addr}/stall")).send(),
    )
    .await
    .unwrap();
    assert_eq!(stalled.status(), StatusCode::OK);
    let mut body = stalled.bytes_stream();
    let first = within("the first chunk", body.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, chunk(0));
    let err = within("the stalled body", body.next())
        .await
        .expect("the body ended instead of timing out")
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // A per-request timeout on a client without one.
    let client = client();
    let err = within(
        "GET /never with a request timeout",
        client
            .get(format!("http://{addr}/never"))
            .timeout(Duration::from_millis(200))
            .send(),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // The clients still work for a server that answers.
    for client in [&patient, &client] {
        let hello = within(
            "GET /hello",
            client.get(format!("http://{addr}/hello")).send(),
        )
        .await
        .unwrap();
        assert_eq!(hello.text().await.unwrap(), "hello");
    }
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    // A port that was just free: bind, note it, close.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = within(
        "GET to a closed port",
        client().get(format!("http://{addr}/")).send(),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}
