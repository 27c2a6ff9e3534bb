//! Task-local storage: `task_local!`, [`LocalKey`], [`TaskLocalFuture`].
//!
//! # Design note
//!
//! A task-local value lives in the future that scopes it, not in the task
//! and not in a thread: [`LocalKey::scope`] returns a [`TaskLocalFuture`]
//! that owns the value in a slot next to the wrapped future. Each key is a
//! `std` thread-local cell (`RefCell<Option<T>>`) that is empty whenever no
//! scoped future is being polled on the thread.
//!
//! 1. Polling a `TaskLocalFuture` swaps its slot into the thread-local cell,
//!    polls the inner future, and swaps back. The swap back runs in a drop
//!    guard, so a panic in the inner future restores the cell too.
//! 2. Because the swap is undone at the end of every poll, the value
//!    follows the future, not the thread: a task moved to another worker
//!    finds its value there on its next poll, and other tasks polled on
//!    the same thread never see it.
//! 3. Scopes nest by the same swap: an inner scope of the same key swaps the
//!    outer value out of the cell into its own slot for the duration of
//!    its poll, and back afterwards.
//! 4. The inner future is dropped with its value set (on completion, and
//!    when the `TaskLocalFuture` itself is dropped early), so destructors
//!    that read the key still find it.
//! 5. The cell is borrowed mutably only for a swap, which runs no user
//!    code; `with` borrows it shared while its closure runs, so entering a
//!    scope of the same key inside `with` fails (and panics) instead of
//!    aliasing the value.
//!
//! The same scheme (a thread-local cell swapped around each poll) is how
//! tokio's `task_local!` works.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: statics of type [`LocalKey`](crate::task::LocalKey)
/// whose value is set for the duration of a future (or a closure) with
/// [`LocalKey::scope`](crate::task::LocalKey::scope) (or
/// [`sync_scope`](crate::task::LocalKey::sync_scope)).
///
/// Any number of `static` declarations may be given; their visibility and
/// attributes are kept.
///
/// # Examples
///
/// ```
/// weft::task_local! {
///     pub static REQUEST_ID: u64;
///
///     #[allow(unused)]
///     static USER: String;
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// REQUEST_ID
///     .scope(7, async {
///         assert_eq!(REQUEST_ID.get(), 7);
///     })
///     .await;
/// # }
/// ```
#[macro_export]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of `task_local!`: a `std` thread-local cell, wrapped.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static CELL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { cell: CELL }
        };
    };
}

