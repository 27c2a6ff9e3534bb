//! Cooperative scheduling: the per-poll budget (`JoinHandle`,
//! `consume_budget`, `select!`, `JoinSet`), `unconstrained`, and the
//! deferred wake of `yield_now`.
//!
//! No test measures time: each one either counts (polls of a task, loop
//! iterations before another task ran) or would hang without the feature
//! (the watchdog turns the hang into a failure).

mod support;

use std::cell::Cell;
use std::future::{poll_fn, ready, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::thread;

use support::*;
use weft::task::{self, consume_budget, unconstrained, yield_now, JoinHandle, JoinSet, LocalSet};

/// Units of budget a task gets per poll (`runtime::coop::BUDGET`).
const BUDGET: usize = 128;

/// Spawns `n` tasks that finish at once and waits until they have.
async fn finished_handles(n: usize) -> Vec<JoinHandle<usize>> {
    let handles: Vec<_> = (0..n).map(|i| weft::spawn(async move { i })).collect();
    yield_until(|| handles.iter().all(JoinHandle::is_finished)).await;
    handles
}

/// Spawns a task that sets the returned flag when it runs.
fn spawn_setter() -> (Arc<AtomicBool>, JoinHandle<()>) {
    let flag = Arc::new(AtomicBool::new(false));
    let theirs = flag.clone();
    let handle = weft::spawn(async move { theirs.store(true, SeqCst) });
    (flag, handle)
}

/// Awaits the handles in order until `flag` is seen set; returns how many
/// it joined, and whether it saw the flag.
async fn join_until(handles: Vec<JoinHandle<usize>>, flag: &AtomicBool) -> (usize, bool) {
    let mut joined = 0;
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.await.unwrap(), i);
        joined += 1;
        if flag.load(SeqCst) {
            return (joined, true);
        }
    }
    (joined, false)
}

