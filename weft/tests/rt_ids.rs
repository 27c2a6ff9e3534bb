//! Task ids, runtime ids, flavors and names.

mod support;

use std::collections::HashSet;
use support::*;
use weft::runtime::{Builder, Handle, RuntimeFlavor};

rt_test! {
    fn task_ids_are_small_and_increasing(rt: &Runtime) {
        let ids = rt.block_on(async {
            let handles: Vec<_> = (0..100).map(|_| weft::spawn(async { weft::task::id() })).collect();
            let mut ids = Vec::new();
            for handle in handles {
                let id = handle.id();
                assert_eq!(handle.await.unwrap(), id);
                ids.push(id);
            }
            ids
        });
        // Handed out in spawn order on one thread (other tests of this
        // process spawn too, so only the order is known, not the gaps).
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 100);
        // Not addresses: a counter shared by the whole test process stays
        // far below any heap address.
        let last: u64 = ids.last().unwrap().to_string().parse().unwrap();
        assert!(last < 1 << 32, "task id {last} looks like an address");
    }

    fn ids_are_never_reused(rt: &Runtime) {
        let mut seen = HashSet::new();
        rt.block_on(async {
            for _ in 0..200 {
                // Each task is gone before the next one is spawned, so its
                // cell memory is likely reused; its id must not be.
                let handle = weft::spawn(async {});
                let id = handle.id();
                handle.await.unwrap();
                assert!(seen.insert(id), "task id {id} handed out twice");
            }
        });
    }

    fn join_error_names_the_task_by_its_small_id(rt: &Runtime) {
        quiet_panics();
        let (id, err) = rt.block_on(async {
            let handle = weft::spawn(async { panic!("{QUIET} failed") });
            let id = handle.id();
            (id, handle.await.unwrap_err())
        });
        assert_eq!(err.id(), id);
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("task {id} panicked")), "{shown}");
        assert_eq!(format!("{id:?}"), format!("Id({id})"));
    }

    fn runtime_flavor_and_id(rt: &Runtime, flavor: Flavor) {
        let expected = if flavor.is_current_thread() {
            RuntimeFlavor::CurrentThread
        } else {
            RuntimeFlavor::MultiThread
        };
        assert_eq!(rt.handle().runtime_flavor(), expected);
        let id = rt.handle().id();
        let (inside, from_task) = rt.block_on(async {
            let inside = Handle::current().id();
            let from_task = weft::spawn(async { (Handle::current().id(), Handle::current().runtime_flavor()) })
                .await
                .unwrap();
            (inside, from_task)
        });
        assert_eq!(inside, id);
        assert_eq!(from_task, (id, expected));
        let other = flavor.build();
        assert_ne!(other.handle().id(), id);
        assert_eq!(rt.handle().clone().id(), id);
    }

    fn unnamed_runtime_has_no_name(rt: &Runtime) {
        assert_eq!(rt.handle().name(), None);
        assert!(!format!("{:?}", rt.handle()).contains("name"));
    }
}

#[test]
fn named_runtime_on_every_flavor() {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        let rt = builder(flavor).name("billing").build().unwrap();
        assert_eq!(rt.handle().name(), Some("billing"));
        let from_task = rt.block_on(async {
            weft::spawn(async { Handle::current().name().map(str::to_owned) })
                .await
                .unwrap()
        });
        assert_eq!(from_task.as_deref(), Some("billing"));
        let debug = format!("{rt:?}");
        assert!(debug.contains("name: \"billing\""), "{debug}");
        assert!(format!("{:?}", Builder::new_current_thread().name("b")).contains("\"b\""));
    }
}

#[test]
fn empty_name_panics_as_in_tokio() {
    for name in ["", "   "] {
        let message = panic_of(|| {
            Builder::new_current_thread().name(name);
        });
        assert_eq!(message, "runtime name shouldn't be empty");
    }
}

#[test]
fn runtime_ids_display_as_numbers() {
    let rt = current_thread_rt();
    let id = rt.handle().id();
    let shown = id.to_string();
    assert!(shown.parse::<u64>().is_ok(), "{shown}");
    assert_eq!(format!("{id:?}"), format!("Id({shown})"));
}

rt_test! {
    fn worker_index_names_the_worker_a_task_runs_on(rt: &Runtime, flavor: Flavor) {
        assert_eq!(weft::runtime::worker_index(), None, "outside any runtime");
        let (on_block_on, in_tasks, in_blocking) = rt.block_on(async {
            let on_block_on = weft::runtime::worker_index();
            let handles: Vec<_> = (0..50)
                .map(|_| weft::spawn(async { weft::runtime::worker_index() }))
                .collect();
            let mut in_tasks = Vec::new();
            for handle in handles {
                in_tasks.push(handle.await.unwrap());
            }
            let in_blocking = weft::task::spawn_blocking(weft::runtime::worker_index)
                .await
                .unwrap();
            (on_block_on, in_tasks, in_blocking)
        });
        if flavor.is_current_thread() {
            assert_eq!(on_block_on, Some(0), "the driving thread is worker 0");
        } else {
            assert_eq!(on_block_on, None, "block_on's thread is no worker");
        }
        for index in in_tasks {
            let index = index.expect("a task runs on a worker");
            assert!(index < flavor.workers(), "worker {index} of {}", flavor.workers());
        }
        assert_eq!(in_blocking, None, "a blocking-pool thread is no worker");
    }
}

#[test]
fn worker_index_is_none_inside_block_in_place() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (before, inside) = rt.block_on(async {
        weft::spawn(async {
            let before = weft::runtime::worker_index();
            let inside = weft::task::block_in_place(weft::runtime::worker_index);
            (before, inside)
        })
        .await
        .unwrap()
    });
    assert!(before.is_some());
    assert_eq!(inside, None, "the thread handed its worker on");
}

#[test]
fn local_sets_have_distinct_stable_ids_apart_from_runtimes() {
    let rt = Builder::new_current_thread().build().unwrap();
    let a = weft::task::LocalSet::new();
    let b = weft::task::LocalSet::new();
    assert_ne!(a.id(), b.id());
    assert_eq!(a.id(), a.id());
    assert_ne!(a.id(), rt.handle().id(), "one id space with the runtimes");
    assert_ne!(b.id(), rt.handle().id());
}
