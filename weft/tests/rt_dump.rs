//! Task dumps (`Handle::dump`): what each task shows (id, name, spawn
//! location, state, polls, what it waits on), on every flavor; dumps taken
//! from other threads while a worker is stuck in a poll, and while tasks
//! are spawned and dropped concurrently; the tasks of `LocalSet`s and of a
//! `LocalRuntime`.

#[macro_use]
mod support;

use std::os::fd::AsRawFd;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::{Flavor, Watchdog, PATIENCE};
use weft::io::AsyncReadExt;
use weft::runtime::dump::{Dump, IoDirection, SyncKind, Task, TaskState, WaitingOn};
use weft::runtime::{Builder, Handle, Runtime};
use weft::task::{self, Id};

/// The runtime of `flavor`, tracking every task.
fn tracked(flavor: Flavor) -> Runtime {
    flavor.builder().enable_task_tracking().build().unwrap()
}

async fn take() -> Dump {
    Handle::current().dump().await
}

fn find(dump: &Dump, id: Id) -> Option<&Task> {
    dump.tasks().iter().find(|task| task.id() == id)
}

/// Dumps until the task `id` satisfies `ready` (yielding and sleeping in
/// between), then returns that dump. Only a hang guard bounds it.
async fn dump_until(id: Id, ready: impl Fn(&Task) -> bool) -> Dump {
    let start = std::time::Instant::now();
    loop {
        let dump = take().await;
        if find(&dump, id).is_some_and(&ready) {
            return dump;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "task {id} never reached the state; last dump:\n{dump}"
        );
        task::yield_now().await;
        weft::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Every id of a dump once, in increasing order.
#[track_caller]
fn assert_unique_sorted(dump: &Dump) {
    let ids: Vec<Id> = dump.tasks().iter().map(Task::id).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ids listed twice or out of order: {ids:?}"
    );
}

/// Whether `location` is in this file, strictly between lines `after` and
/// `before`.
#[track_caller]
fn assert_between(location: &Location<'_>, after: u32, before: u32) {
    assert_eq!(location.file(), file!());
    assert!(
        after < location.line() && location.line() < before,
        "{location} not between lines {after} and {before}"
    );
}

rt_test! {
    fn named_and_unnamed_tasks_show_ids_names_locations_states_polls(_rt: &Runtime, flavor: Flavor) {
        let rt = tracked(flavor);
        rt.block_on(async {
            let first = line!();
            let named = task::Builder::new().name("sleeper").spawn(weft::time::sleep(Duration::from_secs(3600))).unwrap();
            let second = line!();
            let unnamed = weft::spawn(std::future::pending::<()>());
            let third = line!();
            let dump = dump_until(unnamed.id(), |t| t.state() == TaskState::Idle).await;
            let dump = if find(&dump, named.id()).unwrap().state() == TaskState::Idle {
                dump
            } else {
                dump_until(named.id(), |t| t.state() == TaskState::Idle).await
            };
            assert_unique_sorted(&dump);
            let listed = find(&dump, named.id()).unwrap();
            assert_eq!(listed.name(), Some("sleeper"));
            let location = listed.location().unwrap();
            assert_between(location, first, second);
            assert_eq!(listed.polls(), Some(1), "{dump}");
            assert!(listed.since_last_poll().is_some());
            let listed = find(&dump, unnamed.id()).unwrap();
            assert_eq!(listed.name(), None);
            assert_between(listed.location().unwrap(), second, third);
            assert_eq!(listed.polls(), Some(1));
            assert!(listed.waiting_on().is_empty(), "pending() waits on nothing weft knows");
            let text = dump.to_string();
            assert!(text.contains(&format!("task {} \"sleeper\" at {location}: idle, polls 1", named.id())), "{text}");
            assert_eq!(format!("{dump:?}"), text);
            named.abort();
            unnamed.abort();
        });
    }

    fn untracked_tasks_show_id_and_state_only(rt: &Runtime) {
        rt.block_on(async {
            let unnamed = weft::spawn(std::future::pending::<()>());
            let named = task::Builder::new().name("named").spawn(std::future::pending::<()>()).unwrap();
            let dump = dump_until(unnamed.id(), |t| t.state() == TaskState::Idle).await;
            // Both idle before the aborts below: a task aborted during its
            // poll on a worker leaves the owner list after its join handle
            // can see it cancelled, so it could still be in the last dump.
            let dump = if find(&dump, named.id()).unwrap().state() == TaskState::Idle {
                dump
            } else {
                dump_until(named.id(), |t| t.state() == TaskState::Idle).await
            };
            let listed = find(&dump, unnamed.id()).unwrap();
            assert_eq!(listed.name(), None);
            assert_eq!(listed.location(), None);
            assert_eq!(listed.polls(), None);
            assert_eq!(listed.since_last_poll(), None);
            assert_eq!(listed.trace().to_string(), "not recorded (untracked task)");
            assert!(dump.to_string().contains(&format!("task {}: idle (untracked)", unnamed.id())));
            // A named task is tracked on any runtime.
            assert_eq!(find(&dump, named.id()).unwrap().name(), Some("named"));
            unnamed.abort();
            named.abort();
            // Aborted and joined: gone from the next dump.
            let _ = unnamed.await;
            let _ = named.await;
            let dump = take().await;
            assert_eq!(dump.tasks().iter().count(), 0, "{dump}");
        });
    }

    fn a_running_task_dumps_itself_as_running(rt: &Runtime) {
        let state = rt.block_on(rt.spawn(async {
            let me = task::id();
            let dump = take().await;
            find(&dump, me).map(Task::state)
        }));
        assert_eq!(state.unwrap(), Some(TaskState::Running));
    }

    fn polls_count_every_poll(_rt: &Runtime, flavor: Flavor) {
        let rt = tracked(flavor);
        rt.block_on(async {
            let task = weft::spawn(async {
                task::yield_now().await;
                task::yield_now().await;
                std::future::pending::<()>().await
            });
            let dump = dump_until(task.id(), |t| t.polls() == Some(3) && t.state() == TaskState::Idle).await;
            assert_eq!(find(&dump, task.id()).unwrap().polls(), Some(3));
            task.abort();
        });
    }

    fn a_spawned_task_not_yet_polled_is_scheduled(_rt: &Runtime, flavor: Flavor) {
        let rt = tracked(flavor);
        let _watchdog = Watchdog::new("a_spawned_task_not_yet_polled_is_scheduled");
        rt.block_on(async {
            // Every worker stuck in a poll until `release`, so nothing
            // polls the new task (current_thread: this future is what runs).
            let release = Arc::new(AtomicBool::new(false));
            let started = Arc::new(AtomicUsize::new(0));
            let mut blockers = Vec::new();
            if !flavor.is_current_thread() {
                for _ in 0..flavor.workers() {
                    let (release, started) = (release.clone(), started.clone());
                    blockers.push(weft::spawn(async move {
                        started.fetch_add(1, SeqCst);
                        while !release.load(SeqCst) {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }));
                }
                while started.load(SeqCst) < flavor.workers() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            let task = weft::spawn(async {});
            let dump = take().await;
            let listed = find(&dump, task.id()).unwrap();
            assert_eq!(listed.state(), TaskState::Scheduled, "{dump}");
            assert_eq!(listed.polls(), Some(0));
            assert_eq!(listed.since_last_poll(), None);
            for blocker in &blockers {
                assert_eq!(find(&dump, blocker.id()).unwrap().state(), TaskState::Running);
            }
            release.store(true, SeqCst);
            task.await.unwrap();
            for blocker in blockers {
                blocker.await.unwrap();
            }
        });
    }

    fn waiting_on_a_timer_shows_its_deadline(rt: &Runtime) {
        rt.block_on(async {
            let deadline = weft::time::Instant::now() + Duration::from_secs(3600);
            let sleeper = task::Builder::new()
                .name("timer")
                .spawn(weft::time::sleep_until(deadline))
                .unwrap();
            let dump = dump_until(sleeper.id(), |t| !t.waiting_on().is_empty()).await;
            let listed = find(&dump, sleeper.id()).unwrap();
            assert_eq!(listed.waiting_on(), [WaitingOn::Timer { deadline: deadline.into_std() }]);
            let line = listed.to_string();
            assert!(line.contains("waiting on timer (deadline in 59m"), "{line}");
            sleeper.abort();
        });
    }

    fn waiting_on_a_socket_read_shows_its_fd(rt: &Runtime) {
        rt.block_on(async {
            let (mut client, _server) = support::tcp_pair().await;
            let fd = client.as_raw_fd();
            let reader = task::Builder::new()
                .name("reader")
                .spawn(async move {
                    let mut buf = [0; 16];
                    client.read(&mut buf).await.unwrap()
                })
                .unwrap();
            let dump = dump_until(reader.id(), |t| !t.waiting_on().is_empty()).await;
            let listed = find(&dump, reader.id()).unwrap();
            assert_eq!(listed.waiting_on(), [WaitingOn::Io { fd, direction: IoDirection::Read }]);
            assert!(listed.to_string().contains(&format!("waiting on fd {fd} read")));
            reader.abort();
        });
    }

    fn waiting_on_a_mutex_an_mpsc_recv_and_a_join_handle(rt: &Runtime) {
        rt.block_on(async {
            let mutex = Arc::new(weft::sync::Mutex::new(0));
            let guard = mutex.clone().lock_owned().await;
            let locker = task::Builder::new()
                .name("locker")
                .spawn(async move { *mutex.lock().await += 1 })
                .unwrap();
            let (tx, mut rx) = weft::sync::mpsc::unbounded_channel::<u8>();
            let receiver = task::Builder::new()
                .name("receiver")
                .spawn(async move { rx.recv().await })
                .unwrap();
            let locker_id = locker.id();
            let joiner = task::Builder::new()
                .name("joiner")
                .spawn(async move { locker.await.unwrap() })
                .unwrap();
            let dump = dump_until(locker_id, |t| !t.waiting_on().is_empty()).await;
            let dump = if find(&dump, receiver.id()).unwrap().waiting_on().is_empty() {
                dump_until(receiver.id(), |t| !t.waiting_on().is_empty()).await
            } else {
                dump
            };
            let dump = if find(&dump, joiner.id()).unwrap().waiting_on().is_empty() {
                dump_until(joiner.id(), |t| !t.waiting_on().is_empty()).await
            } else {
                dump
            };
            assert_eq!(find(&dump, locker_id).unwrap().waiting_on(), [WaitingOn::Sync(SyncKind::Mutex)]);
            assert_eq!(find(&dump, receiver.id()).unwrap().waiting_on(), [WaitingOn::Sync(SyncKind::MpscRecv)]);
            assert_eq!(find(&dump, joiner.id()).unwrap().waiting_on(), [WaitingOn::Task(locker_id)]);
            drop(guard);
            tx.send(7).unwrap();
            joiner.await.unwrap();
            assert_eq!(receiver.await.unwrap(), Some(7));
        });
    }

    fn a_dump_from_a_plain_thread_does_not_wait_for_a_stuck_poll(_rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_dump_from_a_plain_thread_does_not_wait_for_a_stuck_poll");
        let rt = tracked(flavor);
        let started = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let stuck = {
            let (started, release) = (started.clone(), release.clone());
            task::Builder::new()
                .name("stuck")
                .spawn_on(
                    async move {
                        started.store(true, SeqCst);
                        // Blocks its worker inside this one poll.
                        while !release.load(SeqCst) {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    },
                    rt.handle(),
                )
                .unwrap()
        };
        let handle = rt.handle().clone();
        let stuck_id = stuck.id();
        let dumper = {
            let release = release.clone();
            std::thread::spawn(move || {
                while !started.load(SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                // The poll is still stuck: the dump must return anyway.
                let dump = handle.block_on(handle.dump());
                release.store(true, SeqCst);
                dump
            })
        };
        rt.block_on(stuck).unwrap();
        let dump = dumper.join().unwrap();
        let listed = find(&dump, stuck_id).unwrap();
        assert_eq!(listed.state(), TaskState::Running, "{dump}");
        assert_eq!(listed.name(), Some("stuck"));
        assert_eq!(listed.polls(), Some(1));
        assert!(dump.to_string().contains("running, polls 1, polled for"), "{dump}");
    }

    fn a_dump_from_a_blocking_thread(rt: &Runtime) {
        let sleeper = rt.spawn(std::future::pending::<()>());
        let id = sleeper.id();
        let dump = rt
            .block_on(rt.spawn_blocking(|| {
                let handle = Handle::current();
                handle.block_on(handle.dump())
            }))
            .unwrap();
        assert!(find(&dump, id).is_some(), "{dump}");
        sleeper.abort();
    }

    fn dumps_while_tasks_are_spawned_and_dropped_on_other_threads(_rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("dumps_while_tasks_are_spawned_and_dropped_on_other_threads");
        let rt = tracked(flavor);
        const SPAWNS: usize = 300;
        let churners: Vec<_> = (0..2)
            .map(|n| {
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    let mut spawned = 0usize;
                    while spawned < SPAWNS {
                        // Some finish on their own, some are aborted while
                        // idle (dropped on this thread), some run forever
                        // until the runtime drops them.
                        let quick = handle.spawn(async { task::yield_now().await });
                        let idle = task::Builder::new()
                            .name("churn")
                            .spawn_on(std::future::pending::<()>(), &handle)
                            .unwrap();
                        if spawned % 2 == n {
                            idle.abort();
                        }
                        drop(quick);
                        spawned += 1;
                        if spawned % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                    spawned
                })
            })
            .collect();
        let handle = rt.handle().clone();
        let from_outside = std::thread::spawn({
            let handle = handle.clone();
            move || {
                for _ in 0..200 {
                    assert_unique_sorted(&handle.block_on(handle.dump()));
                }
            }
        });
        rt.block_on(async {
            let mut dumps = 0;
            while dumps < 200 || !churners.iter().all(|c| c.is_finished()) {
                dumps += 1;
                let dump = take().await;
                assert_unique_sorted(&dump);
                for task in dump.tasks().iter() {
                    if let Some(name) = task.name() {
                        assert_eq!(name, "churn");
                    }
                }
                task::yield_now().await;
            }
        });
        from_outside.join().unwrap();
        for churner in churners {
            assert_eq!(churner.join().unwrap(), SPAWNS);
        }
    }
}

#[test]
fn local_set_and_local_runtime_tasks_are_included() {
    // A LocalSet created inside the runtime.
    let rt = Builder::new_current_thread()
        .enable_all()
        .enable_task_tracking()
        .build()
        .unwrap();
    rt.block_on(async {
        let local = task::LocalSet::new();
        let before = line!();
        let inside = local.spawn_local(std::future::pending::<()>());
        let after = line!();
        let dump = take().await;
        let listed = find(&dump, inside.id()).expect("the set's task is listed");
        assert_between(listed.location().unwrap(), before, after);
        assert_eq!(listed.state(), TaskState::Scheduled);
        local.run_until(task::yield_now()).await;
        let dump = take().await;
        assert_eq!(find(&dump, inside.id()).unwrap().state(), TaskState::Idle);
        drop(local);
        let dump = take().await;
        assert!(
            find(&dump, inside.id()).is_none(),
            "a dropped set's tasks are gone"
        );
    });

    // A LocalSet created outside every runtime: listed once it is driven.
    let outside = task::LocalSet::new();
    let late = outside.spawn_local(std::future::pending::<()>());
    let dump = rt.block_on(async { take().await });
    assert!(find(&dump, late.id()).is_none());
    let dump = outside.block_on(&rt, async {
        task::yield_now().await;
        take().await
    });
    assert!(find(&dump, late.id()).is_some(), "{dump}");
    assert_unique_sorted(&dump);

    // A LocalRuntime's spawn_local tasks, next to its Send tasks.
    let local_rt = Builder::new_current_thread()
        .enable_all()
        .build_local(Default::default())
        .unwrap();
    let not_send = local_rt.spawn_local(std::future::pending::<()>());
    let send = local_rt.handle().spawn(std::future::pending::<()>());
    let dump = local_rt.block_on(async { take().await });
    assert!(find(&dump, not_send.id()).is_some(), "{dump}");
    assert!(find(&dump, send.id()).is_some(), "{dump}");
    assert_unique_sorted(&dump);
}
