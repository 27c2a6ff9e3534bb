//! The feature `tracing`: the sync primitives as `tokio-console`
//! resources, in tokio's shape (see `sync/util/trace.rs`): a
//! `runtime.resource` span made where the primitive was created, an async
//! op per wait with a poll op per poll, and the state updates of each
//! lock, release, send and receive.
//!
//! Each test makes one waiter contend: it is spawned, and the test yields
//! until the recorder shows its pending poll op (no timing assumed), then
//! lets it through.
#![cfg(all(feature = "tracing", feature = "sync", feature = "rt"))]

mod support;

use std::sync::Arc;
use support::trace_recorder::*;
use support::*;

/// The innermost `runtime.resource` among `stack` (where
/// `console-subscriber` looks for the resource of an event or a span).
fn resource_of(state: &State, stack: &[u64]) -> Option<u64> {
    stack
        .iter()
        .rev()
        .find(|id| state.spans[*id].name == "runtime.resource")
        .copied()
}

/// Checks the fields of the resource span `resource`, made at `line` of
/// this file.
fn check_resource(resource: u64, line: u32, concrete_type: &str) {
    let state = Recorder::global().lock();
    let span = &state.spans[&resource];
    assert_eq!(span.name, "runtime.resource");
    assert_eq!(span.fields["concrete_type"], concrete_type);
    assert_eq!(span.fields["kind"], "Sync");
    assert_eq!(span.fields["loc.file"], file!());
    assert_eq!(span.fields["loc.line"], line.to_string());
    assert!(span.fields["loc.col"].parse::<u32>().unwrap() > 0);
    assert_eq!(span.parent, None, "a resource span is a root");
    assert!(span.target.starts_with("tokio::sync::"), "{}", span.target);
}

/// The resource span just made on this thread.
fn just_made() -> u64 {
    last_resource_here().expect("a resource span made on this thread")
}

/// The updates of `field` of `resource`, in order: `(value, op)` (op
/// empty when the update has none).
fn states(resource: u64, field: &str) -> Vec<(String, String)> {
    let state = Recorder::global().lock();
    state
        .events
        .iter()
        .filter(|event| event.target == "runtime::resource::state_update")
        .filter(|event| resource_of(&state, &event.stack) == Some(resource))
        .filter_map(|event| {
            let value = event.fields.get(field)?;
            let op = event
                .fields
                .get(&format!("{field}.op"))
                .cloned()
                .unwrap_or_default();
            Some((value.clone(), op))
        })
        .collect()
}

/// `(value, op)` pairs from string literals.
fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(value, op)| (value.to_string(), op.to_string()))
        .collect()
}

/// The async ops `source` on `resource` whose polls ran inside a task:
/// for each, the `is_ready` of its poll ops in order.
fn task_polls(resource: u64, source: &str) -> Vec<Vec<String>> {
    let state = Recorder::global().lock();
    let mut ops: Vec<u64> = state
        .spans
        .iter()
        .filter(|(_, span)| {
            span.name == "runtime.resource.async_op" && span.fields["source"] == source
        })
        .filter(|(_, span)| {
            // Made inside the resource's span, as console-subscriber
            // needs to find its resource.
            resource_of(&state, &span.stack) == Some(resource) && span.parent == Some(resource)
        })
        .map(|(id, _)| *id)
        .collect();
    ops.sort();
    ops.iter()
        .map(|op| {
            state
                .events
                .iter()
                .filter(|event| event.target == "runtime::resource::poll_op")
                .filter(|event| event.stack.contains(op))
                .filter(|event| {
                    let task = event.stack.first().map(|id| state.spans[id].name);
                    task == Some("runtime.spawn")
                })
                .map(|event| {
                    assert_eq!(resource_of(&state, &event.stack), Some(resource));
                    let poll = *event.stack.last().unwrap();
                    assert_eq!(state.spans[&poll].name, "runtime.resource.async_op.poll");
                    event.fields["is_ready"].clone()
                })
                .collect::<Vec<_>>()
        })
        .filter(|polls| !polls.is_empty())
        .collect()
}

