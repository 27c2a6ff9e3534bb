//! One axum application, compiled twice without a change to this file:
//! against the real tokio (`tokio/Cargo.toml`) and against weft's tokio
//! drop-in (`weft/Cargo.toml`, whose only difference is its `[patch]`
//! line). weft-bench's `dropin_*` rows load both.
//!
//! * `axum-hello serve`: axum's hello world through `axum::serve` on
//!   127.0.0.1 (an OS-chosen port), printing `listening on ADDR`, until
//!   killed.
//! * `axum-hello client URL COUNT`: `COUNT` sequential GETs of `URL` with
//!   one reqwest client (one keep-alive connection), printing
//!   `result SECONDS` (the time the loop took).

use std::process::ExitCode;
use std::time::Instant;

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve"] => serve().await,
        ["client", url, count] => match count.parse() {
            Ok(count) => client(url, count).await,
            Err(e) => Err(format!("COUNT {count:?}: {e}").into()),
        },
        _ => {
            eprintln!("usage: axum-hello serve | axum-hello client URL COUNT");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum-hello: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

async fn serve() -> Result<()> {
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn client(url: &str, count: u32) -> Result<()> {
    let client = reqwest::Client::new();
    let start = Instant::now();
    for _ in 0..count {
        let body = client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        if body != "Hello, World!" {
            return Err(format!("unexpected body {body:?}").into());
        }
    }
    println!("result {}", start.elapsed().as_secs_f64());
    Ok(())
}
