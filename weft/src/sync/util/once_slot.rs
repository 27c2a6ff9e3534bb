//! A value slot written at most once and then only read: the part
//! [`OnceCell`](crate::sync::OnceCell) and [`SetOnce`](crate::sync::SetOnce)
//! share.
//!
//! Who may write is the owner's business (`OnceCell`: the holder of its
//! semaphore's permit; `SetOnce`: the winner of its election). The slot
//! publishes the value: the writer stores it and then sets the flag
//! (Release); readers read it only after seeing the flag (Acquire); while
//! shared it is never written again (only through `&mut self`).

use crate::loom::{AtomicBool, Ordering};
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

/// A slot holding a `T` once set; drops it with the slot.
pub(crate) struct OnceSlot<T> {
    initialized: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> OnceSlot<T> {
    /// An empty slot.
    pub(crate) fn new() -> OnceSlot<T> {
        OnceSlot {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// An empty slot, in a `const` context (not under loom, whose atomics
    /// have no `const` constructor).
    #[cfg(not(weft_loom))]
    pub(crate) const fn const_new() -> OnceSlot<T> {
        OnceSlot {
            initialized: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// A slot holding `value`, in a `const` context.
    #[cfg(not(weft_loom))]
    pub(crate) const fn const_new_with(value: T) -> OnceSlot<T> {
        OnceSlot {
            initialized: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
        }
    }

    /// Whether the value is set.
    pub(crate) fn is_set(&self) -> bool {
        // Acquire: pairs with the Release store in `set`.
        self.initialized.load(Ordering::Acquire)
    }

    /// The value, if set.
    pub(crate) fn get(&self) -> Option<&T> {
        if self.is_set() {
            // SAFETY: set (seen with Acquire) and never written again while
            // shared.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// Writes the value and publishes it.
    ///
    /// # Safety
    ///
    /// The slot is empty and the caller is its only writer (its owner
    /// elected it); nobody reads the slot before this returns.
    pub(crate) unsafe fn set(&self, value: T) -> &T {
        // SAFETY: the only writer, and no reader before the flag (caller).
        unsafe { (*self.value.get()).write(value) };
        // Release: pairs with the Acquire load in `is_set`.
        self.initialized.store(true, Ordering::Release);
        // SAFETY: just initialised, never written again while shared.
        unsafe { (*self.value.get()).assume_init_ref() }
    }

    /// The flag, through exclusive access.
    fn is_set_exclusive(&mut self) -> bool {
        // Relaxed: `&mut self` is exclusive; the writer's writes
        // happened-before whatever gave us `&mut`.
        self.initialized.load(Ordering::Relaxed)
    }

    /// The value, if set, mutably (exclusive access needs no ordering).
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        if self.is_set_exclusive() {
            // SAFETY: set; `&mut self` is exclusive.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Takes the value out, leaving the slot empty.
    pub(crate) fn take(&mut self) -> Option<T> {
        if !self.is_set_exclusive() {
            return None;
        }
        // Relaxed: `&mut self` is exclusive.
        self.initialized.store(false, Ordering::Relaxed);
        // SAFETY: was set; the flag is now clear, so it is read once.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Drop for OnceSlot<T> {
    fn drop(&mut self) {
        if self.is_set_exclusive() {
            // SAFETY: set, dropped once.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}
