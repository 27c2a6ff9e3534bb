//! `Mutex`: an asynchronous, fair (FIFO) mutual-exclusion lock.
//!
//! # Design note
//!
//! A [`batch_semaphore`](super::batch_semaphore) with one permit guards an
//! `UnsafeCell<T>`, as in tokio. Holding the permit is holding the lock:
//! rule 1 of the semaphore (permits go to the queue head first) makes the
//! lock FIFO-fair, and its cancellation rule makes a dropped `lock()` future
//! never lose the lock. The data is only reached through a guard, which
//! exists only while the permit is held; the permit's release (a Release
//! RMW in the semaphore) pairs with the next holder's Acquire CAS, so each
//! holder sees the previous holder's writes.
//!
//! The data cell is `std::cell::UnsafeCell` rather than the loom shim's
//! because `T` may be unsized (`Mutex<dyn Trait>`); the synchronisation that
//! matters (the semaphore's atomics and mutex) is still loom's under
//! `--cfg weft_loom`.

use super::batch_semaphore as ll;
use super::util::macros::{error_impls, guard_impls};
use super::util::trace;
use crate::runtime::waiting_on::SyncKind;
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// An asynchronous mutex: `lock().await` waits without blocking the thread.
///
/// Waiters get the lock in the order they asked for it (FIFO). Unlike
/// `std::sync::Mutex`, the guard may be held across an `.await`, and there
/// is no poisoning: a task that panics while holding the guard releases the
/// lock (as tokio's does).
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Mutex;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let count = Arc::new(Mutex::new(0));
/// let mut tasks = Vec::new();
/// for _ in 0..10 {
///     let count = count.clone();
///     tasks.push(weft::spawn(async move {
///         *count.lock().await += 1;
///     }));
/// }
/// for task in tasks {
///     task.await?;
/// }
/// assert_eq!(*count.lock().await, 10);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: ll::Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the data is handed to one guard at a time (the semaphore's single
// permit), possibly on another thread: `T: Send` suffices, as for
// `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above: `&Mutex` only gives exclusive access through a guard.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// `try_lock` failed: the lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(());

error_impls!(TryLockError: "operation would block");

impl TryLockError {
    pub(crate) fn new() -> TryLockError {
        TryLockError(())
    }
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        let resource = trace::resource!("tokio::sync::mutex", "Mutex", locked = false);
        Mutex {
            semaphore: ll::Semaphore::with_resource(1, resource),
            data: UnsafeCell::new(value),
        }
    }

    /// A new mutex usable in a `static`.
    ///
    /// ```
    /// use weft::sync::Mutex;
    /// static NAMES: Mutex<Vec<String>> = Mutex::const_new(Vec::new());
    /// assert!(NAMES.try_lock().is_ok());
    /// ```
    #[cfg(not(weft_loom))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: ll::Semaphore::const_new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock (FIFO).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in tokio's sense: dropping the future gives up its place
    /// in the queue, and if the lock had just been handed to it, passes the
    /// lock on — it is never lost.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        // Inline, not a nested `async fn`: one state machine less to copy
        // the waiter node into. The semaphore of a mutex is never closed.
        if self.acquire("Mutex::lock").await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
        locked(&self.semaphore);
        MutexGuard {
            mutex: self,
            _marker: PhantomData,
        }
    }

    /// Waits for the lock of an `Arc<Mutex>`; the guard is `'static`.
    ///
    /// # Cancel safety
    ///
    /// As for [`lock`](Mutex::lock).
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        // Inline, not a nested `async fn`: one state machine less to copy
        // the waiter node into. The semaphore of a mutex is never closed.
        if self.acquire("Mutex::lock_owned").await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
        locked(&self.semaphore);
        OwnedMutexGuard {
            mutex: self,
            _marker: PhantomData,
        }
    }

    /// Locks from synchronous code, blocking the thread until the lock is
    /// free.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Mutex;
    /// let mutex = Arc::new(Mutex::new(1));
    /// let m = mutex.clone();
    /// std::thread::spawn(move || *m.blocking_lock() += 1).join().unwrap();
    /// assert_eq!(*mutex.blocking_lock(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime (inside async
    /// code), like tokio's.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        super::util::block_on::block_on("Mutex::blocking_lock", self.lock())
    }

    /// [`blocking_lock`](Mutex::blocking_lock) for an `Arc<Mutex>`.
    ///
    /// # Panics
    ///
    /// As for [`blocking_lock`](Mutex::blocking_lock).
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        super::util::block_on::block_on("Mutex::blocking_lock_owned", self.lock_owned())
    }

    /// Takes the lock if it is free now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held (or waited for: a free lock with
    /// queued waiters belongs to the first of them).
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok({
                locked(&self.semaphore);
                MutexGuard {
                    mutex: self,
                    _marker: PhantomData,
                }
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`try_lock`](Mutex::try_lock) for an `Arc<Mutex>`.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok({
                locked(&self.semaphore);
                OwnedMutexGuard {
                    mutex: self,
                    _marker: PhantomData,
                }
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The data, through exclusive access to the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The lock's permit, taken as the async op `source` (the semaphore's
    /// `Acquire` itself without the feature `tracing`).
    #[inline]
    fn acquire(
        &self,
        source: &'static str,
    ) -> impl std::future::Future<Output = Result<(), ll::Closed>> + '_ {
        let semaphore = &self.semaphore;
        trace::async_op(
            semaphore.resource(),
            source,
            "poll",
            false,
            semaphore.acquire_as(1, SyncKind::Mutex),
        )
    }
}

/// The lock was taken: its resource's `locked` is now true.
#[inline]
fn locked(semaphore: &ll::Semaphore) {
    trace::state!(semaphore.resource(), locked = true);
}

/// Gives the lock back (the permit of `semaphore`). The state update
/// comes first, so it is ordered before the next holder's `locked`.
#[inline]
fn unlock(semaphore: &ll::Semaphore) {
    trace::state!(semaphore.resource(), locked = false);
    semaphore.release(1);
}

// API twin of `RwLock`'s `Default` and `From` (the same impls on both
// lock types, as in tokio).
impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::util::fmt_lock(f, "Mutex", self.try_lock().ok().as_deref())
    }
}

