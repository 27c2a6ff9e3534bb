//! Items the expansions of `join!`, `try_join!` and `select!` name through
//! `$crate::macros::support::...`.
//!
//! Everything here is public only so that macro expansions in users' crates
//! can reach it; none of it is part of weft's API and it may change in any
//! release. Re-exporting the `core` items keeps the expansions independent of
//! whatever the user's crate calls `core`, `Poll` or `Ok`.

use core::fmt;

pub use core::future::{poll_fn, Future, IntoFuture};
pub use core::option::Option;
pub use core::pin::{pin, Pin};
pub use core::result::Result;
pub use core::task::{Context, Poll};

/// A future stored in place next to the output it will become: the storage
/// behind `join!` and `try_join!`.
///
/// It starts as the future; polling it to completion replaces the future by
/// its output in the same bytes (the future is dropped in place first), and
/// [`take_output`](MaybeDone::take_output) moves the output out, leaving it
/// empty.
///
/// # Pinning
///
/// The wrapped future is structurally pinned: it is only ever reached through
/// `Pin<&mut F>` and it is dropped in place. The output is not pinned: it is
/// handed out by `&mut` and moved out by value.
pub struct MaybeDone<F: Future> {
    state: State<F>,
}

enum State<F: Future> {
    /// Still running.
    Future(F),
    /// Finished; the output is waiting to be taken.
    Done(F::Output),
    /// The output was taken.
    Gone,
}

/// Wraps anything that can become a future in a [`MaybeDone`]
/// (calling [`IntoFuture::into_future`] on it first, as `.await` does).
pub fn maybe_done<F: IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone {
        state: State::Future(future.into_future()),
    }
}

impl<F: Future> MaybeDone<F> {
    /// Returns the output if the future has finished and the output has not
    /// been taken.
    pub fn output_mut(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        // SAFETY: the output is not structurally pinned (see the type docs),
        // so handing out `&mut` to it is fine, and nothing here moves the
        // `Future` variant, which is the only pinned part.
        match unsafe { &mut self.get_unchecked_mut().state } {
            State::Done(output) => Some(output),
            State::Future(_) | State::Gone => None,
        }
    }

    /// Moves the output out if the future has finished and the output has not
    /// been taken yet, leaving the slot empty; otherwise returns `None` and
    /// changes nothing.
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: we only move out of `self` when it holds `Done`, whose
        // output is not pinned; the pinned `Future` variant is never moved.
        let this = unsafe { self.get_unchecked_mut() };
        if !matches!(this.state, State::Done(_)) {
            return None;
        }
        match core::mem::replace(&mut this.state, State::Gone) {
            State::Done(output) => Some(output),
            State::Future(_) | State::Gone => unreachable!("checked above"),
        }
    }

    /// Moves the output out; the expansions call this once every future has
    /// finished.
    ///
    /// # Panics
    ///
    /// If the future has not finished or the output was already taken, which
    /// happens only when the `join!` future is polled again after it returned
    /// `Ready`.
    #[track_caller]
    pub fn take_finished(self: Pin<&mut Self>) -> F::Output {
        match self.take_output() {
            Some(output) => output,
            None => panic!("`join!` future polled after completion"),
        }
    }
}

impl<T, E, F: Future<Output = Result<T, E>>> MaybeDone<F> {
    /// If the future finished with `Err`, moves the error out (leaving the
    /// slot empty) and returns it; `try_join!` then returns it at once.
    pub fn take_err(mut self: Pin<&mut Self>) -> Option<E> {
        if let Some(Err(_)) = self.as_mut().output_mut() {
            if let Some(Err(error)) = self.take_output() {
                return Some(error);
            }
        }
        None
    }

