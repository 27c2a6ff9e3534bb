//! hyper's hello world under `wrk`: the same hyper service (answering
//! every request with "Hello, World!") served on weft, through
//! `weft_hyper::serve`, and on tokio, through hyper-util's `TokioIo`,
//! `TokioExecutor` and `TokioTimer` in the accept loop hyper-util's docs
//! show; both on a multi_thread runtime with [`Settings::workers`] workers
//! and the same connection builder (hyper-util's auto builder, HTTP/1 and
//! HTTP/2, with a timer so hyper's header-read timeout is on, and
//! `TCP_NODELAY`). Each sample is one `wrk` run against one of them
//! ([`WRK_THREADS`] threads, [`WRK_CONNECTIONS`] keep-alive connections,
//! [`WRK_SECONDS`] seconds, `--latency`); the harness alternates the
//! servers round by round. A sample gives four rows: requests per second
//! and the 50th, 90th and 99th latency percentiles wrk reports.
//!
//! `wrk` is the Debian package `wrk` (`apt-get install wrk`); the bench
//! installs nothing itself: without `wrk` on `PATH` the rows are skipped,
//! saying how to get it. smol is not part of this comparison (its cells
//! say "skipped"). weft runs twice, as every network row: with
//! `IoBackend::Epoll` (the weft column) and with `IoBackend::Uring` (the
//! weft-uring column).

use std::convert::Infallible;
use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};

use crate::rt::{Kind, WeftRt, WeftUringRt};
use crate::stats::{Direction, Unit};
use crate::workload::{skipped, Entry, Multi, MultiSampler, Row, Settings};

/// wrk's threads: one load-generating thread beside the server's 2 workers
/// (on a 2-core machine the three share the cores).
pub const WRK_THREADS: usize = 1;
/// Open keep-alive connections.
pub const WRK_CONNECTIONS: usize = 50;
/// Seconds per run.
pub const WRK_SECONDS: u64 = 5;
/// Seconds per run under `--quick`.
pub const WRK_SECONDS_QUICK: u64 = 1;

/// Requests per second.
pub const REQ_PER_SEC: Unit = Unit {
    label: "req/s",
    direction: Direction::HigherIsBetter,
};

const ROWS: &[Row] = &[
    Row {
        name: "hyper_hello_rps",
        unit: REQ_PER_SEC,
        about: "hyper hello world, wrk -t1 -c50 -d5s: requests per second (higher is better)",
    },
    Row {
        name: "hyper_hello_p50_us",
        unit: Unit::lower("µs p50"),
        about: "the same runs: median latency wrk reports",
    },
    Row {
        name: "hyper_hello_p90_us",
        unit: Unit::lower("µs p90"),
        about: "the same runs: 90th percentile latency",
    },
    Row {
        name: "hyper_hello_p99_us",
        unit: Unit::lower("µs p99"),
        about: "the same runs: 99th percentile latency",
    },
];

/// The workload's entry (four rows from each wrk run).
pub fn entry() -> Entry {
    Entry {
        name: "hyper_hello",
        group: "http",
        unit: REQ_PER_SEC,
        about: ROWS[0].about,
        // Alone (as the harness never runs it), the first row only.
        prepare: |kind, settings| {
            let mut rows = prepare(kind, settings)?;
            Ok(Box::new(move || Ok(rows()?[0])))
        },
        child: None,
        multi: Some(Multi {
            rows: ROWS,
            prepare,
            warmup: 1,
            rounds: 7,
            quick_rounds: 3,
        }),
        reference: None,
        network: true,
    }
}

fn prepare(kind: Kind, settings: &Settings) -> io::Result<MultiSampler> {
    if kind == Kind::Smol {
        return Err(skipped(
            "not part of this comparison: the HTTP workload is weft vs tokio \
             (hyper on smol needs adapters of its own)",
        ));
    }
    let server = Server::start(kind, settings.workers)?;
    let mut load = WrkLoad::new(settings)?;
    Ok(Box::new(move || {
        // The whole server (its runtime) lives in the sampler, not just
        // its address.
        let server = &server;
        load.sample(server.addr, kind.name())
    }))
}

/// One `wrk` run per sample against an address, as the `hyper_hello`
/// rows (and the drop-in rows) read it.
#[derive(Debug)]
pub struct WrkLoad {
    wrk: PathBuf,
    seconds: u64,
}

impl WrkLoad {
    /// Finds `wrk` (or skips the rows) and picks the run length.
    pub fn new(settings: &Settings) -> io::Result<WrkLoad> {
        let wrk = find_wrk().ok_or_else(missing_wrk)?;
        let seconds = if settings.quick {
            WRK_SECONDS_QUICK
        } else {
            WRK_SECONDS
        };
        Ok(WrkLoad { wrk, seconds })
    }