/// Asserts one op `source` on `resource` polled by a task: pending first,
/// ready last.
fn assert_contended(resource: u64, source: &str) {
    let polls = task_polls(resource, source);
    assert_eq!(polls.len(), 1, "{source}: {polls:?}");
    assert_eq!(
        polls[0].first().map(String::as_str),
        Some("false"),
        "{polls:?}"
    );
    assert_eq!(
        polls[0].last().map(String::as_str),
        Some("true"),
        "{polls:?}"
    );
}

/// The async op state updates of `field` emitted inside the ops `source`
/// on `resource`.
fn op_states(resource: u64, source: &str, field: &str) -> Vec<(String, String)> {
    let state = Recorder::global().lock();
    state
        .events
        .iter()
        .filter(|event| event.target == "runtime::resource::async_op::state_update")
        .filter(|event| {
            event.stack.iter().any(|id| {
                let span = &state.spans[id];
                span.name == "runtime.resource.async_op"
                    && span.fields["source"] == source
                    && span.parent == Some(resource)
            })
        })
        .filter_map(|event| {
            let value = event.fields.get(field)?;
            let op = event
                .fields
                .get(&format!("{field}.op"))
                .cloned()
                .unwrap_or_default();
            Some((value.clone(), op))
        })
        .collect()
}

/// Yields until a task's poll of an op `source` on `resource` returned
/// pending (a hang guard only bounds the wait).
async fn until_pending(resource: u64, source: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !task_polls(resource, source)
        .iter()
        .any(|polls| polls.iter().any(|ready| ready == "false"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the waiter never waited"
        );
        weft::task::yield_now().await;
    }
}

/// Spawns `waiter`, waits until its op `source` on `resource` is pending,
/// then drops `held` (what it waits for) and returns its output.
async fn contend<T: Send + 'static>(
    resource: u64,
    source: &str,
    held: impl Sized,
    waiter: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let waiter = weft::spawn(waiter);
    until_pending(resource, source).await;
    drop(held);
    waiter.await.unwrap()
}