    /// Moves the `Ok` value out; `try_join!` calls this once every future has
    /// finished with `Ok`.
    ///
    /// # Panics
    ///
    /// If the future has not finished with `Ok`, which happens only when the
    /// `try_join!` future is polled again after it returned `Ready`.
    #[track_caller]
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take_output() {
            Some(Ok(value)) => value,
            _ => panic!("`try_join!` future polled after completion"),
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    /// Polls the wrapped future if it is still running; `Ready(())` once it
    /// has finished (its output then waits in place).
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `get_unchecked_mut` does not move anything; the future
        // inside is re-pinned at once (structural pinning: it is never moved
        // afterwards, and it is dropped in place by the assignment below).
        let output = match unsafe { &mut self.as_mut().get_unchecked_mut().state } {
            // SAFETY: `future` lives inside `self`, which is pinned, and is
            // never moved out (see above), so pinning it is sound.
            State::Future(future) => match unsafe { Pin::new_unchecked(future) }.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return Poll::Pending,
            },
            State::Done(_) => return Poll::Ready(()),
            State::Gone => panic!("`MaybeDone` polled after its output was taken"),
        };
        // `Pin::set` drops the finished future in place before writing the
        // output over it, as the pinning contract requires.
        self.set(MaybeDone {
            state: State::Done(output),
        });
        Poll::Ready(())
    }
}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Future(_) => "Future",
            State::Done(_) => "Done",
            State::Gone => "Gone",
        };
        f.debug_tuple("MaybeDone")
            .field(&format_args!("{state}"))
            .finish()
    }
}

/// The futures of a `join!`, `try_join!` or `select!`: a tuple, each of
/// whose elements is structurally pinned. The expansions reach them only
/// through [`Project::project`], which hands out one `Pin<&mut _>` per
/// element.
///
/// # Pinning
///
/// A `Branches` is only built inside a [`PollWith`], which pins it in
/// place; nothing gives out `&mut` access to the tuple or moves an element
/// out (there is no `into_inner`, no `Drop` impl, and `Branches<T>` is
/// `Unpin` only when the whole tuple is).
pub struct Branches<T> {
    tuple: T,
}

/// Projects a pinned [`Branches`] onto its elements: one `Pin<&mut _>` per
/// element of the tuple, in order. Implemented for tuples of 1 to 64
/// elements.
pub trait Project {
    /// The tuple of pinned references.
    type Pinned<'a>
    where
        Self: 'a;

    /// Pins each element.
    fn project(self: Pin<&mut Self>) -> Self::Pinned<'_>;
}

macro_rules! impl_project {
    // One impl per prefix of the list: 1, 2, ... 64 elements.
    ([$($done:tt)*]) => {};
    ([$($done:tt)*] ($t:ident $v:ident) $($rest:tt)*) => {
        impl_project!(@impl $($done)* ($t $v));
        impl_project!([$($done)* ($t $v)] $($rest)*);
    };
    (@impl $(($t:ident $v:ident))+) => {
        impl<$($t),+> Project for Branches<($($t,)+)> {
            type Pinned<'a> = ($(Pin<&'a mut $t>,)+) where Self: 'a;

            #[inline]
            fn project(self: Pin<&mut Self>) -> Self::Pinned<'_> {
                // SAFETY: structurally pinned elements (see `Branches`):
                // nothing is moved, each is re-pinned at once, and none is
                // ever moved out of the pinned `Branches` or reached unpinned.
                unsafe {
                    let ($($v,)+) = &mut self.get_unchecked_mut().tuple;
                    ($(Pin::new_unchecked($v),)+)
                }
            }
        }
    };
}

impl_project!([]
    (T0 f0) (T1 f1) (T2 f2) (T3 f3) (T4 f4) (T5 f5) (T6 f6) (T7 f7)
    (T8 f8) (T9 f9) (T10 f10) (T11 f11) (T12 f12) (T13 f13) (T14 f14) (T15 f15)
    (T16 f16) (T17 f17) (T18 f18) (T19 f19) (T20 f20) (T21 f21) (T22 f22) (T23 f23)
    (T24 f24) (T25 f25) (T26 f26) (T27 f27) (T28 f28) (T29 f29) (T30 f30) (T31 f31)
    (T32 f32) (T33 f33) (T34 f34) (T35 f35) (T36 f36) (T37 f37) (T38 f38) (T39 f39)
    (T40 f40) (T41 f41) (T42 f42) (T43 f43) (T44 f44) (T45 f45) (T46 f46) (T47 f47)
    (T48 f48) (T49 f49) (T50 f50) (T51 f51) (T52 f52) (T53 f53) (T54 f54) (T55 f55)
    (T56 f56) (T57 f57) (T58 f58) (T59 f59) (T60 f60) (T61 f61) (T62 f62) (T63 f63)
);

