//! axum 0.8 served by `axum::serve`, with tower-http's layers: graceful
//! shutdown, `ConnectInfo`, `TimeoutLayer`, `ServeDir` over real files,
//! `CorsLayer` and `TraceLayer` reaching a `tracing` subscriber.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use support::{client, serve, within, TempDir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Notify};
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Sends `request` (raw HTTP/1.1, which must ask for `Connection: close`)
/// on a new connection and returns the whole response and the client's
/// own address.
async fn raw_request(addr: SocketAddr, request: &str) -> (String, SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let local = stream.local_addr().unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    (String::from_utf8_lossy(&response).into_owned(), local)
}

#[tokio::test]
async fn graceful_shutdown_lets_the_in_flight_request_finish_then_returns() {
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<()>();
    let release = Arc::new(Notify::new());
    let handler_release = Arc::clone(&release);
    let app = Router::new().route(
        "/slow",
        get(move || {
            let started_tx = started_tx.clone();
            let release = Arc::clone(&handler_release);
            async move {
                started_tx.send(()).unwrap();
                release.notified().await;
                "finished"
            }
        }),
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown_rx.await;
            })
            .await
    });

    let request = tokio::spawn(async move {
        let response = client()
            .get(format!("http://{addr}/slow"))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    });
    within("the handler starting", started_rx.recv())
        .await
        .unwrap();

    shutdown_tx.send(()).unwrap();
    // The listener closes once the signal is seen: new connections are
    // refused while the in-flight request is still running.
    within("the listener closing after the signal", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
                // A connection caught in the backlog as the listener
                // closes is reset; the next attempt tells.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
                Err(e) => panic!("connecting: {e}"),
                Ok(probe) => drop(probe),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        !server.is_finished(),
        "serve returned while a request was in flight"
    );
    assert!(!request.is_finished(), "the request finished unreleased");

    release.notify_one();
    let (status, body) = within("the in-flight request", request).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "finished");
    within("serve returning after the shutdown", server)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn connect_info_is_the_clients_address() {
    async fn peer(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> String {
        peer.to_string()
    }
    let app = Router::new().route("/peer", get(peer));
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

    for _ in 0..3 {
        let (response, local) = within(
            "GET /peer",
            raw_request(
                addr,
                "GET /peer HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
            ),
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        let body = response.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(body, local.to_string());
    }
}

/// Sends the moment it is dropped: shows a handler's future was dropped.
struct DropSignal(Option<oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

#[tokio::test]
async fn timeout_layer_answers_with_the_configured_status_and_drops_the_handler() {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    let dropped_tx = Arc::new(Mutex::new(Some(dropped_tx)));
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let signal = DropSignal(dropped_tx.lock().unwrap().take());
                async move {
                    let _signal = signal;
                    std::future::pending::<()>().await;
                    "unreachable"
                }
            })
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_millis(50),
            )),
        )
        .route(
            "/slow-gateway",
            get(|| async {
                std::future::pending::<()>().await;
                "unreachable"
            })
            .layer(TimeoutLayer::with_status_code(
                StatusCode::GATEWAY_TIMEOUT,
                Duration::from_millis(50),
            )),
        )
        .route(
            "/fast",
            get(|| async {
                tokio::task::yield_now().await;
                "fast"
            })
            // Only a hang guard: the handler answers at once.
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                support::HANG_GUARD,
            )),
        );
    let addr = serve(app).await;
    let client = client();

    let slow = within(
        "GET /slow",
        client.get(format!("http://{addr}/slow")).send(),
    )
    .await
    .unwrap();
    assert_eq!(slow.status(), StatusCode::REQUEST_TIMEOUT);
    within("the timed-out handler being dropped", dropped_rx)
        .await
        .unwrap();

    let gateway = within(
        "GET /slow-gateway",
        client.get(format!("http://{addr}/slow-gateway")).send(),
    )
    .await
    .unwrap();
    assert_eq!(gateway.status(), StatusCode::GATEWAY_TIMEOUT);

    let fast = within(
        "GET /fast",
        client.get(format!("http://{addr}/fast")).send(),
    )
    .await
    .unwrap();
    assert_eq!(fast.status(), StatusCode::OK);
    assert_eq!(fast.text().await.unwrap(), "fast");
}

