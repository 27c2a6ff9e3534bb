//! `RuntimeMetrics` against workloads whose counts are known exactly:
//! spawned tasks, per-worker polls and local schedules, parks, the global
//! and local queue depths, steals and overflows, and index checks. Every
//! body runs on each runtime flavor (`rt_test!`).
//!
//! Per-worker counters are published by a worker at its maintenance ticks
//! and whenever it parks, so they are exact once it is idle. The tests
//! wait for that with bounded loops on the published values themselves
//! (monotonic counters that end at the expected value), never with a sleep.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread;

use support::*;
use weft::runtime::RuntimeMetrics;
use weft::task::{self, JoinSet};

/// A per-worker counter summed over every worker.
fn sum(metrics: &RuntimeMetrics, counter: fn(&RuntimeMetrics, usize) -> u64) -> u64 {
    (0..metrics.num_workers())
        .map(|i| counter(metrics, i))
        .sum()
}

/// Waits until `cond` holds on the published metrics. multi_thread
/// workers publish on their own when they park; a current_thread runtime
/// only runs (and publishes) inside `block_on`, so it is driven meanwhile.
fn wait_for_metrics(
    rt: &weft::runtime::Runtime,
    flavor: Flavor,
    what: &str,
    mut cond: impl FnMut() -> bool,
) {
    if flavor.is_current_thread() {
        let deadline = std::time::Instant::now() + PATIENCE;
        rt.block_on(async {
            while !cond() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "timed out waiting until {what}"
                );
                task::yield_now().await;
            }
        });
    } else {
        wait_until(what, cond);
    }
}

/// A thread that waits until a task waits on `gate`, then until `seen`
/// holds (for [`PATIENCE`] at most), and opens the gate either way, so a
/// failure does not hang; joining it says whether `seen` held.
fn open_once(
    gate: &Arc<Gate>,
    mut seen: impl FnMut() -> bool + Send + 'static,
) -> thread::JoinHandle<bool> {
    let gate = Arc::clone(gate);
    thread::spawn(move || {
        gate.wait_registrations(1);
        let deadline = std::time::Instant::now() + PATIENCE;
        let held = loop {
            if seen() {
                break true;
            }
            if std::time::Instant::now() > deadline {
                break false;
            }
            thread::sleep(std::time::Duration::from_millis(1));
        };
        gate.open();
        held
    })
}

