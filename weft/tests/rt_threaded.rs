//! The runtime under threads: spawns and wakes from foreign threads,
//! saturation, deep spawn chains, blocked workers, `block_in_place`,
//! shutdown of busy runtimes, fairness against self-waking and LIFO
//! ping-pong tasks, and the worker-thread builder options. Every body runs
//! on each runtime flavor (`rt_test!`); where the expected behaviour
//! differs by flavor, the body says why.

mod support;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use support::*;
use weft::runtime::Handle;
use weft::task::{self, block_in_place};

const BLOCK_IN_PLACE_ON_CURRENT_THREAD: &str =
    "can call blocking only when running on the multi-threaded runtime";

/// A future that is `Pending` until `stop` is set, waking itself on every
/// poll (it is always ready to run again).
fn spin_until(counters: &Arc<Counters>, stop: &Arc<AtomicBool>) -> impl Future<Output = ()> + Send {
    let stop = stop.clone();
    Counted::new(
        counters,
        std::future::poll_fn(move |cx| {
            if stop.load(SeqCst) {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }),
    )
}

/// Two futures that wake each other on every poll (each stores its own
/// waker and wakes the other's) until `stop` is set.
fn wake_each_other(
    a: &Arc<Counters>,
    b: &Arc<Counters>,
    stop: &Arc<AtomicBool>,
) -> (
    impl Future<Output = ()> + Send,
    impl Future<Output = ()> + Send,
) {
    type Slot = Arc<Mutex<Option<Waker>>>;
    fn side(mine: Slot, theirs: Slot, stop: Arc<AtomicBool>) -> impl Future<Output = ()> + Send {
        std::future::poll_fn(move |cx| {
            if stop.load(SeqCst) {
                // Let the other side see `stop` too.
                if let Some(waker) = theirs.lock().unwrap().take() {
                    waker.wake();
                }
                return Poll::Ready(());
            }
            *mine.lock().unwrap() = Some(cx.waker().clone());
            let other = theirs.lock().unwrap().take();
            if let Some(waker) = other {
                waker.wake();
            }
            Poll::Pending
        })
    }
    let slot_a: Slot = Arc::default();
    let slot_b: Slot = Arc::default();
    (
        Counted::new(a, side(slot_a.clone(), slot_b.clone(), stop.clone())),
        Counted::new(b, side(slot_b, slot_a, stop.clone())),
    )
}

/// A counter other threads can block on (std only: usable from a task
/// that blocks its worker on purpose).
#[derive(Default)]
struct Tally {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Tally {
    fn add(&self) {
        *self.count.lock().unwrap() += 1;
        self.changed.notify_all();
    }

    fn get(&self) -> usize {
        *self.count.lock().unwrap()
    }

    /// Blocks this thread until the count reaches `n`; `false` if it did
    /// not within `PATIENCE`.
    fn wait_for(&self, n: usize) -> bool {
        let count = self.count.lock().unwrap();
        let (count, _) = self
            .changed
            .wait_timeout_while(count, PATIENCE, |count| *count < n)
            .unwrap();
        *count >= n
    }
}

/// A task spawns `others` tasks on its own worker, then blocks that worker
/// inside its poll. With other workers (multi_thread_4) it blocks until
/// they all finished, which they must do elsewhere meanwhile; with one
/// worker (or on current_thread) it sleeps 500 ms and they run after.
fn blocked_worker_and_its_queued_tasks(rt: &weft::runtime::Runtime, flavor: Flavor, others: usize) {
    let finished = Arc::new(Tally::default());
    let blocker_done = Arc::new(AtomicBool::new(false));
    let ran_while_blocked = Arc::new(AtomicUsize::new(0));
    let blocker = {
        let (finished, blocker_done, ran_while_blocked) = (
            finished.clone(),
            blocker_done.clone(),
            ran_while_blocked.clone(),
        );
        rt.spawn(async move {
            // Lets the other workers go idle (park) first; if some are not
            // parked yet the test is only weaker, not wrong.
            thread::sleep(Duration::from_millis(50));
            let handles: Vec<_> = (0..others)
                .map(|_| {
                    let (finished, blocker_done, ran_while_blocked) = (
                        finished.clone(),
                        blocker_done.clone(),
                        ran_while_blocked.clone(),
                    );
                    weft::spawn(async move {
                        if !blocker_done.load(SeqCst) {
                            ran_while_blocked.fetch_add(1, SeqCst);
                        }
                        finished.add();
                    })
                })
                .collect();
            // Block this worker inside one poll.
            let all_finished_meanwhile = if flavor.workers() > 1 {
                let done = finished.wait_for(others);
                if done {
                    // Still blocked a while after they finished.
                    thread::sleep(Duration::from_millis(20));
                }
                done
            } else {
                thread::sleep(Duration::from_millis(500));
                false
            };
            blocker_done.store(true, SeqCst);
            (all_finished_meanwhile, handles)
        })
    };
    let (all_finished_meanwhile, handles) = rt.block_on(blocker).unwrap();
    rt.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(finished.get(), others);
    if flavor.workers() > 1 {
        assert!(
            all_finished_meanwhile,
            "{others} queued task(s) stuck behind a blocked worker"
        );
        assert_eq!(ran_while_blocked.load(SeqCst), others);
    } else {
        assert_eq!(
            ran_while_blocked.load(SeqCst),
            0,
            "they ran after the sleep"
        );
    }
}

/// Drops `rt` on another thread; fails the test if that does not return
/// within `PATIENCE` (the stuck thread is left behind).
fn drop_within_patience(rt: weft::runtime::Runtime) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        drop(rt);
        let _ = tx.send(());
    });
    rx.recv_timeout(PATIENCE)
        .expect("dropping the runtime hung");
}

