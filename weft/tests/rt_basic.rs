//! The runtime: `block_on`, spawning from everywhere, wakes from other
//! threads, fairness, context errors, shutdown, concurrent `block_on`,
//! metrics and builder checks. Every body runs on each runtime flavor
//! (`rt_test!`).

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use support::*;
use weft::runtime::{Builder, Handle};
use weft::task;

const NESTED: &str = "Cannot start a runtime from within a runtime";
const NO_RUNTIME: &str = "must be called from the context of a Tokio 1.x runtime";

rt_test! {
    fn block_on_returns_the_output(rt: &Runtime) {
        assert_eq!(rt.block_on(async { 1 + 2 }), 3);
        assert_eq!(rt.block_on(std::future::ready("ready")), "ready");
        let owned = String::from("owned");
        assert_eq!(rt.block_on(async move { owned }), "owned");
    }

    fn spawn_from_outside_then_await_in_block_on(rt: &Runtime) {
        let _watchdog = Watchdog::new("spawn_from_outside_then_await_in_block_on");
        let a = rt.spawn(async { 1 });
        let b = rt.handle().spawn(async {
            task::yield_now().await;
            2
        });
        assert_eq!(rt.block_on(async { a.await.unwrap() + b.await.unwrap() }), 3);
    }

    fn spawn_inside_block_on(rt: &Runtime) {
        let total = rt.block_on(async {
            let handles: Vec<_> = (0..10u64).map(|i| weft::spawn(async move { i * i })).collect();
            let mut total = 0;
            for handle in handles {
                total += handle.await.unwrap();
            }
            total
        });
        assert_eq!(total, 285);
    }

    fn spawn_from_another_thread_with_a_cloned_handle(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("spawn_from_another_thread_with_a_cloned_handle");
        // Before the runtime runs.
        let handle = rt.handle().clone();
        let early = thread::spawn(move || handle.spawn(async { thread::current().id() }))
            .join()
            .unwrap();
        // While the runtime is idle inside block_on (parked).
        let chan = Chan::new();
        let handle = rt.handle().clone();
        let theirs = chan.clone();
        let spawner = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            theirs.send(handle.spawn(async {
                task::yield_now().await;
                thread::current().id()
            }));
        });
        let (early_ran_on, late_ran_on) = rt.block_on(async {
            let late = chan.recv().await;
            (early.await.unwrap(), late.await.unwrap())
        });
        spawner.join().unwrap();
        if flavor.is_current_thread() {
            let me = thread::current().id();
            assert_eq!((early_ran_on, late_ran_on), (me, me), "tasks run on the block_on thread");
        }
    }

    fn wake_from_a_foreign_thread_reaches_a_parked_runtime(rt: &Runtime) {
        let _watchdog = Watchdog::new("wake_from_a_foreign_thread_reaches_a_parked_runtime");
        for round in 0..20 {
            let counters = Counters::new();
            let gate = Gate::new();
            let handle = rt.spawn(gated(&counters, &gate, round));
            let opener = {
                let gate = gate.clone();
                thread::spawn(move || {
                    gate.wait_registrations(1);
                    thread::sleep(Duration::from_millis(2));
                    gate.open();
                })
            };
            assert_eq!(rt.block_on(handle).unwrap(), round);
            opener.join().unwrap();
            assert_eq!(counters.polls(), 2);
        }
        // The block_on future itself, woken from another thread.
        let gate = Gate::new();
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                gate.wait_registrations(1);
                thread::sleep(Duration::from_millis(10));
                gate.open();
            })
        };
        rt.block_on(gate.wait());
        opener.join().unwrap();
    }

    fn wake_stored_in_a_mutex_from_a_thread_started_later(rt: &Runtime) {
        let _watchdog = Watchdog::new("wake_stored_in_a_mutex");
        let slot: Arc<Mutex<(bool, Option<std::task::Waker>)>> = Arc::new(Mutex::new((false, None)));
        let theirs = slot.clone();
        let handle = rt.spawn(std::future::poll_fn(move |cx| {
            let mut slot = theirs.lock().unwrap();
            if slot.0 {
                Poll::Ready("woken")
            } else {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }));
        let waker_thread = {
            let slot = slot.clone();
            thread::spawn(move || {
                wait_until("the task stored its waker", || slot.lock().unwrap().1.is_some());
                thread::sleep(Duration::from_millis(20));
                let waker = {
                    let mut slot = slot.lock().unwrap();
                    slot.0 = true;
                    slot.1.take().unwrap()
                };
                waker.wake();
            })
        };
        assert_eq!(rt.block_on(handle).unwrap(), "woken");
        waker_thread.join().unwrap();
    }

    fn yield_now_interleaves_ready_tasks(rt: &Runtime, flavor: Flavor) {
        let log = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let loopers: Vec<_> = (1..=3)
                .map(|n| {
                    let log = log.clone();
                    weft::spawn(async move {
                        for i in 0..3 {
                            log.lock().unwrap().push((n, i));
                            task::yield_now().await;
                        }
                    })
                })
                .collect();
            for looper in loopers {
                looper.await.unwrap();
            }
        });
        let log = log.lock().unwrap().clone();
        if flavor.is_current_thread() {
            let expected: Vec<_> = (0..3).flat_map(|i| (1..=3).map(move |n| (n, i))).collect();
            assert_eq!(log, expected, "1, 2, 3, 1, 2, 3, ...");
        } else {
            for n in 1..=3 {
                let mine: Vec<_> = log.iter().filter(|(m, _)| *m == n).map(|(_, i)| *i).collect();
                assert_eq!(mine, [0, 1, 2]);
            }
        }
    }

    fn block_on_future_is_not_starved_by_yielding_tasks(rt: &Runtime) {
        let _watchdog = Watchdog::new("block_on_future_is_not_starved");
        let stop = Arc::new(AtomicBool::new(false));
        let counters: Vec<_> = (0..3).map(|_| Counters::new()).collect();
        for counters in &counters {
            let stop = stop.clone();
            rt.spawn(Counted::new(counters, async move {
                while !stop.load(SeqCst) {
                    task::yield_now().await;
                }
            }));
        }
        // The root future keeps yielding while the three run, and is polled
        // again between their polls until each was polled ten times.
        rt.block_on(yield_until(|| counters.iter().all(|c| c.polls() >= 10)));
        // It finished while they were still running.
        assert_eq!(rt.handle().metrics().num_alive_tasks(), 3);
        stop.store(true, SeqCst);
        rt.block_on(yield_until(|| rt.handle().metrics().num_alive_tasks() == 0));
    }

    fn remote_work_is_not_starved_by_busy_local_tasks(rt: &Runtime) {
        let _watchdog = Watchdog::new("remote_work_is_not_starved_by_busy_local_tasks");
        let stop = Arc::new(AtomicBool::new(false));
        let handle = rt.handle().clone();
        let theirs = stop.clone();
        let remote = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            // Spawned from another thread while local tasks keep yielding.
            handle.spawn(async move { theirs.store(true, SeqCst) })
        });
        rt.block_on(async {
            let busy: Vec<_> = (0..4)
                .map(|_| {
                    let stop = stop.clone();
                    weft::spawn(async move {
                        while !stop.load(SeqCst) {
                            task::yield_now().await;
                        }
                    })
                })
                .collect();
            for task in busy {
                task.await.unwrap();
            }
        });
        rt.block_on(remote.join().unwrap()).unwrap();
    }

    fn block_on_inside_a_task_panics(rt: &Runtime) {
        let other = current_thread_rt();
        let err = rt.block_on(rt.spawn(async move { other.block_on(async {}) })).unwrap_err();
        assert!(err.is_panic());
        let message = err.to_string();
        assert!(message.contains(NESTED), "{message}");

        let err = rt
            .block_on(rt.spawn(async { Handle::current().block_on(async {}) }))
            .unwrap_err();
        assert!(err.to_string().contains(NESTED), "{err}");
        assert_eq!(rt.block_on(async { 5 }), 5);
    }

    fn block_on_inside_block_on_panics(rt: &Runtime) {
        let message = panic_of(|| rt.block_on(async { rt.block_on(async {}) }));
        assert!(message.contains(NESTED), "{message}");
        let other = current_thread_rt();
        let message = panic_of(|| rt.block_on(async { other.block_on(async {}) }));
        assert!(message.contains(NESTED), "{message}");
        let handle = rt.handle().clone();
        let message = panic_of(|| rt.block_on(async { handle.block_on(async {}) }));
        assert!(message.contains(NESTED), "{message}");
        // Still usable, and not stuck "inside a runtime".
        assert_eq!(rt.block_on(async { weft::spawn(async { 1 }).await.unwrap() }), 1);
        assert_eq!(other.block_on(async { 2 }), 2);
    }

    fn enter_guard_lets_plain_code_spawn(rt: &Runtime) {
        assert!(Handle::try_current().is_err());
        let task = {
            let _guard = rt.enter();
            let current = Handle::current();
            let a = weft::spawn(async { "spawned from plain code" });
            let b = current.spawn(async { "through Handle::current" });
            (a, b)
        };
        assert!(Handle::try_current().is_err(), "the guard restored the previous context");
        let (a, b) = rt.block_on(async { (task.0.await.unwrap(), task.1.await.unwrap()) });
        assert_eq!(a, "spawned from plain code");
        assert_eq!(b, "through Handle::current");
    }

    fn handle_current_inside_tasks_and_block_on(rt: &Runtime) {
        let out = rt.block_on(async {
            let handle = Handle::current();
            let inner = weft::spawn(async {
                let handle = Handle::try_current().expect("a task has a current runtime");
                handle.spawn(async { 20 }).await.unwrap()
            });
            handle.spawn(async { 22 }).await.unwrap() + inner.await.unwrap()
        });
        assert_eq!(out, 42);
        let err = Handle::try_current().unwrap_err();
        assert!(err.is_missing_context(), "cleared after block_on returns");
    }

    fn handle_block_on_from_another_thread(rt: &Runtime) {
        let _watchdog = Watchdog::new("handle_block_on_from_another_thread");
        let handle = rt.handle().clone();
        let done = Chan::new();
        let theirs = done.clone();
        let worker = thread::spawn(move || {
            let out = handle.block_on(async {
                // Runs on the runtime (driven by the main thread).
                weft::spawn(async { 3 }).await.unwrap()
            });
            theirs.send(out);
        });
        assert_eq!(rt.block_on(done.recv()), 3);
        worker.join().unwrap();
    }

    fn tasks_spawned_in_one_block_on_run_in_the_next(rt: &Runtime) {
        let counters = Counters::new();
        let mut handle = None;
        rt.block_on(async { handle = Some(weft::spawn(yielding(&counters, 3, 8))) });
        let handle = handle.unwrap();
        assert_eq!(rt.block_on(handle).unwrap(), 8);
        assert_eq!(counters.polls(), 4);
    }

    fn dropping_the_runtime_drops_every_future_once(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("dropping_the_runtime_drops_every_future_once");
        let gate = Gate::new();
        let waiting: Vec<_> = (0..3).map(|_| Counters::new()).collect();
        let queued_outside: Vec<_> = (0..3).map(|_| Counters::new()).collect();
        let queued_inside: Vec<_> = (0..3).map(|_| Counters::new()).collect();
        let notified = Counters::new();
        let notified_gate = Gate::new();
        let mut handles: Vec<_> = waiting.iter().map(|c| rt.spawn(gated(c, &gate, ()))).collect();
        handles.push(rt.spawn(gated(&notified, &notified_gate, ())));
        rt.block_on(yield_until(|| {
            waiting.iter().all(|c| c.polls() == 1) && notified.polls() == 1
        }));
        notified_gate.open(); // queued to run again
        handles.extend(queued_outside.iter().map(|c| rt.spawn(gated(c, &gate, ()))));
        let more = rt.block_on(async {
            queued_inside.iter().map(|c| weft::spawn(gated(c, &gate, ()))).collect::<Vec<_>>()
        });
        handles.extend(more);
        if flavor.is_current_thread() {
            // Nothing ran since the spawns; on multi_thread the queued
            // tasks may have been polled and `notified` may have finished.
            assert_eq!(rt.handle().metrics().num_alive_tasks(), 10);
        }

        drop(rt);
        let all = waiting.iter().chain(&queued_outside).chain(&queued_inside).chain([&notified]);
        for counters in all {
            assert_eq!(counters.drops(), 1, "each future dropped exactly once");
        }
        if flavor.is_current_thread() {
            assert!(queued_outside.iter().chain(&queued_inside).all(|c| c.polls() == 0));
            assert_eq!(notified.polls(), 1);
            for handle in &mut handles {
                assert!(matches!(poll_once(handle), Poll::Ready(Err(e)) if e.is_cancelled()));
            }
        } else {
            // The gated ones never finished: all cancelled.
            for handle in &mut handles[..3] {
                assert!(matches!(poll_once(handle), Poll::Ready(Err(e)) if e.is_cancelled()));
            }
        }
    }

    fn futures_dropped_at_shutdown_see_the_runtime_context(rt: Runtime) {
        struct Probe(Arc<Mutex<Option<bool>>>);
        impl Drop for Probe {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = Some(Handle::try_current().is_ok());
                // Spawning while the runtime shuts down is refused, not a panic.
                let late = weft::spawn(async {});
                drop(late);
            }
        }
        let seen = Arc::new(Mutex::new(None));
        let probe = Probe(seen.clone());
        rt.spawn(async move {
            let _probe = probe;
            std::future::pending::<()>().await;
        });
        let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(rt)));
        assert!(dropped.is_ok());
        assert_eq!(*seen.lock().unwrap(), Some(true));
    }

    fn spawn_after_the_runtime_is_dropped_is_cancelled(rt: Runtime) {
        let handle = rt.handle().clone();
        let metrics = handle.metrics();
        drop(rt);
        let counters = Counters::new();
        let mut task = handle.spawn(yielding(&counters, 0, ()));
        assert_eq!(counters.polls(), 0);
        assert_eq!(counters.drops(), 1, "refused at once");
        assert!(task.is_finished());
        assert!(matches!(poll_once(&mut task), Poll::Ready(Err(e)) if e.is_cancelled()));

        let theirs = counters.clone();
        let mut from_thread = thread::spawn(move || handle.spawn(yielding(&theirs, 0, ())))
            .join()
            .unwrap();
        assert!(matches!(poll_once(&mut from_thread), Poll::Ready(Err(e)) if e.is_cancelled()));
        assert_eq!(counters.drops(), 2);
        assert_eq!(counters.polls(), 0);
        assert_eq!(metrics.num_alive_tasks(), 0);
    }

    fn runtime_drop_races_with_remote_spawns(rt: Runtime) {
        let _watchdog = Watchdog::new("runtime_drop_races_with_remote_spawns");
        const SPAWNS: usize = 20_000;
        let counters = Counters::new();
        let handle = rt.handle().clone();
        let theirs = counters.clone();
        let spawner = thread::spawn(move || {
            (0..SPAWNS)
                .map(|_| handle.spawn(Counted::new(&theirs, std::future::pending::<()>())))
                .collect::<Vec<_>>()
        });
        rt.block_on(yield_until(|| counters.polls() >= 100));
        drop(rt);
        let mut handles = spawner.join().unwrap();
        assert_eq!(counters.drops(), SPAWNS, "every future dropped exactly once");
        assert!(counters.polls() <= SPAWNS);
        for handle in &mut handles {
            assert!(matches!(poll_once(handle), Poll::Ready(Err(e)) if e.is_cancelled()));
        }
    }

    fn panic_in_block_on_propagates_and_the_runtime_stays_usable(rt: &Runtime) {
        quiet_panics();
        let _watchdog = Watchdog::new("panic_in_block_on_propagates");
        let counters = Counters::new();
        let gate = Gate::new();
        let earlier = rt.spawn(gated(&counters, &gate, 1));
        let (tx, rx) = mpsc::channel();
        let payload = panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                yield_until(|| counters.polls() == 1).await;
                tx.send(weft::spawn(async { 2 })).unwrap();
                panic!("quiet: root future panics");
            })
        }))
        .unwrap_err();
        assert_eq!(panic_message(&*payload), Some("quiet: root future panics"));
        assert!(Handle::try_current().is_err(), "the context was restored on unwind");

        gate.open();
        let spawned_before_panic = rx.recv().unwrap();
        let out = rt.block_on(async { earlier.await.unwrap() + spawned_before_panic.await.unwrap() });
        assert_eq!(out, 3);
        assert_eq!(rt.block_on(rt.spawn(async { 4 })).unwrap(), 4);
    }

    fn concurrent_block_on_from_two_threads(rt: Runtime) {
        let _watchdog = Watchdog::new("concurrent_block_on_from_two_threads");
        let rt = Arc::new(rt);
        for _round in 0..20 {
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let rt = rt.clone();
                    thread::spawn(move || {
                        rt.block_on(async {
                            let handles: Vec<_> = (0..50u64)
                                .map(|i| {
                                    weft::spawn(async move {
                                        task::yield_now().await;
                                        i
                                    })
                                })
                                .collect();
                            let mut sum = 0;
                            for handle in handles {
                                sum += handle.await.unwrap();
                            }
                            sum
                        })
                    })
                })
                .collect();
            for thread in threads {
                assert_eq!(thread.join().unwrap(), 1225);
            }
        }
    }

    fn block_on_takes_over_when_the_driving_thread_leaves(rt: Runtime) {
        let _watchdog = Watchdog::new("block_on_takes_over_when_the_driving_thread_leaves");
        let rt = Arc::new(rt);
        let gate_a = Gate::new();
        let driver = {
            let rt = rt.clone();
            let gate_a = gate_a.clone();
            thread::spawn(move || rt.block_on(gate_a.wait()))
        };
        gate_a.wait_registrations(1);

        // Another block_on while that thread drives: its tasks still run.
        let out = rt.block_on(async {
            weft::spawn(async {
                task::yield_now().await;
                7
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 7);

        // The driving thread leaves while this one waits: it must take over.
        let counters = Counters::new();
        let gate_b = Gate::new();
        let handle = rt.spawn(gated(&counters, &gate_b, 9));
        let opener = {
            let counters = counters.clone();
            let gate_b = gate_b.clone();
            thread::spawn(move || {
                wait_until("the task was polled", || counters.polls() == 1);
                gate_a.open();
                driver.join().unwrap();
                thread::sleep(Duration::from_millis(10));
                gate_b.open();
            })
        };
        assert_eq!(rt.block_on(handle).unwrap(), 9);
        opener.join().unwrap();
    }

    fn block_on_takes_over_when_the_driving_thread_panics(rt: Runtime) {
        quiet_panics();
        let _watchdog = Watchdog::new("block_on_takes_over_when_the_driving_thread_panics");
        let rt = Arc::new(rt);
        let gate_a = Gate::new();
        let driver = {
            let rt = rt.clone();
            let gate_a = gate_a.clone();
            thread::spawn(move || {
                rt.block_on(async {
                    gate_a.wait().await;
                    panic!("quiet: driving thread panics");
                })
            })
        };
        gate_a.wait_registrations(1);
        let counters = Counters::new();
        let gate_b = Gate::new();
        let handle = rt.spawn(gated(&counters, &gate_b, 11));
        let opener = {
            let counters = counters.clone();
            let gate_b = gate_b.clone();
            thread::spawn(move || {
                wait_until("the task was polled", || counters.polls() == 1);
                gate_a.open();
                assert!(driver.join().is_err(), "the driving thread's block_on panicked");
                gate_b.open();
            })
        };
        assert_eq!(rt.block_on(handle).unwrap(), 11);
        opener.join().unwrap();
    }

    fn dropping_the_runtime_wakes_threads_joining_its_tasks(rt: Runtime) {
        let _watchdog = Watchdog::new("dropping_the_runtime_wakes_threads_joining_its_tasks");
        let counters = Counters::new();
        let gate = Gate::new();
        let task = rt.spawn(gated(&counters, &gate, ()));
        rt.block_on(yield_until(|| counters.polls() == 1));
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let joiner = thread::spawn(move || {
            tx.send(()).unwrap();
            // Not driving anything: only the runtime's shutdown can end this.
            handle.block_on(task)
        });
        rx.recv().unwrap();
        thread::sleep(Duration::from_millis(20));
        drop(rt);
        let result = joiner.join().unwrap();
        assert!(result.unwrap_err().is_cancelled());
        assert_eq!(counters.drops(), 1);
    }

    fn ping_pong_through_a_foreign_thread_loses_no_wakeup(rt: &Runtime) {
        let _watchdog = Watchdog::new("ping_pong_through_a_foreign_thread_loses_no_wakeup");
        const ROUNDS: u64 = 100_000;
        let a_to_b = Chan::new();
        let c_to_a = Chan::new();
        let (b_to_c, c_rx) = mpsc::channel::<u64>();

        let relay = {
            let c_to_a = c_to_a.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let v = c_rx.recv().unwrap();
                    c_to_a.send(v + 1);
                }
            })
        };
        let a = {
            let a_to_b = a_to_b.clone();
            rt.spawn(async move {
                for i in 0..ROUNDS {
                    a_to_b.send(i);
                    let back = c_to_a.recv().await;
                    assert_eq!(back, i + 2);
                }
            })
        };
        let b = rt.spawn(async move {
            for _ in 0..ROUNDS {
                let v = a_to_b.recv().await;
                b_to_c.send(v + 1).unwrap();
            }
        });
        rt.block_on(async {
            a.await.unwrap();
            b.await.unwrap();
        });
        relay.join().unwrap();
    }

    fn spawn_yield_wake_cycles(rt: &Runtime) {
        let _watchdog = Watchdog::new("spawn_yield_wake_cycles");
        const CYCLES: usize = 100_000;
        let chan = Chan::new();
        rt.block_on(async {
            for i in 0..CYCLES {
                let theirs = chan.clone();
                drop(weft::spawn(async move {
                    task::yield_now().await;
                    theirs.send(i);
                }));
                assert_eq!(chan.recv().await, i);
            }
        });
        rt.block_on(yield_until(|| rt.handle().metrics().num_alive_tasks() == 0));
    }

    fn metrics_count_alive_tasks(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("metrics_count_alive_tasks");
        let metrics = rt.handle().metrics();
        assert_eq!(metrics.num_workers(), flavor.workers());
        assert_eq!(metrics.num_alive_tasks(), 0);
        assert_eq!(metrics.global_queue_depth(), 0);

        let gate = Gate::new();
        let counters: Vec<_> = (0..5).map(|_| Counters::new()).collect();
        let mut handles: Vec<_> = counters.iter().map(|c| rt.spawn(gated(c, &gate, ()))).collect();
        assert_eq!(metrics.num_alive_tasks(), 5);
        if flavor.is_current_thread() {
            assert_eq!(metrics.global_queue_depth(), 5, "spawned from outside: global queue");
        }
        rt.block_on(yield_until(|| counters.iter().all(|c| c.polls() == 1)));
        // A poll is counted as it starts: on multi_thread a worker may
        // still be in it, and an abort then ends the task only when that
        // poll returns. Every worker parked shows that every poll returned.
        if !flavor.is_current_thread() {
            wait_until("every worker parked", || {
                (0..flavor.workers()).all(|i| metrics.worker_park_unpark_count(i) % 2 == 1)
            });
        }
        assert_eq!(metrics.global_queue_depth(), 0);
        assert_eq!(metrics.num_alive_tasks(), 5, "pending tasks are alive");

        handles.remove(0).abort();
        assert_eq!(metrics.num_alive_tasks(), 4);
        drop(handles.remove(0)); // detached, still alive
        assert_eq!(metrics.num_alive_tasks(), 4);
        gate.open();
        rt.block_on(async {
            for handle in handles {
                handle.await.unwrap();
            }
        });
        rt.block_on(yield_until(|| metrics.num_alive_tasks() == 0));

        quiet_panics();
        let panicked = rt.spawn(async { panic!("quiet: metrics") });
        if flavor.is_current_thread() {
            // On multi_thread a worker may already have run it.
            assert_eq!(metrics.num_alive_tasks(), 1);
        }
        assert!(rt.block_on(panicked).unwrap_err().is_panic());
        if !flavor.is_current_thread() {
            // A worker marks a task complete (its handle may see the
            // output) a moment before the task leaves the runtime's list:
            // the dump shows it `Completing` meanwhile, as tokio has it.
            rt.block_on(yield_until(|| metrics.num_alive_tasks() == 0));
        }
        assert_eq!(metrics.num_alive_tasks(), 0, "a panicked task is not alive");
        let debug = format!("{metrics:?}");
        assert!(debug.contains("num_alive_tasks"), "{debug}");
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn spawn_outside_a_runtime_panics() {
    drop(weft::spawn(async {}));
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn handle_current_outside_a_runtime_panics() {
    let _ = Handle::current();
}

#[test]
fn try_current_outside_a_runtime_is_missing_context() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(!err.is_thread_local_destroyed());
    assert!(err.to_string().contains(NO_RUNTIME), "{err}");

    // Also after a runtime ran on this thread and was dropped.
    let rt = current_thread_rt();
    rt.block_on(async { assert!(Handle::try_current().is_ok()) });
    drop(rt);
    assert!(Handle::try_current().unwrap_err().is_missing_context());
    let message = panic_of(|| weft::spawn(async {}));
    assert!(message.contains(NO_RUNTIME), "{message}");
}

#[test]
#[should_panic(expected = "event_interval must be greater than 0")]
fn builder_event_interval_zero_panics() {
    Builder::new_current_thread().event_interval(0);
}

#[test]
#[should_panic(expected = "global_queue_interval must be greater than 0")]
fn builder_global_queue_interval_zero_panics() {
    Builder::new_current_thread().global_queue_interval(0);
}

#[test]
fn smallest_intervals_still_run_everything() {
    let _watchdog = Watchdog::new("smallest_intervals_still_run_everything");
    let rt = Builder::new_current_thread()
        .enable_all()
        .event_interval(1)
        .global_queue_interval(1)
        .build()
        .unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let handle = rt.handle().clone();
    let theirs = counter.clone();
    let remote = thread::spawn(move || {
        (0..100)
            .map(|_| {
                let counter = theirs.clone();
                handle.spawn(async move {
                    task::yield_now().await;
                    counter.fetch_add(1, SeqCst);
                })
            })
            .collect::<Vec<_>>()
    });
    rt.block_on(async {
        let local: Vec<_> = (0..100)
            .map(|_| {
                let counter = counter.clone();
                weft::spawn(async move {
                    task::yield_now().await;
                    counter.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for handle in local {
            handle.await.unwrap();
        }
    });
    for handle in remote.join().unwrap() {
        rt.block_on(handle).unwrap();
    }
    assert_eq!(counter.load(SeqCst), 200);
}

#[test]
fn runtime_new_and_shutdown_methods() {
    // An idle task is dropped before the shutdown call returns; one a
    // worker happens to be polling (its first poll, right after the spawn)
    // is dropped by that worker as the poll ends, which the 10 ms of
    // `shutdown_timeout` may not cover on a busy machine and
    // `shutdown_background` does not wait for. Either way it is dropped,
    // once.
    fn dropped_once(counters: &Counters) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while counters.drops() == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(counters.drops(), 1);
    }

    let rt = weft::runtime::Runtime::new().unwrap();
    let counters = Counters::new();
    rt.spawn(Counted::new(&counters, std::future::pending::<()>()));
    rt.shutdown_timeout(Duration::from_millis(10));
    dropped_once(&counters);

    let rt = weft::runtime::Runtime::new().unwrap();
    let counters = Counters::new();
    rt.spawn(Counted::new(&counters, std::future::pending::<()>()));
    rt.shutdown_background();
    dropped_once(&counters);
}

#[test]
fn wake_from_a_thread_local_destructor_reaches_the_runtime() {
    let _watchdog = Watchdog::new("wake_from_a_thread_local_destructor");
    struct WakeOnDrop(Option<std::task::Waker>);
    impl Drop for WakeOnDrop {
        fn drop(&mut self) {
            if let Some(waker) = self.0.take() {
                waker.wake();
            }
        }
    }
    thread_local! {
        static SLOT: std::cell::RefCell<WakeOnDrop> = const { std::cell::RefCell::new(WakeOnDrop(None)) };
    }

    let rt = current_thread_rt();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = rt.spawn(gated(&counters, &gate, 5));
    let exiting = {
        let gate = gate.clone();
        let rt_handle = rt.handle().clone();
        thread::spawn(move || {
            // The runtime's own thread-locals on this thread get created too.
            let _guard = rt_handle.enter();
            let waker = gate.wait_waker();
            gate.open_without_waking();
            SLOT.with(|slot| slot.borrow_mut().0 = Some(waker));
            // The wake happens while this thread's locals are destroyed.
        })
    };
    assert_eq!(rt.block_on(handle).unwrap(), 5);
    exiting.join().unwrap();
}

#[test]
fn two_runtimes_on_one_thread_keep_their_tasks_apart() {
    let _watchdog = Watchdog::new("two_runtimes_on_one_thread");
    let a = current_thread_rt();
    let b = current_thread_rt();
    let mut on_b = None;
    a.block_on(async {
        // Spawned onto b from inside a's scheduler: must go to b.
        on_b = Some(b.spawn(async { Handle::current().metrics().num_alive_tasks() }));
    });
    let on_b = on_b.unwrap();
    assert_eq!(a.handle().metrics().num_alive_tasks(), 0);
    assert_eq!(b.handle().metrics().num_alive_tasks(), 1);
    assert_eq!(b.block_on(on_b).unwrap(), 1, "ran on b, with b current");

    // A task of b woken from a's thread while a drives.
    let counters = Counters::new();
    let gate = Gate::new();
    let on_b = b.spawn(gated(&counters, &gate, 2));
    b.block_on(yield_until(|| counters.polls() == 1));
    a.block_on(async {
        gate.open();
        task::yield_now().await;
    });
    assert_eq!(counters.polls(), 1, "a does not run b's task");
    assert_eq!(b.block_on(on_b).unwrap(), 2);
}

/// Size of the future in `spawning_a_large_future_does_not_overflow_the_stack`.
const LARGE_FUTURE: usize = 192 * 1024;

#[test]
fn spawning_a_large_future_does_not_overflow_the_stack() {
    const NAME: &str = "spawning_a_large_future_does_not_overflow_the_stack";
    if std::env::var_os("WEFT_LARGE_FUTURE_CHILD").is_some() {
        // In the child process: a stack overflow here aborts only the child.
        let spawner = thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let rt = current_thread_rt();
                let future = Box::new(async {
                    let buffer = [1u8; LARGE_FUTURE];
                    task::yield_now().await;
                    buffer.iter().map(|&b| usize::from(b)).sum::<usize>()
                });
                // Heap-allocated up to here; `spawn` takes it by value.
                let handle = rt.spawn(*future);
                rt.block_on(handle).unwrap()
            })
            .unwrap();
        assert_eq!(spawner.join().unwrap(), LARGE_FUTURE);
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            NAME,
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WEFT_LARGE_FUTURE_CHILD", "1")
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "spawning a {LARGE_FUTURE}-byte future on a 2 MiB thread crashed: {:?}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stderr),
    );
    // The child ran this very test (a filter matching nothing passes too).
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
}

#[test]
fn a_task_spawned_by_the_park_hook_runs_instead_of_sleeping() {
    // The hook runs as the thread is about to sleep; a task it spawns goes
    // to this thread's own queue, which wakes nobody: the thread must run
    // it rather than sleep (it would never wake). (`current_thread`: a
    // `multi_thread` worker runs the hook with its core held, and the
    // spawned task goes to a queue another worker watches.)
    let _watchdog = Watchdog::new("a_task_spawned_by_the_park_hook_runs_instead_of_sleeping");
    let notify = Arc::new(weft::sync::Notify::new());
    let hooked = Arc::new(AtomicBool::new(false));
    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park({
            let notify = notify.clone();
            let hooked = hooked.clone();
            move || {
                if !hooked.swap(true, SeqCst) {
                    let notify = notify.clone();
                    weft::spawn(async move { notify.notify_one() });
                }
            }
        })
        .build()
        .unwrap();
    rt.block_on(async { notify.notified().await });
    assert!(hooked.load(SeqCst));
}
