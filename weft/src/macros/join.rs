//! `join!`: wait on several futures at once, in the task that awaits them.
//!
//! The expansion keeps each future in a [`MaybeDone`] pinned in its own local
//! variable. Every poll polls each unfinished future once, starting one
//! branch later than the previous poll did (or always at the first after
//! `biased;`), so that a future that is ready every time cannot starve the
//! ones written after it. A finished future's output stays in its
//! `MaybeDone` until the last one finishes; then the outputs are moved out
//! into a tuple in the order written.
//!
//! [`MaybeDone`]: crate::macros::support::MaybeDone

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
#[macro_export]
macro_rules! join {
    (biased; $($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join __weft_join_emit true; $($future,)*)
    };
    ($($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join __weft_join_emit false; $($future,)*)
    };
}

/// The tt-muncher behind `join!` and `try_join!`. Not public API.
///
/// `@munch [slots] [done] [reversed names] emit biased; futures...` moves one
/// future and one slot into `done` per step (and prepends the slot's name to
/// the reversed list, used to pin in reverse so drops run in order written).
/// When the futures run out, the number of the next free slot is the count,
/// and `$crate::$emit!` builds the expansion.
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_join {
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($done:tt)*] [$($rev:tt)*]
        $emit:ident $biased:tt; $future:expr, $($rest:tt)*) => {
        $crate::__weft_join!(@munch [$($slots)*] [$($done)* ($name $idx $future)] [$name $($rev)*]
            $emit $biased; $($rest)*)
    };
    (@munch [(- $n:tt)] $done:tt $rev:tt $emit:ident $biased:tt; $future:expr, $($rest:tt)*) => {
        ::core::compile_error!("`join!` and `try_join!` take at most 64 futures; nest them for more")
    };
    (@munch [($_next:tt $n:tt) $($slots:tt)*] $done:tt $rev:tt $emit:ident $biased:tt;) => {
        $crate::$emit!($biased $n $done $rev)
    };
}

/// Builds the expansion of `join!` from the munched input. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_join_emit {
    ($biased:tt $n:tt [] []) => {
        async {}.await
    };
    ($biased:tt $n:tt [$( ($name:ident $idx:tt $future:expr) )+] [$($rev:ident)+]) => {{
        // Evaluate the expressions in the order written.
        $( let $name = $crate::macros::support::maybe_done($future); )+
        // Pin each in place; in reverse, so that they drop in the order written.
        $( let mut $rev = $crate::macros::support::pin!($rev); )+
        // The branch the next poll starts at (round-robin unless biased).
        let mut __weft_next_start: u32 = 0;
        $crate::macros::support::poll_fn(|__weft_cx| {
            let mut __weft_pending = false;
            let mut __weft_branch =
                $crate::macros::support::join_start($biased, &mut __weft_next_start, $n);
            for _ in 0..$n {
                match __weft_branch {
                    $(
                        $idx => {
                            if $crate::macros::support::Future::poll($name.as_mut(), __weft_cx)
                                .is_pending()
                            {
                                __weft_pending = true;
                            }
                        }
                    )+
                    _ => $crate::macros::support::unreachable_branch(),
                }
                __weft_branch = $crate::macros::support::next_branch(__weft_branch, $n);
            }
            if __weft_pending {
                $crate::macros::support::Poll::Pending
            } else {
                $crate::macros::support::Poll::Ready(($( $name.as_mut().take_finished(), )+))
            }
        })
        .await
    }};
}
