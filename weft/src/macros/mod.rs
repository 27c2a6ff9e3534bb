//! Declarative macros: `join!`, `try_join!`, `select!`, `pin!`.
//!
//! All four are runtime-agnostic: they only poll futures in the task that
//! awaits them, so they work under any executor. They are exported at the
//! crate root (`weft::join!`, ...) by `#[macro_export]`.
//!
//! # How the expansions are built
//!
//! A macro that takes a list of futures needs, for each one, a place to keep
//! it and a number to poll it by. Declarative macros cannot count or invent
//! names, so the public macros hand their input, together with a fixed table
//! of 64 *slots* `(_0 0) (_1 1) ... (_63 63)` from
//! [`__weft_slots!`](crate::__weft_slots), to a tt-muncher that consumes one
//! future (or `select!` branch) and one slot per step. Each future is then
//! named by its slot inside the polling code (hygienic: user code cannot see
//! or clash with it), and each branch is dispatched by its slot's integer
//! literal. The table bounds the number of branches at 64 (the width of
//! `select!`'s disabled-branch mask) and gives a clear compile error past
//! that. Munching one branch per step costs one level of macro recursion per
//! branch: a 64-branch `select!` uses about 67 of the default
//! `recursion_limit` of 128, and a macro invoked inside one of its handlers
//! starts from there (a 16-branch `join!` in a handler of a 64-branch
//! `select!` fits; a 64-branch one needs `#![recursion_limit]`).
//!
//! The futures go into a tuple inside one [`support::PollWith`] future,
//! together with a small state (`join!`'s round-robin start, `select!`'s
//! disabled mask) and the polling closure the expansion writes, which
//! captures nothing. `PollWith` pins the tuple in place (no allocation, and
//! no `unsafe` in the expansions: [`support::Project`] hands the closure one
//! `Pin<&mut _>` per future), and a tuple drops its elements in the order
//! written. Keeping everything in that one value keeps the futures small:
//! the enclosing `async` block holds the branches' futures, 4 or 8 bytes of
//! state and its own discriminant, and nothing else (no pinned pointer per
//! future, no closure captures), which is no more than tokio's expansions
//! (`tests/macros_size.rs` pins the layout and the comparison).
//!
//! Hidden helpers the expansions call live in [`support`].

mod join;
mod pin;
mod select;
#[doc(hidden)]
pub mod support;
mod try_join;

/// Hands the slot table to the muncher of `join!` / `try_join!` (`join`) or
/// `select!` (`select`). Not public API.
///
/// The table ends with the sentinel `(- 64)`: its first token is not an
/// identifier, so a muncher that reaches it with input left over knows there
/// are more than 64 branches, and one that finishes on it reads the branch
/// count (64) from its second token, as it reads `n` from `(_n n)` otherwise.
///
/// The limits are compile errors:
///
/// ```compile_fail
/// async fn too_many() {
///     let r = std::future::ready::<u8>;
///     weft::join!(
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///     );
/// }
/// ```
///
/// ```compile_fail
/// async fn too_many() {
///     let r = std::future::ready::<u8>;
///     weft::select! {
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///         v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v, v = r(0) => v,
///     };
/// }
/// ```
///
/// ```compile_fail
/// async fn no_branch() {
///     weft::select! {};
/// }
/// ```
///
/// The same code with 64 futures or branches compiles:
///
/// ```
/// async fn sixty_four() {
///     let r = std::future::ready::<u8>;
///     weft::join!(
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///         r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0), r(0),
///     );
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __weft_slots {
    ($muncher:ident $($input:tt)*) => {
        $crate::__weft_slots!(@call $muncher [
            (_0 0) (_1 1) (_2 2) (_3 3) (_4 4) (_5 5) (_6 6) (_7 7)
            (_8 8) (_9 9) (_10 10) (_11 11) (_12 12) (_13 13) (_14 14) (_15 15)
            (_16 16) (_17 17) (_18 18) (_19 19) (_20 20) (_21 21) (_22 22) (_23 23)
            (_24 24) (_25 25) (_26 26) (_27 27) (_28 28) (_29 29) (_30 30) (_31 31)
            (_32 32) (_33 33) (_34 34) (_35 35) (_36 36) (_37 37) (_38 38) (_39 39)
            (_40 40) (_41 41) (_42 42) (_43 43) (_44 44) (_45 45) (_46 46) (_47 47)
            (_48 48) (_49 49) (_50 50) (_51 51) (_52 52) (_53 53) (_54 54) (_55 55)
            (_56 56) (_57 57) (_58 58) (_59 59) (_60 60) (_61 61) (_62 62) (_63 63)
            (- 64)
        ] $($input)*)
    };
    (@call join $slots:tt $($input:tt)*) => {
        $crate::__weft_join!(@munch $slots [] $($input)*)
    };
    (@call select $slots:tt $($input:tt)*) => {
        $crate::__weft_select!(@munch $slots [] $($input)*)
    };
}

/// The macros used from inside weft itself, where clippy and rustc lint
/// their expansions as local code (in other crates, lints in an external
/// macro's expansion are mostly silenced): this keeps the expansions clean
/// under `cargo clippy --all-targets -- -D warnings`. (Not under loom:
/// `select!` draws from a thread-local that loom only allows inside a model.)
#[cfg(all(test, not(weft_loom)))]
mod tests {
    use std::future::{pending, ready, Future};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Polls a future that finishes without waiting, once.
    fn now<F: Future>(fut: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(fut).poll(&mut cx) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("the future did not finish at once"),
        }
    }

    #[test]
    fn join_and_try_join() {
        assert_eq!(now(async { crate::join!(ready(1), async { 2 }) }), (1, 2));
        assert_eq!(now(async { crate::join!(biased; ready(1)) }), (1,));
        now(async { crate::join!() });
        let ok: Result<(u8, u8), ()> = now(async { crate::try_join!(ready(Ok(1)), ready(Ok(2))) });
        assert_eq!(ok, Ok((1, 2)));
        let err: Result<(u8, u8), &str> =
            now(async { crate::try_join!(biased; ready(Ok(1)), ready(Err("e"))) });
        assert_eq!(err, Err("e"));
        let unit: Result<(), ()> = now(async { crate::try_join!() });
        assert_eq!(unit, Ok(()));
    }

    #[test]
    fn select_forms() {
        let v = now(async {
            crate::select! {
                v = ready(1) => v,
                v = ready(2) => { v }
            }
        });
        assert!(v == 1 || v == 2);
        let v = now(async {
            crate::select! {
                biased;
                Some(v) = ready(None::<u8>) => v,
                v = pending::<u8>(), if false => v,
                mut v = ready(3) => {
                    v += 1;
                    v
                }
                else => 0,
            }
        });
        assert_eq!(v, 4);
        let v = now(async {
            crate::select! {
                Some(v) = ready(None::<u8>) => v,
                else => 9,
            }
        });
        assert_eq!(v, 9);
        assert_eq!(
            now(async {
                crate::select! { else => 5 }
            }),
            5
        );
    }

    #[test]
    fn pin_forms() {
        let a = ready(1);
        let b = ready(2);
        crate::pin!(a, b);
        crate::pin! {
            let c = ready(3);
        }
        assert_eq!(
            now(async { (&mut a).await + b.as_mut().await + c.await }),
            6
        );
    }
}
