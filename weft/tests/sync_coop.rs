//! Every `weft::sync` future that can complete without waiting spends the
//! task's cooperative budget: a task looping over an always-ready operation
//! inside `select! { biased; loop => .., yield_now() => .. }` must reach the
//! `yield_now` branch (without the budget it spins forever and starves its
//! worker). Each case runs on every flavor; a watchdog fails the test after
//! 20 s instead of letting it hang.

mod support;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use support::rt_test;
use weft::runtime::Runtime;
use weft::sync::{
    broadcast, mpsc, oneshot, watch, Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, SetOnce,
};

/// Runs, in a task of `rt`, `select! { biased; busy => .., yield_now() => .. }`
/// and fails if the yield branch is not reached within 20 s.
fn must_yield<F, Fut>(rt: Runtime, busy: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
{
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // The runtime moves to a thread of its own: if the task spins forever,
    // that thread is left behind and the test fails rather than hangs.
    std::thread::spawn(move || {
        rt.block_on(async move {
            weft::spawn(async move {
                weft::select! {
                    biased;
                    _ = busy() => unreachable!("the busy loop never ends"),
                    _ = weft::task::yield_now() => {}
                }
            })
            .await
            .unwrap();
        });
        let _ = done_tx.send(());
        drop(rt);
    });
    done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("an always-ready sync operation never yielded: no cooperative budget spent");
}

rt_test! {
    fn mpsc_recv(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = mpsc::channel(1);
            loop {
                tx.try_send(()).unwrap();
                rx.recv().await.unwrap();
            }
        });
    }

    fn mpsc_recv_many(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = mpsc::channel(1);
            let mut buf = Vec::new();
            loop {
                tx.try_send(()).unwrap();
                buf.clear();
                rx.recv_many(&mut buf, 4).await;
            }
        });
    }

    fn mpsc_recv_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = mpsc::channel::<()>(1);
            drop(tx);
            loop {
                assert!(rx.recv().await.is_none());
            }
        });
    }

    fn mpsc_send(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = mpsc::channel(1);
            loop {
                tx.send(()).await.unwrap();
                rx.try_recv().unwrap();
            }
        });
    }

    fn mpsc_send_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, rx) = mpsc::channel(1);
            drop(rx);
            loop {
                assert!(tx.send(()).await.is_err());
            }
        });
    }

    fn mpsc_reserve(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, _rx) = mpsc::channel::<()>(1);
            loop {
                drop(tx.reserve().await.unwrap());
            }
        });
    }

    fn mpsc_reserve_many(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, _rx) = mpsc::channel::<()>(2);
            loop {
                drop(tx.reserve_many(2).await.unwrap());
            }
        });
    }

    fn mpsc_sender_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, rx) = mpsc::channel::<()>(1);
            drop(rx);
            loop {
                tx.closed().await;
            }
        });
    }

    fn mpsc_unbounded_recv(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            loop {
                tx.send(()).unwrap();
                rx.recv().await.unwrap();
            }
        });
    }

    fn mpsc_unbounded_sender_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, rx) = mpsc::unbounded_channel::<()>();
            drop(rx);
            loop {
                tx.closed().await;
            }
        });
    }

    fn oneshot_recv(rt: Runtime) {
        must_yield(rt, || async {
            loop {
                let (tx, rx) = oneshot::channel();
                tx.send(()).unwrap();
                rx.await.unwrap();
            }
        });
    }

    fn oneshot_sender_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (mut tx, rx) = oneshot::channel::<()>();
            drop(rx);
            loop {
                tx.closed().await;
            }
        });
    }

    fn broadcast_recv(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = broadcast::channel(1);
            loop {
                tx.send(()).unwrap();
                rx.recv().await.unwrap();
            }
        });
    }

    fn broadcast_recv_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = broadcast::channel::<()>(1);
            drop(tx);
            loop {
                assert!(rx.recv().await.is_err());
            }
        });
    }

    fn broadcast_sender_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, rx) = broadcast::channel::<()>(1);
            drop(rx);
            loop {
                tx.closed().await;
            }
        });
    }

    fn watch_changed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = watch::channel(0);
            loop {
                tx.send(1).unwrap();
                rx.changed().await.unwrap();
            }
        });
    }

    fn watch_wait_for_already_true(rt: Runtime) {
        must_yield(rt, || async {
            let (_tx, mut rx) = watch::channel(0);
            loop {
                drop(rx.wait_for(|_| true).await.unwrap());
            }
        });
    }

    fn watch_changed_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, mut rx) = watch::channel(0);
            drop(tx);
            loop {
                assert!(rx.changed().await.is_err());
            }
        });
    }

    fn watch_sender_closed(rt: Runtime) {
        must_yield(rt, || async {
            let (tx, rx) = watch::channel(0);
            drop(rx);
            loop {
                tx.closed().await;
            }
        });
    }

    fn notify_notified(rt: Runtime) {
        must_yield(rt, || async {
            let notify = Notify::new();
            loop {
                notify.notify_one();
                notify.notified().await;
            }
        });
    }

    fn semaphore_acquire(rt: Runtime) {
        must_yield(rt, || async {
            let semaphore = Semaphore::new(1);
            loop {
                drop(semaphore.acquire().await.unwrap());
            }
        });
    }

    fn semaphore_acquire_closed(rt: Runtime) {
        must_yield(rt, || async {
            let semaphore = Arc::new(Semaphore::new(1));
            semaphore.close();
            loop {
                assert!(semaphore.clone().acquire_owned().await.is_err());
            }
        });
    }

    fn mutex_lock(rt: Runtime) {
        must_yield(rt, || async {
            let mutex = Mutex::new(0);
            loop {
                *mutex.lock().await += 1;
            }
        });
    }

    fn rwlock_read_and_write(rt: Runtime) {
        must_yield(rt, || async {
            let lock = RwLock::new(0);
            loop {
                drop(lock.read().await);
                *lock.write().await += 1;
            }
        });
    }

    fn barrier_of_one(rt: Runtime) {
        must_yield(rt, || async {
            let barrier = Barrier::new(1);
            loop {
                barrier.wait().await;
            }
        });
    }

    fn once_cell_initialised(rt: Runtime) {
        must_yield(rt, || async {
            let cell = OnceCell::new();
            loop {
                cell.get_or_init(|| async { 1 }).await;
            }
        });
    }

    fn set_once_set(rt: Runtime) {
        must_yield(rt, || async {
            let cell = SetOnce::new();
            cell.set(1).unwrap();
            loop {
                cell.wait().await;
            }
        });
    }
}

