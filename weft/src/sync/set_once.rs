//! `SetOnce`: a value set at most once, which tasks can wait for.
//!
//! # Design note
//!
//! A flag with a value slot (the `util::once_slot::OnceSlot` it shares
//! with [`OnceCell`](super::OnceCell)), a small mutex that elects the one
//! `set` that wins, and a [`Notify`]. Rules: the winner writes the slot,
//! sets the flag (Release) and calls `notify_waiters`; readers read the
//! slot only after seeing the flag (Acquire), and it is never written
//! again while shared.
//! `wait` creates its `Notified` before checking the flag, so a `set`
//! between the check and the await is not missed.

use super::util::macros::error_impls;
use super::util::once_slot::OnceSlot;
use super::Notify;
use crate::loom::Mutex;
use std::fmt;

/// A cell set at most once; [`wait`](SetOnce::wait) waits for the value.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::SetOnce;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let cell = Arc::new(SetOnce::new());
/// let waiter = {
///     let cell = cell.clone();
///     weft::spawn(async move { *cell.wait().await })
/// };
/// cell.set(7)?;
/// assert!(cell.set(8).is_err(), "only once");
/// assert_eq!(waiter.await?, 7);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct SetOnce<T> {
    slot: OnceSlot<T>,
    /// Elects the one `set` that writes.
    setting: Mutex<bool>,
    notify: Notify,
}

// SAFETY: written once, then only shared (see the note): sharing needs
// `T: Sync`, setting from another thread `T: Send`.
unsafe impl<T: Sync + Send> Sync for SetOnce<T> {}
// SAFETY: moving the cell moves the value.
unsafe impl<T: Send> Send for SetOnce<T> {}

/// [`SetOnce::set`] failed: the cell already has a value (the new one comes
/// back).
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

error_impls!(SetOnceError<T: fmt::Debug>: "SetOnceError");

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            slot: OnceSlot::new(),
            setting: Mutex::new(false),
            notify: Notify::new(),
        }
    }

    /// An empty cell usable in a `static`.
    #[cfg(not(weft_loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            slot: OnceSlot::const_new(),
            setting: Mutex::new(false),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// ```
    /// use weft::sync::SetOnce;
    /// static READY: SetOnce<&str> = SetOnce::const_new_with("yes");
    /// assert_eq!(READY.get(), Some(&"yes"));
    /// assert!(READY.set("no").is_err());
    /// ```
    #[cfg(not(weft_loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            slot: OnceSlot::const_new_with(value),
            // The election is over: the value is set.
            setting: Mutex::new(true),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value` if `Some`.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        let cell = SetOnce::new();
        if let Some(value) = value {
            if cell.set(value).is_err() {
                unreachable!("a new SetOnce is empty");
            }
        }
        cell
    }

    // API twin of `OnceCell::initialized` and `get` (same public methods
    // on both cell types, as in tokio).

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        self.slot.is_set()
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.slot.get()
    }

    /// Sets the value and wakes every waiter.
    ///
    /// # Errors
    ///
    /// [`SetOnceError`] with `value` if the cell was already set.
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        {
            let mut setting = self.setting.lock().unwrap_or_else(|e| e.into_inner());
            if *setting {
                return Err(SetOnceError(value));
            }
            *setting = true;
            // SAFETY: we won the election (the only writer, ever); nobody
            // reads before the slot's flag.
            unsafe { self.slot.set(value) };
        }
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits until the value is set.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> &T {
        // Spends budget even when already set.
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        loop {
            let notified = self.notify.notified();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }

    /// The value, consuming the cell.
    pub fn into_inner(mut self) -> Option<T> {
        self.slot.take()
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce::new()
    }
}

/// A cell holding `value`.
impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> Self {
        SetOnce::new_with(Some(value))
    }
}

/// A new cell holding a clone of the value, if any.
impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> Self {
        SetOnce::new_with(self.get().cloned())
    }
}

/// Equal when both hold equal values, or both are empty.
impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}
