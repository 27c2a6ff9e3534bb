//! Cooperative scheduling: the budget every task poll gets, and the tools
//! to spend it, check it, or opt out of it.
//!
//! A task gives its thread back only when it returns `Pending`. So that a
//! task whose every `.await` is ready at once cannot hold its thread
//! forever, each poll of a task gets a budget of 128 units; weft's resources
//! (channels, I/O, timers, `JoinHandle`s) spend a unit each time they are
//! ready, and once the budget is spent they return `Pending` and wake the
//! task after the scheduler has checked its I/O and timers.
//!
//! This module lets other code take part:
//!
//! * [`consume_budget`](fn@consume_budget) spends a unit from `async` code,
//!   yielding when the budget is gone;
//! * [`poll_proceed`] and [`RestoreOnPending`] do the same from a
//!   hand-written `poll`, giving the unit back when no progress was made;
//! * [`cooperative`] wraps any future so each of its polls spends a unit;
//! * [`has_budget_remaining`] checks without spending;
//! * [`unconstrained`](fn@unconstrained) runs a future with no budget.
//!
//! [`task::consume_budget`](crate::task::consume_budget) and
//! [`task::unconstrained`](crate::task::unconstrained) are the same items,
//! at the paths older tokio versions used.
//!
//! # Differences from tokio
//!
//! The readiness waits of weft's I/O types (`readable`, `writable`,
//! `ready` and the like) spend a unit when they are ready at once; tokio's
//! spend none, so in tokio a loop of `writable().await` and `try_write`
//! against a socket with room never yields. In weft such a loop yields
//! every 128 rounds. (tokio's `tcp_stream`/`uds_stream` `try_read_write`
//! tests poll `writable()` hundreds of times inside one poll of their task
//! and see it `Pending` on weft.)
//!
//! # Examples
//!
//! ```
//! use weft::task::coop;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() {
//! // Inside a task the budget starts full.
//! assert!(coop::has_budget_remaining());
//! let mut spent = 0;
//! while coop::has_budget_remaining() {
//!     coop::consume_budget().await;
//!     spent += 1;
//! }
//! assert_eq!(spent, 128);
//! // The next unit makes the task yield; it resumes with a fresh budget.
//! coop::consume_budget().await;
//! assert!(coop::has_budget_remaining());
//! # }
//! ```

use crate::runtime::coop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub use super::consume_budget::consume_budget;
pub use super::unconstrained::{unconstrained, Unconstrained};

/// Returns whether the current task's budget has units left.
///
/// Always `true` outside a task (in plain code, or inside
/// [`unconstrained`](fn@unconstrained)): there is no budget there to run out.
/// Useful before starting work that would be wasted if a resource made the
/// task yield half-way, or to yield early with
/// [`yield_now`](crate::task::yield_now).
///
/// # Examples
///
/// ```
/// use weft::task::coop;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(coop::has_budget_remaining());
/// for _ in 0..200 {
///     if !coop::has_budget_remaining() {
///         weft::task::yield_now().await;
///     }
///     coop::consume_budget().await;
/// }
/// # }
/// ```
#[inline]
pub fn has_budget_remaining() -> bool {
    coop::has_budget_remaining()
}

/// Spends one unit of the current task's budget from inside a `poll`.
///
/// Returns `Ready` with a [`RestoreOnPending`] guard when a unit was
/// available (or there is no budget); call
/// [`made_progress`](RestoreOnPending::made_progress) on it once the
/// operation completed, or drop it to give the unit back. When the budget
/// is spent, arranges for the task to be woken after the scheduler's next
/// look at its I/O and timers, and returns `Pending`.
///
/// # Examples
///
/// A counter that is always ready, made cooperative:
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
/// use weft::task::coop;
///
/// struct Tick(u32);
///
/// impl Future for Tick {
///     type Output = u32;
///     fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
///         let progress = ready!(coop::poll_proceed(cx));
///         self.0 += 1;
///         progress.made_progress();
///         Poll::Ready(self.0)
///     }
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut tick = Tick(0);
/// for _ in 0..1000 {
///     // Yields to the scheduler every 128 ticks.
///     (&mut tick).await;
/// }
/// assert_eq!(tick.0, 1000);
/// # }
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    coop::poll_proceed(cx).map(|inner| RestoreOnPending {
        inner,
        _not_send: PhantomData,
    })
}

/// A unit of budget taken by [`poll_proceed`]: given back when dropped,
/// unless [`made_progress`](Self::made_progress) was called.
///
/// # Examples
///
/// See [`poll_proceed`].
pub struct RestoreOnPending {
    inner: coop::RestoreOnPending,
    /// The unit belongs to this thread's budget: `!Send`, as tokio's.
    _not_send: PhantomData<*const ()>,
}

impl RestoreOnPending {
    /// The operation made progress: the unit stays spent.
    ///
    /// # Examples
    ///
    /// See [`poll_proceed`].
    #[inline]
    pub fn made_progress(&self) {
        self.inner.made_progress();
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoreOnPending").finish_non_exhaustive()
    }
}

/// Wraps `future` so that each of its polls spends a unit of the task's
/// budget: once the budget is spent, the wrapper yields instead of polling
/// `future`. A poll that returns `Pending` gives its unit back.
///
/// # Examples
///
/// ```
/// use weft::task::coop;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut polls = 0;
/// for _ in 0..300 {
///     // `async {}` is always ready; wrapped, it still yields when the
///     // budget is gone.
///     coop::cooperative(async { polls += 1 }).await;
/// }
/// assert_eq!(polls, 300);
/// # }
/// ```
pub fn cooperative<F: Future>(future: F) -> Coop<F> {
    Coop { future }
}

/// The future returned by [`cooperative`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Coop<F> {
    future: F,
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let progress = ready!(coop::poll_proceed(cx));
        // SAFETY: `future` is structurally pinned: reached only through this
        // projection, never moved out; `Coop` has no `Drop` impl and is
        // `Unpin` only when `F` is (auto trait).
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        let output = future.poll(cx);
        if output.is_ready() {
            progress.made_progress();
        }
        output
    }
}

impl<F> fmt::Debug for Coop<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coop").finish_non_exhaustive()
    }
}
