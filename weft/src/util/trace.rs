//! `tracing` spans and events of resources (feature `tracing`): timers and
//! sync primitives, in the shape `console-subscriber` reads, so
//! `tokio-console` lists them with the tasks that use them.
//!
//! A *resource* is a value tasks wait on (a `Sleep`, a `Mutex`, ...): one
//! span named `runtime.resource` with no parent, created with the value
//! and closed with it, with the fields `concrete_type` (`"Sleep"`,
//! `"Mutex"`, ...), `kind` (`"timer"` or `"Sync"`) and the location that
//! created it (`loc.file`, `loc.line`, `loc.col`). Changes of its state are
//! events of target `runtime::resource::state_update` emitted inside the
//! span: one field with the new value, and `<field>.op` (`"override"`,
//! `"add"`, `"sub"`) and `<field>.unit` beside it.
//!
//! An *async operation* is one wait on a resource (a `lock()`, a sleep): a
//! span `runtime.resource.async_op` (field `source`, the method) under the
//! resource, and under it a span `runtime.resource.async_op.poll`; each
//! poll of the operation enters the three and ends with an event of target
//! `runtime::resource::poll_op` (fields `op_name`, `is_ready`), which
//! ties the operation to the task polling it.
//!
//! The sync primitives reach these through `sync::util::trace`, which
//! compiles to nothing without the feature.
//!
//! The targets are tokio's (`tokio::time::sleep`, `tokio::sync::mutex`,
//! ...): filters written for tokio (`tokio=trace`) select weft's spans.
//! Every span here is created through tracing's macros, so with no
//! subscriber interested each costs the callsite's interest check and an
//! empty handle.

use tracing::Span;

/// Creates a resource span of `concrete_type` and `kind`, made at
/// `location`, under the target `target`.
macro_rules! resource_span {
    ($target:literal, $concrete_type:literal, $kind:literal, $location:expr) => {{
        let location: &'static ::std::panic::Location<'static> = $location;
        ::tracing::trace_span!(
            target: $target,
            parent: None,
            "runtime.resource",
            concrete_type = $concrete_type,
            kind = $kind,
            loc.file = location.file(),
            loc.line = location.line(),
            loc.col = location.column(),
        )
    }};
}
pub(crate) use resource_span;

/// Emits a state update of the resource whose span is entered: its
/// attribute `$field` is now `$value` (`$op`: "override", "add" or "sub";
/// without it a subscriber overrides a `bool` and sets a number only if
/// it has none yet), in `$unit` if given.
macro_rules! state_update {
    ($field:ident = $value:expr $(, op = $op:literal)? $(, unit = $unit:literal)?) => {
        ::tracing::trace!(
            target: "runtime::resource::state_update",
            $field = $value,
            $($field.op = $op,)?
            $($field.unit = $unit,)?
        )
    };
}
pub(crate) use state_update;

/// Emits a state update of the async operation whose span is entered (as
/// [`state_update!`] for a resource).
#[cfg(feature = "sync")]
macro_rules! async_op_state_update {
    ($field:ident = $value:expr $(, op = $op:literal)?) => {
        ::tracing::trace!(
            target: "runtime::resource::async_op::state_update",
            $field = $value,
            $($field.op = $op,)?
        )
    };
}
#[cfg(feature = "sync")]
pub(crate) use async_op_state_update;

/// One async operation's spans: its resource's span, the operation's, and
/// the operation's poll span.
#[derive(Debug)]
pub(crate) struct AsyncOp {
    resource: Span,
    op: Span,
    poll: Span,
}

impl AsyncOp {
    /// A new operation `source` on the resource `resource`; whether the
    /// operation takes the state updates of its children
    /// (`inherits_child_attrs`).
    ///
    /// The spans are made inside the resource's (and the poll span inside
    /// the operation's), as tokio makes them: `console-subscriber` finds
    /// the resource of an operation, and the operation of a poll, among the
    /// spans entered when it is created, not by its parent.
    pub(crate) fn new(
        resource: &Span,
        source: &'static str,
        inherits_child_attrs: bool,
    ) -> AsyncOp {
        let op = resource.in_scope(|| {
            tracing::trace_span!(
                parent: resource,
                "runtime.resource.async_op",
                source = source,
                inherits_child_attrs = inherits_child_attrs,
            )
        });
        let poll =
            op.in_scope(|| tracing::trace_span!(parent: &op, "runtime.resource.async_op.poll"));
        AsyncOp {
            resource: resource.clone(),
            op,
            poll,
        }
    }

    /// Polls the operation with `poll` inside its spans and reports the
    /// outcome as the poll op `op_name`.
    pub(crate) fn poll<T>(
        &self,
        op_name: &'static str,
        poll: impl FnOnce() -> std::task::Poll<T>,
    ) -> std::task::Poll<T> {
        let _resource = self.resource.enter();
        let _op = self.op.enter();
        let _poll = self.poll.enter();
        let result = poll();
        tracing::trace!(
            target: "runtime::resource::poll_op",
            op_name = op_name,
            is_ready = result.is_ready(),
        );
        result
    }

    /// Runs `f` inside the resource's and the operation's spans (for a
    /// state update of the operation).
    #[cfg(feature = "sync")]
    pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _resource = self.resource.enter();
        self.op.in_scope(f)
    }

    /// The resource's span.
    pub(crate) fn resource(&self) -> &Span {
        &self.resource
    }
}
