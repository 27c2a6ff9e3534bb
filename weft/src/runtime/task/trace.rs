//! A task's `tracing` span and waker events (feature `tracing`), in the
//! shape `console-subscriber` reads, so `tokio-console` lists weft's tasks.
//!
//! # Design note
//!
//! What a subscriber sees of a task, as tokio emits it:
//!
//! * at spawn, a span named `runtime.spawn` (target `tokio::task`, or
//!   `tokio::task::blocking` for `spawn_blocking`), with no parent, and
//!   the fields `kind` (`task`, `local`, `blocking`), `task.name` (empty
//!   when unnamed), `task.id` (the task's [`Id`]), `loc.file`, `loc.line`,
//!   `loc.col` (the spawn location);
//! * the span entered for each poll and exited when it returns (a
//!   subscriber counts polls and their durations from this);
//! * an event of target `tokio::task::waker` for each operation on one of
//!   the task's wakers, with `op` = `waker.clone`, `waker.drop`,
//!   `waker.wake` or `waker.wake_by_ref` and `task.id` = the *span's* id
//!   (`console-subscriber` finds the task by it);
//! * the span closed when the future is dropped (completed, panicked or
//!   cancelled), which a subscriber reads as the task's end.
//!
//! Only tracked tasks have a span (`task::meta`, rule 3); the spawn of any
//! other task costs the callsite's interest check, and its wakers the
//! branch on `RawTask::meta`, which reads the vtable the waker already
//! uses.
//!
//! Rules:
//!
//! 1. The span is created before the cell, so the task's id, which is one
//!    of its fields, is drawn with it, and only when a subscriber enables
//!    the span (the macro computes the fields only then); the cell takes
//!    that id (`meta::task_id`).
//! 2. `span_id` and `task_id` are written at spawn and never change: any
//!    thread holding a reference to the task (a waker) may read them.
//! 3. The span itself is used only by the thread that owns the task's
//!    stage (rule 1 of `task::state`: it set `RUNNING`): entered around a
//!    poll, taken out and dropped when the future is dropped. So no two
//!    threads touch it at once, and it closes with the future, as tokio's
//!    span (which wraps the future) does, even while a `JoinHandle` keeps
//!    the cell.

use super::meta::{SpawnKind, SpawnMeta, TaskMeta};
use super::raw::RawTask;
use super::Id;
use crate::loom::UnsafeCell;
use std::num::NonZeroU64;
use tracing::span::Entered;
use tracing::Span;

/// The `tracing` part of a tracked task's [`TaskMeta`].
pub(crate) struct TaskSpan {
    /// The id drawn for the span's `task.id` field (rules 1, 2).
    task_id: Option<Id>,
    /// The span's id, for waker events (rule 2).
    span_id: Option<NonZeroU64>,
    /// Until the future is dropped (rule 3).
    span: UnsafeCell<Option<Span>>,
}

// SAFETY: `task_id` and `span_id` are frozen values; `span` (a `Span` is
// `Send + Sync`) is only reached by the thread owning the stage (rule 3),
// which the task's state word makes one at a time.
unsafe impl Sync for TaskSpan {}

impl TaskSpan {
    /// The spawn span of a task spawned at `spawn`, of kind `kind`;
    /// disabled unless a subscriber enables it.
    pub(super) fn new(spawn: &SpawnMeta<'_>, kind: SpawnKind) -> TaskSpan {
        let mut task_id = None;
        // Rule 1: evaluated by the span macros only for an enabled span.
        let mut draw_id = || {
            let id = Id::next();
            task_id = Some(id);
            id.as_u64()
        };
        let name = spawn.name.unwrap_or_default();
        let location = spawn.location;
        let span = match kind {
            SpawnKind::Blocking => tracing::trace_span!(
                target: "tokio::task::blocking",
                "runtime.spawn",
                kind = %kind.as_str(),
                task.name = %name,
                task.id = draw_id(),
                loc.file = location.file(),
                loc.line = location.line(),
                loc.col = location.column(),
            ),
            SpawnKind::Task | SpawnKind::Local => tracing::trace_span!(
                target: "tokio::task",
                parent: None,
                "runtime.spawn",
                kind = %kind.as_str(),
                task.name = %name,
                task.id = draw_id(),
                loc.file = location.file(),
                loc.line = location.line(),
                loc.col = location.column(),
            ),
        };
        let span_id = span.id().map(|id| id.into_non_zero_u64());
        TaskSpan {
            task_id,
            span_id,
            span: UnsafeCell::new(span_id.map(|_| span)),
        }
    }

    /// Whether a subscriber enabled the span.
    pub(super) fn is_enabled(&self) -> bool {
        self.span_id.is_some()
    }

    /// The id drawn for the span (rule 1).
    pub(super) fn task_id(&self) -> Option<Id> {
        self.task_id
    }
}

/// The entered span of a task being polled; exits it when dropped.
pub(super) struct PollSpan<'a> {
    _entered: Entered<'a>,
}

impl TaskMeta {
    /// Enters the task's span for a poll, if it has one.
    ///
    /// # Safety
    ///
    /// The caller owns the task's stage (rule 3) until the guard is dropped.
    pub(super) unsafe fn enter_span(&self) -> Option<PollSpan<'_>> {
        // SAFETY: rule 3, forwarded to the caller: no other thread touches
        // the span while the guard borrows it.
        let span = self.span().span.with(|span| unsafe { (*span).as_ref() })?;
        Some(PollSpan {
            _entered: span.enter(),
        })
    }

    /// Closes the task's span: its future is gone.
    ///
    /// # Safety
    ///
    /// The caller owns the task's stage (rule 3) and no `PollSpan` of the
    /// task is alive.
    pub(super) unsafe fn close_span(&self) {
        // SAFETY: rule 3, forwarded to the caller.
        let span = self.span().span.with_mut(|span| unsafe { (*span).take() });
        drop(span);
    }
}

/// Emits the waker event `op` for `task` if it has a span (rule 2).
#[inline]
pub(super) fn waker_op(task: RawTask, op: &'static str) {
    if let Some(span_id) = task.meta().and_then(|meta| meta.span().span_id) {
        tracing::trace!(target: "tokio::task::waker", op = op, task.id = span_id.get());
    }
}
