//! `tracing` spans across awaits on the runtime: an `.instrument()`ed
//! future is inside its span whenever it runs, on whichever thread, and
//! leaves it at each yield; a span entered around it is current again
//! after the await. A `tracing-subscriber` layer records what happened.
//!
//! The subscriber is the process-wide default (tasks run on worker
//! threads); each test names its spans apart so the tests can run at once.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use support::within;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{info_span, Instrument, Span};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Clone, Debug, Default)]
struct SpanRecord {
    name: &'static str,
    parent: Option<&'static str>,
    fields: HashMap<String, String>,
    enters: usize,
    exits: usize,
    closed: bool,
}

#[derive(Debug)]
struct EventRecord {
    message: String,
    fields: HashMap<String, String>,
    span: Option<SpanRecord>,
}

#[derive(Default, Debug)]
struct Log {
    /// Live spans by id (the registry reuses the ids of closed spans).
    live: HashMap<Id, SpanRecord>,
    closed: Vec<SpanRecord>,
    events: Vec<EventRecord>,
}

impl Log {
    /// Every span named `name`, live or closed.
    fn spans(&self, name: &str) -> Vec<SpanRecord> {
        self.live
            .values()
            .chain(&self.closed)
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }

    fn events(&self, message: &str) -> Vec<&EventRecord> {
        self.events
            .iter()
            .filter(|event| event.message == message)
            .collect()
    }
}

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

struct Recorder(Arc<Mutex<Log>>);

impl<S> tracing_subscriber::Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|p| p.name());
        let record = SpanRecord {
            name: attrs.metadata().name(),
            parent,
            fields: fields.0,
            ..SpanRecord::default()
        };
        self.0.lock().unwrap().live.insert(id.clone(), record);
    }

    fn on_enter(&self, id: &Id, _ctx: Context<'_, S>) {
        if let Some(span) = self.0.lock().unwrap().live.get_mut(id) {
            span.enters += 1;
        }
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        if let Some(span) = self.0.lock().unwrap().live.get_mut(id) {
            span.exits += 1;
        }
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        let mut log = self.0.lock().unwrap();
        if let Some(mut span) = log.live.remove(&id) {
            span.closed = true;
            log.closed.push(span);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        let mut log = self.0.lock().unwrap();
        let span = ctx
            .event_span(event)
            .and_then(|span| log.live.get(&span.id()).cloned());
        log.events.push(EventRecord {
            message,
            fields: fields.0,
            span,
        });
    }
}

/// Installs the recording subscriber as the global default (once) and
/// returns its log.
fn log() -> Arc<Mutex<Log>> {
    static LOG: OnceLock<Arc<Mutex<Log>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Log::default()));
        let subscriber = tracing_subscriber::registry().with(Recorder(Arc::clone(&log)));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        log
    })
    .clone()
}

fn current() -> Option<&'static str> {
    Span::current().metadata().map(|metadata| metadata.name())
}

/// Every span named `name` was entered as often as exited, and closed.
fn assert_balanced_and_closed(log: &Log, name: &str, count: usize) {
    let spans = log.spans(name);
    assert_eq!(spans.len(), count, "{name}: {spans:?}");
    for span in spans {
        assert!(span.enters > 0, "{span:?}");
        assert_eq!(span.enters, span.exits, "{span:?}");
        assert!(span.closed, "{span:?}");
    }
}