/// The future a `join!`, `try_join!` or `select!` expands to: the branches'
/// futures ([`Branches`], pinned in place), a small state (the round-robin
/// start of `join!`, the disabled mask of `select!`) and the polling
/// function the expansion writes, a closure that captures nothing (so it
/// takes no space).
///
/// Keeping everything in one value is what makes these futures small: the
/// enclosing `async` block stores the futures, the state, and nothing
/// else (no pinned pointers, no closure captures).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct PollWith<T, S, F> {
    // Structurally pinned (see `poll`).
    branches: Branches<T>,
    state: S,
    poll: F,
}

/// Builds a [`PollWith`]. `state` is evaluated before `branches` (the
/// arguments are evaluated in order): `select!`'s preconditions run before
/// its async expressions.
#[inline]
pub fn poll_with<T, S, F, O>(state: S, branches: T, poll: F) -> PollWith<T, S, F>
where
    F: FnMut(Pin<&mut Branches<T>>, &mut S, &mut Context<'_>) -> Poll<O>,
{
    PollWith {
        branches: Branches { tuple: branches },
        state,
        poll,
    }
}

impl<T, S, F, O> Future for PollWith<T, S, F>
where
    F: FnMut(Pin<&mut Branches<T>>, &mut S, &mut Context<'_>) -> Poll<O>,
{
    type Output = O;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        // `PollWith` has no `Drop` impl and no accessor, and is `Unpin`
        // only when `Branches<T>` is. `state` and `poll` are not pinned.
        // SAFETY: `branches` is re-pinned at once and never moved.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let branches = unsafe { Pin::new_unchecked(&mut this.branches) };
        (this.poll)(branches, &mut this.state, cx)
    }
}

impl<T> fmt::Debug for Branches<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Branches").finish_non_exhaustive()
    }
}

impl<T, S: fmt::Debug, F> fmt::Debug for PollWith<T, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollWith")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Branch `i` of a poll that starts at branch `start`, wrapping at `count`
/// (`start < count`, `i < count`).
#[inline]
pub fn nth_branch(start: u32, i: u32, count: u32) -> u32 {
    let branch = start + i;
    if branch >= count {
        branch - count
    } else {
        branch
    }
}

/// The set of `select!` branches that must not be polled any more: their
/// precondition was false, or their future has finished. One bit per branch,
/// so at most 64 branches.
///
/// Not `Copy`: the expansion moves it into its [`PollWith`], so no copy of
/// it stays behind in the enclosing `async` block.
#[derive(Debug, Default)]
pub struct Mask(u64);

impl Mask {
    /// A mask with no branch disabled.
    pub const fn new() -> Mask {
        Mask(0)
    }

    /// Disables branch `index`.
    #[inline]
    pub fn disable(&mut self, index: u32) {
        self.0 |= 1 << index;
    }

    /// Whether branch `index` is disabled.
    #[inline]
    pub const fn is_disabled(&self, index: u32) -> bool {
        self.0 & (1 << index) != 0
    }
}

/// The branch `join!` / `try_join!` polls first in this poll: the rotating
/// `next` (advanced by one, wrapping at `count`) by default, 0 after
/// `biased;`.
#[inline]
pub fn join_start(biased: bool, next: &mut u32, count: u32) -> u32 {
    if biased {
        return 0;
    }
    let start = *next;
    *next = if start + 1 >= count { 0 } else { start + 1 };
    start
}