/// Exclusive access to a [`Mutex`]'s data; unlocks when dropped.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// The guard is `&mut T` access: `Send` iff `T: Send`, `Sync` iff
    /// `T: Sync` (with the `&Mutex`: `T: Send + Sync`).
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    ///
    /// ```
    /// use weft::sync::{Mutex, MutexGuard};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let pair = Mutex::new((1, 2));
    /// let mut second = MutexGuard::map(pair.lock().await, |p| &mut p.1);
    /// *second = 20;
    /// drop(second);
    /// assert_eq!(*pair.lock().await, (1, 20));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let mutex = this.mutex;
        // SAFETY: we hold the lock, so the access is exclusive. `f` runs
        // while `this` is still armed: if it panics, the guard unlocks.
        let data = f(unsafe { &mut *mutex.data.get() });
        // The permit moves into the mapped guard.
        std::mem::forget(this);
        MappedMutexGuard {
            semaphore: &mutex.semaphore,
            data,
        }
    }

    /// Narrows the guard if `f` returns `Some`; gives it back otherwise.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        // SAFETY: we hold the lock; the reference ends before `this` is used
        // again (on `None`) or is forgotten (on `Some`).
        let data = match f(unsafe { &mut *this.mutex.data.get() }) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let mutex = this.mutex;
        std::mem::forget(this);
        Ok(MappedMutexGuard {
            semaphore: &mutex.semaphore,
            // SAFETY: `data` points into the locked data, valid for 'a.
            data: unsafe { &mut *data },
        })
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }
}

guard_impls!(mutex mut [T: ?Sized] MutexGuard<'_, T> => T);

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        unlock(&self.mutex.semaphore);
    }
}