#[tokio::test]
async fn instrumented_future_keeps_its_span_across_yields() {
    let log = log();
    async {
        assert_eq!(current(), Some("outer_a"));
        let inner = info_span!("inner_a");
        async {
            assert_eq!(current(), Some("inner_a"));
            tokio::task::yield_now().await;
            assert_eq!(current(), Some("inner_a"));
            tokio::time::sleep(Duration::from_millis(1)).await;
            assert_eq!(current(), Some("inner_a"));
            tracing::info!("inside inner_a");
        }
        .instrument(inner)
        .await;
        assert_eq!(current(), Some("outer_a"));
        tokio::task::yield_now().await;
        assert_eq!(current(), Some("outer_a"));
    }
    .instrument(info_span!("outer_a"))
    .await;
    assert_eq!(current(), None);

    let log = log.lock().unwrap();
    let inner = log.spans("inner_a");
    assert_eq!(inner[0].parent, Some("outer_a"));
    // Entered at each poll: more than once, since it yielded.
    assert!(inner[0].enters >= 3, "{inner:?}");
    assert_balanced_and_closed(&log, "inner_a", 1);
    assert_balanced_and_closed(&log, "outer_a", 1);
    let events = log.events("inside inner_a");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].span.as_ref().unwrap().name, "inner_a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entered_span_is_current_again_after_awaiting_an_instrumented_future() {
    let log = log();
    let outer = info_span!("outer_c");
    // Entered on the thread running the test's body, held across awaits.
    let entered = outer.enter();
    async {
        tokio::task::yield_now().await;
        assert_eq!(current(), Some("inner_c"));
        // Work on the workers meanwhile: inside no span but its task's
        // own (`runtime.spawn`: this tree has `tokio/tracing`, which
        // console-subscriber turns on), not inside the spawner's.
        tokio::spawn(async { assert_eq!(current(), Some("runtime.spawn")) })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(current(), Some("inner_c"));
    }
    .instrument(info_span!("inner_c"))
    .await;
    assert_eq!(current(), Some("outer_c"));
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(current(), Some("outer_c"));

    // A task spawned `in_current_span` runs inside it, on a worker.
    let inherited = tokio::spawn(async { current() }.in_current_span());
    assert_eq!(
        within("the inheriting task", inherited).await.unwrap(),
        Some("outer_c")
    );
    drop(entered);
    drop(outer);
    assert_eq!(current(), None);

    let log = log.lock().unwrap();
    assert_eq!(log.spans("inner_c")[0].parent, Some("outer_c"));
    assert_balanced_and_closed(&log, "inner_c", 1);
    assert_balanced_and_closed(&log, "outer_c", 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_each_stay_in_their_own_span() {
    let log = log();
    const TASKS: usize = 32;
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let span = info_span!("task_b", i);
            let id = span.id().expect("the subscriber enables the span");
            tokio::spawn(
                async move {
                    for step in 0..4 {
                        assert_eq!(Span::current().id(), Some(id.clone()));
                        tracing::info!(i, step, "step_b");
                        match step % 3 {
                            0 => tokio::task::yield_now().await,
                            1 => tokio::time::sleep(Duration::from_millis(1)).await,
                            _ => tokio::task::spawn_blocking(|| ()).await.unwrap(),
                        }
                    }
                    assert_eq!(Span::current().id(), Some(id));
                }
                .instrument(span),
            )
        })
        .collect();
    for task in tasks {
        within("an instrumented task", task).await.unwrap();
    }

    let log = log.lock().unwrap();
    let events = log.events("step_b");
    assert_eq!(events.len(), TASKS * 4);
    for event in events {
        // Each event happened inside the span of the task that logged it.
        let span = event.span.as_ref().expect("an event outside any span");
        assert_eq!(span.name, "task_b");
        assert_eq!(span.fields["i"], event.fields["i"], "{event:?}");
    }
    assert_balanced_and_closed(&log, "task_b", TASKS);
}

#[tokio::test]
async fn a_dropped_instrumented_future_exits_and_closes_its_span() {
    let log = log();
    let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
    let pending = async move {
        let _ = rx.await;
    }
    .instrument(info_span!("abandoned_d"));
    // Polled once (it enters and exits its span), then given up on.
    let outcome = tokio::time::timeout(Duration::from_millis(10), pending).await;
    assert!(outcome.is_err());
    assert_eq!(current(), None);
    let log = log.lock().unwrap();
    assert_balanced_and_closed(&log, "abandoned_d", 1);
}