rt_test! {
    fn mutex_reports_locked_and_its_lock_ops(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let mutex = Arc::new(weft::sync::Mutex::new(0));
            let resource = just_made();
            let guard = mutex.lock().await;
            let waiter = {
                let mutex = mutex.clone();
                async move { *mutex.lock().await += 1 }
            };
            contend(resource, "Mutex::lock", guard, waiter).await;
            let guard = mutex.try_lock().unwrap();
            assert_eq!(*guard, 1);
            resource
        });
        check_resource(resource, line, "Mutex");
        assert_eq!(
            states(resource, "locked"),
            pairs(&[("false", ""), ("true", ""), ("false", ""), ("true", ""), ("false", ""), ("true", ""), ("false", "")])
        );
        assert_contended(resource, "Mutex::lock");
    }

    fn rwlock_reports_readers_and_writers(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let lock = Arc::new(weft::sync::RwLock::new(0));
            let resource = just_made();
            let read = lock.read().await;
            let writer = {
                let lock = lock.clone();
                async move { *lock.write().await += 1 }
            };
            contend(resource, "RwLock::write", read, writer).await;
            let write = lock.write().await;
            let read = weft::sync::RwLockWriteGuard::downgrade(write);
            assert_eq!(*read, 1);
            resource
        });
        check_resource(resource, line, "RwLock");
        assert_eq!(states(resource, "max_readers"), pairs(&[("536870911", "")]));
        assert_eq!(
            states(resource, "write_locked"),
            pairs(&[
                ("false", ""),
                ("true", "override"),
                ("false", "override"),
                ("true", "override"),
                ("false", "override"),
            ])
        );
        assert_eq!(
            states(resource, "current_readers"),
            pairs(&[("0", ""), ("1", "add"), ("1", "sub"), ("1", "add"), ("1", "sub")])
        );
        assert_contended(resource, "RwLock::write");
    }

    fn semaphore_reports_permits_and_its_acquire_ops(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let semaphore = Arc::new(weft::sync::Semaphore::new(2));
            let resource = just_made();
            let permit = semaphore.acquire_many(2).await.unwrap();
            let waiter = {
                let semaphore = semaphore.clone();
                async move { semaphore.acquire().await.unwrap().forget() }
            };
            contend(resource, "Semaphore::acquire", permit, waiter).await;
            let permit = semaphore.try_acquire().unwrap();
            drop(permit);
            assert_eq!(semaphore.forget_permits(5), 1);
            resource
        });
        check_resource(resource, line, "Semaphore");
        assert_eq!(
            states(resource, "permits"),
            pairs(&[
                ("2", "override"),
                ("2", "sub"),
                ("2", "add"),
                ("1", "sub"),
                ("1", "sub"),
                ("1", "add"),
                ("1", "sub"),
            ])
        );
        assert_contended(resource, "Semaphore::acquire");
        assert_eq!(
            op_states(resource, "Semaphore::acquire", "permits_requested"),
            pairs(&[("1", "override")])
        );
        assert_eq!(
            op_states(resource, "Semaphore::acquire", "permits_obtained"),
            pairs(&[("0", "override"), ("1", "add")])
        );
    }

    fn barrier_reports_size_and_arrivals(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let barrier = Arc::new(weft::sync::Barrier::new(2));
            let resource = just_made();
            let waiter = weft::spawn({
                let barrier = barrier.clone();
                async move { barrier.wait().await.is_leader() }
            });
            until_pending(resource, "Barrier::wait").await;
            assert!(barrier.wait().await.is_leader());
            assert!(!waiter.await.unwrap());
            resource
        });
        check_resource(resource, line, "Barrier");
        assert_eq!(states(resource, "size"), pairs(&[("2", "")]));
        assert_eq!(
            states(resource, "arrived"),
            pairs(&[("0", ""), ("1", "add"), ("1", "add"), ("0", "override")])
        );
        assert_contended(resource, "Barrier::wait");
        assert_eq!(
            op_states(resource, "Barrier::wait", "arrived"),
            pairs(&[("true", ""), ("true", "")])
        );
        assert_eq!(op_states(resource, "Barrier::wait", "is_leader"), pairs(&[("true", "")]));
    }

    fn oneshot_reports_its_halves_and_the_value(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let (tx, rx) = weft::sync::oneshot::channel();
            let resource = just_made();
            let receiver = weft::spawn(rx);
            until_pending(resource, "Receiver::await").await;
            tx.send(7).unwrap();
            assert_eq!(receiver.await.unwrap(), Ok(7));
            resource
        });
        check_resource(resource, line, "Sender|Receiver");
        let unset_then_set = pairs(&[("false", "override"), ("true", "override")]);
        assert_eq!(states(resource, "value_sent"), unset_then_set);
        assert_eq!(states(resource, "value_received"), unset_then_set);
        assert_eq!(states(resource, "tx_dropped"), pairs(&[("false", "override")]));
        assert_eq!(states(resource, "rx_dropped"), pairs(&[("false", "override")]));
        let polls = task_polls(resource, "Receiver::await");
        assert_eq!(polls.len(), 1, "{polls:?}");
        assert_eq!(polls[0], ["false", "true"]);
    }

    fn oneshot_reports_dropped_halves(rt: &Runtime) {
        let _recorder = Recorder::global();
        let line = line!() + 2;
        let resource = rt.block_on(async {
            let (mut tx, rx) = weft::sync::oneshot::channel::<u8>();
            let resource = just_made();
            contend(resource, "Sender::closed", rx, async move { tx.closed().await }).await;
            resource
        });
        check_resource(resource, line, "Sender|Receiver");
        let unset_then_set = pairs(&[("false", "override"), ("true", "override")]);
        assert_eq!(states(resource, "rx_dropped"), unset_then_set);
        assert_eq!(states(resource, "tx_dropped"), unset_then_set);
        assert_eq!(states(resource, "value_sent"), pairs(&[("false", "override")]));
        assert_contended(resource, "Sender::closed");
    }
}

/// A `Mutex` made in a `const` context has no span (as in tokio), and
/// locking it still works with a subscriber installed.
#[test]
fn const_mutex_is_no_resource() {
    let _recorder = Recorder::global();
    static MUTEX: weft::sync::Mutex<u8> = weft::sync::Mutex::const_new(0);
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async { *MUTEX.lock().await += 1 });
    assert_eq!(*MUTEX.try_lock().unwrap(), 1);
}
