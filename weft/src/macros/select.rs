//! `select!`: wait on several branches at once, run the handler of the first
//! one that completes with a value matching its pattern, and drop the rest.
//!
//! # Expansion
//!
//! 1. A local generic enum with one variant per branch (named by the branch's
//!    slot, `_0`, `_1`, ...) plus `Disabled` carries the winning output out
//!    of the polling code.
//! 2. Preconditions are evaluated, in the order written, into a `Mask` of
//!    disabled branches.
//! 3. Every async expression is evaluated, in the order written (disabled
//!    branches too, as tokio does), into a local (so that a temporary it
//!    borrows lives as long as the `select!`); each is turned into a future
//!    and moved, with the mask, into one `PollWith` future whose closure
//!    polls the enabled ones, starting at a random branch (branch 0 after
//!    `biased;`), unless the runtime's cooperative budget is spent
//!    (`support::poll_budget_available`). A branch whose future finishes is
//!    disabled; if its output matches the pattern the closure returns it in
//!    the enum, otherwise the output is dropped and polling goes on with the
//!    other branches. With every branch disabled, the closure returns
//!    `Disabled`. A poll's output is bound by a `match` whose `Pending` arm
//!    is `continue`, which lets an output type that nothing else constrains
//!    (a disabled `poll_fn(|_| panic!())`) fall back, as in tokio's
//!    expansion, instead of failing type inference.
//! 4. The statement awaiting it ends, dropping every future (in the order
//!    written), and a plain `match` on the enum runs the handler. The
//!    handlers are therefore outside any closure or loop of the expansion:
//!    `return`, `?`, `break` and `continue` in a handler act on the user's
//!    function and loops, and a handler may use what the futures borrowed.
//!
//! Whether an output matches is decided without moving it, by a match whose
//! guard records the match and then fails:
//! `match value { PATTERN if { matched = true; false } => unreachable, _ => {} }`.
//! A guard sees the bindings by reference and a failed guard moves nothing,
//! so the output stays whole for the enum, whatever the pattern binds
//! (`mut x`, `ref x`, `Some(x)`...), with no rewriting of the pattern.

