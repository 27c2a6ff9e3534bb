//! `OnceCell`: a value set at most once, with asynchronous initialisation.
//!
//! # Design note
//!
//! As in tokio: an `initialized` flag with the value slot (the
//! `util::once_slot::OnceSlot` it shares with [`SetOnce`](super::SetOnce)),
//! and a one-permit [`batch_semaphore`](super::batch_semaphore) that elects
//! the task running the initialiser. Rules:
//!
//! 1. The slot is written only by the permit holder, before it sets
//!    `initialized` (Release); readers read it only after seeing the flag
//!    (Acquire). After that the slot is never written again (until `take`
//!    or `into_inner`, which have `&mut self`).
//! 2. Once initialised, the holder *closes* the semaphore instead of
//!    releasing it: every queued initialiser wakes with "closed" and reads
//!    the value.
//! 3. If the initialiser fails, panics or is cancelled, its permit is
//!    released (the guard's `Drop`), and the next queued task (FIFO) tries.

use super::batch_semaphore as ll;
use super::util::macros::error_impls;
use super::util::once_slot::OnceSlot;
use crate::runtime::waiting_on::SyncKind;
use std::fmt;
use std::future::Future;

/// A cell written at most once; `get_or_init` runs one initialiser at a
/// time, others wait for its result.
///
/// ```
/// use weft::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let value = CONFIG.get_or_init(|| async { String::from("loaded") }).await;
/// assert_eq!(value, "loaded");
/// assert_eq!(CONFIG.get().map(String::as_str), Some("loaded"));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct OnceCell<T> {
    slot: OnceSlot<T>,
    semaphore: ll::Semaphore,
}

// SAFETY: the value is written once by one task and then only shared
// (rule 1): sharing needs `T: Sync`, initialising from another thread
// `T: Send`.
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the value.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] failed; the value comes back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initialising the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already initialised.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was initialising it.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

error_impls!(SetError<T: fmt::Debug> {
    AlreadyInitializedError(_) => "AlreadyInitializedError",
    InitializingError(_) => "InitializingError",
});

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            slot: OnceSlot::new(),
            semaphore: ll::Semaphore::new(1),
        }
    }

    /// An empty cell usable in a `static`.
    #[cfg(not(weft_loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            slot: OnceSlot::const_new(),
            semaphore: ll::Semaphore::const_new(1),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// ```
    /// use weft::sync::OnceCell;
    /// static ANSWER: OnceCell<u32> = OnceCell::const_new_with(42);
    /// assert_eq!(ANSWER.get(), Some(&42));
    /// assert!(ANSWER.set(1).is_err(), "already initialised");
    /// ```
    #[cfg(not(weft_loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            slot: OnceSlot::const_new_with(value),
            // Initialised cells have a closed semaphore (rule 2).
            semaphore: ll::Semaphore::const_closed(),
        }
    }

    /// A cell holding `value` if `Some`.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        match value {
            Some(value) => OnceCell::from(value),
            None => OnceCell::new(),
        }
    }

    // API twin of `SetOnce::initialized` and `get` (same public methods
    // on both cell types, as in tokio).

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        self.slot.is_set()
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.slot.get()
    }

    /// The value, if set, mutably (exclusive access needs no locking).
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.slot.get_mut()
    }

    /// Writes the value (rule 1). The caller holds the permit.
    fn store(&self, value: T) -> &T {
        // SAFETY: only the permit holder writes (the cell is empty while a
        // permit is out), and nobody reads before the slot's flag (rule 1).
        let value = unsafe { self.slot.set(value) };
        // Rule 2: wake every queued initialiser.
        self.semaphore.close();
        value
    }

    /// Sets the value if the cell is empty and nobody is initialising it.
    ///
    /// # Errors
    ///
    /// [`SetError::AlreadyInitializedError`] or
    /// [`SetError::InitializingError`], with the value.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.store(value);
                Ok(())
            }
            Err(ll::TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
            Err(ll::TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, running `f` to produce it if the cell is empty. One
    /// initialiser runs at a time; the others wait (FIFO) and get its
    /// value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that a dropped call (even mid-`f`) leaves
    /// the cell empty and lets the next waiter initialise it.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init) with a fallible
    /// initialiser: on `Err` the cell stays empty and the next waiter tries.
    ///
    /// # Errors
    ///
    /// The initialiser's error.
    ///
    /// # Cancel safety
    ///
    /// As for `get_or_init`.
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        // Spends budget even when already initialised.
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        if let Some(value) = self.get() {
            return Ok(value);
        }
        if self
            .semaphore
            .acquire_as(1, SyncKind::OnceCell)
            .await
            .is_err()
        {
            // Rule 2: closed only once initialised.
            return Ok(self
                .get()
                .expect("a closed OnceCell semaphore means initialised"));
        }
        // Rule 3: give the permit back unless we initialise.
        struct Permit<'a>(&'a ll::Semaphore, bool);
        impl Drop for Permit<'_> {
            fn drop(&mut self) {
                if self.1 {
                    self.0.release(1);
                }
            }
        }
        let mut permit = Permit(&self.semaphore, true);
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let value = f().await?;
        permit.1 = false;
        Ok(self.store(value))
    }

    /// The value, consuming the cell.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        let value = self.slot.take()?;
        self.semaphore = ll::Semaphore::new(1);
        Some(value)
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        let cell = OnceCell::new();
        // A fresh cell: the permit is free.
        if cell.semaphore.try_acquire(1).is_err() {
            unreachable!("a new OnceCell has its permit");
        }
        cell.store(value);
        cell
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