#[path = "sync_support/mod.rs"]
mod sync_support;

/// Spends the rest of the calling task's cooperative budget.
fn spend_the_budget() {
    let counter = sync_support::Counter::new();
    while weft::task::coop::has_budget_remaining() {
        let spend = std::pin::pin!(weft::task::coop::consume_budget());
        sync_support::assert_ready(&counter, spend);
    }
}

/// As in tokio: a task whose budget is spent still takes its place in line
/// when its acquisition must wait, ahead of a later one (it is the one
/// woken when the holder lets go); one that finds the permits free with
/// its budget spent yields and takes nothing meanwhile, then gets them.
/// For the mutex, the write lock, the semaphore and a bounded channel's
/// reserve (each on the same queue of permits).
fn a_spent_budget_keeps_the_place_in_line(rt: &Runtime) {
    use std::pin::pin;
    use sync_support::{assert_pending, assert_ready, Counter};
    rt.block_on(async {
        weft::spawn(async {
            // `first` holds the only permit; `waits()` makes an acquisition
            // that must wait for it; `free()` says whether it is free.
            async fn check<G, O, W: Future<Output = O>>(
                what: &str,
                first: G,
                waits: impl Fn() -> W,
                free: impl Fn() -> bool,
            ) {
                spend_the_budget();
                let (a_waker, b_waker) = (Counter::new(), Counter::new());
                let mut a = pin!(waits());
                assert_pending(&a_waker, a.as_mut());
                let mut b = pin!(waits());
                assert_pending(&b_waker, b.as_mut());
                drop(first);
                assert_eq!(
                    (a_waker.wakes(), b_waker.wakes()),
                    (1, 0),
                    "{what}: the first in line is woken"
                );
                weft::task::yield_now().await;
                let got = assert_ready(&a_waker, a.as_mut());
                assert_pending(&b_waker, b.as_mut());
                drop(got);
                // Free with the budget spent: the task yields and takes
                // nothing meanwhile (others may use it), then gets it.
                weft::task::yield_now().await;
                let got = assert_ready(&b_waker, b.as_mut());
                drop(got);
                spend_the_budget();
                let mut c = pin!(waits());
                assert_pending(&a_waker, c.as_mut());
                assert!(free(), "{what}: nothing held through the yield");
                weft::task::yield_now().await;
                drop(assert_ready(&a_waker, c.as_mut()));
                assert!(free(), "{what}: released");
            }

            let m = Arc::new(Mutex::new(()));
            check(
                "mutex",
                m.clone().try_lock_owned().unwrap(),
                || m.clone().lock_owned(),
                || m.try_lock().is_ok(),
            )
            .await;
            let l = Arc::new(RwLock::new(()));
            check(
                "rwlock",
                l.clone().try_write_owned().unwrap(),
                || l.clone().write_owned(),
                || l.try_write().is_ok(),
            )
            .await;
            let s = Arc::new(Semaphore::new(1));
            check(
                "semaphore",
                s.clone().try_acquire_owned().unwrap(),
                || s.clone().acquire_owned(),
                || s.available_permits() == 1,
            )
            .await;
            let (tx, _rx) = mpsc::channel::<()>(1);
            check(
                "mpsc",
                tx.clone().try_reserve_owned().unwrap(),
                || tx.clone().reserve_owned(),
                || tx.capacity() == 1,
            )
            .await;
        })
        .await
        .unwrap();
    });
}

rt_test! {
    fn spent_budget_keeps_the_place_in_line(rt: &Runtime) {
        a_spent_budget_keeps_the_place_in_line(rt);
    }
}
