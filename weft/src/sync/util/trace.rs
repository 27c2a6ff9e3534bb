//! The sync primitives as `tokio-console` resources (feature `tracing`),
//! each instrumented with one line per event; without the feature every
//! item here is empty (a zero-sized [`Resource`], macros that expand to
//! nothing, [`async_op`] returning its future as it is).
//!
//! What each primitive reports follows tokio's instrumentation of the same
//! type, so `tokio-console` shows the same resources with the same
//! attributes (the spans and events themselves are `util::trace`'s):
//!
//! | resource | attributes (state updates) | async ops (poll op) |
//! |---|---|---|
//! | `Mutex` | `locked` | `Mutex::lock`, `Mutex::lock_owned` (`poll`) |
//! | `RwLock` | `max_readers`, `write_locked`, `current_readers` | `RwLock::read`, `::write` and their `_owned` (`poll`) |
//! | `Semaphore` | `permits` | `Semaphore::acquire`, `::acquire_many` and their `_owned` (`poll`); each with `permits_requested`, `permits_obtained` |
//! | `Barrier` | `size`, `arrived` | `Barrier::wait` (`poll`); with `arrived`, `is_leader` |
//! | oneshot (`Sender\|Receiver`) | `tx_dropped`, `rx_dropped`, `value_sent`, `value_received` | `Receiver::await` (`poll_recv`), `Sender::closed` (`poll_closed`) |
//!
//! The resource of a lock lives in its batch semaphore
//! ([`Semaphore::resource`](super::super::batch_semaphore::Semaphore::resource)),
//! which every guard already reaches: no guard grows. tokio also reports
//! the batch semaphore inside each of them as an internal resource of its
//! own; weft does not (`tokio-console` hides internal resources unless
//! asked), and a `Semaphore`'s `permits` are counted on the `Semaphore`
//! itself: taken when an acquisition completes, given back when a permit
//! is dropped or permits are added.
//!
//! Resources made in a `const` context (`const_new`) have no span, as in
//! tokio.

#[cfg(not(feature = "tracing"))]
pub(crate) use disabled::*;
#[cfg(feature = "tracing")]
pub(crate) use enabled::*;

#[cfg(feature = "tracing")]
mod enabled {
    use crate::util::trace::AsyncOp;
    use std::future::Future;
    use std::task::Poll;
    use tracing::Span;

    /// A sync primitive's `runtime.resource` span.
    #[derive(Debug, Clone)]
    pub(crate) struct Resource(Span);

    impl Resource {
        /// No span (a primitive made in a `const` context, or one that is
        /// no resource, like a bounded channel's semaphore).
        pub(crate) const fn none() -> Resource {
            Resource(Span::none())
        }

        pub(crate) fn from_span(span: Span) -> Resource {
            Resource(span)
        }

        pub(crate) fn span(&self) -> &Span {
            &self.0
        }

        /// The async operation `source` on this resource, made now.
        pub(crate) fn op(&self, source: &'static str, inherits_child_attrs: bool) -> Op {
            Op(AsyncOp::new(&self.0, source, inherits_child_attrs))
        }
    }

    /// An async operation on a resource.
    #[derive(Debug)]
    pub(crate) struct Op(AsyncOp);

    // A span is a handle the subscriber owns the state of: a panic while
    // one of ours is borrowed leaves nothing of ours half-updated, so the
    // primitives stay as unwind-safe as they are without the feature.
    impl std::panic::UnwindSafe for Resource {}
    impl std::panic::RefUnwindSafe for Resource {}
    impl std::panic::UnwindSafe for Op {}
    impl std::panic::RefUnwindSafe for Op {}

    impl Op {
        /// Another async operation `source` on the same resource.
        pub(crate) fn op(&self, source: &'static str, inherits_child_attrs: bool) -> Op {
            Op(AsyncOp::new(
                self.0.resource(),
                source,
                inherits_child_attrs,
            ))
        }

        /// The resource's span (for [`state!`]).
        pub(crate) fn span(&self) -> &Span {
            self.0.resource()
        }

        /// Polls with `poll` inside the operation's spans, reported as the
        /// poll op `poll_op`.
        #[inline]
        pub(crate) fn poll<T>(
            &self,
            poll_op: &'static str,
            poll: impl FnOnce() -> Poll<T>,
        ) -> Poll<T> {
            self.0.poll(poll_op, poll)
        }
    }

    /// `future` as the async operation `op`, each poll reported as the
    /// poll op `poll_op`.
    pub(crate) async fn instrument<F: Future>(
        op: Op,
        poll_op: &'static str,
        future: F,
    ) -> F::Output {
        run(&op, poll_op, future).await
    }

    async fn run<F: Future>(op: &Op, poll_op: &'static str, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| op.poll(poll_op, || future.as_mut().poll(cx))).await
    }