/// A key to task-local data, declared with [`task_local!`](crate::task_local).
///
/// The value is set for the duration of a future with [`scope`](Self::scope)
/// (or of a closure with [`sync_scope`](Self::sync_scope)) and read with
/// [`with`](Self::with), [`try_with`](Self::try_with) or [`get`](Self::get)
/// from anywhere inside it, across every `.await` and on whichever worker
/// thread the task is polled. Unlike [`std::thread::LocalKey`], the value is
/// never created lazily: reading a key outside a scope is an error.
///
/// A task spawned inside a scope does **not** inherit the value (as in
/// tokio): the new task is a separate future, outside the scoped one. Scope
/// it again in the new task if it needs the value:
///
/// ```
/// weft::task_local! {
///     static TRACE: &'static str;
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// TRACE
///     .scope("outer", async {
///         let not_inherited = weft::spawn(async { TRACE.try_with(|t| *t).is_err() });
///         assert!(not_inherited.await.unwrap());
///
///         let value = TRACE.get();
///         let scoped = weft::spawn(TRACE.scope(value, async { TRACE.get() }));
///         assert_eq!(scoped.await.unwrap(), "outer");
///     })
///     .await;
/// # }
/// ```
///
/// Scopes of the same key nest; leaving the inner one restores the outer
/// value:
///
/// ```
/// weft::task_local! {
///     static NUMBER: u32;
/// }
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// NUMBER
///     .scope(1, async {
///         assert_eq!(NUMBER.get(), 1);
///         NUMBER.scope(2, async { assert_eq!(NUMBER.get(), 2) }).await;
///         assert_eq!(NUMBER.get(), 1);
///     })
///     .await;
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub struct LocalKey<T: 'static> {
    /// The thread-local cell that holds the value while a scoped future is
    /// polled on this thread (public for the macro only).
    #[doc(hidden)]
    pub cell: std::thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Returns a future that runs `f` with the key set to `value`.
    ///
    /// The value is dropped with the returned future; get it back before
    /// that with [`TaskLocalFuture::take_value`].
    ///
    /// # Panics
    ///
    /// Polling the returned future panics when it happens inside
    /// [`with`](Self::with) or [`try_with`](Self::try_with) of the same key
    /// ("cannot enter a task-local scope while the task-local storage is
    /// borrowed"), or while the thread's thread-locals are being destroyed.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let doubled = NUMBER.scope(21, async { NUMBER.get() * 2 }).await;
    /// assert_eq!(doubled, 42);
    /// # }
    /// ```
    pub fn scope<F>(&'static self, value: T, f: F) -> TaskLocalFuture<T, F>
    where
        F: Future,
    {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(f),
            _pinned: PhantomPinned,
        }
    }

    /// Runs the closure `f` with the key set to `value`, and returns its
    /// result. The previous value (if any) is restored afterwards, also
    /// when `f` panics.
    ///
    /// # Panics
    ///
    /// As [`scope`](Self::scope): inside [`with`](Self::with) of the same
    /// key, or while the thread's thread-locals are being destroyed.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// let doubled = NUMBER.sync_scope(21, || NUMBER.get() * 2);
    /// assert_eq!(doubled, 42);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.enter(&mut slot, f) {
            Ok(output) => output,
            Err(err) => err.panic(),
        }
    }

    /// Rules 1 and 3: swaps `slot` into the cell, runs `f`, and swaps back
    /// when `f` returns or unwinds.
    fn enter<R>(
        &'static self,
        slot: &mut Option<T>,
        f: impl FnOnce() -> R,
    ) -> Result<R, ScopeError> {
        /// Swaps the value back out of the cell when dropped.
        struct Restore<'a, T: 'static> {
            key: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // The cell was reachable when the scope was entered and
                // every borrow taken inside `f` has ended (rule 5).
                let _ = self.key.cell.try_with(|cell| {
                    if let Ok(mut current) = cell.try_borrow_mut() {
                        mem::swap(self.slot, &mut *current);
                    }
                });
            }
        }

        self.cell
            .try_with(|cell| {
                let mut current = cell.try_borrow_mut().map_err(|_| ScopeError::Borrowed)?;
                mem::swap(slot, &mut *current);
                Ok(())
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _restore = Restore { key: self, slot };
        Ok(f())
    }

    /// Runs `f` with a reference to the value of the key.
    ///
    /// # Panics
    ///
    /// Panics with "cannot access a task-local storage value without
    /// setting it first" outside a scope of this key (use
    /// [`try_with`](Self::try_with) to get an error instead).
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NAME: String;
    /// }
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// NAME.scope("weft".to_owned(), async {
    ///     assert_eq!(NAME.with(|name| name.len()), 4);
    /// })
    /// .await;
    /// # }
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(output) => output,
            Err(_) => panic!("cannot access a task-local storage value without setting it first"),
        }
    }

    /// Runs `f` with a reference to the value of the key, or returns an
    /// [`AccessError`] outside a scope of this key (or while the thread's
    /// thread-locals are being destroyed).
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// assert!(NUMBER.try_with(|n| *n).is_err());
    /// assert_eq!(NUMBER.sync_scope(5, || NUMBER.try_with(|n| *n)), Ok(5));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // Rule 5: no mutable borrow is held while user code runs, so this
        // shared borrow always succeeds.
        let output = self
            .cell
            .try_with(|cell| cell.borrow().as_ref().map(f))
            .ok()
            .flatten();
        output.ok_or(AccessError { _private: () })
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// Returns a copy of the value of the key.
    ///
    /// # Panics
    ///
    /// As [`with`](Self::with): outside a scope of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// assert_eq!(NUMBER.sync_scope(3, || NUMBER.get()), 3);
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// Returns a copy of the value of the key, or an [`AccessError`]
    /// outside a scope of this key.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// assert!(NUMBER.try_get().is_err());
    /// assert_eq!(NUMBER.sync_scope(3, || NUMBER.try_get()), Ok(3));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// The future returned by [`LocalKey::scope`]: polls the wrapped future with
