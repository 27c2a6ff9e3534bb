//! `SetOnce`: a value set at most once, which tasks can wait for.
//!
//! # Design note
//!
//! A flag, a value slot, a small mutex that elects the one `set` that
//! wins, and a [`Notify`]. Rules: the winner writes the slot, sets the flag
//! (Release) and calls `notify_waiters`; readers read the slot only after
//! seeing the flag (Acquire), and it is never written again while shared.
//! `wait` creates its `Notified` before checking the flag, so a `set`
//! between the check and the await is not missed.

use super::Notify;
use crate::loom::{AtomicBool, Mutex, Ordering};
use std::cell::UnsafeCell;
use std::fmt;
use std::mem::MaybeUninit;

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
    initialized: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
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

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> std::error::Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            setting: Mutex::new(false),
            notify: Notify::new(),
        }
    }

    /// An empty cell usable in a `static`.
    #[cfg(not(weft_loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            setting: Mutex::new(false),
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

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        // Acquire: pairs with the Release store in `set`.
        self.initialized.load(Ordering::Acquire)
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: set (seen with Acquire) and never written again.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
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
            // SAFETY: we won the election; nobody reads before the flag.
            unsafe { (*self.value.get()).write(value) };
            // Release: pairs with the Acquire load in `initialized`.
            self.initialized.store(true, Ordering::Release);
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
        // Relaxed: `self` is owned.
        if !self.initialized.load(Ordering::Relaxed) {
            return None;
        }
        self.initialized.store(false, Ordering::Relaxed);
        // SAFETY: was set; the flag is cleared so `Drop` will not drop it.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` is exclusive.
        if self.initialized.load(Ordering::Relaxed) {
            // SAFETY: set, dropped once.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}