    /// Loads `addr`: requests per second and the 50th, 90th and 99th
    /// latency percentiles (µs). A failed request fails the sample,
    /// naming `server`.
    pub fn sample(&mut self, addr: SocketAddr, server: &str) -> io::Result<Vec<f64>> {
        let out = run_wrk(&self.wrk, addr, self.seconds)?;
        let report = WrkReport::parse(&out).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("unreadable wrk output:\n{out}"),
            )
        })?;
        if report.errors > 0 {
            return Err(io::Error::other(format!(
                "{} failed requests on {server} (wrk: {})",
                report.errors,
                out.trim()
            )));
        }
        Ok(vec![
            report.rps,
            report.p50_us,
            report.p90_us,
            report.p99_us,
        ])
    }
}

/// The hidden first argument that runs one server alone until killed:
/// `weft-bench __weft_bench_http_server weft|weft-uring|tokio [WORKERS]`, printing
/// `listening on ADDR` (to profile it, or load it by hand with wrk).
pub const SERVER_ARG: &str = "__weft_bench_http_server";

/// The server-alone mode; `args` are the arguments after [`SERVER_ARG`].
pub fn server_main(args: &[String]) -> std::process::ExitCode {
    let kind = args
        .first()
        .and_then(|k| Kind::parse(k))
        .filter(|k| *k != Kind::Smol);
    let workers = args
        .get(1)
        .map_or(Ok(Settings::default().workers), |w| w.parse());
    let (Some(kind), Ok(workers)) = (kind, workers) else {
        eprintln!("usage: weft-bench {SERVER_ARG} weft|weft-uring|tokio [WORKERS]");
        return std::process::ExitCode::from(2);
    };
    match Server::start(kind, workers) {
        Ok(server) => {
            println!("listening on {}", server.addr);
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("weft-bench: {kind} server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The service both servers run.
async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

/// A server running on its own runtime until dropped.
struct Server {
    addr: SocketAddr,
    /// The weft or tokio runtime the server runs on; dropping it stops the
    /// server.
    _runtime: Box<dyn std::any::Any>,
}

impl Server {
    /// Starts `kind`'s server (weft on either backend, or tokio) on a
    /// multi_thread runtime with `workers` workers, on 127.0.0.1.
    fn start(kind: Kind, workers: usize) -> io::Result<Server> {
        match kind {
            Kind::Weft | Kind::WeftUring => {
                let backend = if kind == Kind::WeftUring {
                    WeftUringRt::BACKEND
                } else {
                    WeftRt::BACKEND
                };
                let rt = weft::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .io_backend(backend)
                    .build()?;
                let listener = rt.block_on(weft::net::TcpListener::bind("127.0.0.1:0"))?;
                let addr = listener.local_addr()?;
                rt.spawn(weft_hyper::serve(listener, service_fn(hello)).into_future());
                Ok(Server {
                    addr,
                    _runtime: Box::new(rt),
                })
            }
            Kind::Tokio => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()?;
                let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
                let addr = listener.local_addr()?;
                rt.spawn(tokio_serve(listener));
                Ok(Server {
                    addr,
                    _runtime: Box::new(rt),
                })
            }
            Kind::Smol => unreachable!("smol is not part of the HTTP comparison"),
        }
    }
}

/// hyper on tokio: the accept loop of hyper-util's examples, with the
/// connection builder configured as `weft_hyper::connection_builder`
/// configures weft's (an executor, a timer for both protocols) and
/// `TCP_NODELAY`, as `weft_hyper::serve` sets it.
async fn tokio_serve(listener: tokio::net::TcpListener) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        tokio::spawn(async move {
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}

/// Where `wrk` is on `PATH`.
pub fn find_wrk() -> Option<PathBuf> {
    find_wrk_in(&std::env::var_os("PATH")?)
}

/// Where `wrk` is in the directories of `path` (a `PATH` value).
fn find_wrk_in(path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join("wrk"))
        .find(|p| p.is_file())
}

/// The outcome of the rows when `wrk` is missing.
fn missing_wrk() -> io::Error {
    skipped(
        "wrk is not installed: install the Debian package (apt-get install wrk); \
         the bench installs nothing itself",
    )
}

fn run_wrk(wrk: &PathBuf, addr: SocketAddr, seconds: u64) -> io::Result<String> {
    let output = Command::new(wrk)
        .args([
            "--threads",
            &WRK_THREADS.to_string(),
            "--connections",
            &WRK_CONNECTIONS.to_string(),
            "--duration",
            &format!("{seconds}s"),
            "--timeout",
            "5s",
            "--latency",
            &format!("http://{addr}/"),
        ])
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "wrk failed ({}): {}{}",
            output.status,
            text,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(text)
}

/// What one wrk run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkReport {
    /// Requests per second.
    pub rps: f64,
    /// Latency percentiles, in microseconds.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Socket errors plus non-2xx/3xx responses.
    pub errors: u64,
}

impl WrkReport {
    /// Reads wrk's `--latency` output; `None` when a number is missing.
    pub fn parse(out: &str) -> Option<WrkReport> {
        let mut rps = None;
        let (mut p50, mut p90, mut p99) = (None, None, None);
        let mut errors = 0u64;
        for line in out.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("Requests/sec:") {
                rps = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("50%") {
                p50 = duration_us(v.trim());
            } else if let Some(v) = line.strip_prefix("90%") {
                p90 = duration_us(v.trim());
            } else if let Some(v) = line.strip_prefix("99%") {
                p99 = duration_us(v.trim());
            } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
                errors += v.trim().parse::<u64>().ok()?;
            } else if let Some(v) = line.strip_prefix("Socket errors:") {
                // "connect 0, read 0, write 0, timeout 0"
                for part in v.split(',') {
                    errors += part.split_whitespace().nth(1)?.parse::<u64>().ok()?;
                }
            }
        }
        Some(WrkReport {
            rps: rps?,
            p50_us: p50?,
            p90_us: p90?,
            p99_us: p99?,
            errors,
        })
    }
}

/// wrk's durations: `812.00us`, `1.20ms`, `2.01s`.
fn duration_us(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60e6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e6)
    } else {
        return None;
    };
    Some(number.parse::<f64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
Running 5s test @ http://127.0.0.1:40000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   402.51us  120.33us   5.20ms   91.02%
    Req/Sec   121.03k     3.10k  125.00k    88.00%
  Latency Distribution
     50%  380.00us
     75%  420.00us
     90%  510.00us
     99%    1.02ms
  602311 requests in 5.00s, 50.55MB read
Requests/sec: 120457.83
Transfer/sec:     10.11MB
";

    #[test]
    fn parses_rate_and_percentiles() {
        let r = WrkReport::parse(SAMPLE).unwrap();
        assert_eq!(r.rps, 120457.83);
        assert_eq!((r.p50_us, r.p90_us, r.p99_us), (380.0, 510.0, 1020.0));
        assert_eq!(r.errors, 0);
    }

    #[test]
    fn counts_errors_and_rejects_partial_output() {
        let with_errors = SAMPLE.replace(
            "Requests/sec",
            "  Socket errors: connect 0, read 2, write 0, timeout 1\n  \
             Non-2xx or 3xx responses: 4\nRequests/sec",
        );
        assert_eq!(WrkReport::parse(&with_errors).unwrap().errors, 7);
        assert!(WrkReport::parse("Requests/sec: 10").is_none());
        assert!(WrkReport::parse("").is_none());
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(duration_us("812.00us"), Some(812.0));
        assert_eq!(duration_us("1.50ms"), Some(1500.0));
        assert_eq!(duration_us("2.00s"), Some(2e6));
        assert_eq!(duration_us("1.00m"), Some(60e6));
        assert_eq!(duration_us("fast"), None);
    }

    #[test]
    fn every_server_answers_hello_world() {
        use std::io::{Read, Write};
        for kind in [Kind::Weft, Kind::WeftUring, Kind::Tokio] {
            if crate::rt::tests::skip_unavailable(kind) {
                continue;
            }
            let server = Server::start(kind, 2).unwrap();
            let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(20)))
                .unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with("HTTP/1.1 200 OK"), "{kind}: {answer}");
            assert!(
                answer.ends_with("\r\n\r\nHello, World!"),
                "{kind}: {answer}"
            );
        }
    }

    #[test]
    fn without_wrk_the_rows_are_skipped_saying_how_to_get_it() {
        let nowhere = std::env::temp_dir().join("weft-bench-no-such-dir");
        assert_eq!(find_wrk_in(nowhere.as_os_str()), None);
        let err = missing_wrk();
        assert!(err.to_string().starts_with(crate::workload::SKIPPED_PREFIX));
        assert!(err.to_string().contains("apt-get install wrk"), "{err}");
    }

    #[test]
    fn the_rows_come_from_one_entry() {
        let e = entry();
        let multi = e.multi.unwrap();
        assert_eq!(multi.rows.len(), 4);
        assert_eq!(multi.rows[0].name, "hyper_hello_rps");
        assert!(multi.rows.iter().all(|r| r.name.starts_with(e.name)));
    }
}