rt_test! {
    fn spawned_tasks_count_counts_every_spawn_exactly(rt: Runtime) {
        let _watchdog = Watchdog::new("spawned_tasks_count_counts_every_spawn_exactly");
        let metrics = rt.metrics();
        assert_eq!(metrics.spawned_tasks_count(), 0);
        const OUTSIDE: u64 = 37;
        const INSIDE: u64 = 13;
        const FROM_TASK: u64 = 5;
        let mut handles: Vec<_> = (0..OUTSIDE).map(|i| rt.spawn(async move { i })).collect();
        assert_eq!(metrics.spawned_tasks_count(), OUTSIDE, "counted at spawn, before running");
        handles.extend(rt.block_on(async {
            (0..INSIDE).map(|i| weft::spawn(async move { i })).collect::<Vec<_>>()
        }));
        assert_eq!(metrics.spawned_tasks_count(), OUTSIDE + INSIDE);
        // From a task, through a JoinSet; blocking closures are not tasks.
        let from_task = rt.block_on(rt.spawn(async {
            let mut set = JoinSet::new();
            for i in 0..FROM_TASK {
                set.spawn(async move { i });
            }
            set.spawn_blocking(|| 100);
            task::spawn_blocking(|| 0).await.unwrap();
            let mut sum = 0;
            while let Some(out) = set.join_next().await {
                sum += out.unwrap();
            }
            sum
        }));
        assert_eq!(from_task.unwrap(), 110);
        rt.block_on(async {
            for handle in handles {
                handle.await.unwrap();
            }
        });
        drop(rt.spawn_blocking(|| ()));
        let total = OUTSIDE + INSIDE + 1 + FROM_TASK;
        assert_eq!(metrics.spawned_tasks_count(), total);
        // Tasks refused at shutdown are not counted.
        let handle = rt.handle().clone();
        drop(rt);
        drop(handle.spawn(async {}));
        assert_eq!(metrics.spawned_tasks_count(), total);
    }

    fn polls_and_local_schedules_match_a_known_workload(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("polls_and_local_schedules_match_a_known_workload");
        const TASKS: u64 = 50;
        const YIELDS: u64 = 10;
        let metrics = rt.metrics();
        let workers = metrics.num_workers();
        for i in 0..workers {
            assert_eq!(metrics.worker_poll_count(i), 0, "a fresh runtime polled nothing");
            assert_eq!(metrics.worker_local_schedule_count(i), 0);
        }
        // Spawned from outside: the test thread is no worker, so every
        // poll is one of these tasks' (K yields: K + 1 polls each), and
        // every yield wakes the task on the worker that polled it.
        let handles: Vec<_> = (0..TASKS)
            .map(|_| {
                rt.spawn(async {
                    for _ in 0..YIELDS {
                        task::yield_now().await;
                    }
                })
            })
            .collect();
        rt.block_on(async {
            for handle in handles {
                handle.await.unwrap();
            }
        });
        let polls = TASKS * (YIELDS + 1);
        let schedules = TASKS * YIELDS;
        wait_for_metrics(rt, flavor, "the workers published their counts", || {
            sum(&metrics, RuntimeMetrics::worker_poll_count) >= polls
                && sum(&metrics, RuntimeMetrics::worker_local_schedule_count) >= schedules
        });
        // Summed over workers, exact on every flavor: each poll is counted
        // by the one worker that made it.
        assert_eq!(sum(&metrics, RuntimeMetrics::worker_poll_count), polls);
        assert_eq!(sum(&metrics, RuntimeMetrics::worker_local_schedule_count), schedules);
        if workers == 1 {
            assert_eq!(metrics.worker_poll_count(0), polls);
            assert_eq!(metrics.worker_local_schedule_count(0), schedules);
        }
        if workers == 1 {
            // Nobody to steal from.
            assert_eq!(metrics.worker_steal_count(0), 0);
            assert_eq!(metrics.worker_steal_operations(0), 0);
        }
    }

    fn park_count_increases_when_idle(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("park_count_increases_when_idle");
        let metrics = rt.metrics();
        if !flavor.is_current_thread() {
            // Workers with nothing to do park right after the build.
            wait_until("every worker parked", || {
                (0..flavor.workers()).all(|i| metrics.worker_park_count(i) > 0)
            });
        }
        for _round in 0..3 {
            let before = sum(&metrics, RuntimeMetrics::worker_park_count);
            let gate = Gate::new();
            let counters = Counters::new();
            let task = rt.spawn(gated(&counters, &gate, ()));
            // Opened only once a worker parked again (the park is published
            // before the worker sleeps): waiting on the gate leaves the
            // runtime idle.
            let opener = {
                let metrics = metrics.clone();
                open_once(&gate, move || {
                    sum(&metrics, RuntimeMetrics::worker_park_count) > before
                })
            };
            rt.block_on(task).unwrap();
            assert!(opener.join().unwrap(), "no park was counted while the runtime was idle");
            assert_eq!(counters.polls(), 2);
        }
    }

    fn queue_depths_count_the_waiting_tasks(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("queue_depths_count_the_waiting_tasks");
        const REMOTE: usize = 25;
        const LOCAL: usize = 10;
        let metrics = rt.metrics();
        let workers = flavor.workers();
        assert_eq!(metrics.global_queue_depth(), 0);

        let release = Latch::new();
        let blocked = Arc::new(AtomicUsize::new(0));
        let local_spawned = Latch::new();
        let mut blockers = Vec::new();
        if !flavor.is_current_thread() {
            // Occupy every worker inside a poll; the last one to start
            // spawns LOCAL tasks onto its own queue first (no idle worker
            // is left to steal them).
            for _ in 0..workers {
                let (release, blocked, local_spawned) =
                    (release.clone(), blocked.clone(), local_spawned.clone());
                blockers.push(rt.spawn(async move {
                    let mut local = Vec::new();
                    if blocked.fetch_add(1, SeqCst) + 1 == workers {
                        local = (0..LOCAL).map(|_| weft::spawn(async {})).collect();
                        local_spawned.open();
                    }
                    assert!(release.wait(), "released");
                    local
                }));
            }
            assert!(local_spawned.wait(), "every worker took a blocking task");
            let local: usize = (0..workers).map(|i| metrics.worker_local_queue_depth(i)).sum();
            assert_eq!(local, LOCAL, "queued on the spawning worker");
        }
        // current_thread: nothing runs outside block_on. multi_thread:
        // every worker is blocked. Either way these wait in the global queue.
        let remote: Vec<_> = (0..REMOTE).map(|i| rt.spawn(async move { i })).collect();
        assert_eq!(metrics.global_queue_depth(), REMOTE);
        release.open();
        let sum_remote = rt.block_on(async {
            for blocker in blockers {
                for local in blocker.await.unwrap() {
                    local.await.unwrap();
                }
            }
            let mut sum = 0;
            for handle in remote {
                sum += handle.await.unwrap();
            }
            sum
        });
        assert_eq!(sum_remote, REMOTE * (REMOTE - 1) / 2);
        assert_eq!(metrics.global_queue_depth(), 0);
        for i in 0..workers {
            assert_eq!(metrics.worker_local_queue_depth(i), 0);
        }
    }

    fn idle_workers_steal_from_a_blocked_one(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("idle_workers_steal_from_a_blocked_one");
        const CHILDREN: usize = 1_000;
        let metrics = rt.metrics();
        let done = Arc::new((Mutex::new(0usize), std::sync::Condvar::new()));
        let all_done_meanwhile = {
            let done = done.clone();
            rt.block_on(rt.spawn(async move {
                let children: Vec<_> = (0..CHILDREN)
                    .map(|_| {
                        let done = done.clone();
                        weft::spawn(async move {
                            *done.0.lock().unwrap() += 1;
                            done.1.notify_all();
                        })
                    })
                    .collect();
                if flavor.workers() > 1 {
                    // Block this worker until the others ran every child:
                    // those in its local queue they can only steal.
                    let count = done.0.lock().unwrap();
                    let (count, _) = done
                        .1
                        .wait_timeout_while(count, PATIENCE, |n| *n < CHILDREN)
                        .unwrap();
                    *count == CHILDREN
                } else {
                    drop(children);
                    true
                }
            }))
            .unwrap()
        };
        assert!(all_done_meanwhile, "the children were stuck behind the blocked worker");
        rt.block_on(yield_until(|| *done.0.lock().unwrap() == CHILDREN));
        if flavor.workers() > 1 {
            wait_until("the steals were published", || {
                sum(&metrics, RuntimeMetrics::worker_steal_count) > 0
            });
            wait_until("the steal operations were published", || {
                sum(&metrics, RuntimeMetrics::worker_steal_operations) > 0
            });
            assert!(
                sum(&metrics, RuntimeMetrics::worker_steal_count)
                    >= sum(&metrics, RuntimeMetrics::worker_steal_operations),
                "each steal operation takes at least one task"
            );
        } else {
            // One worker: there is nobody to steal from.
            let polls = (CHILDREN + 1) as u64;
            wait_for_metrics(rt, flavor, "the polls were published", || {
                metrics.worker_poll_count(0) >= polls
            });
            assert_eq!(metrics.worker_poll_count(0), polls);
            assert_eq!(metrics.worker_steal_count(0), 0);
            assert_eq!(metrics.worker_steal_operations(0), 0);
        }
    }

    fn a_full_local_queue_overflows_to_the_global_queue(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_full_local_queue_overflows_to_the_global_queue");
        /// More than the local queue's 256 slots (plus the LIFO slot).
        const CHILDREN: usize = 300;
        let metrics = rt.metrics();
        let ran = Arc::new(AtomicUsize::new(0));
        let (queued_local, queued_global) = {
            let (ran, metrics) = (ran.clone(), metrics.clone());
            rt.block_on(rt.spawn(async move {
                for _ in 0..CHILDREN {
                    let ran = ran.clone();
                    drop(weft::spawn(async move {
                        ran.fetch_add(1, SeqCst);
                    }));
                }
                // Still inside this poll: on multi_thread_1 nothing else ran.
                let local: usize =
                    (0..metrics.num_workers()).map(|i| metrics.worker_local_queue_depth(i)).sum();
                (local, metrics.global_queue_depth())
            }))
            .unwrap()
        };
        rt.block_on(yield_until(|| ran.load(SeqCst) == CHILDREN));
        match flavor {
            Flavor::MultiThread(1) => {
                assert!(queued_global > 0, "the overflow went to the global queue");
                assert!(queued_local <= 257, "{queued_local} in a 256-slot queue + LIFO slot");
                assert_eq!(queued_local + queued_global, CHILDREN, "every child queued once");
                wait_until("the overflow was published", || metrics.worker_overflow_count(0) > 0);
            }
            Flavor::CurrentThread => {
                // One unbounded queue, private to the thread: no overflow.
                assert_eq!((queued_local, queued_global), (0, 0));
                wait_for_metrics(rt, flavor, "the polls were published", || {
                    metrics.worker_poll_count(0) >= (CHILDREN + 1) as u64
                });
                assert_eq!(metrics.worker_overflow_count(0), 0);
            }
            Flavor::MultiThread(_) => {
                // Other workers steal meanwhile: no exact count to expect.
                assert!(queued_local + queued_global <= CHILDREN);
            }
        }
    }

    fn a_worker_index_out_of_range_panics(rt: &Runtime, flavor: Flavor) {
        let metrics = rt.metrics();
        assert_eq!(metrics.num_workers(), flavor.workers());
        type Probe = fn(&RuntimeMetrics, usize);
        let calls: [(&str, Probe); 7] = [
            ("worker_poll_count", |m, i| {
                let _ = m.worker_poll_count(i);
            }),
            ("worker_steal_count", |m, i| {
                let _ = m.worker_steal_count(i);
            }),
            ("worker_steal_operations", |m, i| {
                let _ = m.worker_steal_operations(i);
            }),
            ("worker_park_count", |m, i| {
                let _ = m.worker_park_count(i);
            }),
            ("worker_local_schedule_count", |m, i| {
                let _ = m.worker_local_schedule_count(i);
            }),
            ("worker_overflow_count", |m, i| {
                let _ = m.worker_overflow_count(i);
            }),
            ("worker_local_queue_depth", |m, i| {
                let _ = m.worker_local_queue_depth(i);
            }),
        ];
        for (name, call) in calls {
            for index in [flavor.workers(), flavor.workers() + 7, usize::MAX] {
                let message = panic_of(|| call(&metrics, index));
                assert!(message.contains("out of range"), "{name}({index}): {message}");
            }
            // The last valid index is fine.
            call(&metrics, flavor.workers() - 1);
        }
    }

    fn blocking_thread_counts_follow_the_pool(rt: &Runtime) {
        let _watchdog = Watchdog::new("blocking_thread_counts_follow_the_pool");
        let metrics = rt.metrics();
        assert_eq!(metrics.num_blocking_threads(), 0, "workers are not counted");
        assert_eq!(metrics.num_idle_blocking_threads(), 0);
        let release = Latch::new();
        let started = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (release, started) = (release.clone(), started.clone());
                rt.spawn_blocking(move || {
                    started.fetch_add(1, SeqCst);
                    release.wait()
                })
            })
            .collect();
        assert_eq!(metrics.num_blocking_threads(), 3);
        wait_until("the three calls started", || started.load(SeqCst) == 3);
        assert_eq!(metrics.num_idle_blocking_threads(), 0, "all busy");
        release.open();
        rt.block_on(async {
            for handle in handles {
                assert!(handle.await.unwrap());
            }
        });
        // Within the (default, 10 s) keep-alive they stay, idle.
        wait_until("the threads went idle", || metrics.num_idle_blocking_threads() == 3);
        assert_eq!(metrics.num_blocking_threads(), 3);
        let debug = format!("{metrics:?}");
        assert!(debug.contains("num_blocking_threads: 3"), "{debug}");
    }
}

