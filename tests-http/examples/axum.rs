//! An axum application on weft: an `axum::Router` served by
//! `weft_hyper::serve` (axum's own `serve` needs tokio), with a JSON API,
//! a path parameter, a streamed response body, a timeout layer built on
//! weft's timers, and graceful shutdown on Ctrl-C.
//!
//! `cargo run -p weft-tests-http --example axum [addr]` (default
//! 127.0.0.1:3000), then:
//!
//! ```text
//! curl http://127.0.0.1:3000/                      # hello, with your address
//! curl http://127.0.0.1:3000/users/7               # JSON
//! curl -X POST -H 'content-type: application/json' \
//!      -d '{"name":"ada"}' http://127.0.0.1:3000/users
//! curl -N http://127.0.0.1:3000/count/5            # streamed, a line every 100 ms
//! curl -i http://127.0.0.1:3000/slow               # 408 after 1 s (the timeout layer)
//! ```
//!
//! axum is used without its `tokio` feature. The router becomes a hyper
//! service through `hyper::service::service_fn`, calling the router's
//! `tower::Service` impl, which is axum's documented way of running a
//! router on hyper's own connection API.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use tower_service::Service;

/// How long a request may take before the timeout layer answers 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Serialize, Deserialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug, Deserialize)]
struct NewUser {
    name: String,
}

/// The client's address, which `main` adds to each request's extensions.
/// (axum's `ConnectInfo` belongs to its tokio-based `serve`.)
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

/// `GET /`: the client's address.
async fn hello(Extension(Peer(peer)): Extension<Peer>) -> String {
    format!("hello, {peer}\n")
}

/// `GET /users/{id}`: a path parameter in, JSON out.
async fn get_user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

/// `POST /users`: JSON in, JSON out.
async fn create_user(Json(new): Json<NewUser>) -> (StatusCode, Json<User>) {
    (
        StatusCode::CREATED,
        Json(User {
            id: 42,
            name: new.name,
        }),
    )
}

/// `GET /count/{n}`: a body streamed as it is produced, one line every
/// 100 ms (chunked on HTTP/1), timed by weft's timers.
async fn count(Path(n): Path<u32>) -> axum::body::Body {
    let lines = futures_util::stream::unfold(1, move |i| async move {
        if i > n {
            return None;
        }
        if i > 1 {
            weft::time::sleep(Duration::from_millis(100)).await;
        }
        Some((Ok::<_, Infallible>(format!("{i}\n")), i + 1))
    });
    axum::body::Body::from_stream(lines)
}

/// `GET /slow`: longer than the timeout layer allows.
async fn slow() -> &'static str {
    weft::time::sleep(REQUEST_TIMEOUT * 10).await;
    "too late\n"
}

/// The timeout layer: `weft::time::timeout` around the rest of the stack.
/// (tower-http's `TimeoutLayer` sleeps on tokio's timer, which does not run
/// under weft.) It bounds the time to the response head; a streamed body goes on.
async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match weft::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => (StatusCode::REQUEST_TIMEOUT, "request timed out\n").into_response(),
    }
}

fn app() -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/users/{id}", get(get_user))
        .route("/users", axum::routing::post(create_user))
        .route("/count/{n}", get(count))
        .route("/slow", get(slow))
        .layer(middleware::from_fn_with_state(REQUEST_TIMEOUT, timeout))
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = weft::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let router = app();
    // One hyper service per connection, which tells the router who is on
    // the other end.
    weft_hyper::serve_with(listener, move |peer: SocketAddr| {
        let router = router.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            router.clone().call(request)
        })
    })
    .with_graceful_shutdown(weft::signal::ctrl_c())
    .await?;
    println!("shut down");
    Ok(())
}
