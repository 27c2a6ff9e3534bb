//! A `tracing` subscriber that records every span and event, for the
//! tests of the feature `tracing` (`tracing_spans.rs`, `tracing_sync.rs`).
//!
//! One recorder is the process's global default (spans are created and
//! wakers used on every worker thread, which a thread-local default would
//! miss); each test finds its own spans by id, name or location.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// What the recorder knows of one span.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanRecord {
    pub(crate) name: &'static str,
    pub(crate) target: &'static str,
    pub(crate) fields: HashMap<String, String>,
    /// Its parent: the one given, else the span entered when this one
    /// was created, if any.
    pub(crate) parent: Option<u64>,
    /// The spans entered on the creating thread, innermost last (where
    /// `console-subscriber` looks for a new span's resource).
    pub(crate) stack: Vec<u64>,
    pub(crate) enters: usize,
    pub(crate) exits: usize,
    /// Open handles (`new_span` and each `clone_span` add one).
    pub(crate) refs: usize,
    pub(crate) closed: bool,
}

/// An event: its target and fields.
#[derive(Clone, Debug)]
pub(crate) struct EventRecord {
    pub(crate) target: &'static str,
    pub(crate) fields: HashMap<String, String>,
    /// The spans entered on the emitting thread, innermost last.
    pub(crate) stack: Vec<u64>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) spans: HashMap<u64, SpanRecord>,
    pub(crate) events: Vec<EventRecord>,
}

/// A subscriber that enables everything and records it.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) state: Arc<Mutex<State>>,
    next_id: Arc<AtomicU64>,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static STACK: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The last `runtime.resource` span made on this thread.
    static LAST_RESOURCE: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The last `runtime.resource` span made on this thread, if any.
pub(crate) fn last_resource_here() -> Option<u64> {
    LAST_RESOURCE.with(|last| last.get())
}

#[derive(Default)]
pub(crate) struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Relaxed) + 1;
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let parent = if attrs.is_root() {
            None
        } else if let Some(parent) = attrs.parent() {
            Some(parent.into_u64())
        } else {
            STACK.with(|stack| stack.borrow().last().copied())
        };
        if attrs.metadata().name() == "runtime.resource" {
            LAST_RESOURCE.with(|last| last.set(Some(id)));
        }
        let record = SpanRecord {
            stack: STACK.with(|stack| stack.borrow().clone()),
            name: attrs.metadata().name(),
            target: attrs.metadata().target(),
            fields: fields.0,
            parent,
            refs: 1,
            ..SpanRecord::default()
        };
        self.lock().spans.insert(id, record);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut state = self.lock();
        if let Some(record) = state.spans.get_mut(&span.into_u64()) {
            record.fields.extend(fields.0);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let stack = STACK.with(|stack| stack.borrow().clone());
        self.lock().events.push(EventRecord {
            target: event.metadata().target(),
            fields: fields.0,
            stack,
        });
    }

    fn enter(&self, span: &Id) {
        STACK.with(|stack| stack.borrow_mut().push(span.into_u64()));
        let mut state = self.lock();
        state.spans.get_mut(&span.into_u64()).unwrap().enters += 1;
    }

    fn exit(&self, span: &Id) {
        STACK.with(|stack| {
            let mut stack = stack.borrow_mut();
            let at = stack.iter().rposition(|id| *id == span.into_u64());
            stack.remove(at.expect("exit of a span that was not entered"));
        });
        let mut state = self.lock();
        state.spans.get_mut(&span.into_u64()).unwrap().exits += 1;
    }

    fn clone_span(&self, span: &Id) -> Id {
        let mut state = self.lock();
        state.spans.get_mut(&span.into_u64()).unwrap().refs += 1;
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut state = self.lock();
        let record = state.spans.get_mut(&span.into_u64()).unwrap();
        record.refs -= 1;
        record.closed = record.refs == 0;
        record.closed
    }
}

impl Recorder {
    /// What was recorded so far (a test that failed while holding it does
    /// not hide it from the others).
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The process's recorder, installed as the global default on first use.
    pub(crate) fn global() -> &'static Recorder {
        static RECORDER: OnceLock<Recorder> = OnceLock::new();
        RECORDER.get_or_init(|| {
            let recorder = Recorder::default();
            tracing::subscriber::set_global_default(recorder.clone())
                .expect("no other global subscriber in this test binary");
            recorder
        })
    }

    /// The `runtime.spawn` span whose `task.id` field is `id`.
    pub(crate) fn task_span(&self, id: weft::task::Id) -> (u64, SpanRecord) {
        let state = self.lock();
        let found: Vec<_> = state
            .spans
            .iter()
            .filter(|(_, span)| {
                span.name == "runtime.spawn" && span.fields.get("task.id") == Some(&id.to_string())
            })
            .map(|(span_id, span)| (*span_id, span.clone()))
            .collect();
        assert_eq!(found.len(), 1, "one spawn span for task {id}: {found:?}");
        found.into_iter().next().unwrap()
    }

    /// The waker operations recorded for the task whose span is `span_id`.
    pub(crate) fn waker_ops(&self, span_id: u64) -> Vec<String> {
        let state = self.lock();
        state
            .events
            .iter()
            .filter(|event| {
                event.target == "tokio::task::waker"
                    && event.fields.get("task.id") == Some(&span_id.to_string())
            })
            .map(|event| event.fields["op"].clone())
            .collect()
    }

    /// The spans of `name` that have `ancestor` as parent, grandparent, ...
    pub(crate) fn descendants(&self, ancestor: u64, name: &str) -> Vec<(u64, SpanRecord)> {
        let state = self.lock();
        let under = |mut id: u64| {
            while let Some(parent) = state.spans.get(&id).and_then(|span| span.parent) {
                if parent == ancestor {
                    return true;
                }
                id = parent;
            }
            false
        };
        let mut found: Vec<_> = state
            .spans
            .iter()
            .filter(|(id, span)| span.name == name && under(**id))
            .map(|(id, span)| (*id, span.clone()))
            .collect();
        found.sort_by_key(|(id, _)| *id);
        found
    }
}
