//! `join!`: wait on several futures at once, in the task that awaits them.
//!
//! The expansion keeps the futures, each in a [`MaybeDone`], in a tuple
//! inside one [`PollWith`] future, with the round-robin start as its state
//! and a polling closure that captures nothing: the `join!` future is the
//! futures plus 4 bytes. Every poll polls each unfinished future once, starting one
//! branch later than the previous poll did (or always at the first after
//! `biased;`), so that a future that is ready every time cannot starve the
//! ones written after it. A finished future's output stays in its
//! `MaybeDone` until the last one finishes; then the outputs are moved out
//! into a tuple in the order written.
//!
//! [`MaybeDone`]: crate::macros::support::MaybeDone
//! [`PollWith`]: crate::macros::support::PollWith

/// Waits on multiple concurrent branches, returning when **all** branches
/// complete.
///
/// The `join!` macro must be used inside of async functions, closures, and
/// blocks.
///
/// It takes a list of async expressions (anything that implements
/// [`IntoFuture`](std::future::IntoFuture)), turns each into a future and
/// runs them concurrently **on the current task**, returning a tuple of
/// their outputs, in the order written, once every one has completed.
/// `join!()` returns `()`, `join!(a)` returns a one-element tuple.
///
/// When the futures return `Result`, `join!` still waits for all of them,
/// whatever they return; use [`try_join!`](crate::try_join) to return early
/// on the first `Err`.
///
/// # Notes
///
/// The futures are stored inline, pinned in place in the enclosing future:
/// `join!` does not allocate. Outputs that are ready early are kept until the
/// last future completes. At most 64 futures can be joined at once (nest
/// `join!`s for more).
///
/// ## Runtime characteristics
///
/// Because all the expressions run on the current task, they run
/// **concurrently** but not in **parallel**: if one of them blocks the
/// thread, the others cannot make progress either. For parallelism, spawn
/// each one with `weft::spawn` and pass the `JoinHandle`s to `join!`.
///
/// ## Fairness
///
/// By default, each time the `join!` future is polled it starts polling
/// its futures one branch later than the previous time (round-robin), so
/// every future gets to go first in turn. Writing `biased;` before the
/// futures makes it poll them in the order written, every time; this is a
/// little cheaper and deterministic, but a future early in the list that is
/// always ready can then delay the others.
///
/// # Examples
///
/// Basic `join!` with two branches:
///
/// ```
/// async fn do_stuff_async() -> u32 {
///     // async work
///     1
/// }
///
/// async fn more_async_work() -> &'static str {
///     // more here
///     "two"
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let (first, second) = weft::join!(do_stuff_async(), more_async_work());
///     assert_eq!(first, 1);
///     assert_eq!(second, "two");
/// }
/// ```
///
/// Using `biased;` to poll the futures in the order they are written:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let order = AtomicUsize::new(0);
///     let (a, b) = weft::join!(
///         biased;
///         async { order.fetch_add(1, Ordering::SeqCst) },
///         async { order.fetch_add(1, Ordering::SeqCst) },
///     );
///     // The first future was polled (and finished) first.
///     assert_eq!((a, b), (0, 1));
/// }
/// ```
// Intentional twin of `try_join!`'s definition: the same input grammar,
// handed on with a different mode (the expansion is shared, below).
#[macro_export]
macro_rules! join {
    (biased; $($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join join true; $($future,)*)
    };
    ($($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join join false; $($future,)*)
    };
}

/// The tt-muncher behind `join!` and `try_join!`. Not public API.
///
/// `@munch [slots] [done] mode biased; futures...` moves one future and one
/// slot into `done` per step. When the futures run out, the number of the
/// next free slot is the count, and `__weft_join_emit!` builds the
/// expansion for `mode` (`join` or `try_join`).
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_join {
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($done:tt)*]
        $mode:ident $biased:tt; $future:expr, $($rest:tt)*) => {
        $crate::__weft_join!(@munch [$($slots)*] [$($done)* ($name $idx $future)]
            $mode $biased; $($rest)*)
    };
    (@munch [(- $n:tt)] $done:tt $mode:ident $biased:tt; $future:expr, $($rest:tt)*) => {
        ::core::compile_error!("`join!` and `try_join!` take at most 64 futures; nest them for more")
    };
    (@munch [($_next:tt $n:tt) $($slots:tt)*] $done:tt $mode:ident $biased:tt;) => {
        $crate::__weft_join_emit!($mode $biased $n $done)
    };
}

/// Builds the expansion of `join!` (mode `join`) or `try_join!` (mode
/// `try_join`) from the munched input. Not public API.
///
/// The two expansions are one: they differ only in what an empty list
/// becomes, in what a branch does when its future finishes (`try_join!`
/// returns an `Err` at once) and in how the outputs are taken at the end;
/// each of those is a rule of its own (`@branch`, `@outputs`).
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_join_emit {
    // One branch of a poll: polls the future named `$name` with `$cx`,
    // notes in `$pending` that it has not finished.
    (@branch join $name:ident $cx:ident $pending:ident) => {
        if $crate::macros::support::Future::poll($name.as_mut(), $cx).is_pending() {
            $pending = true;
        }
    };
    (@branch try_join $name:ident $cx:ident $pending:ident) => {
        if $crate::macros::support::Future::poll($name.as_mut(), $cx).is_pending() {
            $pending = true;
        } else if let $crate::macros::support::Option::Some(__weft_error) =
            $name.as_mut().take_err()
        {
            return $crate::macros::support::Poll::Ready(
                $crate::macros::support::Result::Err(__weft_error),
            );
        }
    };
    // The output once every future has finished, in the order written.
    (@outputs join $($name:ident)+) => {
        ($( $name.as_mut().take_finished(), )+)
    };
    (@outputs try_join $($name:ident)+) => {
        $crate::macros::support::Result::Ok(($( $name.as_mut().take_ok(), )+))
    };
    (join $biased:tt $n:tt []) => {
        async {}.await
    };
    (try_join $biased:tt $n:tt []) => {
        async { $crate::macros::support::Result::Ok(()) }.await
    };
    ($mode:ident $biased:tt $n:tt [$( ($name:ident $idx:tt $future:expr) )+]) => {
        $crate::macros::support::poll_with(
            // The branch the next poll starts at (round-robin unless biased).
            0u32,
            // Evaluated in the order written; a tuple drops its elements in
            // that order too.
            ($( $crate::macros::support::maybe_done($future), )+),
            |__weft_futures, __weft_next_start, __weft_cx| {
                let ($( mut $name, )+) = $crate::macros::support::Project::project(__weft_futures);
                let mut __weft_pending = false;
                let __weft_start =
                    $crate::macros::support::join_start($biased, __weft_next_start, $n);
                for __weft_i in 0..$n {
                    match $crate::macros::support::nth_branch(__weft_start, __weft_i, $n) {
                        $(
                            $idx => $crate::__weft_join_emit!(
                                @branch $mode $name __weft_cx __weft_pending
                            ),
                        )+
                        _ => $crate::macros::support::unreachable_branch(),
                    }
                }
                if __weft_pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    $crate::macros::support::Poll::Ready(
                        $crate::__weft_join_emit!(@outputs $mode $($name)+)
                    )
                }
            },
        )
        .await
    };
}