#[tokio::test]
async fn serve_dir_serves_real_files_with_their_length_and_404s() {
    let dir = TempDir::new("serve-dir");
    let public = dir.path().join("public");
    std::fs::create_dir_all(public.join("docs")).unwrap();
    std::fs::write(public.join("hello.txt"), "hello, files\n").unwrap();
    std::fs::write(public.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    // Larger than ServeDir's read buffer, so it is streamed in many reads.
    let big: Vec<u8> = (0..(1 << 20) + 123).map(|i| (i % 251) as u8).collect();
    std::fs::write(public.join("big.bin"), &big).unwrap();
    std::fs::write(
        dir.path().join("secret.txt"),
        "outside the served directory",
    )
    .unwrap();

    let app = Router::new().nest_service("/static", ServeDir::new(&public));
    let addr = serve(app).await;
    let client = client();
    let url = |path: &str| format!("http://{addr}/static/{path}");

    let hello = within("GET hello.txt", client.get(url("hello.txt")).send())
        .await
        .unwrap();
    assert_eq!(hello.status(), StatusCode::OK);
    assert_eq!(hello.headers()[header::CONTENT_LENGTH], "13");
    assert_eq!(hello.headers()[header::CONTENT_TYPE], "text/plain");
    assert_eq!(hello.text().await.unwrap(), "hello, files\n");

    let big_response = within("GET big.bin", client.get(url("big.bin")).send())
        .await
        .unwrap();
    assert_eq!(big_response.status(), StatusCode::OK);
    assert_eq!(
        big_response.headers()[header::CONTENT_LENGTH],
        big.len().to_string().as_str()
    );
    let body = within("the body of big.bin", big_response.bytes())
        .await
        .unwrap();
    assert!(body[..] == big[..], "big.bin came back different");

    let range = within(
        "GET hello.txt bytes=0-4",
        client
            .get(url("hello.txt"))
            .header(header::RANGE, "bytes=0-4")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(range.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(range.headers()[header::CONTENT_RANGE], "bytes 0-4/13");
    assert_eq!(range.text().await.unwrap(), "hello");

    let index = within("GET docs/", client.get(url("docs/")).send())
        .await
        .unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(index.text().await.unwrap(), "<h1>docs</h1>");

    let missing = within("GET missing.txt", client.get(url("missing.txt")).send())
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // A path climbing out of the served directory, sent as is (a client
    // library would normalize it away).
    let (escape, _) = within(
        "GET ../secret.txt",
        raw_request(
            addr,
            "GET /static/../secret.txt HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        ),
    )
    .await;
    assert!(escape.starts_with("HTTP/1.1 404"), "{escape}");
    assert!(!escape.contains("outside the served directory"), "{escape}");
}

#[tokio::test]
async fn cors_layer_answers_preflight_requests() {
    let cors = CorsLayer::new()
        .allow_origin([
            HeaderValue::from_static("http://app.example"),
            HeaderValue::from_static("http://admin.example"),
        ])
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let app = Router::new()
        .route("/api", post(|| async { "posted" }).get(|| async { "got" }))
        .layer(cors);
    let addr = serve(app).await;
    let client = client();
    let api = format!("http://{addr}/api");

    let preflight = within(
        "OPTIONS /api",
        client
            .request(Method::OPTIONS, &api)
            .header(header::ORIGIN, "http://app.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    let headers = preflight.headers();
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://app.example"
    );
    let methods = headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("GET") && methods.contains("POST"),
        "{methods}"
    );
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_HEADERS],
        "content-type"
    );
    assert_eq!(headers[header::ACCESS_CONTROL_MAX_AGE], "600");

    let simple = within(
        "GET /api with an Origin",
        client
            .get(&api)
            .header(header::ORIGIN, "http://app.example")
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(
        simple.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://app.example"
    );
    assert_eq!(simple.text().await.unwrap(), "got");

    let foreign = within(
        "GET /api from another origin",
        client
            .get(&api)
            .header(header::ORIGIN, "http://other.example")
            .send(),
    )
    .await
    .unwrap();
    // Not on the list: no allow-origin header (the browser then refuses).
    assert!(foreign
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    assert_eq!(foreign.text().await.unwrap(), "got");
}

/// What the recording layer saw: every span (name, fields) and every event
/// (message, fields, the name of the span it happened in).
#[derive(Default, Debug)]
struct Seen {
    spans: Vec<(String, HashMap<String, String>)>,
    events: Vec<(String, HashMap<String, String>, Option<String>)>,
}

#[derive(Default)]
struct FieldMap(HashMap<String, String>);

impl tracing::field::Visit for FieldMap {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

struct Recorder(Arc<Mutex<Seen>>);

impl<S> tracing_subscriber::Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = FieldMap::default();
        attrs.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .spans
            .push((attrs.metadata().name().to_owned(), fields.0));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = FieldMap::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        let span = ctx.event_span(event).map(|span| span.name().to_owned());
        self.0
            .lock()
            .unwrap()
            .events
            .push((message, fields.0, span));
    }
}

// The subscriber is this thread's default: on the current-thread runtime
// the server's connection tasks run on this thread too.
#[tokio::test(flavor = "current_thread")]
async fn trace_layer_spans_reach_the_subscriber() {
    use tracing_subscriber::layer::SubscriberExt;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let subscriber = tracing_subscriber::registry().with(Recorder(Arc::clone(&seen)));
    let _default = tracing::subscriber::set_default(subscriber);

    async fn traced(State(n): State<u32>) -> String {
        // The request span stays current across the handler's awaits.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        tracing::info!(n, "inside the handler");
        format!("traced {n}")
    }
    let app = Router::new()
        .route("/traced", get(traced))
        .with_state(7)
        .layer(TraceLayer::new_for_http());
    let addr = serve(app).await;

    let response = within(
        "GET /traced",
        client().get(format!("http://{addr}/traced?x=1")).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "traced 7");

    // The response event is recorded when the body is done; wait for it.
    within("the response event", async {
        loop {
            let done = seen
                .lock()
                .unwrap()
                .events
                .iter()
                .any(|(message, _, _)| message == "finished processing request");
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    let seen = seen.lock().unwrap();
    let requests: Vec<_> = seen
        .spans
        .iter()
        .filter(|(name, _)| name == "request")
        .collect();
    assert_eq!(requests.len(), 1, "{seen:?}");
    let fields = &requests[0].1;
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["uri"], "/traced?x=1");

    let in_request = |wanted: &str| {
        seen.events
            .iter()
            .find(|(message, _, _)| message == wanted)
            .unwrap_or_else(|| panic!("no event {wanted:?}: {seen:?}"))
    };
    let (_, handler_fields, handler_span) = in_request("inside the handler");
    assert_eq!(handler_fields["n"], "7");
    assert_eq!(handler_span.as_deref(), Some("request"));
    let (_, response_fields, response_span) = in_request("finished processing request");
    assert_eq!(response_fields["status"], "200");
    assert_eq!(response_span.as_deref(), Some("request"));
    let (_, _, request_span) = in_request("started processing request");
    assert_eq!(request_span.as_deref(), Some("request"));
}
