//! Runs one runtime's `sync_mpsc_oneshot` request/reply alone, for
//! profiling (`perf stat`, `perf record`, `strace -c`):
//! `reqrep_one weft|tokio|smol SECONDS`. Prints microseconds per round
//! trip. weft-bench itself compares the runtimes.

use std::time::{Duration, Instant};
use weft_bench::rt::{Channels, Flavor, Rt, SmolRt, TokioRt, WeftRt};
use weft_bench::workloads::sync::request_reply;

fn run<R: Channels>(seconds: f64) {
    let rt = R::build(Flavor::MultiThread(2)).expect("runtime");
    // REQREP_OTHERS=1: the other runtimes exist too, idle, as in weft-bench.
    let others = std::env::var_os("REQREP_OTHERS").map(|_| {
        (
            TokioRt::build(Flavor::MultiThread(2)).expect("runtime"),
            SmolRt::build(Flavor::MultiThread(2)).expect("runtime"),
        )
    });
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let (mut trips, mut took) = (0, Duration::ZERO);
    while Instant::now() < deadline {
        let start = Instant::now();
        trips += request_reply::<R>(&rt, 1_000);
        took += start.elapsed();
        // REQREP_OTHERS=run: the others take a sample in between, as in
        // weft-bench's rounds.
        if let Some((tokio, smol)) = &others {
            if std::env::var("REQREP_OTHERS").as_deref() == Ok("run") {
                request_reply::<TokioRt>(tokio, 1_000);
                request_reply::<SmolRt>(smol, 1_000);
            }
        }
    }
    println!(
        "{:.2} µs per round trip",
        took.as_secs_f64() * 1e6 / trips as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args.get(2).map_or(3.0, |s| s.parse().expect("SECONDS"));
    match args.get(1).map(String::as_str) {
        Some("weft") => run::<WeftRt>(seconds),
        Some("tokio") => run::<TokioRt>(seconds),
        Some("smol") => run::<SmolRt>(seconds),
        _ => eprintln!("usage: reqrep_one weft|tokio|smol SECONDS"),
    }
}