rt_test! {
    // -----------------------------------------------------------------------
    // The budget makes an always-ready task yield
    // -----------------------------------------------------------------------

    fn joining_finished_handles_lets_another_task_run(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("joining_finished_handles_lets_another_task_run");
        rt.block_on(async {
            let handles = finished_handles(1000).await;
            let counters = Counters::new();
            let looper = weft::spawn(Counted::new(&counters, async move {
                // Spawned from inside the task: it waits behind the looper
                // on this worker, and runs only if the looper yields.
                let (flag, setter) = spawn_setter();
                let result = join_until(handles, &flag).await;
                setter.await.unwrap();
                result
            }));
            let (joined, saw_flag) = looper.await.unwrap();
            let polls = counters.polls();
            if !flavor.is_current_thread() {
                // Another worker may steal the setter and then lose its CPU
                // (with more workers than cores) for as long as the
                // whole loop takes. What must hold: the looper yielded
                // every BUDGET joins instead of running all 1000 at once.
                assert!(
                    saw_flag || polls >= joined / BUDGET,
                    "the loop joined {joined} handles in {polls} polls without yielding"
                );
                return;
            }
            assert!(saw_flag, "the other task never ran while the loop joined {joined} handles");
            // The 129th join was refused: the task yielded, the setter ran,
            // and the retried join was the first of the next poll.
            assert_eq!(joined, BUDGET + 1);
            assert_eq!(polls, 2);
        });
    }

    fn a_consume_budget_loop_lets_another_task_run(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_consume_budget_loop_lets_another_task_run");
        let spins = rt.block_on(async {
            weft::spawn(async {
                let (flag, setter) = spawn_setter();
                let mut spins = 0;
                // Never explicitly yields, and never awaits anything pending.
                while !flag.load(SeqCst) {
                    consume_budget().await;
                    spins += 1;
                }
                setter.await.unwrap();
                spins
            })
            .await
            .unwrap()
        });
        if flavor.is_current_thread() {
            assert_eq!(spins, BUDGET + 1);
        }
    }

    fn the_root_future_has_a_budget_too(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("the_root_future_has_a_budget_too");
        let spins = rt.block_on(async {
            let (flag, setter) = spawn_setter();
            let mut spins = 0;
            while !flag.load(SeqCst) {
                consume_budget().await;
                spins += 1;
            }
            setter.await.unwrap();
            spins
        });
        if flavor.is_current_thread() {
            assert_eq!(spins, BUDGET + 1);
        }
    }

    fn consume_budget_yields_after_exactly_budget_calls(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("consume_budget_yields_after_exactly_budget_calls");
        rt.block_on(async {
            for (calls, polls) in [(0, 1), (1, 1), (BUDGET, 1), (BUDGET + 1, 2), (3 * BUDGET, 3), (3 * BUDGET + 1, 4)] {
                let counters = Counters::new();
                weft::spawn(Counted::new(&counters, async move {
                    for _ in 0..calls {
                        consume_budget().await;
                    }
                }))
                .await
                .unwrap();
                if flavor.is_current_thread() {
                    assert_eq!(counters.polls(), polls, "{calls} calls");
                } else {
                    assert!(counters.polls() >= polls, "{calls} calls: at most BUDGET per poll");
                }
            }
        });
    }

    fn waiting_on_a_pending_handle_costs_no_budget(rt: &Runtime) {
        let _watchdog = Watchdog::new("waiting_on_a_pending_handle_costs_no_budget");
        rt.block_on(async {
            let gate = Gate::new();
            let waiting = weft::spawn(gated(&Counters::new(), &gate, 5));
            let counters = Counters::new();
            let handle = weft::spawn(Counted::new(&counters, async move {
                let mut handle = waiting;
                poll_fn(|cx| {
                    for _ in 0..10 * BUDGET {
                        assert!(Pin::new(&mut handle).poll(cx).is_pending());
                    }
                    Poll::Ready(())
                })
                .await;
                // Every unit was given back: the whole budget is left.
                for _ in 0..BUDGET {
                    consume_budget().await;
                }
                // In an `Option`: clippy frowns on an async block that returns a future.
                Some(handle)
            }))
            .await
            .unwrap()
            .unwrap();
            assert_eq!(counters.polls(), 1, "never made to yield");
            gate.open();
            assert_eq!(handle.await.unwrap(), 5);
        });
    }

    // -----------------------------------------------------------------------
    // unconstrained
    // -----------------------------------------------------------------------

    fn unconstrained_never_makes_the_task_yield(rt: &Runtime) {
        let _watchdog = Watchdog::new("unconstrained_never_makes_the_task_yield");
        rt.block_on(async {
            let counters = Counters::new();
            weft::spawn(Counted::new(&counters, async {
                let spun = unconstrained(async {
                    for _ in 0..10 * BUDGET {
                        consume_budget().await;
                    }
                    10 * BUDGET
                })
                .await;
                assert_eq!(spun, 10 * BUDGET);
            }))
            .await
            .unwrap();
            assert_eq!(counters.polls(), 1);
        });
    }

    fn unconstrained_covers_only_the_wrapped_future(rt: &Runtime) {
        let _watchdog = Watchdog::new("unconstrained_covers_only_the_wrapped_future");
        rt.block_on(async {
            let counters = Counters::new();
            weft::spawn(Counted::new(&counters, async {
                for _ in 0..100 {
                    consume_budget().await;
                }
                unconstrained(async {
                    for _ in 0..1000 {
                        consume_budget().await;
                    }
                })
                .await;
                // 100 + 28 = the whole budget of the first poll...
                for _ in 0..BUDGET - 100 {
                    consume_budget().await;
                }
                // ... so this one yields.
                consume_budget().await;
            }))
            .await
            .unwrap();
            assert_eq!(counters.polls(), 2);
        });
    }

    fn unconstrained_joins_every_handle_without_letting_others_run(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("unconstrained_joins_every_handle_without_letting_others_run");
        rt.block_on(async {
            const N: usize = 1000;
            let handles = finished_handles(N).await;
            let (joined, saw_flag) = weft::spawn(async move {
                let (flag, setter) = spawn_setter();
                let result = unconstrained(join_until(handles, &flag)).await;
                setter.await.unwrap();
                result
            })
            .await
            .unwrap();
            if flavor.is_current_thread() {
                // On one thread the setter can only run if the loop yields.
                assert_eq!((joined, saw_flag), (N, false));
            }
        });
    }

    // -----------------------------------------------------------------------
    // select!
    // -----------------------------------------------------------------------

    fn select_yields_when_the_budget_is_spent(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("select_yields_when_the_budget_is_spent");
        rt.block_on(async {
            let counters = Counters::new();
            let value = weft::spawn(Counted::new(&counters, async {
                for _ in 0..BUDGET {
                    consume_budget().await;
                }
                // Always ready and costs nothing, but the budget is gone.
                weft::select! {
                    value = ready(7) => value,
                }
            }))
            .await
            .unwrap();
            assert_eq!(value, 7);
            if flavor.is_current_thread() {
                assert_eq!(counters.polls(), 2);
            }
        });
    }

    fn a_select_loop_with_an_always_ready_branch_does_not_spin_forever(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_select_loop_with_an_always_ready_branch_does_not_spin");
        rt.block_on(async {
            weft::spawn(async {
                let (flag, setter) = spawn_setter();
                // Once the budget is gone, `consume_budget` is refused but
                // `ready` would win every time: without the budget check in
                // `select!` this loop would never yield on one thread.
                while !flag.load(SeqCst) {
                    weft::select! {
                        _ = consume_budget() => {}
                        _ = ready(()) => {}
                    }
                }
                setter.await.unwrap();
            })
            .await
            .unwrap();
        });
    }

    // -----------------------------------------------------------------------
    // JoinSet under the budget
    // -----------------------------------------------------------------------

    fn join_set_joins_more_finished_tasks_than_one_budget(rt: &Runtime) {
        let _watchdog = Watchdog::new("join_set_joins_more_finished_tasks_than_one_budget");
        rt.block_on(async {
            const N: usize = 5 * BUDGET + 3;
            let total = weft::spawn(async {
                let mut set = JoinSet::new();
                let aborts: Vec<_> = (0..N).map(|i| set.spawn(async move { i })).collect();
                yield_until(|| aborts.iter().all(|a| a.is_finished())).await;
                let mut total = 0;
                let mut joined = 0;
                while let Some(result) = set.join_next().await {
                    total += result.unwrap();
                    joined += 1;
                }
                assert_eq!(joined, N);
                total
            })
            .await
            .unwrap();
            assert_eq!(total, N * (N - 1) / 2);
        });
    }

    fn try_join_next_ignores_a_spent_budget(rt: &Runtime) {
        let _watchdog = Watchdog::new("try_join_next_ignores_a_spent_budget");
        rt.block_on(async {
            weft::spawn(async {
                let mut set = JoinSet::new();
                let abort = set.spawn(async { 3 });
                yield_until(|| abort.is_finished()).await;
                for _ in 0..BUDGET {
                    consume_budget().await;
                }
                // Not async, cannot yield: the finished task is returned.
                assert_eq!(set.try_join_next().unwrap().unwrap(), 3);
                // Inserting polls the new handle once: not refused either.
                let abort = set.spawn(async { 4 });
                yield_until(|| abort.is_finished()).await;
                for _ in 0..BUDGET {
                    consume_budget().await;
                }
                assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
            })
            .await
            .unwrap();
        });
    }

    // -----------------------------------------------------------------------
    // yield_now: deferred until the driver was checked
    // -----------------------------------------------------------------------

    fn yield_now_returns_after_the_other_ready_tasks_ran(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("yield_now_returns_after_the_other_ready_tasks_ran");
        rt.block_on(async {
            let ran = Arc::new(AtomicUsize::new(0));
            let theirs = ran.clone();
            let seen = weft::spawn(async move {
                let others: Vec<_> = (0..5)
                    .map(|_| {
                        let ran = theirs.clone();
                        weft::spawn(async move {
                            ran.fetch_add(1, SeqCst);
                        })
                    })
                    .collect();
                yield_now().await;
                let seen = theirs.load(SeqCst);
                for other in others {
                    other.await.unwrap();
                }
                seen
            })
            .await
            .unwrap();
            if flavor.is_current_thread() {
                assert_eq!(seen, 5);
            }
            assert_eq!(ran.load(SeqCst), 5);
        });
    }

    fn yield_now_resumes_after_a_task_woken_from_another_thread(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("yield_now_resumes_after_a_task_woken_from_another_thread");
        rt.block_on(async {
            let gate = Gate::new();
            let woken_ran = Arc::new(AtomicBool::new(false));
            let theirs = (gate.clone(), woken_ran.clone());
            let waiter = weft::spawn(async move {
                theirs.0.wait().await;
                theirs.1.store(true, SeqCst);
            });
            // `waiter` must have stored its waker before `seen` holds the
            // thread (with a single worker, nothing else could poll it).
            yield_until(|| gate.registrations() >= 1).await;
            let opened = Arc::new(AtomicBool::new(false));
            let opener = {
                let (gate, opened) = (gate.clone(), opened.clone());
                thread::spawn(move || {
                    gate.wait_registrations(1);
                    // Wakes `waiter` from this thread: through the inject queue.
                    gate.open();
                    opened.store(true, SeqCst);
                })
            };
            let woken = woken_ran.clone();
            let seen = weft::spawn(async move {
                // Hold the thread until the remote wake has been queued...
                wait_until("the gate is opened", || opened.load(SeqCst));
                // ... then yield: the remotely woken task runs first. A task
                // merely re-queued at the back of the local queue would run
                // before the inject queue is looked at.
                yield_now().await;
                woken.load(SeqCst)
            })
            .await
            .unwrap();
            opener.join().unwrap();
            waiter.await.unwrap();
            if flavor.is_current_thread() {
                assert!(seen, "`yield_now` returned before the remotely woken task ran");
            }
        });
    }

    fn a_self_yielding_task_does_not_starve_a_remote_wake(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_self_yielding_task_does_not_starve_a_remote_wake");
        rt.block_on(async {
            let gate = Gate::new();
            let woken_ran = Arc::new(AtomicBool::new(false));
            let theirs = (gate.clone(), woken_ran.clone());
            let waiter = weft::spawn(async move {
                theirs.0.wait().await;
                theirs.1.store(true, SeqCst);
            });
            let yielder = {
                let woken_ran = woken_ran.clone();
                weft::spawn(async move {
                    let mut yields = 0u64;
                    while !woken_ran.load(SeqCst) {
                        yield_now().await;
                        yields += 1;
                    }
                    yields
                })
            };
            let opener = {
                let gate = gate.clone();
                thread::spawn(move || {
                    gate.wait_registrations(1);
                    gate.open();
                })
            };
            // The root future yields in a loop too.
            yield_until(|| woken_ran.load(SeqCst)).await;
            yielder.await.unwrap();
            waiter.await.unwrap();
            opener.join().unwrap();
        });
    }

    fn yield_now_under_handle_block_on_is_woken_at_once(rt: &Runtime) {
        let _watchdog = Watchdog::new("yield_now_under_handle_block_on_is_woken_at_once");
        // No scheduler drives this thread: nothing would wake a deferred task.
        let n = rt.handle().block_on(async {
            for _ in 0..100 {
                yield_now().await;
            }
            100
        });
        assert_eq!(n, 100);
        let handle = rt.handle().clone();
        let n = thread::spawn(move || {
            handle.block_on(async {
                yield_now().await;
                1
            })
        })
        .join()
        .unwrap();
        assert_eq!(n, 1);
    }

    // The polled task's own deferred wake skips the waker: its harness
    // queues it after the poll (`runtime::context`, rule 7). These check
    // that path's edges: a yield under another waker, two in one poll, an
    // abort or a shutdown while the yield waits for the driver check.

    fn a_yield_under_a_foreign_waker_wakes_that_waker(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_yield_under_a_foreign_waker_wakes_that_waker");
        /// Counts wakes of its own waker, and wakes the task's after.
        struct Relay(std::task::Waker, AtomicUsize);
        impl std::task::Wake for Relay {
            fn wake(self: Arc<Self>) {
                self.wake_by_ref();
            }
            fn wake_by_ref(self: &Arc<Self>) {
                self.1.fetch_add(1, SeqCst);
                self.0.wake_by_ref();
            }
        }
        let wakes = rt.block_on(async {
            weft::spawn(async {
                let mut yielded = std::pin::pin!(yield_now());
                let relay = poll_fn(|cx| {
                    Poll::Ready(Arc::new(Relay(cx.waker().clone(), AtomicUsize::new(0))))
                })
                .await;
                let waker = std::task::Waker::from(relay.clone());
                poll_fn(|_| {
                    // The yield sees the relay's waker, not the task's: it
                    // must defer (and wake) that one.
                    let mut foreign = std::task::Context::from_waker(&waker);
                    yielded.as_mut().poll(&mut foreign)
                })
                .await;
                relay.1.load(SeqCst)
            })
            .await
            .unwrap()
        });
        assert_eq!(wakes, 1, "the yield woke the waker it was polled with");
    }

    fn two_yields_in_one_poll_repoll_the_task_once(rt: &Runtime) {
        let _watchdog = Watchdog::new("two_yields_in_one_poll_repoll_the_task_once");
        let counters = Counters::new();
        rt.block_on(async {
            weft::spawn(Counted::new(&counters, async {
                weft::join!(yield_now(), yield_now());
            }))
            .await
            .unwrap();
        });
        assert_eq!(counters.polls(), 2, "one poll yielding twice, one completing");
        assert_eq!(counters.drops(), 1);
    }

    fn a_task_aborted_while_its_yield_is_deferred_is_cancelled_once(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_task_aborted_while_its_yield_is_deferred_is_cancelled_once");
        for _ in 0..50 {
            let counters = Counters::new();
            rt.block_on(async {
                let yielder = weft::spawn(Counted::new(&counters, async {
                    loop {
                        yield_now().await;
                    }
                }));
                yield_until(|| counters.polls() >= 2).await;
                yielder.abort();
                let error = yielder.await.unwrap_err();
                assert!(error.is_cancelled(), "{error:?}");
            });
            assert_eq!(counters.drops(), 1);
        }
    }

    fn nested_local_sets_keep_each_tasks_yield_apart(rt: &Runtime) {
        let _watchdog = Watchdog::new("nested_local_sets_keep_each_tasks_yield_apart");
        let outer = Counters::new();
        let inner = Counters::new();
        let local = LocalSet::new();
        let (o, i) = (outer.clone(), inner.clone());
        local.block_on(rt, async move {
            task::spawn_local(Counted::new(&o, async move {
                // In one poll this task yields, then drives a LocalSet of
                // its own whose task runs to completion: the nested poll
                // must leave this task's yield in place, since nothing
                // else wakes it.
                let nested = LocalSet::new();
                nested.spawn_local(Counted::new(&i, async {}));
                weft::join!(yield_now(), nested);
                yield_now().await;
            }))
            .await
            .unwrap();
        });
        assert_eq!(outer.polls(), 3, "two yields, then done");
        assert_eq!((inner.polls(), outer.drops(), inner.drops()), (1, 1, 1));
    }
}

