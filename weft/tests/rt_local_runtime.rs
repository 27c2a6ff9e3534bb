//! `LocalRuntime`: `!Send` tasks without a `LocalSet`, `Send` tasks from
//! other threads, shutdown, and the builder's checks.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use weft::runtime::{Builder, Handle, LocalOptions, LocalRuntime, RuntimeFlavor};

#[test]
fn spawn_local_before_and_inside_block_on() {
    let rt = LocalRuntime::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let early = rt.spawn_local({
        let log = log.clone();
        async move {
            log.borrow_mut().push("early");
            weft::task::yield_now().await;
            7
        }
    });
    // Nothing runs outside `block_on`.
    assert!(log.borrow().is_empty());
    let out = rt.block_on({
        let log = log.clone();
        async move {
            let inner = weft::task::spawn_local({
                let log = log.clone();
                async move { log.borrow_mut().push("inner") }
            });
            inner.await.unwrap();
            early.await.unwrap()
        }
    });
    assert_eq!(out, 7);
    let mut log = log.borrow().clone();
    log.sort_unstable();
    assert_eq!(log, ["early", "inner"]);
}

#[test]
fn spawn_local_works_from_send_tasks_and_under_enter() {
    let rt = LocalRuntime::new().unwrap();
    // A `Send` task on the runtime may start `!Send` ones (as in tokio).
    let got = rt.block_on(async {
        weft::spawn(async {
            let handle = weft::task::spawn_local(async {
                let not_send = Rc::new(5);
                weft::task::yield_now().await;
                *not_send
            });
            handle.await.unwrap() == 5
        })
        .await
        .unwrap()
    });
    assert!(got);
    let task = {
        let _guard = rt.enter();
        assert!(Handle::try_current().is_ok());
        weft::task::spawn_local(async { Rc::new("entered") })
    };
    assert_eq!(*rt.block_on(task).unwrap(), "entered");
    // Outside `enter`, no runtime is current.
    assert!(Handle::try_current().is_err());
}

#[test]
fn tasks_persist_across_block_on_calls() {
    let rt = LocalRuntime::new().unwrap();
    let count = Rc::new(Cell::new(0));
    let (tx, mut rx) = weft::sync::mpsc::unbounded_channel::<u32>();
    rt.spawn_local({
        let count = count.clone();
        async move {
            while let Some(n) = rx.recv().await {
                count.set(count.get() + n);
            }
        }
    });
    for n in 1..=3 {
        tx.send(n).unwrap();
        rt.block_on(async {
            // Let the receiver run.
            for _ in 0..4 {
                weft::task::yield_now().await;
            }
        });
    }
    assert_eq!(count.get(), 6);
}

#[test]
fn send_tasks_from_other_threads_run_on_the_runtime_thread() {
    let rt = LocalRuntime::new().unwrap();
    let here = std::thread::current().id();
    let handle = rt.handle().clone();
    let task = std::thread::spawn(move || handle.spawn(async { std::thread::current().id() }))
        .join()
        .unwrap();
    assert_eq!(rt.block_on(task).unwrap(), here);
}

#[test]
fn timers_io_and_blocking_work() {
    let rt = LocalRuntime::new().unwrap();
    let out = rt.block_on(async {
        weft::time::sleep(Duration::from_millis(2)).await;
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = weft::task::spawn_local(async move { listener.accept().await.map(|_| ()) });
        let _client = weft::net::TcpStream::connect(addr).await.unwrap();
        accept.await.unwrap().unwrap();
        weft::task::spawn_blocking(|| 3).await.unwrap()
    });
    assert_eq!(out, 3);
    assert_eq!(rt.spawn_blocking(|| 4).join_handle_value(&rt), 4);
}

/// `rt.block_on(handle)` as a method, for brevity above.
trait JoinValue<T> {
    fn join_handle_value(self, rt: &LocalRuntime) -> T;
}

impl<T> JoinValue<T> for weft::task::JoinHandle<T> {
    fn join_handle_value(self, rt: &LocalRuntime) -> T {
        rt.block_on(self).unwrap()
    }
}

