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
        // Handed out in spawn order by one counter (other tests of this
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