rt_test! {
    fn spawn_from_inside_and_outside_the_runtime(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("spawn_from_inside_and_outside_the_runtime");
        const THREADS: u64 = 4;
        const PER_THREAD: u64 = 50;
        let spawned_before = rt.metrics().spawned_tasks_count();
        let results: Arc<Chan<(u64, thread::ThreadId)>> = Chan::new();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let go_rx = Arc::new(Mutex::new(go_rx));
        // Foreign threads spawn with `Handle::spawn` while `block_on` runs
        // (they start only once its future is polled); each of their tasks
        // spawns a child from inside the runtime, two different ways.
        let spawners: Vec<_> = (0..THREADS)
            .map(|t| {
                let handle = rt.handle().clone();
                let results = results.clone();
                let go_rx = go_rx.clone();
                thread::spawn(move || {
                    let go = go_rx.lock().unwrap().recv_timeout(PATIENCE);
                    go.expect("block_on started");
                    for i in 0..PER_THREAD {
                        let value = t * PER_THREAD + i;
                        let results = results.clone();
                        drop(handle.spawn(async move {
                            let inner = results.clone();
                            drop(weft::spawn(async move {
                                inner.send((value * 2, thread::current().id()));
                            }));
                            let child = Handle::current().spawn(async move { value * 2 + 1 });
                            let child = child.await.unwrap();
                            results.send((child, thread::current().id()));
                        }));
                    }
                })
            })
            .collect();
        let received = rt.block_on(async {
            for _ in 0..THREADS {
                go_tx.send(()).unwrap();
            }
            let mut received = Vec::new();
            for _ in 0..THREADS * PER_THREAD * 2 {
                received.push(results.recv().await);
            }
            received
        });
        for spawner in spawners {
            spawner.join().unwrap();
        }
        let mut values: Vec<u64> = received.iter().map(|&(v, _)| v).collect();
        values.sort_unstable();
        let expected: Vec<u64> = (0..THREADS * PER_THREAD * 2).collect();
        assert_eq!(values, expected, "every task ran exactly once");
        assert_eq!(
            rt.metrics().spawned_tasks_count() - spawned_before,
            THREADS * PER_THREAD * 3
        );
        if flavor.is_current_thread() {
            let me = thread::current().id();
            assert!(received.iter().all(|&(_, ran_on)| ran_on == me), "ran in block_on");
        }
        rt.block_on(yield_until(|| rt.metrics().num_alive_tasks() == 0));
    }

    fn wakes_from_foreign_threads_in_lock_step_poll_exactly_once_each(rt: &Runtime) {
        let _watchdog = Watchdog::new("wakes_from_foreign_threads_in_lock_step");
        const TASKS: usize = 8;
        const ROUNDS: usize = 300;
        const THREADS: usize = 3;

        #[derive(Default)]
        struct Step {
            state: Mutex<(usize, usize, Option<Waker>)>, // (seen, go, waker)
            registered: Condvar,
        }
        let steps: Vec<Arc<Step>> = (0..TASKS).map(|_| Arc::default()).collect();
        let counters: Vec<_> = (0..TASKS).map(|_| Counters::new()).collect();
        let handles: Vec<_> = steps
            .iter()
            .zip(&counters)
            .map(|(step, counters)| {
                let step = step.clone();
                rt.spawn(Counted::new(
                    counters,
                    std::future::poll_fn(move |cx| {
                        let mut state = step.state.lock().unwrap();
                        state.0 = state.0.max(state.1);
                        if state.0 == ROUNDS {
                            return Poll::Ready(state.0);
                        }
                        state.2 = Some(cx.waker().clone());
                        step.registered.notify_all();
                        Poll::Pending
                    }),
                ))
            })
            .collect();
        // Round r is driven by thread r % THREADS: it waits until each task
        // has seen round r and stored its waker, then wakes it once.
        let wakers: Vec<_> = (0..THREADS)
            .map(|t| {
                let steps = steps.clone();
                thread::spawn(move || {
                    for round in (t..ROUNDS).step_by(THREADS) {
                        for step in &steps {
                            let state = step.state.lock().unwrap();
                            let (mut state, timeout) = step
                                .registered
                                .wait_timeout_while(state, PATIENCE, |s| s.0 != round || s.2.is_none())
                                .unwrap();
                            assert!(!timeout.timed_out(), "a wake was lost in round {round}");
                            state.1 = round + 1;
                            let waker = state.2.take().unwrap();
                            drop(state);
                            waker.wake();
                        }
                    }
                })
            })
            .collect();
        let outputs = rt.block_on(async {
            let mut outputs = Vec::new();
            for handle in handles {
                outputs.push(handle.await.unwrap());
            }
            outputs
        });
        for waker in wakers {
            waker.join().unwrap();
        }
        assert_eq!(outputs, vec![ROUNDS; TASKS]);
        for counters in &counters {
            assert_eq!(counters.polls(), ROUNDS + 1, "one poll per wake, plus the first");
            assert_eq!(counters.drops(), 1);
        }
    }

    fn many_racing_wakes_from_foreign_threads_lose_none(rt: &Runtime) {
        let _watchdog = Watchdog::new("many_racing_wakes_from_foreign_threads_lose_none");
        const TASKS: usize = 4;
        const THREADS: usize = 4;
        const WAKES: usize = 2_000;
        type Shared = Arc<(AtomicUsize, Mutex<Option<Waker>>)>;
        let shared: Vec<Shared> = (0..TASKS).map(|_| Arc::default()).collect();
        let counters: Vec<_> = (0..TASKS).map(|_| Counters::new()).collect();
        let handles: Vec<_> = shared
            .iter()
            .zip(&counters)
            .map(|(shared, counters)| {
                let shared = shared.clone();
                rt.spawn(Counted::new(
                    counters,
                    std::future::poll_fn(move |cx| {
                        // Store the waker before reading the count: a wake
                        // after the read finds this waker.
                        *shared.1.lock().unwrap() = Some(cx.waker().clone());
                        if shared.0.load(SeqCst) == THREADS * WAKES {
                            Poll::Ready(())
                        } else {
                            Poll::Pending
                        }
                    }),
                ))
            })
            .collect();
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || {
                    for _ in 0..WAKES {
                        for task in &shared {
                            task.0.fetch_add(1, SeqCst);
                            let waker = task.1.lock().unwrap().clone();
                            if let Some(waker) = waker {
                                waker.wake();
                            }
                        }
                    }
                })
            })
            .collect();
        rt.block_on(async {
            for handle in handles {
                handle.await.unwrap();
            }
        });
        for thread in threads {
            thread.join().unwrap();
        }
        for counters in &counters {
            assert!(counters.polls() >= 1);
            assert!(counters.polls() <= THREADS * WAKES + 1, "at most one poll per wake");
            assert_eq!(counters.drops(), 1);
        }
    }

    fn ping_pong_pairs_saturating_the_runtime_all_finish(rt: &Runtime) {
        let _watchdog = Watchdog::new("ping_pong_pairs_saturating_the_runtime_all_finish");
        const PAIRS: u64 = 32;
        const ROUNDS: u64 = 500;
        let (pings, pongs): (Vec<_>, Vec<_>) = (0..PAIRS)
            .map(|pair| {
                let to_b: Arc<Chan<u64>> = Chan::new();
                let to_a: Arc<Chan<u64>> = Chan::new();
                let ping = {
                    let (to_b, to_a) = (to_b.clone(), to_a.clone());
                    // Half the pingers are spawned from outside.
                    rt.spawn(async move {
                        let mut sum = 0;
                        for i in 0..ROUNDS {
                            to_b.send(pair * ROUNDS + i);
                            let back = to_a.recv().await;
                            assert_eq!(back, pair * ROUNDS + i + 1);
                            sum += back;
                        }
                        sum
                    })
                };
                let pong = async move {
                    for _ in 0..ROUNDS {
                        let v = to_b.recv().await;
                        to_a.send(v + 1);
                    }
                };
                (ping, pong)
            })
            .unzip();
        let total = rt.block_on(async {
            // The pongers are spawned from inside the runtime.
            let pongs: Vec<_> = pongs.into_iter().map(weft::spawn).collect();
            let mut total = 0;
            for ping in pings {
                total += ping.await.unwrap();
            }
            for pong in pongs {
                pong.await.unwrap();
            }
            total
        });
        let n = PAIRS * ROUNDS;
        assert_eq!(total, n * (n + 1) / 2);
    }

    fn chained_spawns_ten_thousand_deep(rt: &Runtime) {
        let _watchdog = Watchdog::new("chained_spawns_ten_thousand_deep");
        const DEPTH: usize = 10_000;
        type Link = Pin<Box<dyn Future<Output = ()> + Send>>;
        fn link(left: usize, ran: Arc<AtomicUsize>, done: Arc<Chan<usize>>) -> Link {
            Box::pin(async move {
                ran.fetch_add(1, SeqCst);
                if left == 0 {
                    done.send(ran.load(SeqCst));
                } else {
                    // Spawns the next link and finishes without awaiting it.
                    drop(weft::spawn(link(left - 1, ran, done)));
                }
            })
        }
        let spawned_before = rt.metrics().spawned_tasks_count();
        let ran = Arc::new(AtomicUsize::new(0));
        let done = Chan::new();
        let first = rt.spawn(link(DEPTH, ran.clone(), done.clone()));
        let seen_by_last = rt.block_on(async {
            first.await.unwrap();
            done.recv().await
        });
        assert_eq!(seen_by_last, DEPTH + 1, "the last link ran after all the others");
        assert_eq!(ran.load(SeqCst), DEPTH + 1);
        rt.block_on(yield_until(|| rt.metrics().num_alive_tasks() == 0));
        assert_eq!(
            rt.metrics().spawned_tasks_count() - spawned_before,
            (DEPTH + 1) as u64
        );
    }

    fn spawn_yield_and_foreign_wake_cycles_lose_no_wakeup(rt: &Runtime) {
        let _watchdog = Watchdog::new("spawn_yield_and_foreign_wake_cycles");
        const BATCHES: usize = 100;
        const BATCH: usize = 1_000; // 100,000 cycles in all
        type Request = (Arc<AtomicBool>, Waker);

        /// Pending until a foreign thread sets its flag and wakes it.
        struct ForeignWake {
            to: Option<mpsc::Sender<Request>>,
            flag: Arc<AtomicBool>,
        }
        impl Future for ForeignWake {
            type Output = ();
            fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
                if self.flag.load(SeqCst) {
                    return Poll::Ready(());
                }
                if let Some(to) = self.to.take() {
                    to.send((self.flag.clone(), cx.waker().clone())).unwrap();
                }
                Poll::Pending
            }
        }

        let (senders, wakers): (Vec<_>, Vec<_>) = (0..2)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Request>();
                let waker = thread::spawn(move || {
                    let mut woken = 0usize;
                    for (flag, waker) in rx {
                        flag.store(true, SeqCst);
                        waker.wake();
                        woken += 1;
                    }
                    woken
                });
                (tx, waker)
            })
            .unzip();
        let count = Arc::new(AtomicUsize::new(0));
        let polls = Counters::new();
        rt.block_on(async {
            for _ in 0..BATCHES {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| {
                        let to = senders[i % senders.len()].clone();
                        let count = count.clone();
                        weft::spawn(Counted::new(&polls, async move {
                            task::yield_now().await;
                            ForeignWake { to: Some(to), flag: Arc::default() }.await;
                            count.fetch_add(1, SeqCst);
                        }))
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            }
        });
        drop(senders);
        let woken: usize = wakers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(count.load(SeqCst), BATCHES * BATCH);
        assert_eq!(woken, BATCHES * BATCH);
        assert_eq!(polls.polls(), 3 * BATCHES * BATCH, "start, after the yield, after the wake");
        assert_eq!(polls.drops(), BATCHES * BATCH);
    }

    fn a_blocked_worker_does_not_hold_up_the_tasks_it_queued(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_blocked_worker_does_not_hold_up_the_tasks_it_queued");
        // The last one sits in the LIFO slot (rescued by an idle worker),
        // the others in the local queue (stolen).
        blocked_worker_and_its_queued_tasks(rt, flavor, 8);
    }

    fn a_task_alone_in_the_lifo_slot_of_a_blocked_worker_is_rescued(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_task_alone_in_the_lifo_slot_of_a_blocked_worker_is_rescued");
        blocked_worker_and_its_queued_tasks(rt, flavor, 1);
    }

    fn block_in_place_keeps_the_other_tasks_running(rt: &Runtime, flavor: Flavor) {
        quiet_panics();
        let _watchdog = Watchdog::new("block_in_place_keeps_the_other_tasks_running");
        // Outside any runtime it just runs the closure.
        assert_eq!(block_in_place(|| 3), 3);
        assert_eq!(block_in_place(|| block_in_place(|| 4)), 4);

        if flavor.is_current_thread() {
            // No other thread could run the tasks: refused, in block_on and
            // in a task alike.
            let message = rt.block_on(async { panic_of(|| block_in_place(|| ())) });
            assert!(message.contains(BLOCK_IN_PLACE_ON_CURRENT_THREAD), "{message}");
            let err = rt.block_on(rt.spawn(async { block_in_place(|| ()) })).unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains(BLOCK_IN_PLACE_ON_CURRENT_THREAD), "{err}");
            assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5, "still usable");
            return;
        }

        // `Runtime::block_on` of a multi_thread runtime is not a worker:
        // it simply runs the closure.
        assert_eq!(rt.block_on(async { block_in_place(|| 6) }), 6);

        const QUEUED: usize = 16;
        let from_outside = Gate::new();
        let (tx, rx) = mpsc::channel::<usize>();
        // Queued from outside before the blocking task starts; they wait
        // for `from_outside`, opened from inside the blocking closure.
        let outside: Vec<_> = (0..QUEUED)
            .map(|i| {
                let tx = tx.clone();
                let gate = from_outside.clone();
                rt.spawn(async move {
                    gate.wait().await;
                    tx.send(QUEUED + i).unwrap();
                })
            })
            .collect();
        let blocking = rt.spawn(async move {
            // Queued on this very worker (LIFO slot and local queue).
            let local: Vec<_> = (0..QUEUED)
                .map(|i| {
                    let tx = tx.clone();
                    weft::spawn(async move {
                        task::yield_now().await;
                        tx.send(i).unwrap();
                    })
                })
                .collect();
            drop(tx);
            let mut got = block_in_place(move || {
                from_outside.open();
                // Waits for tasks queued on this worker: a deadlock unless
                // the worker's queue moved to another thread.
                (0..2 * QUEUED)
                    .map(|_| rx.recv_timeout(PATIENCE).expect("the other tasks kept running"))
                    .collect::<Vec<_>>()
            });
            got.sort_unstable();
            // Back to async code on a worker: still a task of the runtime.
            task::yield_now().await;
            for handle in local {
                handle.await.unwrap();
            }
            // Nested, and `Handle::block_on` inside the closure.
            let nested = block_in_place(|| block_in_place(|| 7));
            let handle = Handle::current();
            let via_block_on = block_in_place(move || {
                handle.block_on(async { weft::spawn(async { 8 }).await.unwrap() })
            });
            (got, nested, via_block_on)
        });
        let (got, nested, via_block_on) = rt.block_on(blocking).unwrap();
        assert_eq!(got, (0..2 * QUEUED).collect::<Vec<_>>());
        assert_eq!((nested, via_block_on), (7, 8));
        rt.block_on(async {
            for handle in outside {
                handle.await.unwrap();
            }
        });
        // The runtime still runs tasks on every worker afterwards.
        let sum = rt.block_on(async {
            let handles: Vec<_> = (0..100u64).map(|i| weft::spawn(async move { i })).collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 4950);
    }

    fn dropping_a_runtime_with_tasks_waking_each_other_forever(rt: Runtime) {
        let _watchdog = Watchdog::new("dropping_a_runtime_with_tasks_waking_each_other_forever");
        let never = Arc::new(AtomicBool::new(false));
        let (a, b, spinner) = (Counters::new(), Counters::new(), Counters::new());
        let (fa, fb) = wake_each_other(&a, &b, &never);
        rt.spawn(fa);
        rt.spawn(fb);
        rt.spawn(spin_until(&spinner, &never));
        rt.block_on(yield_until(|| a.polls() >= 10 && b.polls() >= 10 && spinner.polls() >= 10));
        drop_within_patience(rt);
        for counters in [&a, &b, &spinner] {
            assert_eq!(counters.drops(), 1, "each future dropped exactly once");
        }
    }

    fn shutting_down_while_a_task_is_blocked(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("shutting_down_while_a_task_is_blocked");
        // On current_thread a task only runs inside `block_on`, which
        // borrows the runtime: it cannot be dropped while a task blocks, so
        // the blocked work there is a `spawn_blocking` closure. On
        // multi_thread it is a task stuck in a worker's poll.
        // The blocked work waits for `release`, so what shutdown does while
        // it blocks does not depend on how fast anything runs.
        let start_sleeper = |rt: &weft::runtime::Runtime, release: &Arc<Latch>| {
            let started = Arc::new(AtomicBool::new(false));
            let finished = Arc::new(AtomicBool::new(false));
            let counters = Counters::new();
            let (s, f, release) = (started.clone(), finished.clone(), release.clone());
            let sleep = move || {
                s.store(true, SeqCst);
                assert!(release.wait(), "the blocked work was never released");
                f.store(true, SeqCst);
            };
            if flavor.is_current_thread() {
                drop(rt.spawn_blocking(sleep));
            } else {
                rt.spawn(Counted::new(&counters, async move {
                    sleep();
                    std::future::pending::<()>().await;
                }));
            }
            wait_until("the sleeper started", || started.load(SeqCst));
            (finished, counters)
        };

        // Drop waits for it (released a little later from another thread:
        // if drop did not wait, it would return before the release).
        let release = Latch::new();
        let (finished, counters) = start_sleeper(&rt, &release);
        let releaser = {
            let release = release.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                release.open();
            })
        };
        drop_within_patience(rt);
        assert!(finished.load(SeqCst), "drop returned before the blocked task finished");
        releaser.join().unwrap();
        if !flavor.is_current_thread() {
            assert_eq!(counters.drops(), 1);
        }

        // shutdown_timeout does not.
        let rt = flavor.build();
        let release = Latch::new();
        let (finished, counters) = start_sleeper(&rt, &release);
        rt.shutdown_timeout(Duration::from_millis(10));
        assert!(!finished.load(SeqCst), "shutdown_timeout waited for the blocked task");
        release.open();
        wait_until("the sleeper finished", || finished.load(SeqCst));
        if !flavor.is_current_thread() {
            // Cancelled by its worker once the poll returned.
            wait_until("the blocked task was dropped", || counters.drops() == 1);
        }
    }

    fn a_self_waking_task_starves_neither_foreign_wakes_nor_later_spawns(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_self_waking_task_starves_nothing");
        let stop = Arc::new(AtomicBool::new(false));
        let spinner_counters = Counters::new();
        let spinner = rt.spawn(spin_until(&spinner_counters, &stop));
        rt.block_on(yield_until(|| spinner_counters.polls() >= 10));

        // Woken from a foreign thread.
        let gated_counters = Counters::new();
        let gate = Gate::new();
        let gated_task = rt.spawn(gated(&gated_counters, &gate, 1));
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                gate.wait_registrations(1);
                gate.open();
            })
        };
        // Spawned later: from outside, and from a task on the runtime.
        let later_outside = rt.spawn(async { 2 });
        let later_inside = rt.spawn(async { weft::spawn(async { 3 }).await.unwrap() });
        let sum = rt.block_on(async {
            gated_task.await.unwrap() + later_outside.await.unwrap() + later_inside.await.unwrap()
        });
        opener.join().unwrap();
        assert_eq!(sum, 6);
        assert_eq!(gated_counters.polls(), 2);
        assert!(!spinner.is_finished(), "still spinning all along");
        stop.store(true, SeqCst);
        rt.block_on(spinner).unwrap();
    }

    fn lifo_ping_pong_does_not_starve_a_task_queued_behind_it(rt: &Runtime) {
        let _watchdog = Watchdog::new("lifo_ping_pong_does_not_starve_a_task_queued_behind_it");
        /// The ping-pong gives up after this many polls of one side.
        const GIVE_UP: usize = 50_000;
        let stop = Arc::new(AtomicBool::new(false));
        let (a, b) = (Counters::new(), Counters::new());
        let (fa, fb) = wake_each_other(&a, &b, &stop);
        // The polls of `a` when the victim ran (0: never).
        let victim_ran_at = Arc::new(AtomicUsize::new(0));
        let pair = {
            let (stop, victim_ran_at, a) = (stop.clone(), victim_ran_at.clone(), a.clone());
            rt.spawn(async move {
                let fb = weft::spawn(fb);
                let mut fa = std::pin::pin!(fa);
                let mut victim = None;
                // Drive `a` inline: this task is one side of the ping-pong.
                std::future::poll_fn(|cx| {
                    if a.polls() == 5 && victim.is_none() {
                        // Queued on this worker while the ping-pong runs:
                        // the wake of `b` just below takes the LIFO slot
                        // from it.
                        let (stop, victim_ran_at, a) = (stop.clone(), victim_ran_at.clone(), a.clone());
                        victim = Some(weft::spawn(async move {
                            victim_ran_at.store(a.polls(), SeqCst);
                            stop.store(true, SeqCst);
                        }));
                    }
                    if a.polls() >= GIVE_UP {
                        stop.store(true, SeqCst);
                    }
                    fa.as_mut().poll(cx)
                })
                .await;
                fb.await.unwrap();
                victim.expect("spawned").await.unwrap();
            })
        };
        rt.block_on(pair).unwrap();
        let ran_at = victim_ran_at.load(SeqCst);
        assert!(
            (5..GIVE_UP).contains(&ran_at),
            "the queued task ran only after the ping-pong gave up (at {ran_at} polls)"
        );
        assert!(b.polls() > 5, "b: {}", b.polls());
    }

    fn worker_threads_follow_the_builder(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("worker_threads_follow_the_builder");
        drop(rt);
        const NAME: &str = "weft-test-named";
        let starts = Arc::new(AtomicUsize::new(0));
        let stops = Arc::new(AtomicUsize::new(0));
        let mut builder = builder(flavor);
        let rt = {
            let (starts, stops) = (starts.clone(), stops.clone());
            builder
                .thread_name(NAME)
                .on_thread_start(move || {
                    if thread::current().name() == Some(NAME) {
                        starts.fetch_add(1, SeqCst);
                    }
                })
                .on_thread_stop(move || {
                    stops.fetch_add(1, SeqCst);
                })
                .enable_all()
                .build()
                .unwrap()
        };
        let workers = if flavor.is_current_thread() { 0 } else { flavor.workers() };
        // Every worker thread starts (they are started at build), named.
        wait_until("the workers started", || starts.load(SeqCst) == workers);
        let names = rt.block_on(async {
            let handles: Vec<_> = (0..32)
                .map(|_| weft::spawn(async { thread::current().name().map(str::to_owned) }))
                .collect();
            let mut names = Vec::new();
            for handle in handles {
                names.push(handle.await.unwrap());
            }
            let blocking = task::spawn_blocking(|| thread::current().name().map(str::to_owned));
            (names, blocking.await.unwrap())
        });
        let (task_names, blocking_name) = names;
        assert_eq!(blocking_name.as_deref(), Some(NAME), "blocking-pool threads are named");
        let expected_task_thread = if flavor.is_current_thread() {
            thread::current().name().map(str::to_owned)
        } else {
            Some(NAME.to_owned())
        };
        assert!(task_names.iter().all(|n| *n == expected_task_thread), "{task_names:?}");
        assert!(starts.load(SeqCst) > workers, "the workers and a blocking thread started");
        drop(rt);
        assert_eq!(stops.load(SeqCst), starts.load(SeqCst), "every started thread stopped");
    }

    fn park_and_unpark_hooks_run_on_idle_workers(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("park_and_unpark_hooks_run_on_idle_workers");
        drop(rt);
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let rt = {
            let (parks, unparks) = (parks.clone(), unparks.clone());
            builder(flavor)
                .on_thread_park(move || {
                    parks.fetch_add(1, SeqCst);
                })
                .on_thread_unpark(move || {
                    unparks.fetch_add(1, SeqCst);
                })
                .enable_all()
                .build()
                .unwrap()
        };
        // Threads inside a park once idle: multi_thread workers park on
        // their own; current_thread parks only inside block_on.
        let parked_when_idle = if flavor.is_current_thread() { 0 } else { flavor.workers() };
        wait_until("the idle workers parked", || {
            parks.load(SeqCst) == unparks.load(SeqCst) + parked_when_idle
        });
        for _round in 0..3 {
            let parks_before = parks.load(SeqCst);
            let unparks_before = unparks.load(SeqCst);
            let gate = Gate::new();
            let counters = Counters::new();
            let task = rt.spawn(gated(&counters, &gate, ()));
            // Opened once a thread parked with the task waiting (so one must
            // unpark to finish it); opened either way, so a failure does
            // not hang.
            let opener = {
                let (gate, parks) = (gate.clone(), parks.clone());
                thread::spawn(move || {
                    gate.wait_registrations(1);
                    let deadline = std::time::Instant::now() + PATIENCE;
                    while parks.load(SeqCst) <= parks_before && std::time::Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(1));
                    }
                    gate.open();
                    parks.load(SeqCst) > parks_before
                })
            };
            rt.block_on(task).unwrap();
            assert!(opener.join().unwrap(), "the park hook ran while the runtime was idle");
            assert!(unparks.load(SeqCst) > unparks_before, "a thread unparked to run the task");
            // Idle again: as many threads inside a park as at the start.
            wait_until("the workers parked again", || {
                parks.load(SeqCst) == unparks.load(SeqCst) + parked_when_idle
            });
        }
    }

    fn tasks_run_on_the_expected_threads(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("tasks_run_on_the_expected_threads");
        let ids = rt.block_on(async {
            let handles: Vec<_> = (0..64)
                .map(|_| {
                    weft::spawn(async {
                        // Blocks briefly, so the other workers take the rest.
                        thread::sleep(Duration::from_millis(2));
                        thread::current().id()
                    })
                })
                .collect();
            let mut ids = Vec::new();
            for handle in handles {
                ids.push(handle.await.unwrap());
            }
            ids
        });
        let distinct: HashSet<_> = ids.iter().copied().collect();
        let me = thread::current().id();
        match flavor {
            Flavor::CurrentThread => assert_eq!(distinct, HashSet::from([me])),
            Flavor::MultiThread(1) => {
                assert_eq!(distinct.len(), 1, "one worker thread");
                assert!(!distinct.contains(&me), "not on the block_on thread");
            }
            Flavor::MultiThread(workers) => {
                assert!(distinct.len() > 1, "ran on {} thread(s)", distinct.len());
                assert!(distinct.len() <= workers);
                assert!(!distinct.contains(&me));
            }
        }
    }
}