/// the key set to the value it owns.
///
/// The value lives in this future between polls (see
/// [`take_value`](Self::take_value)) and is dropped with it. Dropping a
/// `TaskLocalFuture` before it completes drops the wrapped future with the
/// key still set, so the wrapped future's destructors can read it.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value, except while the wrapped future is being polled (it is
    /// in the key's cell then); not structurally pinned.
    slot: Option<T>,
    /// `None` once the wrapped future has completed; structurally pinned.
    future: Option<F>,
    /// Never `Unpin`, as tokio's: the wrapped future is pinned in place.
    _pinned: PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of this future, leaving the key unset for its
    /// remaining polls. Returns `None` if it was taken before.
    ///
    /// Useful to get the value back from a future that will not be polled
    /// to completion, for example after a timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// weft::task_local! {
    ///     static KEY: u32;
    /// }
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut fut = std::pin::pin!(KEY.scope(42, async { std::future::pending::<()>().await }));
    /// // Polled once, then abandoned.
    /// let _ = weft::time::timeout(std::time::Duration::from_millis(1), &mut fut).await;
    /// assert_eq!(fut.as_mut().take_value(), Some(42));
    /// assert_eq!(fut.as_mut().take_value(), None);
    /// # }
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `slot` is not structurally pinned; nothing else is moved.
        let this = unsafe { self.get_unchecked_mut() };
        this.slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is only reached through
        // the `Pin::new_unchecked` below and dropped in place (set to `None`),
        // never moved; `slot` and `key` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = &mut this.future;
        let polled = this.key.enter(&mut this.slot, || {
            let inner = future.as_mut()?;
            // SAFETY: see above: `inner` stays where it is until dropped.
            let output = unsafe { Pin::new_unchecked(inner) }.poll(cx);
            if output.is_ready() {
                // Rule 4: dropped while the value is still set.
                *future = None;
            }
            Some(output)
        });
        match polled {
            Ok(Some(output)) => output,
            Ok(None) => panic!("`TaskLocalFuture` polled after completion"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        // Rule 4: a future dropped before completion is dropped in place
        // with the value set. If the scope cannot be entered (the thread's
        // thread-locals are gone) it is dropped without it.
        if mem::needs_drop::<F>() && self.future.is_some() {
            let future = &mut self.future;
            let _ = self.key.enter(&mut self.slot, || *future = None);
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Shows the value itself, or `<taken>` once `take_value` took it.
        struct Value<'a, T>(&'a Option<T>);
        impl<T: fmt::Debug> fmt::Debug for Value<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Some(value) => value.fmt(f),
                    None => f.write_str("<taken>"),
                }
            }
        }
        f.debug_struct("TaskLocalFuture")
            .field("value", &Value(&self.slot))
            .finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`] and [`LocalKey::try_get`]: the key
/// has no value here (outside its scope, or while the thread's
/// thread-locals are being destroyed).
///
/// # Examples
///
/// ```
/// weft::task_local! {
///     static KEY: u8;
/// }
///
/// let err = KEY.try_get().unwrap_err();
/// assert_eq!(err.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}

/// Why a scope could not be entered.
enum ScopeError {
    /// Inside `with`/`try_with` of the same key (rule 5).
    Borrowed,
    /// The thread's thread-locals are being destroyed.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(&self) -> ! {
        match self {
            ScopeError::Borrowed => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying \
                 thread-local"
            ),
        }
    }
}
