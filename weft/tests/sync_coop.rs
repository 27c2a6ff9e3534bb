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
