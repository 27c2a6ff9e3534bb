//! The feature `tracing`: the spans and events a subscriber sees of
//! weft's tasks and timers, in the names, targets and fields
//! `console-subscriber` reads (see `runtime/task/trace.rs`).
//!
//! One recording subscriber is the process's global default (spans are
//! created and wakers used on every worker thread, which a thread-local
//! default would miss); each test finds its own tasks by id or by a name
//! no other test uses.
#![cfg(feature = "tracing")]

mod support;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use support::trace_recorder::*;
use support::*;

/// A future that is pending once, waking itself through a clone of its
/// waker (`clone`, `wake_by_ref`, then `wake`, which consumes the clone).
struct WakesItself {
    polled: bool,
}

impl Future for WakesItself {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return Poll::Ready(());
        }
        self.polled = true;
        let waker = cx.waker().clone();
        waker.wake_by_ref();
        waker.wake();
        Poll::Pending
    }
}

/// This file's name, as `loc.file` holds it.
fn this_file() -> &'static str {
    file!()
}

rt_test! {
    fn named_task_span_has_tokio_fields_and_one_enter_per_poll(rt: &Runtime) {
        let recorder = Recorder::global();
        let (id, line) = rt.block_on(async {
            let line = line!() + 1;
            let handle = weft::task::Builder::new().name("spans-named").spawn(async {
                weft::task::yield_now().await;
            });
            let handle = handle.unwrap();
            let id = handle.id();
            handle.await.unwrap();
            (id, line)
        });
        let (_, span) = recorder.task_span(id);
        assert_eq!(span.target, "tokio::task");
        assert_eq!(span.parent, None, "a task span is a root span");
        assert_eq!(span.fields["kind"], "task");
        assert_eq!(span.fields["task.name"], "spans-named");
        assert_eq!(span.fields["task.id"], id.to_string());
        assert_eq!(span.fields["loc.file"], this_file());
        assert_eq!(span.fields["loc.line"], line.to_string());
        assert!(span.fields.contains_key("loc.col"));
        // Two polls (yield_now is pending once), each entered and exited,
        // and the span closed with the future, before the join completed.
        assert_eq!((span.enters, span.exits), (2, 2), "{span:?}");
        assert!(span.closed, "the span ends with the future: {span:?}");
    }

    fn unnamed_task_has_a_span_when_a_subscriber_wants_it(rt: &Runtime) {
        let recorder = Recorder::global();
        let id = rt.block_on(async {
            let handle = weft::spawn(async {});
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (_, span) = recorder.task_span(id);
        assert_eq!(span.fields["kind"], "task");
        assert_eq!(span.fields["task.name"], "");
        assert_eq!(span.fields["loc.file"], this_file());
        assert_eq!((span.enters, span.exits), (1, 1));
        assert!(span.closed);
    }

    fn waker_operations_are_events_naming_the_span(rt: &Runtime) {
        let recorder = Recorder::global();
        let id = rt.block_on(async {
            let handle = weft::spawn(WakesItself { polled: false });
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (span_id, span) = recorder.task_span(id);
        assert_eq!(
            recorder.waker_ops(span_id),
            ["waker.clone", "waker.wake_by_ref", "waker.wake"],
        );
        assert_eq!((span.enters, span.exits), (2, 2));
    }

    fn a_waker_dropped_elsewhere_is_an_event(rt: &Runtime) {
        let recorder = Recorder::global();
        let (tx, rx) = std::sync::mpsc::channel();
        let id = rt.block_on(async move {
            let handle = weft::spawn(poll_fn(move |cx| {
                tx.send(cx.waker().clone()).unwrap();
                Poll::<()>::Pending
            }));
            let started = std::time::Instant::now();
            let waker = loop {
                if let Ok(waker) = rx.try_recv() {
                    break waker;
                }
                assert!(started.elapsed() < PATIENCE, "the task never ran");
                weft::task::yield_now().await;
            };
            drop(waker);
            handle.abort();
            let id = handle.id();
            assert!(handle.await.unwrap_err().is_cancelled());
            id
        });
        let (span_id, span) = recorder.task_span(id);
        assert_eq!(recorder.waker_ops(span_id), ["waker.clone", "waker.drop"]);
        // Cancelled: the span ended with the dropped future.
        assert!(span.closed, "{span:?}");
    }

    fn blocking_task_span_has_kind_blocking(rt: &Runtime) {
        let recorder = Recorder::global();
        let id = rt.block_on(async {
            let handle = weft::task::Builder::new()
                .name("spans-blocking")
                .spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)))
                .unwrap();
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (_, span) = recorder.task_span(id);
        assert_eq!(span.target, "tokio::task::blocking");
        assert_eq!(span.fields["kind"], "blocking");
        assert_eq!(span.fields["task.name"], "spans-blocking");
        assert_eq!((span.enters, span.exits), (1, 1));
    }

    fn local_task_span_has_kind_local(rt: &Runtime) {
        let recorder = Recorder::global();
        let local = weft::task::LocalSet::new();
        let id = local.block_on(rt, async {
            let handle = weft::task::spawn_local(async {
                weft::task::yield_now().await;
            });
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (_, span) = recorder.task_span(id);
        assert_eq!(span.target, "tokio::task");
        assert_eq!(span.fields["kind"], "local");
        assert_eq!((span.enters, span.exits), (2, 2));
        assert!(span.closed);
    }

    fn spans_created_in_a_task_are_its_children(rt: &Runtime) {
        let recorder = Recorder::global();
        let id = rt.block_on(async {
            let handle = weft::spawn(async {
                let _inner = tracing::trace_span!("spans-inner").entered();
            });
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (span_id, _) = recorder.task_span(id);
        assert_eq!(recorder.descendants(span_id, "spans-inner").len(), 1);
    }
}

rt_test! {
    fn sleep_is_a_timer_resource_polled_by_its_task(rt: &Runtime) {
        let recorder = Recorder::global();
        let line = line!() + 3;
        let id = rt.block_on(async {
            let handle = weft::spawn(async {
                weft::time::sleep(Duration::from_millis(2)).await;
            });
            let id = handle.id();
            handle.await.unwrap();
            id
        });
        let (task_span, _) = recorder.task_span(id);
        // The resource: made inside the task (its parent is the task's
        // span only through the poll op events below; the span itself is
        // a root), at the `sleep` call.
        let state = recorder.state.lock().unwrap();
        let resources: Vec<(u64, &SpanRecord)> = state
            .spans
            .iter()
            .filter(|(_, span)| {
                span.name == "runtime.resource"
                    && span.fields.get("loc.line") == Some(&line.to_string())
                    && span.fields.get("loc.file").map(String::as_str) == Some(this_file())
            })
            .map(|(id, span)| (*id, span))
            .collect();
        let (resource_id, resource) = *resources
            .iter()
            .find(|(resource_id, _)| {
                state.events.iter().any(|event| {
                    event.target == "runtime::resource::poll_op"
                        && event.stack.first() == Some(&task_span)
                        && event.stack.get(1) == Some(resource_id)
                })
            })
            .expect("a Sleep resource polled inside the task's span");
        assert_eq!(resource.parent, None);
        assert_eq!(resource.fields["concrete_type"], "Sleep");
        assert_eq!(resource.fields["kind"], "timer");
        assert!(resource.closed, "the resource ends with the Sleep");
        // The poll ops: pending first, ready last, each inside the
        // resource, its async op and the op's poll span.
        let polls: Vec<&EventRecord> = state
            .events
            .iter()
            .filter(|event| {
                event.target == "runtime::resource::poll_op" && event.stack.get(1) == Some(&resource_id)
            })
            .collect();
        assert!(polls.len() >= 2, "{polls:?}");
        assert_eq!(polls[0].fields["op_name"], "poll_elapsed");
        assert_eq!(polls[0].fields["is_ready"], "false");
        assert_eq!(polls.last().unwrap().fields["is_ready"], "true");
        let op = polls[0].stack[2];
        assert_eq!(state.spans[&op].name, "runtime.resource.async_op");
        assert_eq!(state.spans[&op].fields["source"], "Sleep::new_timeout");
        assert_eq!(state.spans[&polls[0].stack[3]].name, "runtime.resource.async_op.poll");
        // Its duration, set at creation inside the resource's span.
        let update = state
            .events
            .iter()
            .find(|event| {
                event.target == "runtime::resource::state_update" && event.stack.last() == Some(&resource_id)
            })
            .expect("a duration update");
        assert_eq!(update.fields["duration.op"], "override");
        assert_eq!(update.fields["duration.unit"], "ms");
        assert!(update.fields["duration"].parse::<u64>().unwrap() <= 2);
    }

    fn reset_starts_a_new_async_op(rt: &Runtime) {
        let recorder = Recorder::global();
        let line = line!() + 2;
        rt.block_on(async {
            let sleep = weft::time::sleep(Duration::from_secs(3600));
            weft::pin!(sleep);
            sleep.as_mut().reset(weft::time::Instant::now() + Duration::from_millis(1));
            sleep.await;
        });
        let state = recorder.state.lock().unwrap();
        let resource = state
            .spans
            .iter()
            .find(|(_, span)| {
                span.name == "runtime.resource"
                    && span.fields.get("loc.line") == Some(&line.to_string())
                    && span.fields.get("loc.file").map(String::as_str) == Some(this_file())
            })
            .map(|(id, _)| *id)
            .expect("the Sleep's resource span");
        let mut ops: Vec<&str> = state
            .spans
            .values()
            .filter(|span| span.name == "runtime.resource.async_op" && span.parent == Some(resource))
            .map(|span| span.fields["source"].as_str())
            .collect();
        ops.sort();
        assert_eq!(ops, ["Sleep::new_timeout", "Sleep::reset"]);
        let durations: Vec<&str> = state
            .events
            .iter()
            .filter(|event| {
                event.target == "runtime::resource::state_update" && event.stack.last() == Some(&resource)
            })
            .map(|event| event.fields["duration"].as_str())
            .collect();
        assert_eq!(durations.len(), 2, "{durations:?}");
        assert!(durations[0].parse::<u64>().unwrap() > 3_000_000, "{durations:?}");
    }
}

/// Without a callback, long-poll reports are `WARN` events of target
/// `weft::long_poll` naming the task; the poll waits for its own report,
/// so no timing is assumed.
#[test]
fn long_polls_without_a_callback_are_tracing_warnings() {
    let recorder = Recorder::global();
    let rt = weft::runtime::Builder::new_current_thread()
        .long_poll_threshold(std::time::Duration::from_millis(20))
        .build()
        .unwrap();
    let reports_of = |id: weft::task::Id| {
        let state = recorder.state.lock().unwrap();
        state
            .events
            .iter()
            .filter(|event| event.target == "weft::long_poll")
            .filter(|event| event.fields.get("task_id") == Some(&id.to_string()))
            .cloned()
            .collect::<Vec<_>>()
    };
    let id = rt.block_on(async {
        let handle = weft::task::Builder::new()
            .name("waits-for-its-warning")
            .spawn(async move {
                let id = weft::task::id();
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                while reports_of(id).is_empty() {
                    assert!(std::time::Instant::now() < deadline, "no report in 20 s");
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                id
            })
            .unwrap();
        handle.await.unwrap()
    });
    let reports = reports_of(id);
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(reports[0].fields["task_name"], "waits-for-its-warning");
    assert_eq!(reports[0].fields["finished"], "false");
    assert_eq!(reports[1].fields["finished"], "true");
    assert_eq!(reports[0].fields["file"], file!());
}
