//! `JoinSet`: completion order, `try_join_next`, `join_all`, `abort_all`,
//! `shutdown`, `detach_all`, drop, ids, `spawn_on`, `FromIterator`/`Extend`.

mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use support::*;
use weft::task::{self, AbortHandle, JoinSet};

/// A task that yields `yields` times, records its completion, returns `n`.
fn finisher(
    n: usize,
    yields: usize,
    order: &Arc<Mutex<Vec<usize>>>,
) -> impl std::future::Future<Output = usize> + Send + 'static {
    let order = order.clone();
    async move {
        for _ in 0..yields {
            task::yield_now().await;
        }
        order.lock().unwrap().push(n);
        n
    }
}

rt_test! {
    fn join_next_returns_every_output_once_in_completion_order(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("join_next_completion_order");
        rt.block_on(async {
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut set = JoinSet::new();
            for n in 0..5 {
                // Task n yields 4 - n times: they finish in reverse order.
                set.spawn(finisher(n, (4 - n) * 3, &order));
            }
            assert_eq!(set.len(), 5);
            let mut joined = Vec::new();
            while let Some(result) = set.join_next().await {
                joined.push(result.unwrap());
            }
            if flavor.workers() == 1 {
                // One thread runs the tasks: finishing order is exact.
                assert_eq!(joined, *order.lock().unwrap(), "joined in completion order");
            } else {
                // Tasks on two workers may record their order and complete
                // in opposite orders; every output comes back exactly once.
                let mut sorted = joined.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, [0, 1, 2, 3, 4]);
            }
            if flavor.is_current_thread() {
                assert_eq!(joined, [4, 3, 2, 1, 0]);
            }
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }

    fn join_next_completion_order_when_all_finished_before_the_first_join(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("join_next_order_all_finished_first");
        rt.block_on(async {
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut set = JoinSet::new();
            let aborts: Vec<AbortHandle> =
                (0..5).map(|n| set.spawn(finisher(n, (4 - n) * 3, &order))).collect();
            yield_until(|| aborts.iter().all(AbortHandle::is_finished)).await;
            let mut joined = Vec::new();
            while let Some(result) = set.join_next().await {
                joined.push(result.unwrap());
            }
            if flavor.workers() == 1 {
                assert_eq!(joined, *order.lock().unwrap(), "joined in completion order");
            } else {
                // See `join_next_returns_every_output_once_in_completion_order`.
                let mut sorted = joined.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, [0, 1, 2, 3, 4]);
            }
        });
    }

    fn try_join_next(rt: &Runtime) {
        let _watchdog = Watchdog::new("try_join_next");
        rt.block_on(async {
            let mut set: JoinSet<u32> = JoinSet::new();
            assert!(set.try_join_next().is_none(), "empty set");
            let gate = Gate::new();
            let counters = Counters::new();
            set.spawn(gated(&counters, &gate, 1));
            assert!(set.try_join_next().is_none(), "nothing finished yet");
            yield_until(|| counters.polls() == 1).await;
            assert!(set.try_join_next().is_none(), "still pending");
            assert_eq!(set.len(), 1);
            gate.open();
            // On multi_thread the task finishes on another thread: retry
            // until its completion has reached the set.
            let joined = loop {
                if let Some(joined) = set.try_join_next() {
                    break joined;
                }
                task::yield_now().await;
            };
            assert_eq!(counters.drops(), 1);
            assert_eq!(joined.unwrap(), 1);
            assert!(set.is_empty());
            assert!(set.try_join_next().is_none());
        });
    }

    fn try_join_next_with_id(rt: &Runtime) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let abort = set.spawn(async { 9 });
            yield_until(|| abort.is_finished()).await;
            let joined = loop {
                if let Some(joined) = set.try_join_next_with_id() {
                    break joined;
                }
                task::yield_now().await;
            };
            let (id, value) = joined.unwrap();
            assert_eq!((id, value), (abort.id(), 9));
        });
    }

    fn join_all_returns_every_output(rt: &Runtime) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for n in 0..20u32 {
                set.spawn(async move {
                    task::yield_now().await;
                    n * 2
                });
            }
            let mut all = set.join_all().await;
            all.sort_unstable();
            assert_eq!(all, (0..20).map(|n| n * 2).collect::<Vec<_>>());
        });
    }

    fn join_all_resumes_a_tasks_panic(rt: &Runtime) {
        quiet_panics();
        let calm = Counters::new();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                let gate = Gate::new();
                set.spawn(gated(&calm, &gate, ()));
                set.spawn(async { panic!("quiet: join_all boom") });
                set.join_all().await
            })
        }));
        let payload = result.expect_err("join_all re-raises the task's panic");
        assert_eq!(panic_message(&*payload), Some("quiet: join_all boom"));
        // Aborted as the set dropped during the unwind; on multi_thread a
        // worker that is polling the task right then drops it when that
        // poll returns.
        wait_until("the remaining task was aborted with the set", || calm.drops() == 1);
    }

    fn join_all_panics_on_a_cancelled_task(rt: &Runtime) {
        quiet_panics();
        let message = panic_of(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                let abort = set.spawn(std::future::pending::<()>());
                abort.abort();
                set.join_all().await
            })
        });
        assert!(message.contains("cancelled"), "{message}");
    }

    fn abort_all_cancels_every_task(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("abort_all_cancels_every_task");
        rt.block_on(async {
            let gate = Gate::new();
            let counters: Vec<_> = (0..10).map(|_| Counters::new()).collect();
            let mut set = JoinSet::new();
            for c in &counters {
                set.spawn(gated(c, &gate, ()));
            }
            // Half polled (idle), half possibly still queued: both are idle.
            yield_until(|| counters[0].polls() == 1).await;
            set.abort_all();
            if flavor.is_current_thread() {
                assert!(counters.iter().all(|c| c.drops() == 1), "idle tasks drop at abort_all");
            } else {
                // A task another worker is polling right now is cancelled
                // when that poll returns.
                yield_until(|| counters.iter().all(|c| c.drops() == 1)).await;
            }
            assert_eq!(set.len(), 10, "aborted tasks stay until joined");
            let mut cancelled = 0;
            while let Some(result) = set.join_next().await {
                assert!(result.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10);
        });
    }

    fn abort_all_keeps_outputs_of_finished_tasks(rt: &Runtime) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let done = set.spawn(async { Some(1) });
            set.spawn(std::future::pending::<Option<u32>>());
            yield_until(|| done.is_finished()).await;
            set.abort_all();
            let mut results = Vec::new();
            while let Some(result) = set.join_next().await {
                results.push(result.ok().flatten());
            }
            results.sort();
            assert_eq!(results, [None, Some(1)]);
        });
    }

    fn shutdown_aborts_and_empties_the_set(rt: &Runtime) {
        let _watchdog = Watchdog::new("shutdown_aborts_and_empties_the_set");
        rt.block_on(async {
            let counters: Vec<_> = (0..5).map(|_| Counters::new()).collect();
            let gate = Gate::new();
            let mut set = JoinSet::new();
            for c in &counters {
                set.spawn(gated(c, &gate, ()));
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(set.len(), 0);
            assert!(counters.iter().all(|c| c.drops() == 1));
            assert!(set.join_next().await.is_none());
            // The set is reusable.
            set.spawn(async {});
            assert!(set.join_next().await.unwrap().is_ok());
        });
    }

    fn detach_all_lets_tasks_keep_running(rt: &Runtime) {
        let _watchdog = Watchdog::new("detach_all_lets_tasks_keep_running");
        rt.block_on(async {
            let finished = Arc::new(AtomicUsize::new(0));
            let gate = Gate::new();
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let finished = finished.clone();
                let gate = gate.clone();
                set.spawn(async move {
                    gate.wait().await;
                    finished.fetch_add(1, SeqCst);
                });
            }
            yield_until(|| gate.registrations() >= 5).await;
            set.detach_all();
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
            gate.open();
            yield_until(|| finished.load(SeqCst) == 5).await;
            // New tasks in the emptied set work.
            set.spawn(async {});
            assert!(set.join_next().await.unwrap().is_ok());
            assert!(set.join_next().await.is_none());
        });
    }

    fn dropping_the_set_aborts_its_tasks(rt: &Runtime) {
        let _watchdog = Watchdog::new("dropping_the_set_aborts_its_tasks");
        let counters: Vec<_> = (0..6).map(|_| Counters::new()).collect();
        let gate = Gate::new();
        rt.block_on(async {
            let mut set = JoinSet::new();
            let aborts: Vec<_> = counters.iter().map(|c| set.spawn(gated(c, &gate, ()))).collect();
            yield_until(|| counters.iter().all(|c| c.polls() == 1)).await;
            drop(set);
            // Dropped with the set (on multi_thread, a task a worker is
            // still polling is dropped when that poll returns, and is
            // finished a moment after its future is dropped).
            yield_until(|| {
                counters.iter().all(|c| c.drops() == 1)
                    && aborts.iter().all(AbortHandle::is_finished)
            })
            .await;
        });
        gate.open();
        rt.block_on(task::yield_now());
        assert!(counters.iter().all(|c| c.polls() == 1 && c.drops() == 1));
    }

    fn len_and_is_empty(rt: &Runtime) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.is_empty());
            assert_eq!(set.len(), 0);
            for n in 0..3 {
                set.spawn(async move { n });
            }
            assert_eq!(set.len(), 3);
            assert!(!set.is_empty());
            set.join_next().await.unwrap().unwrap();
            assert_eq!(set.len(), 2, "finished tasks count until joined");
            set.join_next().await.unwrap().unwrap();
            set.join_next().await.unwrap().unwrap();
            assert!(set.is_empty());
        });
    }

    fn join_next_with_id_matches_spawn_ids(rt: &Runtime) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut expected = std::collections::HashMap::new();
            for n in 0..10u32 {
                let abort = set.spawn(async move {
                    task::yield_now().await;
                    (n, task::id())
                });
                expected.insert(abort.id(), n);
            }
            while let Some(result) = set.join_next_with_id().await {
                let (id, (n, inner_id)) = result.unwrap();
                assert_eq!(expected.remove(&id), Some(n));
                assert_eq!(inner_id, id);
            }
            assert!(expected.is_empty());

            // Errors carry the id too.
            let abort = set.spawn(std::future::pending::<(u32, task::Id)>());
            abort.abort();
            let err = set.join_next_with_id().await.unwrap().unwrap_err();
            assert_eq!(err.id(), abort.id());
        });
    }

    fn spawn_on_a_handle_from_outside(rt: &Runtime) {
        let mut set = JoinSet::new();
        for n in 0..4u8 {
            set.spawn_on(async move { n }, rt.handle());
        }
        let handle = rt.handle().clone();
        let mut from_thread = std::thread::spawn(move || {
            let mut set = JoinSet::new();
            set.spawn_on(async { 10u8 }, &handle);
            set
        })
        .join()
        .unwrap();
        let mut all = rt.block_on(async {
            let mut all = Vec::new();
            while let Some(result) = set.join_next().await {
                all.push(result.unwrap());
            }
            all.push(from_thread.join_next().await.unwrap().unwrap());
            all
        });
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 10]);
    }

    fn from_iter_and_extend(rt: &Runtime) {
        let _guard = rt.enter();
        let mut set: JoinSet<u32> = (0..3).map(|n| async move { n }).collect();
        set.extend((3..6).map(|n| async move { n }));
        assert_eq!(set.len(), 6);
        drop(_guard);
        let mut all = rt.block_on(set.join_all());
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4, 5]);
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn join_set_spawn_outside_a_runtime_panics() {
    let mut set = JoinSet::new();
    set.spawn(async {});
}

#[test]
fn join_set_of_local_tasks() {
    let _watchdog = Watchdog::new("join_set_of_local_tasks");
    let rt = current_thread_rt();
    let local = task::LocalSet::new();
    let mut set = JoinSet::new();
    let shared = std::rc::Rc::new(5);
    let theirs = shared.clone();
    set.spawn_local_on(async move { *theirs + 1 }, &local);
    let all = local.block_on(&rt, async move {
        let theirs = shared.clone();
        set.spawn_local(async move { *theirs + 2 });
        let mut all = Vec::new();
        while let Some(result) = set.join_next().await {
            all.push(result.unwrap());
        }
        all
    });
    let mut all = all;
    all.sort_unstable();
    assert_eq!(all, [6, 7]);
}
