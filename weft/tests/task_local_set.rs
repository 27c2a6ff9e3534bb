//! `LocalSet` and `spawn_local`: `!Send` futures, driving the set, aborts
//! and wakes from other threads, and dropping the set.

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use support::*;
use weft::task::{self, LocalSet};

/// A counted `!Send` future that waits for `gate`, then returns `value`.
fn local_gated(
    counters: &Arc<Counters>,
    gate: &Arc<Gate>,
    value: u32,
) -> impl Future<Output = u32> + 'static {
    let rc = Rc::new(value);
    let gate = gate.clone();
    Counted::new(counters, async move {
        gate.wait().await;
        *rc
    })
}

#[test]
fn not_send_futures_run_on_a_local_set() {
    let _watchdog = Watchdog::new("not_send_futures_run_on_a_local_set");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));

    let theirs = log.clone();
    let spawned_before = local.spawn_local(async move {
        theirs.borrow_mut().push("before");
        Rc::new(1)
    });
    let theirs = log.clone();
    let out = rt.block_on(local.run_until(async move {
        let inner = task::spawn_local(async move {
            task::yield_now().await;
            theirs.borrow_mut().push("inside");
            Rc::new(2)
        });
        *spawned_before.await.unwrap() + *inner.await.unwrap()
    }));
    assert_eq!(out, 3);
    let mut log = log.borrow().clone();
    log.sort_unstable();
    assert_eq!(log, ["before", "inside"]);
}

#[test]
fn awaiting_a_local_set_completes_when_its_tasks_finish() {
    let _watchdog = Watchdog::new("awaiting_a_local_set_completes_when_its_tasks_finish");
    let rt = current_thread_rt();

    // An empty set is done at once.
    rt.block_on(LocalSet::new());

    let local = LocalSet::new();
    let done = Rc::new(Cell::new(0));
    for n in 0..10 {
        let done = done.clone();
        local.spawn_local(async move {
            for _ in 0..n {
                task::yield_now().await;
            }
            // Tasks spawned by tasks count too.
            let done2 = done.clone();
            task::spawn_local(async move {
                task::yield_now().await;
                done2.set(done2.get() + 1);
            });
            done.set(done.get() + 1);
        });
    }
    rt.block_on(local);
    assert_eq!(
        done.get(),
        20,
        "the set completes only after every task, nested ones too"
    );
}

#[test]
fn local_set_block_on() {
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let rc = Rc::new(20);
    let out = local.block_on(&rt, async move {
        let rc2 = rc.clone();
        task::spawn_local(async move { *rc2 + 1 }).await.unwrap() + *rc
    });
    assert_eq!(out, 41);
}

#[test]
#[should_panic(expected = "`spawn_local` called from outside of a `task::LocalSet`")]
fn spawn_local_outside_a_local_set_panics() {
    task::spawn_local(async {});
}

#[test]
fn spawn_local_inside_a_runtime_but_outside_a_local_set_panics() {
    let rt = current_thread_rt();
    let message = rt.block_on(async { panic_of(|| task::spawn_local(async {})) });
    assert!(
        message.contains("`spawn_local` called from outside of a `task::LocalSet`"),
        "{message}"
    );
    // And after a LocalSet ran, it is no longer current.
    let local = LocalSet::new();
    local.block_on(&rt, async {});
    let message = panic_of(|| task::spawn_local(async {}));
    assert!(
        message.contains("`spawn_local` called from outside of a `task::LocalSet`"),
        "{message}"
    );
}

#[test]
fn local_set_enter_lets_plain_code_spawn_local() {
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let handle = {
        let _guard = local.enter();
        task::spawn_local(async { Rc::new(8) })
    };
    let out = local.block_on(&rt, handle).unwrap();
    assert_eq!(*out, 8);
}

#[test]
fn abort_of_a_local_task_from_another_thread_drops_it_on_the_owning_thread() {
    let _watchdog = Watchdog::new("abort_of_a_local_task_from_another_thread");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = local.spawn_local(local_gated(&counters, &gate, 1));
    local.block_on(&rt, yield_until(|| counters.polls() == 1));

    let abort = handle.abort_handle();
    let theirs = counters.clone();
    let drops_seen_by_aborter = thread::spawn(move || {
        abort.abort();
        theirs.drops()
    })
    .join()
    .unwrap();
    assert_eq!(
        drops_seen_by_aborter, 0,
        "a !Send future is never dropped by a foreign thread"
    );

    let result = local.block_on(&rt, handle);
    assert!(result.unwrap_err().is_cancelled());
    assert_eq!(counters.drops(), 1);
    assert_eq!(
        counters.dropped_on(),
        Some(thread::current().id()),
        "dropped by its own thread"
    );
    assert_eq!(counters.polls(), 1);
}