rt_test! {
    fn shutdown_drops_tasks_whose_yields_are_deferred(rt: Runtime) {
        let _watchdog = Watchdog::new("shutdown_drops_tasks_whose_yields_are_deferred");
        let counters = Counters::new();
        rt.block_on(async {
            for _ in 0..20 {
                weft::spawn(Counted::new(&counters, async {
                    loop {
                        yield_now().await;
                    }
                }));
            }
            yield_until(|| counters.polls() >= 100).await;
        });
        drop(rt);
        assert_eq!(counters.drops(), 20, "every yielding task dropped at shutdown");
    }
}

rt_test! {
    // -----------------------------------------------------------------------
    // LocalSet
    // -----------------------------------------------------------------------

    fn local_tasks_that_yield_make_progress(rt: &Runtime) {
        let _watchdog = Watchdog::new("local_tasks_that_yield_make_progress");
        let local = LocalSet::new();
        let count = Rc::new(Cell::new(0));
        let total = local.block_on(rt, async {
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let count = count.clone();
                    task::spawn_local(async move {
                        for _ in 0..50 {
                            count.set(count.get() + 1);
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            count.get()
        });
        assert_eq!(total, 150);

        // The set itself as the root future, its tasks yielding.
        let count2 = count.clone();
        local.spawn_local(async move {
            for _ in 0..50 {
                yield_now().await;
                count2.set(count2.get() + 1);
            }
        });
        rt.block_on(local);
        assert_eq!(count.get(), 200);
    }

    fn local_tasks_have_their_own_budget(rt: &Runtime) {
        let _watchdog = Watchdog::new("local_tasks_have_their_own_budget");
        let local = LocalSet::new();
        let spins = local.block_on(rt, async {
            task::spawn_local(async {
                let flag = Rc::new(Cell::new(false));
                let theirs = flag.clone();
                let setter = task::spawn_local(async move { theirs.set(true) });
                let mut spins = 0;
                while !flag.get() {
                    consume_budget().await;
                    spins += 1;
                }
                setter.await.unwrap();
                spins
            })
            .await
            .unwrap()
        });
        assert_eq!(spins, BUDGET + 1);
    }
}

/// A busy task repeats a ready operation (so its budget runs out at every
/// poll) while another task of the same runtime waits in `accept`; the
/// connection arrives (a blocking connect, which the kernel completes from
/// the backlog) during the busy task's first poll, after the acceptor has
/// found the queue empty. Returns how many times the busy task had been
/// polled when the accept completed.
///
/// A yield forced by a spent budget must come back only after the driver
/// has collected I/O events: then the acceptor runs at the driver check
/// right after the busy task's first yield. Re-queued without waiting for
/// the driver, the busy task is polled again and again until the scheduler
/// checks its driver on its own (every few dozen polls). The busy task
/// stops once the accept completes, so a failure cannot hang.
fn busy_polls_before_an_accept(rt: &weft::runtime::Runtime, busy_loop: BusyLoop) -> usize {
    let _watchdog = Watchdog::new("busy_polls_before_an_accept");
    rt.block_on(async {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let registered = Arc::new(AtomicBool::new(false));
        let busy_counters = Counters::new();
        let acceptor = {
            let registered = registered.clone();
            let busy_counters = busy_counters.clone();
            weft::spawn(async move {
                let mut accept = std::pin::pin!(listener.accept());
                // Wait in `accept` first, with the queue still empty.
                let first = poll_fn(|cx| Poll::Ready(accept.as_mut().poll(cx))).await;
                assert!(first.is_pending(), "no connection yet");
                registered.store(true, SeqCst);
                let connection = accept.await.unwrap();
                (connection, busy_counters.polls())
            })
        };
        while !registered.load(SeqCst) {
            yield_now().await;
        }
        let done = Arc::new(AtomicBool::new(false));
        let busy = {
            let done = done.clone();
            weft::spawn(Counted::new(&busy_counters, async move {
                let client = std::net::TcpStream::connect(addr).unwrap();
                while !done.load(SeqCst) {
                    busy_loop.once().await;
                }
                client
            }))
        };
        let (_connection, polls) = acceptor.await.unwrap();
        done.store(true, SeqCst);
        busy.await.unwrap();
        polls
    })
}

/// The ready operations a busy task repeats.
#[derive(Clone, Copy)]
enum BusyLoop {
    /// `consume_budget().await`.
    ConsumeBudget,
    /// Awaiting a `JoinHandle` of a task that already finished.
    FinishedHandle,
    /// A `select!` over an always-ready branch.
    Select,
}

impl BusyLoop {
    async fn once(self) {
        match self {
            BusyLoop::ConsumeBudget => consume_budget().await,
            BusyLoop::FinishedHandle => {
                let mut handles = finished_handles(1).await;
                handles.pop().unwrap().await.unwrap();
            }
            BusyLoop::Select => {
                weft::select! {
                    biased;
                    _ = ready(()) => {},
                }
                consume_budget().await;
            }
        }
    }
}

rt_test! {
    fn a_spent_budget_yields_past_the_io_driver(rt: &Runtime, flavor: Flavor) {
        for busy_loop in [BusyLoop::ConsumeBudget, BusyLoop::FinishedHandle, BusyLoop::Select] {
            let polls = busy_polls_before_an_accept(rt, busy_loop);
            // With one thread polling tasks: the first poll (which
            // connects) and at most one more before the driver check that
            // sees the connection. With several workers another one may
            // accept at any time: only completion is checked there.
            if flavor.workers() == 1 {
                assert!(polls <= 2, "{flavor:?}: the busy task was polled {polls} times first");
            }
        }
    }
}

#[test]
fn yield_now_outside_any_runtime_is_woken_at_once() {
    /// Counts wakes.
    struct CountWakes(AtomicUsize);
    impl std::task::Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = std::task::Waker::from(wakes.clone());
    let mut cx = std::task::Context::from_waker(&waker);
    for round in 0..10 {
        let mut yielding = std::pin::pin!(yield_now());
        assert!(
            yielding.as_mut().poll(&mut cx).is_pending(),
            "round {round}"
        );
        // No scheduler to defer to: the wake comes before the poll returns.
        assert_eq!(wakes.0.load(SeqCst), round + 1, "woken at once");
        assert!(yielding.as_mut().poll(&mut cx).is_ready());
    }
    // No budget out here: never refused, never a wake.
    for _ in 0..10 * BUDGET {
        let mut spending = std::pin::pin!(consume_budget());
        assert!(spending.as_mut().poll(&mut cx).is_ready());
    }
    assert_eq!(wakes.0.load(SeqCst), 10);
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn send<T: Send>(_: &T) {}
    fn sync<T: Sync>(_: &T) {}
    fn both<T: Send + Sync>(t: &T) {
        send(t);
        sync(t);
    }
    both(&unconstrained(ready(1)));
    both(&consume_budget());
    both(&yield_now());
    fn unpin<T: Unpin>(_: &T) {}
    unpin(&unconstrained(ready(1)));
}
