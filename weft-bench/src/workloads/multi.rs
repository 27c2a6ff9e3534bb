//! tokio's `rt_multi_threaded` benchmarks (its `benches/rt_multi_threaded.rs`)
//! on a multi_thread runtime with [`Settings::workers`] workers: the same
//! task counts and the same shape (a std channel tells the benchmark thread
//! when the last task finished). A run's value is its time in µs.
//!
//! `ping_pong` uses `tokio::sync::oneshot` on all three runtimes: it is
//! runtime-agnostic (plain wakers), so the channel is identical and only the
//! scheduler differs (the `sync` rows compare each runtime's own channels).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use crate::rt::{spawn_detached, Flavor, Rt};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings, Timed};

/// Tasks spawned by `spawn_many_*`.
pub const NUM_SPAWN: usize = 10_000;
/// Yields per task in `yield_many`.
pub const NUM_YIELD: usize = 1_000;
/// Tasks per worker in `yield_many` (tokio's `TASKS_PER_CPU`).
pub const TASKS_PER_WORKER: usize = 100;
/// Pairs in `ping_pong`.
pub const NUM_PINGS: usize = 1_000;
/// Depth of `chained_spawn`.
pub const CHAIN_DEPTH: usize = 1_000;

fn time_us(f: impl FnOnce() -> io::Result<()>) -> io::Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed().as_secs_f64() * 1e6)
}

fn disconnected(what: &str) -> io::Error {
    io::Error::other(format!("{what}: the tasks dropped the done channel"))
}

fn multi<R: Rt>(settings: &Settings) -> io::Result<R::Runtime> {
    R::build(Flavor::MultiThread(settings.workers))
}

/// Spawns `n` empty tasks from one task; returns when the last has run.
pub fn spawn_many_local<R: Rt>(rt: &R::Runtime, n: usize) -> io::Result<()> {
    let (tx, rx) = mpsc::sync_channel(1);
    let rem = Arc::new(AtomicUsize::new(n));
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        R::spawn(sp, async move {
            for _ in 0..n {
                let tx = tx.clone();
                let rem = rem.clone();
                spawn_detached::<R, _>(sp, async move {
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        let _ = tx.send(());
                    }
                });
            }
        })
        .await;
    });
    rx.recv().map_err(|_| disconnected("spawn_many_local"))
}

/// Spawns `n` empty tasks from outside the runtime, then awaits them all.
/// Returns how many completed.
pub fn spawn_many_remote_idle<R: Rt>(rt: &R::Runtime, n: usize) -> usize {
    let handles: Vec<_> = (0..n).map(|_| R::spawn_remote(rt, async { 1 })).collect();
    R::block_on(rt, async move {
        let mut done = 0;
        for h in handles {
            done += h.await;
        }
        done
    })
}

/// `tasks` tasks spawned from outside, each yielding `yields` times.
pub fn yield_many<R: Rt>(rt: &R::Runtime, tasks: usize, yields: usize) -> io::Result<()> {
    let (tx, rx) = mpsc::sync_channel(tasks);
    for _ in 0..tasks {
        let tx = tx.clone();
        R::detach(R::spawn_remote(rt, async move {
            for _ in 0..yields {
                R::yield_now().await;
            }
            let _ = tx.send(());
        }));
    }
    drop(tx);
    for _ in 0..tasks {
        rx.recv().map_err(|_| disconnected("yield_many"))?;
    }
    Ok(())
}