#[test]
fn abort_of_an_idle_local_task_on_its_own_thread() {
    let _watchdog = Watchdog::new("abort_of_an_idle_local_task_on_its_own_thread");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    local.block_on(&rt, async {
        let handle = task::spawn_local(local_gated(&counters, &gate, 1));
        yield_until(|| counters.polls() == 1).await;
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert_eq!(counters.drops(), 1);
    });
    assert_eq!(counters.polls(), 1);
}

#[test]
fn abort_of_a_local_task_while_the_set_is_not_driven_then_dropped() {
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = local.spawn_local(local_gated(&counters, &gate, 1));
    local.block_on(&rt, yield_until(|| counters.polls() == 1));
    let abort = handle.abort_handle();
    thread::spawn(move || abort.abort()).join().unwrap();
    assert_eq!(counters.drops(), 0);
    drop(local);
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.dropped_on(), Some(thread::current().id()));
    let mut handle = handle;
    assert!(matches!(poll_once(&mut handle), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn dropping_the_local_set_drops_every_pending_future_once() {
    let _watchdog = Watchdog::new("dropping_the_local_set_drops_every_pending_future_once");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let gate = Gate::new();
    let polled: Vec<_> = (0..4).map(|_| Counters::new()).collect();
    let mut handles: Vec<_> = polled
        .iter()
        .map(|c| local.spawn_local(local_gated(c, &gate, 0)))
        .collect();
    local.block_on(&rt, yield_until(|| polled.iter().all(|c| c.polls() == 1)));
    // Spawned, never polled.
    let queued: Vec<_> = (0..4).map(|_| Counters::new()).collect();
    handles.extend(
        queued
            .iter()
            .map(|c| local.spawn_local(local_gated(c, &gate, 0))),
    );
    // Woken (queued again), not polled again.
    gate.open();

    drop(local);
    for c in polled.iter().chain(&queued) {
        assert_eq!(c.drops(), 1);
        assert_eq!(c.dropped_on(), Some(thread::current().id()));
    }
    assert!(polled.iter().all(|c| c.polls() == 1));
    assert!(queued.iter().all(|c| c.polls() == 0));
    for handle in &mut handles {
        assert!(matches!(poll_once(handle), Poll::Ready(Err(e)) if e.is_cancelled()));
    }
    drop(rt);
}

#[test]
fn wake_of_a_local_task_from_another_thread_runs_it() {
    let _watchdog = Watchdog::new("wake_of_a_local_task_from_another_thread_runs_it");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = local.spawn_local(local_gated(&counters, &gate, 42));
    let opener = {
        let gate = gate.clone();
        thread::spawn(move || {
            gate.wait_registrations(1);
            // Let the runtime go idle and park first.
            thread::sleep(Duration::from_millis(20));
            gate.open();
        })
    };
    assert_eq!(local.block_on(&rt, handle).unwrap(), 42);
    opener.join().unwrap();
    assert_eq!(counters.polls(), 2);
}

#[test]
fn a_raw_waker_clone_woken_from_another_thread_runs_the_local_task() {
    let _watchdog = Watchdog::new("a_raw_waker_clone_woken_from_another_thread");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let flag = Arc::new(AtomicBool::new(false));
    let gate = Gate::new();
    let theirs = flag.clone();
    let gate2 = gate.clone();
    let handle = local.spawn_local(async move {
        let _not_send = Rc::new(());
        // Pending until `flag` is set; registers through the gate so the
        // test can fetch the waker.
        std::future::poll_fn(|cx| {
            if theirs.load(SeqCst) {
                Poll::Ready(())
            } else {
                let mut wait = gate2.wait();
                let _ = std::pin::Pin::new(&mut wait).poll(cx);
                Poll::Pending
            }
        })
        .await;
    });
    let waker_thread = {
        let gate = gate.clone();
        let flag = flag.clone();
        thread::spawn(move || {
            let waker = gate.wait_waker();
            thread::sleep(Duration::from_millis(10));
            flag.store(true, SeqCst);
            waker.wake();
        })
    };
    local.block_on(&rt, handle).unwrap();
    waker_thread.join().unwrap();
}

#[test]
fn pending_tasks_stay_in_the_set_between_runs() {
    let _watchdog = Watchdog::new("pending_tasks_stay_in_the_set_between_runs");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = local.spawn_local(local_gated(&counters, &gate, 3));
    local.block_on(&rt, yield_until(|| counters.polls() == 1));
    // run_until returned; the task is still pending in the set.
    assert_eq!(counters.drops(), 0);
    gate.open();
    assert_eq!(counters.polls(), 1, "not driven: nothing runs");
    assert_eq!(local.block_on(&rt, handle).unwrap(), 3);
    assert_eq!(counters.polls(), 2);
}

#[test]
fn busy_local_tasks_do_not_starve_the_runtime() {
    let _watchdog = Watchdog::new("busy_local_tasks_do_not_starve_the_runtime");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let flag = Arc::new(AtomicBool::new(false));
    for _ in 0..100 {
        let flag = flag.clone();
        local.spawn_local(async move {
            let _not_send = Rc::new(());
            while !flag.load(SeqCst) {
                task::yield_now().await;
            }
        });
    }
    let theirs = flag.clone();
    rt.block_on(async move {
        // A runtime task (not in the set) must get to run while the local
        // tasks spin.
        weft::spawn(async move { theirs.store(true, SeqCst) });
        local.await;
    });
    assert!(flag.load(SeqCst));
}

#[test]
fn panic_in_a_local_task_is_a_join_error() {
    quiet_panics();
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let err = local
        .block_on(&rt, async {
            let rc = Rc::new(());
            task::spawn_local(async move {
                let _rc = rc;
                panic!("quiet: local boom");
            })
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(panic_message(&*err.into_panic()), Some("quiet: local boom"));
    // The set still works.
    assert_eq!(
        local.block_on(&rt, async { task::spawn_local(async { 1 }).await.unwrap() }),
        1
    );
}

#[test]
fn local_task_ids() {
    let rt = current_thread_rt();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let handle = task::spawn_local(async { task::id() });
        let id = handle.id();
        assert_eq!(handle.await.unwrap(), id);
    });
}

#[test]
fn spawn_local_from_a_future_dropped_with_the_set_is_refused_quietly() {
    struct SpawnOnDrop(Arc<Counters>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let counters = self.0.clone();
            let handle = task::spawn_local(Counted::new(&counters, async { Rc::new(()) }));
            drop(handle);
        }
    }
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let late = Counters::new();
    let guard = SpawnOnDrop(late.clone());
    let outer = Counters::new();
    local.spawn_local(Counted::new(&outer, async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    local.block_on(&rt, yield_until(|| outer.polls() == 1));
    drop(local);
    assert_eq!(outer.drops(), 1);
    assert_eq!(
        late.polls(),
        0,
        "a task spawned into a closed set never runs"
    );
    assert_eq!(late.drops(), 1, "and its future is dropped once");
}

#[test]
fn wakes_after_the_local_set_is_dropped_are_harmless() {
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let counters = Counters::new();
    let gate = Gate::new();
    let handle = local.spawn_local(local_gated(&counters, &gate, 0));
    local.block_on(&rt, yield_until(|| counters.polls() == 1));
    let waker = gate.waker().unwrap();
    drop(local);
    assert_eq!(counters.drops(), 1);
    let remote = waker.clone();
    thread::spawn(move || {
        remote.wake_by_ref();
        remote.wake();
    })
    .join()
    .unwrap();
    waker.wake();
    drop(handle);
    assert_eq!(counters.polls(), 1);
    assert_eq!(counters.drops(), 1);
}

#[test]
fn local_task_awaiting_a_runtime_task() {
    let _watchdog = Watchdog::new("local_task_awaiting_a_runtime_task");
    let rt = current_thread_rt();
    let local = LocalSet::new();
    let out = local.block_on(&rt, async {
        let rc = Rc::new(2);
        task::spawn_local(async move {
            let from_runtime = weft::spawn(async {
                task::yield_now().await;
                40
            });
            from_runtime.await.unwrap() + *rc
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn nested_local_sets_keep_their_tasks_apart() {
    let _watchdog = Watchdog::new("nested_local_sets_keep_their_tasks_apart");
    let rt = current_thread_rt();
    let outer = LocalSet::new();
    let out = outer.block_on(&rt, async {
        let inner = LocalSet::new();
        let in_inner = inner
            .run_until(async {
                let rc = Rc::new(1);
                task::spawn_local(async move { *rc }).await.unwrap()
            })
            .await;
        // Back in the outer set.
        let in_outer = task::spawn_local(async { Rc::new(2) }).await.unwrap();
        in_inner + *in_outer
    });
    assert_eq!(out, 3);
}

/// A waker whose `Drop` spawns a local task (user code reaching back into
/// the set that stored it).
struct SpawnOnDrop(Arc<AtomicBool>);

impl std::task::Wake for SpawnOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let spawned = self.0.clone();
        drop(weft::task::spawn_local(async move {
            spawned.store(true, SeqCst);
        }));
    }
}

/// The set drops a waker it replaces after releasing its lock: the
/// waker's `Drop` may spawn onto the set (which wakes the set's driver,
/// under that lock) without deadlocking.
#[test]
fn a_replaced_waker_may_spawn_onto_the_set_when_dropped() {
    let _watchdog = Watchdog::new("a_replaced_waker_may_spawn_onto_the_set_when_dropped");
    let local = LocalSet::new();
    let spawned = Arc::new(AtomicBool::new(false));
    let mut run = std::pin::pin!(local.run_until(std::future::pending::<()>()));
    {
        let waker = std::task::Waker::from(Arc::new(SpawnOnDrop(spawned.clone())));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(run.as_mut().poll(&mut cx).is_pending());
    }
    // Polled with another waker: the first one is replaced and dropped.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(run.as_mut().poll(&mut cx).is_pending());
    assert!(run.as_mut().poll(&mut cx).is_pending());
    assert!(
        spawned.load(SeqCst),
        "the task spawned by the waker's drop ran"
    );
}