/// The branch `select!` polls first in this poll: a random one in
/// `0..count` by default, 0 after `biased;`.
#[inline]
pub fn select_start(biased: bool, count: u32) -> u32 {
    if biased {
        0
    } else {
        thread_rng_n(count)
    }
}

/// Whether the current task may keep polling (`Ready`) or has used up its
/// cooperative budget and should yield (`Pending`; the task is woken after
/// its scheduler's next driver check and polled again with a fresh budget). `select!` checks
/// it before polling any branch, as tokio's does: a branch that is always
/// ready without spending budget would otherwise let a `select!` loop spin
/// forever once the budget is gone. It spends nothing itself.
///
/// Always `Ready` outside a runtime's budget, and without the `rt` feature.
#[inline]
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    #[cfg(feature = "rt")]
    if !crate::runtime::coop::has_budget_remaining() {
        // Refused as a spent budget refuses every resource: the task comes
        // back after its scheduler's next driver check.
        crate::runtime::coop::yield_spent(cx);
        return Poll::Pending;
    }
    let _ = cx;
    Poll::Ready(())
}

/// A pseudo-random number in `0..n` (0 when `n` is 0) from a fast
/// thread-local generator; not for cryptography.
#[inline]
pub fn thread_rng_n(n: u32) -> u32 {
    crate::util::rand::thread_rng_n(n)
}

/// Called when every branch of a `select!` without `else` is disabled.
///
/// # Panics
///
/// Always.
#[track_caller]
#[cold]
pub fn all_branches_disabled() -> ! {
    panic!("all branches are disabled and there is no else branch")
}

/// Marks a branch index that cannot occur (the expansions iterate only over
/// `0..count`).
#[track_caller]
#[cold]
pub fn unreachable_branch() -> ! {
    unreachable!("select!/join!: branch index out of range (a bug in weft)")
}

#[cfg(test)]
mod tests {
    use super::{maybe_done, Future, Mask};
    use std::future::{pending, ready};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn maybe_done_keeps_the_output_until_taken() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut done = pin!(maybe_done(ready(5)));
        assert_eq!(done.as_mut().take_output(), None, "not polled yet");
        assert_eq!(done.as_mut().poll(&mut cx), Poll::Ready(()));
        assert_eq!(done.as_mut().poll(&mut cx), Poll::Ready(()), "stays done");
        assert_eq!(done.as_mut().output_mut(), Some(&mut 5));
        assert_eq!(done.as_mut().take_output(), Some(5));
        assert_eq!(done.as_mut().take_output(), None, "taken once");
        assert_eq!(format!("{done:?}"), "MaybeDone(Gone)");

        let mut running = pin!(maybe_done(pending::<u8>()));
        assert_eq!(running.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(running.as_mut().output_mut(), None);
        assert_eq!(format!("{running:?}"), "MaybeDone(Future)");
    }

    #[test]
    fn take_err_takes_only_errors() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut ok = pin!(maybe_done(ready(Ok::<u8, &str>(1))));
        let _ = ok.as_mut().poll(&mut cx);
        assert_eq!(ok.as_mut().take_err(), None);
        assert_eq!(ok.as_mut().take_ok(), 1);
        let mut err = pin!(maybe_done(ready(Err::<u8, &str>("e"))));
        assert_eq!(err.as_mut().take_err(), None, "not polled yet");
        let _ = err.as_mut().poll(&mut cx);
        assert_eq!(err.as_mut().take_err(), Some("e"));
        assert_eq!(err.as_mut().take_err(), None, "taken once");
    }

    #[test]
    #[should_panic(expected = "`join!` future polled after completion")]
    fn take_finished_panics_when_not_finished() {
        let fut = pin!(maybe_done(pending::<u8>()));
        fut.take_finished();
    }

    #[test]
    fn mask_covers_all_64_branches() {
        let mut mask = Mask::new();
        for i in (0..64).step_by(3) {
            mask.disable(i);
        }
        for i in 0..64 {
            assert_eq!(mask.is_disabled(i), i % 3 == 0, "branch {i}");
        }
    }
}