/// `pairs` tasks, each spawning a partner and bouncing one message there and
/// back over two oneshots.
pub fn ping_pong<R: Rt>(rt: &R::Runtime, pairs: usize) -> io::Result<()> {
    let (done_tx, done_rx) = mpsc::sync_channel(1);
    let rem = Arc::new(AtomicUsize::new(pairs));
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        R::spawn(sp, async move {
            for _ in 0..pairs {
                let done_tx = done_tx.clone();
                let rem = rem.clone();
                spawn_detached::<R, _>(sp, async move {
                    let (tx1, rx1) = tokio::sync::oneshot::channel::<()>();
                    let (tx2, rx2) = tokio::sync::oneshot::channel::<()>();
                    spawn_detached::<R, _>(sp, async move {
                        if rx1.await.is_ok() {
                            let _ = tx2.send(());
                        }
                    });
                    let _ = tx1.send(());
                    if rx2.await.is_ok() && rem.fetch_sub(1, Relaxed) == 1 {
                        let _ = done_tx.send(());
                    }
                });
            }
        })
        .await;
    });
    done_rx.recv().map_err(|_| disconnected("ping_pong"))
}

fn chain<R: Rt>(sp: R::Spawner, done: mpsc::SyncSender<()>, n: usize) {
    if n == 0 {
        let _ = done.send(());
    } else {
        spawn_detached::<R, _>(sp, async move { chain::<R>(sp, done, n - 1) });
    }
}

/// Each task spawns the next, `depth` deep.
pub fn chained_spawn<R: Rt>(rt: &R::Runtime, depth: usize) -> io::Result<()> {
    let (done_tx, done_rx) = mpsc::sync_channel(1);
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        R::spawn(sp, async move { chain::<R>(sp, done_tx, depth) }).await;
    });
    done_rx.recv().map_err(|_| disconnected("chained_spawn"))
}

macro_rules! mt_workload {
    ($ty:ident, $name:literal, $about:literal, |$rt:ident, $settings:ident| $body:expr) => {
        #[doc = concat!("`", $name, "`: ", $about)]
        #[derive(Debug)]
        pub struct $ty;

        impl Timed for $ty {
            const NAME: &'static str = $name;
            const GROUP: &'static str = "rt_multi_threaded";
            const UNIT: Unit = Unit::MICROS;
            const ABOUT: &'static str = $about;

            fn prepare<R: Rt>($settings: &Settings) -> io::Result<Sampler> {
                let $rt = multi::<R>($settings)?;
                Ok(Box::new(move || {
                    let $rt = &$rt;
                    time_us(|| $body)
                }))
            }
        }
    };
}

mt_workload!(
    SpawnManyLocal,
    "spawn_many_local",
    "10,000 empty tasks spawned from a task",
    |rt, settings| spawn_many_local::<R>(rt, NUM_SPAWN)
);
mt_workload!(
    SpawnManyRemoteIdle,
    "spawn_many_remote_idle",
    "10,000 empty tasks spawned from outside onto idle workers, then awaited",
    |rt, settings| {
        spawn_many_remote_idle::<R>(rt, NUM_SPAWN);
        Ok(())
    }
);
mt_workload!(
    YieldMany,
    "yield_many",
    "200 tasks x 1,000 yield_now",
    |rt, settings| yield_many::<R>(rt, TASKS_PER_WORKER * 2, NUM_YIELD)
);
mt_workload!(
    PingPong,
    "ping_pong",
    "1,000 pairs bouncing over tokio::sync::oneshot (same channel on all three)",
    |rt, settings| ping_pong::<R>(rt, NUM_PINGS)
);
mt_workload!(
    ChainedSpawn,
    "chained_spawn",
    "each task spawns the next, 1,000 deep",
    |rt, settings| chained_spawn::<R>(rt, CHAIN_DEPTH)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{Kind, SmolRt, TokioRt, WeftRt};

    fn check<R: Rt>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        spawn_many_local::<R>(&rt, 50).unwrap();
        assert_eq!(spawn_many_remote_idle::<R>(&rt, 50), 50, "{}", R::KIND);
        yield_many::<R>(&rt, 4, 10).unwrap();
        ping_pong::<R>(&rt, 20).unwrap();
        chained_spawn::<R>(&rt, 20).unwrap();
    }

    #[test]
    fn every_multi_thread_workload_completes_on_every_runtime() {
        check::<WeftRt>();
        check::<TokioRt>();
        check::<SmolRt>();
        assert_eq!(Kind::ALL.len(), 4, "weft on two backends, tokio, smol");
    }
}