/// Waits on multiple concurrent branches, returning when the **first** branch
/// completes, cancelling the remaining branches.
///
/// The `select!` macro must be used inside of async functions, closures, and
/// blocks.
///
/// The `select!` macro accepts one or more branches with the following
/// pattern:
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// ```
///
/// Additionally, the `select!` macro may include a single, optional `else`
/// branch, written last, which evaluates if none of the other branches match
/// their patterns:
///
/// ```text
/// else => <expression>
/// ```
///
/// The macro aggregates all `<async expression>`s (anything that implements
/// [`IntoFuture`](std::future::IntoFuture)) and runs them concurrently on
/// the current task. Once the first one completes with a value that matches
/// its `<pattern>`, `select!` returns the result of evaluating that
/// branch's `<handler>`, in which the pattern's bindings are in scope.
///
/// Additionally, each branch may include an optional `if` precondition. If
/// the precondition returns `false`, the branch is disabled. The provided
/// `<async expression>` is still evaluated, but the resulting future is never
/// polled. This is useful when using `select!` within a loop.
///
/// The complete lifecycle of a `select!` expression is as follows:
///
/// 1. Evaluate all provided `<precondition>` expressions, in the order
///    written. If a precondition returns `false`, disable the branch for the
///    remainder of the current call to `select!`. Re-entering `select!` due
///    to a loop clears the "disabled" state.
/// 2. Evaluate the `<async expression>`s of every branch, in the order
///    written, **including the disabled ones**. The futures of disabled
///    branches are never polled.
/// 3. If all branches are disabled, go to step 6.
/// 4. Concurrently await the futures of all remaining branches.
/// 5. Once a future completes, disable its branch and try to match its value
///    against the branch's `<pattern>`. If the pattern matches, drop all the
///    futures, evaluate the `<handler>` and return its value. If it does not,
///    drop the value and continue from step 3.
/// 6. Drop all the futures and evaluate the `else` expression. If there is
///    no `else` branch, panic.
///
/// The handlers are not run inside a closure: `return`, `?`, `break` and
/// `continue` in a handler apply to the enclosing function and loop, and
/// since the futures are dropped before the handler runs, the handler may use
/// anything they had borrowed. All handlers (and the `else` expression) must
/// have the same type, which is the type of the `select!` expression. A
/// handler that is a block needs no trailing comma; any other handler does,
/// unless it is the last branch.
///
/// # Notes
///
/// ## Runtime characteristics
///
/// By running all async expressions on the current task, the expressions are
/// able to run **concurrently** but not in **parallel**. If one branch blocks
/// the thread, all other expressions are unable to continue. If parallelism
/// is required, spawn each async expression with `weft::spawn` and pass the
/// join handle to `select!`.
///
/// ## Fairness
///
/// By default, each time `select!` is polled it picks a branch at random to
/// poll first, then polls the others in order from there (wrapping around).
/// This makes it fair: a branch that is always ready cannot starve the
/// others.
///
/// Writing `biased;` before the first branch makes `select!` poll the
/// branches in the order written, every time. This gives control over the
/// order (useful, for example, to check a shutdown signal before anything
/// else) and saves the random-number draw, but the fairness is then the
/// caller's responsibility: a branch that is always ready starves the
/// branches written after it.
///
/// ## Limits
///
/// At most 64 branches.
///
/// # Panics
///
/// `select!` panics with "all branches are disabled and there is no else
/// branch" if every branch is disabled (by its precondition, or because its
/// output did not match its pattern) and there is no `else` branch.
///
/// # Cancellation safety
///
/// When one branch wins, the futures of the other branches are dropped. If
/// `select!` is used in a loop to receive from several sources, make sure
/// each async expression is *cancellation safe*: dropping it before it
/// completes must not lose data. For futures that are not (or that must not
/// restart on every iteration), create the future once outside the loop,
/// pin it with [`pin!`](crate::pin) and select on `&mut future`.
///
/// # Examples
///
/// Basic select with two branches:
///
/// ```
/// async fn do_stuff_async() -> u32 {
///     // async work
///     1
/// }
///
/// async fn more_async_work() -> u32 {
///     // more here
///     2
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let winner = weft::select! {
///         v = do_stuff_async() => {
///             println!("do_stuff_async() completed first with {v}");
///             v
///         }
///         v = more_async_work() => {
///             println!("more_async_work() completed first with {v}");
///             v
///         }
///     };
///     assert!(winner == 1 || winner == 2);
/// }
/// ```
///
/// A branch whose value does not match its pattern is disabled, and the
/// others go on:
///
/// ```
/// use std::future::{pending, ready};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let n = weft::select! {
///         // Completes at once with `None`: disabled.
///         Some(n) = ready(None::<u32>) => n,
///         // Never completes.
///         _ = pending::<()>() => unreachable!(),
///         Ok(n) = async { Ok::<u32, ()>(3) } => n,
///     };
///     assert_eq!(n, 3);
/// }
/// ```
///
/// Preconditions, `else`, and handlers that `break` out of the enclosing
/// loop:
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let mut queue_a = vec![1, 2, 3];
///     let mut queue_b = vec![10, 20];
///     let mut sum = 0;
///
///     loop {
///         weft::select! {
///             // The async blocks only pop when polled: the losing branch's
///             // future is dropped unpolled, so no value is lost. (Writing
///             // `ready(queue_a.pop())` would pop on *evaluation*, which
///             // happens for every branch, even a disabled one.)
///             Some(v) = async { queue_a.pop() }, if !queue_a.is_empty() => sum += v,
///             Some(v) = async { queue_b.pop() }, if !queue_b.is_empty() => sum += v,
///             // Both preconditions false: nothing left to take.
///             else => break,
///         }
///     }
///     assert_eq!(sum, 36);
/// }
/// ```
///
/// Using `biased;` to control the polling order:
///
/// ```
/// use std::future::ready;
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     for _ in 0..100 {
///         let first = weft::select! {
///             biased;
///             v = ready("first") => v,
///             v = ready("second") => v,
///         };
///         // Both are ready, and the first written is always polled first.
///         assert_eq!(first, "first");
///     }
/// }
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)*) => {
        $crate::__weft_slots!(select true; $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::__weft_slots!(select false; $($branches)*)
    };
}

