//! The one sync shim.
//!
//! Every atomic, `Arc`, `Mutex`, `Condvar` and `UnsafeCell` that takes part in
//! a concurrent protocol is imported from here, never from `std` directly, so
//! that `RUSTFLAGS="--cfg weft_loom"` swaps in loom's model-checked versions
//! and explores every interleaving of the protocol (see `scripts/loom.sh`).

// The shim is the vocabulary of every module; a build with only some of
// the features uses only part of it.
#![cfg_attr(not(feature = "full"), allow(unused_imports, dead_code))]

#[cfg(not(weft_loom))]
mod imp {
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard};

    /// `UnsafeCell` with loom's closure-based access API, so the same code
    /// compiles against both.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Runs `f` with a shared raw pointer to the contents.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a unique raw pointer to the contents.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Tells the model checker that this thread spins; a no-op outside loom.
    #[inline(always)]
    #[allow(dead_code)]
    pub(crate) fn spin_loop() {
        std::hint::spin_loop();
    }

    /// Parking and waking threads.
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, park, yield_now, Thread};
    }
}

#[cfg(weft_loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard};

    /// Under loom a spin must yield so the model explores the other threads.
    #[allow(dead_code)]
    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }

    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, yield_now, Thread};
    }
}

pub(crate) use imp::*;
