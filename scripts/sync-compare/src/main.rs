//! tokio's sync bench workloads written once, instantiated for weft and for
//! tokio (runtime *and* sync types), run alternately in one process; prints
//! the median time per iteration and the weft/tokio ratio.
//!
//! Usage: `sync-compare [filter]`.

use std::sync::Arc;
use std::time::{Duration, Instant};

macro_rules! workloads {
    ($m:ident, $rt:ident, $spawn:path, $sync:ident) => {
        pub mod $m {
            use super::*;
            use $rt::runtime::{Builder, Runtime};
            use $sync::sync::{mpsc, oneshot, RwLock, Semaphore};

            pub fn multi() -> Runtime {
                // SC_WORKERS overrides tokio's bench setting of 6 workers.
                let workers = std::env::var("SC_WORKERS")
                    .ok()
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(6);
                Builder::new_multi_thread().worker_threads(workers).build().unwrap()
            }
            pub fn current() -> Runtime {
                Builder::new_current_thread().build().unwrap()
            }

            pub fn contention_bounded(rt: &Runtime) {
                contention(rt, 1_000_000);
            }
            pub fn contention_bounded_full(rt: &Runtime) {
                contention(rt, 100);
            }
            fn contention(rt: &Runtime, cap: usize) {
                rt.block_on(async move {
                    let (tx, mut rx) = mpsc::channel::<usize>(cap);
                    for _ in 0..5 {
                        let tx = tx.clone();
                        $spawn(async move {
                            for i in 0..1000 {
                                tx.send(i).await.unwrap();
                            }
                        });
                    }
                    for _ in 0..1_000 * 5 {
                        let _ = rx.recv().await;
                    }
                })
            }
            pub fn contention_unbounded(rt: &Runtime) {
                rt.block_on(async move {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for _ in 0..5 {
                        let tx = tx.clone();
                        $spawn(async move {
                            for i in 0..1000 {
                                tx.send(i).unwrap();
                            }
                        });
                    }
                    for _ in 0..1_000 * 5 {
                        let _ = rx.recv().await;
                    }
                })
            }
            pub fn uncontended_bounded(rt: &Runtime) {
                rt.block_on(async move {
                    let (tx, mut rx) = mpsc::channel::<usize>(1_000_000);
                    for i in 0..5000 {
                        tx.send(i).await.unwrap();
                    }
                    for _ in 0..5_000 {
                        let _ = rx.recv().await;
                    }
                })
            }
            pub fn uncontended_unbounded(rt: &Runtime) {
                rt.block_on(async move {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for i in 0..5000 {
                        tx.send(i).unwrap();
                    }
                    for _ in 0..5_000 {
                        let _ = rx.recv().await;
                    }
                })
            }

            pub fn request_reply_setup(rt: &Runtime) -> mpsc::Sender<oneshot::Sender<()>> {
                rt.block_on(async move {
                    let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(10);
                    $spawn(async move {
                        while let Some(reply) = rx.recv().await {
                            reply.send(()).unwrap();
                        }
                    });
                    tx
                })
            }
            pub fn request_reply(rt: &Runtime, tx: &mpsc::Sender<oneshot::Sender<()>>) {
                let task_tx = tx.clone();
                rt.block_on(async move {
                    for _ in 0..1_000 {
                        let (o_tx, o_rx) = oneshot::channel();
                        task_tx.send(o_tx).await.unwrap();
                        let _ = o_rx.await;
                    }
                })
            }

            pub fn semaphore_contended(rt: &Runtime) {
                let s = Arc::new(Semaphore::new(5));
                rt.block_on(async move {
                    let tasks: Vec<_> = (0..6)
                        .map(|_| {
                            let s = s.clone();
                            $spawn(async move {
                                for _ in 0..1000 {
                                    let _p = s.acquire().await.unwrap();
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
            }
            pub fn semaphore_uncontended(rt: &Runtime) {
                let s = Semaphore::new(10);
                rt.block_on(async move {
                    for _ in 0..6000 {
                        let _p = s.acquire().await.unwrap();
                    }
                })
            }
            pub fn rwlock_read_concurrent_contended(rt: &Runtime) {
                let lock = Arc::new(RwLock::new(()));
                rt.block_on(async move {
                    let w = lock.write().await;
                    let tasks: Vec<_> = (0..6)
                        .map(|_| {
                            let lock = lock.clone();
                            $spawn(async move {
                                for _ in 0..100 {
                                    let _r = lock.read().await;
                                }
                            })
                        })
                        .collect();
                    drop(w);
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
            }
            pub fn rwlock_read_uncontended(rt: &Runtime) {
                let lock = RwLock::new(());
                rt.block_on(async move {
                    for _ in 0..6000 {
                        let _r = lock.read().await;
                    }
                })
            }
        }
    };
}

workloads!(w, weft, weft::spawn, weft);
workloads!(t, tokio, tokio::spawn, tokio);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn compare(name: &str, filter: &str, mut weft_run: impl FnMut(), mut tokio_run: impl FnMut()) {
    // A filter starting with '=' must match the whole name.
    let selected = match filter.strip_prefix('=') {
        Some(exact) => name.ends_with(exact),
        None => name.contains(filter),
    };
    if !selected {
        return;
    }
    // SC_ONLY=weft|tokio runs one side only (for perf/callgrind);
    // SC_ROUNDS sets the timed rounds (default 60).
    let only = std::env::var("SC_ONLY").unwrap_or_default();
    let rounds: usize = std::env::var("SC_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(60);
    let (run_w, run_t) = (only != "tokio", only != "weft");
    for _ in 0..5 {
        if run_w {
            weft_run();
        }
        if run_t {
            tokio_run();
        }
    }
    let (mut wt, mut tt) = (vec![Duration::ZERO], vec![Duration::ZERO]);
    for _ in 0..rounds {
        if run_w {
            let s = Instant::now();
            weft_run();
            wt.push(s.elapsed());
        }
        if run_t {
            let s = Instant::now();
            tokio_run();
            tt.push(s.elapsed());
        }
    }
    if wt.len() > 1 {
        wt.remove(0);
    }
    if tt.len() > 1 {
        tt.remove(0);
    }
    let (w, t) = (median(wt), median(tt));
    println!(
        "{name:40} weft {:>9.1} µs   tokio {:>9.1} µs   weft/tokio {:.2}",
        w.as_secs_f64() * 1e6,
        t.as_secs_f64() * 1e6,
        w.as_secs_f64() / t.as_secs_f64()
    );
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let f = filter.as_str();
    let (wm, tm) = (w::multi(), t::multi());
    let (wc, tc) = (w::current(), t::current());
    compare("sync_mpsc/contention_bounded", f, || w::contention_bounded(&wm), || t::contention_bounded(&tm));
    compare("sync_mpsc/contention_bounded_full", f, || w::contention_bounded_full(&wm), || t::contention_bounded_full(&tm));
    compare("sync_mpsc/contention_unbounded", f, || w::contention_unbounded(&wm), || t::contention_unbounded(&tm));
    compare("sync_mpsc/uncontended_bounded", f, || w::uncontended_bounded(&wm), || t::uncontended_bounded(&tm));
    compare("sync_mpsc/uncontended_unbounded", f, || w::uncontended_unbounded(&wm), || t::uncontended_unbounded(&tm));
    let (wtx, ttx) = (w::request_reply_setup(&wc), t::request_reply_setup(&tc));
    compare("sync_mpsc_oneshot/request_reply_current", f, || w::request_reply(&wc, &wtx), || t::request_reply(&tc, &ttx));
    let (wtx, ttx) = (w::request_reply_setup(&wm), t::request_reply_setup(&tm));
    compare("sync_mpsc_oneshot/request_reply_multi", f, || w::request_reply(&wm, &wtx), || t::request_reply(&tm, &ttx));
    compare("sync_semaphore/contended_multi", f, || w::semaphore_contended(&wm), || t::semaphore_contended(&tm));
    compare("sync_semaphore/uncontended_current", f, || w::semaphore_uncontended(&wc), || t::semaphore_uncontended(&tc));
    compare("sync_rwlock/read_concurrent_contended_multi", f, || w::rwlock_read_concurrent_contended(&wm), || t::rwlock_read_concurrent_contended(&tm));
    compare("sync_rwlock/read_uncontended_current", f, || w::rwlock_read_uncontended(&wc), || t::rwlock_read_uncontended(&tc));
}
