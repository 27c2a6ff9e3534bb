//! tokio's `rt_multi_threaded` workloads (spawn_many_local,
//! spawn_many_remote_idle, yield_many, ping_pong, chained_spawn), written
//! once and run on both runtimes in one process; prints median wall time per
//! iteration and the weft/tokio ratio. `ping_pong` uses tokio's
//! runtime-agnostic `oneshot` on both (weft's channels are a later issue).
//!
//! Usage: `mt-compare [workers] [filter]` (default 2 workers).

use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const NUM_SPAWN: usize = 10_000;
const NUM_YIELD: usize = 1_000;
const TASKS_PER_CPU: usize = 50;

macro_rules! workloads {
    ($m:ident, $spawn:path, $yield_now:path) => {
        pub mod $m {
            use super::*;
            pub fn spawn_many_local(rt: &RT) {
                let (tx, rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));
                rt.block_on(async {
                    $spawn(async move {
                        rem.store(NUM_SPAWN, Relaxed);
                        for _ in 0..NUM_SPAWN {
                            let tx = tx.clone();
                            let rem = rem.clone();
                            $spawn(async move {
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    tx.send(()).unwrap();
                                }
                            });
                        }
                    })
                    .await
                    .unwrap();
                });
                rx.recv().unwrap();
            }
            pub fn spawn_many_remote_idle(rt: &RT) {
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            }
            pub fn yield_many(rt: &RT) {
                let tasks = TASKS_PER_CPU * 2;
                let (tx, rx) = mpsc::sync_channel(tasks);
                for _ in 0..tasks {
                    let tx = tx.clone();
                    rt.spawn(async move {
                        for _ in 0..NUM_YIELD {
                            $yield_now().await;
                        }
                        tx.send(()).unwrap();
                    });
                }
                for _ in 0..tasks {
                    rx.recv().unwrap();
                }
            }
            pub fn ping_pong(rt: &RT) {
                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                let rem = Arc::new(AtomicUsize::new(0));
                rt.block_on(async {
                    let done_tx = done_tx.clone();
                    let rem = rem.clone();
                    rem.store(1_000, Relaxed);
                    $spawn(async move {
                        for _ in 0..1_000 {
                            let done_tx = done_tx.clone();
                            let rem = rem.clone();
                            $spawn(async move {
                                let (tx1, rx1) = tokio::sync::oneshot::channel();
                                let (tx2, rx2) = tokio::sync::oneshot::channel();
                                $spawn(async move {
                                    rx1.await.unwrap();
                                    tx2.send(()).unwrap();
                                });
                                tx1.send(()).unwrap();
                                rx2.await.unwrap();
                                if 1 == rem.fetch_sub(1, Relaxed) {
                                    done_tx.send(()).unwrap();
                                }
                            });
                        }
                    })
                    .await
                    .unwrap();
                });
                done_rx.recv().unwrap();
            }
            pub fn chained_spawn(rt: &RT) {
                fn iter(done_tx: mpsc::SyncSender<()>, n: usize) {
                    if n == 0 {
                        done_tx.send(()).unwrap();
                    } else {
                        $spawn(async move {
                            iter(done_tx, n - 1);
                        });
                    }
                }
                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                rt.block_on(async {
                    $spawn(async move {
                        iter(done_tx, 1_000);
                    })
                    .await
                    .unwrap();
                });
                done_rx.recv().unwrap();
            }
        }
    };
}
type RT = Rts;
/// Either runtime, behind the two calls the workloads need.
pub enum Rts {
    T(tokio::runtime::Runtime),
    W(weft::runtime::Runtime),
}
impl Rts {
    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        match self {
            Rts::T(r) => r.block_on(f),
            Rts::W(r) => r.block_on(f),
        }
    }
    fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, f: F) -> Jh {
        match self {
            Rts::T(r) => Jh::T(r.spawn(f)),
            Rts::W(r) => Jh::W(r.spawn(f)),
        }
    }
}
pub enum Jh {
    T(tokio::task::JoinHandle<()>),
    W(weft::task::JoinHandle<()>),
}
impl Jh {
    async fn await_(self) {
        match self {
            Jh::T(h) => h.await.unwrap(),
            Jh::W(h) => h.await.unwrap(),
        }
    }
}
impl std::future::IntoFuture for Jh {
    type Output = Result<(), ()>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ()>> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.await_().await;
            Ok(())
        })
    }
}

workloads!(tk, tokio::spawn, tokio::task::yield_now);
workloads!(wf, weft::spawn, weft::task::yield_now);

/// Median of at least 30 timed runs (and 1.5 s), after 20 warm-up runs.
fn measure(rt: &Rts, f: fn(&Rts)) -> f64 {
    for _ in 0..20 {
        f(rt);
    }
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < deadline || samples.len() < 30 {
        let s = Instant::now();
        f(rt);
        samples.push(s.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let workers: usize = std::env::args().nth(1).map_or(2, |s| s.parse().unwrap());
    let only = std::env::args().nth(2);
    let trt = Rts::T(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap(),
    );
    let wrt = Rts::W(
        weft::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap(),
    );
    let cases: [(&str, fn(&Rts), fn(&Rts)); 5] = [
        (
            "spawn_many_local",
            tk::spawn_many_local,
            wf::spawn_many_local,
        ),
        (
            "spawn_many_remote_idle",
            tk::spawn_many_remote_idle,
            wf::spawn_many_remote_idle,
        ),
        ("yield_many", tk::yield_many, wf::yield_many),
        ("ping_pong", tk::ping_pong, wf::ping_pong),
        ("chained_spawn", tk::chained_spawn, wf::chained_spawn),
    ];
    println!(
        "{:<24} {:>12} {:>12} {:>8}",
        "workload (median µs)", "tokio", "weft", "ratio"
    );
    for (name, t, w) in cases {
        if let Some(o) = &only {
            if !name.contains(o.as_str()) {
                continue;
            }
        }
        let tt = measure(&trt, t);
        let ww = measure(&wrt, w);
        println!("{:<24} {:>12.1} {:>12.1} {:>8.2}", name, tt, ww, ww / tt);
    }
}
