//! Worker threads and blocking-pool threads carry different names.

mod support;

use std::thread;
use std::time::Duration;
use support::*;
use weft::runtime::Runtime;

fn name() -> Option<String> {
    thread::current().name().map(str::to_owned)
}

/// The names of the threads that run a task and a blocking closure.
fn names(rt: &Runtime) -> (Option<String>, Option<String>) {
    rt.block_on(async {
        let task = weft::spawn(async { name() }).await.unwrap();
        let blocking = weft::task::spawn_blocking(name).await.unwrap();
        (task, blocking)
    })
}

#[test]
fn default_names_tell_workers_and_blocking_threads_apart() {
    for workers in [1, 4] {
        let rt = builder(Flavor::MultiThread(workers)).build().unwrap();
        let (task, blocking) = names(&rt);
        assert_eq!(task.as_deref(), Some("weft-runtime-worker"));
        assert_eq!(blocking.as_deref(), Some("weft-blocking"));
    }
    // `current_thread` runs tasks on the caller; its pool threads are
    // blocking threads.
    let rt = current_thread_rt();
    let (task, blocking) = names(&rt);
    assert_eq!(task, name());
    assert_eq!(blocking.as_deref(), Some("weft-blocking"));
}

#[test]
fn thread_name_names_both_kinds_as_in_tokio() {
    let rt = builder(Flavor::MultiThread(2))
        .thread_name("app")
        .build()
        .unwrap();
    assert_eq!(names(&rt), (Some("app".into()), Some("app".into())));
    let rt = builder(Flavor::MultiThread(2))
        .thread_name_fn(|| "app-fn".to_owned())
        .build()
        .unwrap();
    assert_eq!(names(&rt), (Some("app-fn".into()), Some("app-fn".into())));
}

#[test]
fn blocking_threads_never_run_workers() {
    // Many blocking threads idle in the pool, then `block_in_place` hands
    // a worker to another thread: that thread is a worker thread by name,
    // never one of the idle blocking threads.
    let rt = builder(Flavor::MultiThread(2)).build().unwrap();
    rt.block_on(async {
        let idle: Vec<_> = (0..8)
            .map(|_| weft::task::spawn_blocking(|| thread::sleep(Duration::from_millis(1))))
            .collect();
        for handle in idle {
            handle.await.unwrap();
        }
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                weft::spawn(async {
                    weft::task::block_in_place(|| thread::sleep(Duration::from_millis(1)));
                    weft::task::yield_now().await;
                    name()
                })
            })
            .collect();
        for task in tasks {
            let task_thread = task.await.unwrap();
            assert_eq!(task_thread.as_deref(), Some("weft-runtime-worker"));
        }
    });
}

#[test]
fn block_in_place_hand_offs_stay_on_worker_threads() {
    // Each hand-off moves the worker to a worker thread: an idle one left by
    // an earlier hand-off, or a new one. Blocking threads idle in the pool
    // are never used for it, so every thread the task runs on is a worker.
    let rt = builder(Flavor::MultiThread(2)).build().unwrap();
    let names = rt.block_on(async {
        let idle: Vec<_> = (0..4).map(|_| weft::task::spawn_blocking(|| ())).collect();
        for handle in idle {
            handle.await.unwrap();
        }
        weft::spawn(async {
            let mut names = Vec::new();
            for _ in 0..50 {
                weft::task::block_in_place(|| names.push(name()));
                weft::task::yield_now().await;
                names.push(name());
            }
            names
        })
        .await
        .unwrap()
    });
    assert_eq!(names.len(), 100);
    assert!(
        names
            .iter()
            .all(|n| n.as_deref() == Some("weft-runtime-worker")),
        "{names:?}"
    );
}