/// Every worker counts some busy time once the runtime is dropped, also a
/// worker whose thread had not started when the drop began (it still runs
/// at the shutdown, as tokio's workers do, and its run counts). A runtime
/// dropped right after it was built hits that case on most of these
/// rounds: starting a thread takes longer than the drop.
#[test]
fn every_worker_counts_busy_time_even_when_dropped_at_once() {
    let _watchdog = Watchdog::new("every_worker_counts_busy_time_even_when_dropped_at_once");
    for round in 0..20 {
        let rt = Flavor::MultiThread(2).build();
        let metrics = rt.metrics();
        if round % 2 == 1 {
            rt.block_on(async {
                for _ in 0..10 {
                    weft::spawn(task::yield_now()).await.unwrap();
                }
            });
        }
        drop(rt);
        for worker in 0..metrics.num_workers() {
            assert!(
                metrics.worker_total_busy_duration(worker) > std::time::Duration::ZERO,
                "round {round}: worker {worker} shows no busy time"
            );
        }
    }
}

/// `block_in_place` moves a worker to a new thread; the worker's counters
/// go with it (multi_thread only: current_thread refuses block_in_place).
#[test]
fn counters_survive_a_block_in_place_hand_off() {
    let _watchdog = Watchdog::new("counters_survive_a_block_in_place_hand_off");
    let rt = Flavor::MultiThread(1).build();
    let metrics = rt.metrics();
    const TASKS: u64 = 20;
    let flag = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let flag = flag.clone();
            rt.spawn(async move {
                task::block_in_place(|| flag.store(true, SeqCst));
                task::yield_now().await;
            })
        })
        .collect();
    rt.block_on(async {
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert!(flag.load(SeqCst));
    wait_until("the polls were published", || {
        metrics.worker_poll_count(0) >= 2 * TASKS
    });
    assert_eq!(metrics.worker_poll_count(0), 2 * TASKS);
}

rt_test! {
    fn park_unpark_count_is_odd_while_parked(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("park_unpark_count_is_odd_while_parked");
        let metrics = rt.metrics();
        let any_parked = |metrics: &RuntimeMetrics| {
            (0..metrics.num_workers()).any(|i| metrics.worker_park_unpark_count(i) % 2 == 1)
        };
        let all_parked = |metrics: &RuntimeMetrics| {
            (0..metrics.num_workers()).all(|i| metrics.worker_park_unpark_count(i) % 2 == 1)
        };
        for _round in 0..3 {
            if !flavor.is_current_thread() {
                wait_until("every worker parked", || all_parked(&metrics));
            }
            let before = sum(&metrics, RuntimeMetrics::worker_park_unpark_count);
            let gate = Gate::new();
            let counters = Counters::new();
            let task = rt.spawn(gated(&counters, &gate, ()));
            // Opened once a worker is seen parked: waiting on the gate
            // leaves the runtime idle, so one parks.
            let opener = {
                let metrics = metrics.clone();
                open_once(&gate, move || any_parked(&metrics))
            };
            rt.block_on(task).unwrap();
            assert!(opener.join().unwrap(), "no worker was ever seen parked");
            if !flavor.is_current_thread() {
                wait_until("every worker parked again", || all_parked(&metrics));
            }
            // The task woke a parked worker (or, on `current_thread`, the
            // thread parked waiting for the gate), which parked again.
            assert!(sum(&metrics, RuntimeMetrics::worker_park_unpark_count) >= before + 2);
        }
        if flavor.is_current_thread() {
            // Outside `block_on` nobody drives (or parks) the scheduler.
            assert_eq!(metrics.worker_park_unpark_count(0) % 2, 0);
            assert_eq!(
                metrics.worker_park_unpark_count(0),
                2 * metrics.worker_park_count(0)
            );
        }
    }

    fn busy_duration_counts_time_spent_polling(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("busy_duration_counts_time_spent_polling");
        let metrics = rt.metrics();
        let busy = |metrics: &RuntimeMetrics| -> std::time::Duration {
            (0..metrics.num_workers()).map(|i| metrics.worker_total_busy_duration(i)).sum()
        };
        let before = busy(&metrics);
        rt.block_on(async {
            weft::spawn(async { thread::sleep(std::time::Duration::from_millis(20)) })
                .await
                .unwrap();
        });
        let want = before + std::time::Duration::from_millis(20);
        wait_for_metrics(rt, flavor, "the busy time is published", || busy(&metrics) >= want);
        if !flavor.is_current_thread() {
            // Idle workers accumulate nothing while parked.
            wait_until("every worker parked", || {
                (0..flavor.workers()).all(|i| metrics.worker_park_unpark_count(i) % 2 == 1)
            });
            let (count, parked_busy) = (
                sum(&metrics, RuntimeMetrics::worker_park_unpark_count),
                busy(&metrics),
            );
            thread::sleep(std::time::Duration::from_millis(20));
            if sum(&metrics, RuntimeMetrics::worker_park_unpark_count) == count {
                assert_eq!(busy(&metrics), parked_busy);
            }
        }
    }
}