/// A guard narrowed by [`MutexGuard::map`]; unlocks when dropped.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: &'a mut T,
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows further.
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let (semaphore, ptr, unlock) = Self::disarm(this);
        // SAFETY: the guard held the lock for 'a, so the access is
        // exclusive for 'a; `ptr` is the guard's own reference, which
        // nothing else uses any more.
        let data = f(unsafe { &mut *ptr });
        std::mem::forget(unlock);
        MappedMutexGuard { semaphore, data }
    }

    /// Takes the guard apart without unlocking: its semaphore, its data
    /// pointer, and an `Unlock` that unlocks if dropped (so a panicking
    /// `f` in `map`/`try_map` still unlocks; forget it on success).
    ///
    /// The guard is moved into `ManuallyDrop` *before* the pointer is
    /// taken from it, so no later move of the guard (whose field is a
    /// `&mut T`) invalidates what `f` derives from the pointer.
    fn disarm(this: Self) -> (&'a ll::Semaphore, *mut T, Unlock<'a>) {
        let mut this = std::mem::ManuallyDrop::new(this);
        let semaphore = this.semaphore;
        let ptr: *mut T = &mut *this.data;
        (semaphore, ptr, Unlock(semaphore))
    }

    /// Narrows further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// ```
    /// use weft::sync::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new((1, vec![2]));
    /// let v = MutexGuard::map(m.try_lock()?, |p| &mut p.1);
    /// let v = MappedMutexGuard::try_map(v, |v| v.get_mut(5)).unwrap_err();
    /// let mut first = MappedMutexGuard::try_map(v, |v| v.first_mut()).unwrap();
    /// *first = 7;
    /// drop(first);
    /// assert_eq!(m.try_lock()?.1, [7]);
    /// # Ok::<_, weft::sync::TryLockError>(())
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let (semaphore, ptr, unlock) = Self::disarm(this);
        // SAFETY: as in `map`; on `None` the reference `f` got is gone
        // before the guard is rebuilt from the same pointer.
        let result = match f(unsafe { &mut *ptr }) {
            Some(data) => Ok(MappedMutexGuard { semaphore, data }),
            None => Err(MappedMutexGuard {
                semaphore,
                // SAFETY: the guard's own reference, given back whole.
                data: unsafe { &mut *ptr },
            }),
        };
        std::mem::forget(unlock);
        result
    }
}

/// Unlocks a mutex when dropped: what a mapped guard taken apart by
/// `disarm` leaves armed while `f` runs.
struct Unlock<'a>(&'a ll::Semaphore);

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        unlock(self.0);
    }
}

guard_impls!(reference mut [T: ?Sized] MappedMutexGuard<'_, T> => T);

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        unlock(self.semaphore);
    }
}

/// Exclusive access to an `Arc<Mutex>`'s data; unlocks when dropped.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct OwnedMutexGuard<T: ?Sized> {
    mutex: Arc<Mutex<T>>,
    /// Owned `&mut T` access: `Sync` only if `T: Sync`.
    _marker: PhantomData<Box<T>>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }

    /// Narrows the guard to a part of the data, keeping the `Arc`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{Mutex, OwnedMutexGuard};
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// let mut second = OwnedMutexGuard::map(m.clone().try_lock_owned()?, |p| &mut p.1);
    /// *second = 3;
    /// drop(second);
    /// assert_eq!(*m.try_lock()?, (1, 3));
    /// # Ok::<_, weft::sync::TryLockError>(())
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        // SAFETY: we hold the lock; the reference lives as long as the new
        // guard, which keeps the `Arc` (and so the data) alive. `f` runs
        // while `this` is still armed: if it panics, the guard unlocks.
        let data: *mut U = f(unsafe { &mut *this.mutex.data.get() });
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the `Arc` moves out
        // exactly once.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        OwnedMappedMutexGuard { mutex, data }
    }

    /// Narrows the guard if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        // SAFETY: we hold the lock; the reference ends before `this` is used
        // again (on `None`).
        let Some(data) = f(unsafe { &mut *this.mutex.data.get() }).map(|d| d as *mut U) else {
            return Err(this);
        };
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: as in `map`.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        Ok(OwnedMappedMutexGuard { mutex, data })
    }
}

/// An owned guard narrowed by [`OwnedMutexGuard::map`]; unlocks when
/// dropped.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    mutex: Arc<Mutex<T>>,
    data: *mut U,
}

// SAFETY: exclusive access to a `U` inside a mutex kept alive by the `Arc`:
// sending it needs `U: Send` and the `Arc<Mutex<T>>` to be sendable.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: `&guard` gives `&U`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows further.
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        // SAFETY: we hold the lock (the permit moved into this guard). `f`
        // runs while `this` is still armed: if it panics, the guard unlocks.
        let data: *mut V = f(unsafe { &mut *this.data });
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        OwnedMappedMutexGuard { mutex, data }
    }

    /// Narrows further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        // SAFETY: we hold the lock; the reference ends before `this` is used
        // again (on `None`).
        let Some(data) = f(unsafe { &mut *this.data }).map(|d| d as *mut V) else {
            return Err(this);
        };
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again.
        let mutex = unsafe { std::ptr::read(&this.mutex) };
        Ok(OwnedMappedMutexGuard { mutex, data })
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

guard_impls!(data mut [T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U> => U);

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    #[inline]
    fn drop(&mut self) {
        unlock(&self.mutex.semaphore);
    }
}

guard_impls!(mutex mut [T: ?Sized] OwnedMutexGuard<T> => T);

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    #[inline]
    fn drop(&mut self) {
        unlock(&self.mutex.semaphore);
    }
}