/// Tasks spinning with `yield_now` when the runtime is dropped. Written
/// out per flavor (not `rt_test!`) because only the multi_thread ones hit
/// the bug below.
mod dropping_a_runtime_with_tasks_spinning_on_yield_now {
    use super::*;

    fn body(flavor: Flavor) {
        let _watchdog = Watchdog::new("dropping_a_runtime_with_tasks_spinning_on_yield_now");
        // Several rounds: the drop races with the workers.
        for _round in 0..5 {
            round(flavor.build());
        }
    }

    fn round(rt: weft::runtime::Runtime) {
        let counters: Vec<_> = (0..4).map(|_| Counters::new()).collect();
        for counters in &counters {
            rt.spawn(Counted::new(counters, async {
                loop {
                    task::yield_now().await;
                }
            }));
        }
        rt.block_on(yield_until(|| counters.iter().all(|c| c.polls() >= 3)));
        drop_within_patience(rt);
        for counters in &counters {
            assert_eq!(counters.drops(), 1, "each future dropped exactly once");
        }
    }

    #[test]
    fn current_thread() {
        body(Flavor::CurrentThread);
    }

    #[test]
    fn multi_thread_1() {
        body(Flavor::MultiThread(1));
    }

    #[test]
    fn multi_thread_4() {
        body(Flavor::MultiThread(4));
    }
}

