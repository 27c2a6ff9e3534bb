//! Runs one runtime's TCP echo alone, for profiling (`perf record`,
//! `perf stat`, `strace -c`): `echo_one weft|tokio CONNS SECONDS`, on 2
//! workers unless `ECHO_WORKERS` says otherwise.
//! Prints messages per second. weft-bench itself compares the runtimes.

use std::time::{Duration, Instant};
use weft_bench::rt::{Flavor, Rt, TokioRt, WeftRt};
use weft_bench::workloads::echo::echo_once;

fn run<R: Rt>(conns: usize, seconds: f64) {
    let workers = std::env::var("ECHO_WORKERS").map_or(2, |w| w.parse().expect("ECHO_WORKERS"));
    let rt = R::build(Flavor::MultiThread(workers)).expect("runtime");
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let (mut messages, mut took) = (0, Duration::ZERO);
    while Instant::now() < deadline {
        let (n, t) = echo_once::<R>(&rt, conns, 10_000 / conns).expect("echo");
        messages += n;
        took += t;
    }
    println!("{:.0} msg/s", messages as f64 / took.as_secs_f64());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let conns = args.get(2).map_or(1, |c| c.parse().expect("CONNS"));
    let seconds = args.get(3).map_or(3.0, |s| s.parse().expect("SECONDS"));
    match args.get(1).map(String::as_str) {
        Some("weft") => run::<WeftRt>(conns, seconds),
        Some("tokio") => run::<TokioRt>(conns, seconds),
        _ => eprintln!("usage: echo_one weft|tokio CONNS SECONDS"),
    }
}