#[test]
fn flavor_metrics_and_debug() {
    let rt = Builder::new_current_thread()
        .name("local-one")
        .enable_all()
        .build_local(LocalOptions::default())
        .unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    assert_eq!(rt.handle().name(), Some("local-one"));
    assert_eq!(rt.metrics().num_workers(), 1);
    assert!(format!("{rt:?}").starts_with("LocalRuntime"));
    assert_eq!(
        format!("{:?}", LocalOptions::default()),
        "LocalOptions { _not_send: PhantomData<*mut u8> }"
    );
}

#[test]
#[should_panic(expected = "multi_thread is not supported for LocalRuntime")]
fn build_local_rejects_multi_thread() {
    let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
}

#[test]
fn drop_cancels_local_and_send_tasks_once_with_runtime_entered() {
    let drops = DropCount::new();
    let runtime_seen = Arc::new(AtomicUsize::new(0));
    struct SeesRuntime(Arc<AtomicUsize>);
    impl Drop for SeesRuntime {
        fn drop(&mut self) {
            if Handle::try_current().is_ok() {
                self.0.fetch_add(1, SeqCst);
            }
        }
    }
    let rt = LocalRuntime::new().unwrap();
    for _ in 0..5 {
        let value = drops.track(Rc::new(()));
        let sees = SeesRuntime(runtime_seen.clone());
        rt.spawn_local(async move {
            let _keep = (value, sees);
            std::future::pending::<()>().await;
        });
    }
    let send_value = drops.track(());
    rt.handle().spawn(async move {
        let _keep = send_value;
        std::future::pending::<()>().await;
    });
    // Started, then left pending.
    rt.block_on(weft::task::yield_now());
    assert_eq!(drops.get(), 0);
    drop(rt);
    assert_eq!(drops.get(), 6);
    assert_eq!(runtime_seen.load(SeqCst), 5);
}

#[test]
fn shutdown_timeout_and_background_cancel_tasks() {
    for background in [false, true] {
        let drops = DropCount::new();
        let rt = LocalRuntime::new().unwrap();
        let value = drops.track(Rc::new(()));
        rt.spawn_local(async move {
            let _keep = value;
            std::future::pending::<()>().await;
        });
        if background {
            rt.shutdown_background();
        } else {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
        assert_eq!(drops.get(), 1);
    }
}

#[test]
fn block_on_inside_block_on_panics() {
    let rt = LocalRuntime::new().unwrap();
    let message =
        rt.block_on(async { panic_of(|| LocalRuntime::new().unwrap().block_on(async {})) });
    assert!(
        message.contains("Cannot start a runtime from within a runtime"),
        "{message}"
    );
}

#[test]
fn spawn_local_outside_panics_with_tokios_message() {
    let rt = LocalRuntime::new().unwrap();
    drop(rt.spawn_local(async {}));
    // Not inside `block_on` or `enter`: no local runtime is current.
    let message = panic_of(|| drop(weft::task::spawn_local(async {})));
    assert_eq!(
        message,
        "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
    );
}

/// A `LocalRuntime`'s handle entered on another thread lets that thread
/// spawn `Send` tasks, but `spawn_local` there panics with tokio's message
/// (the local tasks belong to the runtime's own thread), whether the
/// runtime is still alive or gone; a plain runtime's handle gives the
/// generic message.
#[test]
fn spawn_local_through_a_local_runtimes_handle_on_another_thread_panics() {
    quiet_panics();
    const OTHER_THREAD: &str =
        "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on";
    for keep_alive in [true, false] {
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let owner = std::thread::spawn(move || {
            let rt = LocalRuntime::new().unwrap();
            tx.send(rt.handle().clone()).unwrap();
            if keep_alive {
                let _ = done_rx.recv();
            }
        });
        let handle = rx.recv().unwrap();
        let owner = if keep_alive {
            Some(owner)
        } else {
            owner.join().unwrap();
            None
        };
        let _guard = handle.enter();
        let message = panic_of(|| weft::task::spawn_local(async {}));
        assert_eq!(message, OTHER_THREAD, "runtime alive: {keep_alive}");
        drop(_guard);
        drop(done_tx);
        if let Some(owner) = owner {
            owner.join().unwrap();
        }
    }
    let plain = Builder::new_current_thread().build().unwrap();
    let _guard = plain.enter();
    let message = panic_of(|| weft::task::spawn_local(async {}));
    assert!(
        message.contains("called from outside of a `task::LocalSet`"),
        "{message}"
    );
}