/// Not a flavor: `Runtime::new` chooses one.
#[test]
fn runtime_new_is_multi_thread_with_a_worker_per_cpu() {
    let rt = weft::runtime::Runtime::new().unwrap();
    // Unless a variable sets the default (`Builder::worker_threads`).
    let cpus = ["WEFT_WORKER_THREADS", "TOKIO_WORKER_THREADS"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    assert_eq!(rt.metrics().num_workers(), cpus);
    // A multi_thread runtime: tasks run off the block_on thread.
    let me = thread::current().id();
    let ran_on =
        rt.block_on(async { weft::spawn(async { thread::current().id() }).await.unwrap() });
    assert_ne!(ran_on, me);
    // block_in_place is allowed in its tasks.
    let out = rt
        .block_on(rt.spawn(async { block_in_place(|| 9) }))
        .unwrap();
    assert_eq!(out, 9);
}

#[test]
fn block_in_place_runs_without_the_task_budget() {
    // Inside `block_in_place` another executor drives weft's resources:
    // the calling task's cooperative budget must not limit them (a spent
    // budget makes a resource return `Pending` until a driver check that
    // executor never makes), as in tokio.
    let _watchdog = Watchdog::new("block_in_place_runs_without_the_task_budget");
    let rt = weft::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
    for i in 0..1000 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let received = rt.block_on(async move {
        weft::spawn(async move {
            weft::task::block_in_place(move || {
                support::block_on_thread(async move {
                    let mut count = 0;
                    while rx.recv().await.is_some() {
                        count += 1;
                    }
                    count
                })
            })
        })
        .await
        .unwrap()
    });
    assert_eq!(received, 1000);
}
