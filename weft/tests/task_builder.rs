//! `task::Builder` and `JoinSet::build_task`: every spawn function runs
//! the task where its plain counterpart would, and the task carries the
//! name it was given and the location of the spawn call (read back
//! through a task dump), on every flavor.

#![cfg(feature = "full")]

mod support;
use support::rt_test;

use std::panic::Location;
use std::rc::Rc;
use weft::runtime::Handle;
use weft::task::{self, Id, JoinSet, LocalSet};

/// The name and spawn location the dump shows for task `id`.
async fn identity(id: Id) -> (Option<String>, Option<(&'static str, u32)>) {
    let dump = Handle::current().dump().await;
    let task = dump
        .tasks()
        .iter()
        .find(|task| task.id() == id)
        .expect("the task is alive and listed");
    (
        task.name().map(String::from),
        task.location().map(|at| (at.file(), at.line())),
    )
}

/// The line after the caller's: where the next statement spawns.
#[track_caller]
fn next_line() -> (&'static str, u32) {
    let here = Location::caller();
    (here.file(), here.line() + 1)
}

rt_test! {
    fn every_spawn_function_names_the_task_and_records_the_call(rt: &Runtime) {
        rt.block_on(async {
            let handle = Handle::current();
            let (gate_tx, gate) = weft::sync::watch::channel(false);
            let wait = move || {
                let mut gate = gate.clone();
                async move {
                    gate.wait_for(|open| *open).await.unwrap();
                }
            };

            let at = next_line();
            let spawned = task::Builder::new().name("spawn").spawn(wait()).unwrap();
            assert_eq!(identity(spawned.id()).await, (Some("spawn".into()), Some(at)));

            let at = next_line();
            let on = task::Builder::new().name("spawn_on").spawn_on(wait(), &handle).unwrap();
            assert_eq!(identity(on.id()).await, (Some("spawn_on".into()), Some(at)));

            let unnamed = task::Builder::new().spawn(wait()).unwrap();
            // Unnamed on a runtime that does not track every task: nothing
            // recorded, as for `weft::spawn`.
            assert_eq!(identity(unnamed.id()).await, (None, None));

            let mut set = JoinSet::new();
            let at = next_line();
            let in_set = set.build_task().name("in-set").spawn(wait()).unwrap();
            assert_eq!(identity(in_set.id()).await, (Some("in-set".into()), Some(at)));

            gate_tx.send(true).unwrap();
            for handle in [spawned, on, unnamed] {
                handle.await.unwrap();
            }
            assert!(set.join_next().await.unwrap().is_ok());
        });
    }

    fn blocking_closures_run_with_a_name(rt: &Runtime) {
        rt.block_on(async {
            let handle = Handle::current();
            let a = task::Builder::new()
                .name("blocking")
                .spawn_blocking(|| std::thread::current().name().map(String::from))
                .unwrap();
            let b = task::Builder::new()
                .name("blocking_on")
                .spawn_blocking_on(|| 2, &handle)
                .unwrap();
            assert_eq!(a.await.unwrap().as_deref(), Some("weft-blocking"));
            assert_eq!(b.await.unwrap(), 2);
            let mut set = JoinSet::new();
            set.build_task().name("set-blocking").spawn_blocking(|| 3).unwrap();
            set.build_task()
                .name("set-blocking-on")
                .spawn_blocking_on(|| 4, &handle)
                .unwrap();
            let mut sum = 0;
            while let Some(value) = set.join_next().await {
                sum += value.unwrap();
            }
            assert_eq!(sum, 7);
        });
    }

    fn local_tasks_are_named_too(rt: &Runtime) {
        let local = LocalSet::new();
        local.block_on(rt, async {
            let not_send = Rc::new(5);
            let (gate_tx, gate) = weft::sync::oneshot::channel::<()>();
            let at = next_line();
            let waiting = task::Builder::new().name("local").spawn_local(async move {
                gate.await.unwrap();
            }).unwrap();
            assert_eq!(identity(waiting.id()).await, (Some("local".into()), Some(at)));
            gate_tx.send(()).unwrap();
            waiting.await.unwrap();

            let value = not_send.clone();
            let on = task::Builder::new()
                .name("local_on")
                .spawn_local_on(async move { *value }, &LocalSet::new())
                .unwrap();
            on.abort(); // a set that is never driven: the task never runs
            assert!(on.await.unwrap_err().is_cancelled());

            let mut set = JoinSet::new();
            let value = not_send.clone();
            set.build_task().name("set-local").spawn_local(async move { *value }).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), 5);
        });
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn spawn_outside_a_runtime_panics_as_weft_spawn_does() {
    let _ = task::Builder::new().name("nowhere").spawn(async {});
}