/// The tt-muncher and expansion of `select!`. Not public API.
///
/// `@munch [slots] [branches] biased; input...` normalizes one branch per
/// step into `{ slot_name slot_number (pattern) (future) [precondition?]
/// handler }`, then `@emit` builds the expansion (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_select {
    // ===== What the `Disabled` arm runs =====
    (@else $else:expr) => {
        $else
    };
    (@else) => {
        $crate::macros::support::all_branches_disabled()
    };

    // ===== Normalization, one branch per step =====

    // The `else` branch, which must be last.
    (@munch $slots:tt $branches:tt $biased:tt; else => $else:expr $(,)?) => {
        $crate::__weft_select!(@emit $biased $slots $branches [$else])
    };
    // End of input, no `else`.
    (@munch $slots:tt $branches:tt $biased:tt;) => {
        $crate::__weft_select!(@emit $biased $slots $branches [])
    };
    // Block handler followed by a comma.
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($branches:tt)*] $biased:tt;
        $p:pat = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::__weft_select!(@munch [$($slots)*]
            [$($branches)* { $name $idx ($p) ($f) [$($c)?] $h }] $biased;
            $($rest)*)
    };
    // Block handler without a comma.
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($branches:tt)*] $biased:tt;
        $p:pat = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::__weft_select!(@munch [$($slots)*]
            [$($branches)* { $name $idx ($p) ($f) [$($c)?] $h }] $biased;
            $($rest)*)
    };
    // Expression handler followed by a comma.
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($branches:tt)*] $biased:tt;
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::__weft_select!(@munch [$($slots)*]
            [$($branches)* { $name $idx ($p) ($f) [$($c)?] $h }] $biased;
            $($rest)*)
    };
    // Expression handler of the last branch, without a comma.
    (@munch [($name:ident $idx:tt) $($slots:tt)*] [$($branches:tt)*] $biased:tt;
        $p:pat = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::__weft_select!(@munch [$($slots)*]
            [$($branches)* { $name $idx ($p) ($f) [$($c)?] $h }] $biased;)
    };
    // A 65th branch.
    (@munch [(- $n:tt)] $branches:tt $biased:tt; $($rest:tt)+) => {
        ::core::compile_error!("`select!` supports at most 64 branches")
    };

    // ===== Expansion =====

    // Only `else`: evaluate it (inside an arm, so that a block does not
    // trip `unused_braces` in the user's crate).
    (@emit $biased:tt $slots:tt [] [$else:expr]) => {
        match () {
            () => $else,
        }
    };
    (@emit $biased:tt $slots:tt [] []) => {
        ::core::compile_error!("`select!` requires at least one branch")
    };
    (@emit $biased:tt [($_next:tt $n:tt) $($_slots:tt)*]
        [$( { $name:ident $idx:tt ($p:pat) ($f:expr) [$($c:expr)?] $h:tt } )+]
        [$($else:expr)?]) => {{
        // Carries the winning branch's output out of the polling closure.
        #[allow(non_camel_case_types)]
        enum __WeftSelectOutput<$($name,)+> {
            $( $name($name), )+
            Disabled,
        }

        // 1. Preconditions, in the order written (in a block: the mask is
        //    moved into the future below, no copy stays behind).
        let __weft_disabled = {
            let mut __weft_disabled = $crate::macros::support::Mask::new();
            $( $(
                if !$c {
                    __weft_disabled.disable($idx);
                }
            )? )+
            __weft_disabled
        };
        // 2. Every async expression, in the order written, disabled or not.
        //    Stored as written first (so that temporaries such as the one
        //    in `&mut make_future()` live as long as the `select!`), then
        //    each is turned into its future (as tokio does).
        let ($( $name, )+) = ($( $f, )+);
        #[allow(unused_mut)]
        let mut __weft_output = $crate::macros::support::poll_with(
            __weft_disabled,
            ($( $crate::macros::support::IntoFuture::into_future($name), )+),
            |__weft_futures, __weft_disabled, __weft_cx| {
                // The runtime's cooperative budget gates the whole select.
                if $crate::macros::support::poll_budget_available(__weft_cx).is_pending() {
                    return $crate::macros::support::Poll::Pending;
                }
                let ($( mut $name, )+) = $crate::macros::support::Project::project(__weft_futures);
                let mut __weft_pending = false;
                let __weft_start = $crate::macros::support::select_start($biased, $n);
                for __weft_i in 0..$n {
                    match $crate::macros::support::nth_branch(__weft_start, __weft_i, $n) {
                        $(
                            // (A branch whose output type is `!` makes the
                            // code after its poll unreachable.)
                            #[allow(unreachable_code)]
                            $idx => {
                                if __weft_disabled.is_disabled($idx) {
                                    continue;
                                }
                                // Matching the output against a diverging
                                // `continue` also lets a future whose output
                                // type is otherwise unconstrained (a disabled
                                // `poll_fn(|_| panic!())`) type-check, as in
                                // tokio's expansion.
                                let __weft_value = match $crate::macros::support::Future::poll(
                                    $name.as_mut(),
                                    __weft_cx,
                                ) {
                                    $crate::macros::support::Poll::Ready(__weft_value) => {
                                        __weft_value
                                    }
                                    $crate::macros::support::Poll::Pending => {
                                        __weft_pending = true;
                                        continue;
                                    }
                                };
                                // A finished future is never polled again,
                                // whether or not its value matches.
                                __weft_disabled.disable($idx);
                                // `mut` in case the pattern binds `ref mut`.
                                #[allow(unused_mut)]
                                let mut __weft_value = __weft_value;
                                let mut __weft_matched = false;
                                // The guard records the match and fails, so
                                // nothing is moved out of the value. (The arm
                                // diverges so that the borrow checker, which
                                // does not know the guard always fails, sees
                                // no use after a move.)
                                // (`unreachable_patterns`: an output of
                                // type `!` matches no pattern.)
                                #[allow(unused_variables, unused_mut, unreachable_patterns)]
                                match __weft_value {
                                    $p if {
                                        __weft_matched = true;
                                        false
                                    } => $crate::macros::support::unreachable_branch(),
                                    _ => {}
                                }
                                if __weft_matched {
                                    return $crate::macros::support::Poll::Ready(
                                        __WeftSelectOutput::$name(__weft_value),
                                    );
                                }
                            }
                        )+
                        _ => $crate::macros::support::unreachable_branch(),
                    }
                }
                if __weft_pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    $crate::macros::support::Poll::Ready(__WeftSelectOutput::Disabled)
                }
            },
        )
        .await;

        // Every future was dropped with the `PollWith` at the end of the
        // statement above: the handler may use what they borrowed.
        match __weft_output {
            $(
                #[allow(unreachable_patterns)]
                __WeftSelectOutput::$name($p) => $h,
            )+
            __WeftSelectOutput::Disabled => $crate::__weft_select!(@else $($else)?),
            // Only reachable in the compiler's eyes: a value is returned in a
            // variant only after it matched that branch's pattern.
            #[allow(unreachable_patterns)]
            _ => $crate::macros::support::unreachable_branch(),
        }
    }};
}