    /// `future` as the async operation `source` on `resource` (see
    /// [`instrument`]).
    pub(crate) fn async_op<F: Future>(
        resource: &Resource,
        source: &'static str,
        poll_op: &'static str,
        inherits_child_attrs: bool,
        future: F,
    ) -> impl Future<Output = F::Output> {
        instrument(resource.op(source, inherits_child_attrs), poll_op, future)
    }

    /// `future`, an acquisition of `permits` permits, as the async
    /// operation `source` on the semaphore `resource`, with tokio's
    /// attributes: the operation's `permits_requested` and
    /// `permits_obtained`, and the resource's `permits` lowered when the
    /// permits are obtained.
    pub(crate) async fn acquire_op<E>(
        resource: &Resource,
        source: &'static str,
        permits: usize,
        future: impl Future<Output = Result<(), E>>,
    ) -> Result<(), E> {
        let op = resource.op(source, true);
        op.0.in_scope(|| {
            op_state!(permits_requested = permits => "override");
            op_state!(permits_obtained = 0usize => "override");
        });
        let result = run(&op, "poll", future).await;
        if result.is_ok() {
            op.0.in_scope(|| op_state!(permits_obtained = permits => "add"));
            state!(resource, permits = permits => "sub");
        }
        result
    }

    /// A sync resource (`kind = "Sync"`) of type `$concrete_type` made at
    /// the caller's location (the enclosing function is
    /// `#[track_caller]`), under the target `$target`, with the initial
    /// state `$field = $value` (op `$op` if given) for each field listed.
    macro_rules! resource {
        ($target:literal, $concrete_type:literal $(, $field:ident = $value:expr $(=> $op:literal)?)* $(,)?) => {{
            let resource = $crate::sync::util::trace::Resource::from_span(
                $crate::util::trace::resource_span!(
                    $target,
                    $concrete_type,
                    "Sync",
                    ::std::panic::Location::caller()
                ),
            );
            $($crate::sync::util::trace::state!(&resource, $field = $value $(=> $op)?);)*
            resource
        }};
    }
    pub(crate) use resource;

    /// A state update of `$resource`: `$field` is now `$value`, or changes
    /// by it as `$op` ("add", "sub", "override") says.
    macro_rules! state {
        ($resource:expr, $field:ident = $value:expr $(=> $op:literal)?) => {{
            let _entered = $resource.span().enter();
            $crate::util::trace::state_update!($field = $value $(, op = $op)?);
        }};
    }
    pub(crate) use state;

    /// A state update of the async operation being polled (its spans are
    /// entered).
    macro_rules! op_state {
        ($field:ident = $value:expr $(=> $op:literal)?) => {
            $crate::util::trace::async_op_state_update!($field = $value $(, op = $op)?)
        };
    }
    pub(crate) use op_state;
}

#[cfg(not(feature = "tracing"))]
mod disabled {
    /// Nothing: there is no `tracing` to report to.
    #[derive(Debug, Clone)]
    pub(crate) struct Resource;

    impl Resource {
        pub(crate) const fn none() -> Resource {
            Resource
        }

        #[inline(always)]
        pub(crate) fn op(&self, _source: &'static str, _inherits_child_attrs: bool) -> Op {
            Op
        }
    }

    /// Nothing.
    #[derive(Debug)]
    pub(crate) struct Op;

    impl Op {
        #[inline(always)]
        pub(crate) fn op(&self, _source: &'static str, _inherits_child_attrs: bool) -> Op {
            Op
        }

        #[inline(always)]
        pub(crate) fn poll<T>(
            &self,
            _poll_op: &'static str,
            poll: impl FnOnce() -> std::task::Poll<T>,
        ) -> std::task::Poll<T> {
            poll()
        }
    }

    #[inline(always)]
    pub(crate) fn instrument<F>(_op: Op, _poll_op: &'static str, future: F) -> F {
        future
    }

    #[inline(always)]
    pub(crate) fn async_op<F>(
        _resource: &Resource,
        _source: &'static str,
        _poll_op: &'static str,
        _inherits_child_attrs: bool,
        future: F,
    ) -> F {
        future
    }

    #[inline(always)]
    pub(crate) fn acquire_op<F>(
        _resource: &Resource,
        _source: &'static str,
        _permits: usize,
        future: F,
    ) -> F {
        future
    }

    macro_rules! resource {
        ($($tokens:tt)*) => {
            $crate::sync::util::trace::Resource
        };
    }
    pub(crate) use resource;

    macro_rules! state {
        ($resource:expr, $($tokens:tt)*) => {
            let _ = $resource;
        };
    }
    pub(crate) use state;

    macro_rules! op_state {
        ($($tokens:tt)*) => {};
    }
    pub(crate) use op_state;
}
