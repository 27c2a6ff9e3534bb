//! Serves the runtime's metrics at `GET /metrics` in the Prometheus text
//! format, over a small HTTP/1.1 server written on `weft::net`, while a
//! few workload tasks (timers, a TCP ping-pong, blocking calls, polls of
//! varied length) make the numbers move. Both histograms are on.
//!
//! `cargo run --example metrics_prometheus [addr]` (default
//! 127.0.0.1:9898), then `curl http://127.0.0.1:9898/metrics`, or point a
//! Prometheus scrape job at it.
//!
//! `cargo run --example metrics_prometheus -- --self-test` serves on a
//! free port, fetches its own endpoint once over TCP, checks that every
//! line is a sample or a `# HELP`/`# TYPE` line, prints the page and
//! exits 0 (1 if a check fails).

#[path = "prometheus/text.rs"]
mod text;

use std::io;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::runtime::{HistogramConfiguration, LogHistogram, RuntimeMetrics};

/// The longest request head accepted.
const MAX_HEAD: usize = 8 * 1024;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    let self_test = first.as_deref() == Some("--self-test");
    let addr = match (&first, self_test) {
        (Some(addr), false) => addr.clone(),
        (_, true) => "127.0.0.1:0".to_owned(),
        (None, false) => "127.0.0.1:9898".to_owned(),
    };
    let log = LogHistogram::builder()
        .min_value(Duration::from_micros(1))
        .max_value(Duration::from_secs(1))
        .build();
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .enable_metrics_poll_time_histogram()
        .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(log))
        .enable_metrics_schedule_latency_histogram()
        .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::log(log))
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        let local = listener.local_addr()?;
        let metrics = weft::runtime::Handle::current().metrics();
        weft::spawn(serve(listener, metrics));
        start_workload().await?;
        if self_test {
            // Let the workload run for a moment so every kind of count moves.
            weft::time::sleep(Duration::from_millis(200)).await;
            return run_self_test(local).await;
        }
        println!("serving http://{local}/metrics");
        std::future::pending::<io::Result<()>>().await
    })
}

/// Accepts connections forever, one task each.
async fn serve(listener: TcpListener, metrics: RuntimeMetrics) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let metrics = metrics.clone();
                weft::spawn(async move {
                    if let Err(err) = respond(stream, &metrics).await {
                        eprintln!("connection failed: {err}");
                    }
                });
            }
            // A failed accept (the peer reset, out of descriptors) ends
            // nothing but that connection.
            Err(err) => eprintln!("accept failed: {err}"),
        }
    }
}

/// Reads one request head and answers it; the connection then closes.
async fn respond(mut stream: TcpStream, metrics: &RuntimeMetrics) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return reply(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"",
            )
            .await;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (request_line.next(), request_line.next());
    match (method, target) {
        (Some("GET"), Some("/metrics")) => {
            let body = text::render(metrics);
            reply(&mut stream, "200 OK", text::CONTENT_TYPE, body.as_bytes()).await
        }
        (Some("GET"), _) => reply(&mut stream, "404 Not Found", "text/plain", b"not found\n").await,
        _ => {
            reply(
                &mut stream,
                "405 Method Not Allowed",
                "text/plain",
                b"GET only\n",
            )
            .await
        }
    }
}

async fn reply(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// Tasks that keep every metric moving: a ticker (timers), a TCP
/// ping-pong (I/O events), blocking calls (the blocking pool) and polls of
/// varied length (the histograms).
async fn start_workload() -> io::Result<()> {
    weft::spawn(async {
        let mut interval = weft::time::interval(Duration::from_millis(10));
        loop {
            interval.tick().await;
        }
    });
    let echo = TcpListener::bind("127.0.0.1:0").await?;
    let echo_addr = echo.local_addr()?;
    weft::spawn(async move {
        while let Ok((mut stream, _)) = echo.accept().await {
            weft::spawn(async move {
                let mut buf = [0; 64];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    weft::spawn(async move {
        let Ok(mut stream) = TcpStream::connect(echo_addr).await else {
            return;
        };
        let mut buf = [0; 4];
        loop {
            if stream.write_all(b"ping").await.is_err()
                || stream.read_exact(&mut buf).await.is_err()
            {
                return;
            }
            weft::time::sleep(Duration::from_millis(5)).await;
        }
    });
    weft::spawn(async {
        loop {
            let _ =
                weft::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(3))).await;
            weft::time::sleep(Duration::from_millis(20)).await;
        }
    });
    for spin_us in [10u64, 200, 2000] {
        weft::spawn(async move {
            loop {
                // A poll that computes for `spin_us` before yielding.
                let until = std::time::Instant::now() + Duration::from_micros(spin_us);
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
                weft::task::yield_now().await;
                weft::time::sleep(Duration::from_millis(7)).await;
            }
        });
    }
    Ok(())
}

/// Fetches `/metrics` from `addr` once over TCP and checks the page.
async fn run_self_test(addr: std::net::SocketAddr) -> io::Result<()> {
    let failed = |why: String| io::Error::other(format!("self-test failed: {why}"));
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = Vec::new();
    weft::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .map_err(|_| failed("no complete response within 20 s".into()))??;
    let response = String::from_utf8(response).map_err(|e| failed(e.to_string()))?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| failed("no end of headers".into()))?;
    if !head.starts_with("HTTP/1.1 200 OK\r\n") {
        return Err(failed(format!("status line: {head:?}")));
    }
    let samples = text::check(body).map_err(failed)?;
    for needed in [
        "weft_worker_polls_total",
        "weft_poll_time_seconds_bucket",
        "weft_schedule_latency_seconds_count",
        "weft_io_driver_ready_events_total",
        "weft_timers_fired_total",
        "weft_blocking_threads",
    ] {
        if !body.lines().any(|line| line.starts_with(needed)) {
            return Err(failed(format!("no {needed} sample")));
        }
    }
    print!("{body}");
    eprintln!("self-test passed: {samples} samples");
    Ok(())
}
