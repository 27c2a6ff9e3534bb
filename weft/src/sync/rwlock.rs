//! `RwLock`: an asynchronous, fair, write-preferring reader-writer lock.
//!
//! # Design note
//!
//! As in tokio, the lock is a [`batch_semaphore`](super::batch_semaphore)
//! with `max_readers` permits: a reader takes one, a writer takes all of
//! them. The semaphore serves waiters in strict FIFO order and sets aside
//! free permits for the head of the queue (its rule 1), so a queued writer
//! collects permits as readers leave while *new* readers queue behind it:
//! writers cannot be starved (write preference), and readers queued behind
//! a writer wait for it (fairness). Guards hold their permits; dropping
//! releases them (Release RMW in the semaphore, paired with the next
//! holder's Acquire), so each holder sees the previous writer's writes.
//! A write guard's `downgrade` gives back all permits but one.
//!
//! The data cell is `std::cell::UnsafeCell` (`T` may be unsized); the
//! synchronisation is the semaphore's, which is loom's under
//! `--cfg weft_loom`.

use super::batch_semaphore as ll;
use super::util::macros::guard_impls;
use super::util::trace;
use super::TryLockError;
use crate::runtime::waiting_on::SyncKind;
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// The most readers a lock can admit (tokio's bound, `u32::MAX >> 3`).
const MAX_READS: u32 = u32::MAX >> 3;
// `const_with_max_readers`'s message spells the number out (a `const fn`
// cannot format it).
const _: () = assert!(MAX_READS == 536_870_911);

/// An asynchronous reader-writer lock: many readers or one writer.
///
/// Fair and write-preferring: requests are served in FIFO order, so once a
/// writer waits, later readers wait behind it.
///
/// ```
/// use weft::sync::RwLock;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await; // many readers at once
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().await += 1; // one writer
/// assert_eq!(*lock.read().await, 6);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    semaphore: ll::Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the data moves with the lock: `T: Send`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: readers share `&T` across threads (`T: Sync`), a writer gets
// `&mut T` on any thread (`T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`.
    #[track_caller]
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A new lock that admits at most `max_readers` readers at once.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 or more than `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        // tokio's messages.
        assert_ne!(max_readers, 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        let resource = trace::resource!(
            "tokio::sync::rwlock",
            "RwLock",
            max_readers = max_readers,
            write_locked = false,
            current_readers = 0,
        );
        RwLock {
            max_readers,
            semaphore: ll::Semaphore::with_resource(max_readers as usize, resource),
            data: UnsafeCell::new(value),
        }
    }

    /// A new lock usable in a `static`.
    ///
    /// ```
    /// use weft::sync::RwLock;
    /// static CONFIG: RwLock<u32> = RwLock::const_new(0);
    /// assert_eq!(*CONFIG.try_read().unwrap(), 0);
    /// ```
    #[cfg(not(weft_loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// [`with_max_readers`](RwLock::with_max_readers) for a `static`.
    ///
    /// # Panics
    ///
    /// As for `with_max_readers` (at compile time in a `static`).
    #[cfg(not(weft_loom))]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers != 0,
            "a RwLock may not be created with 0 readers"
        );
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than 536870911 readers"
        );
        RwLock {
            max_readers,
            semaphore: ll::Semaphore::const_new(max_readers as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// Waits for `permits` of the semaphore. A macro rather than an
/// `async fn` so the callers' futures do not nest another state machine
/// (and copy the waiter node into it) on the uncontended path.
/// Takes `$permits` permits of `$lock` as the async op `$source`.
macro_rules! acquire {
    ($lock:expr, $permits:expr, $kind:ident, $source:literal) => {
        let semaphore = &$lock.semaphore;
        // One expression: a future moved between locals would be held
        // twice in the caller's state machine.
        if trace::async_op(
            semaphore.resource(),
            $source,
            "poll",
            false,
            semaphore.acquire_as($permits as usize, SyncKind::$kind),
        )
        .await
        .is_err()
        {
            unreachable!("a RwLock's semaphore is never closed");
        }
    };
}

// The updates of a release come before it, so they are ordered before
// those of whoever takes the permits next.

/// A reader took its permit.
#[inline]
fn reader_in(semaphore: &ll::Semaphore) {
    trace::state!(semaphore.resource(), current_readers = 1 => "add");
}

/// A reader gives its permit back.
#[inline]
fn reader_out(semaphore: &ll::Semaphore) {
    trace::state!(semaphore.resource(), current_readers = 1 => "sub");
    semaphore.release(1);
}

/// A writer took every permit.
#[inline]
fn writer_in(semaphore: &ll::Semaphore) {
    trace::state!(semaphore.resource(), write_locked = true => "override");
}

/// A writer gives its `permits` back.
#[inline]
fn writer_out(semaphore: &ll::Semaphore, permits: u32) {
    trace::state!(semaphore.resource(), write_locked = false => "override");
    semaphore.release(permits as usize);
}

/// A writer holding `permits` becomes a reader.
#[inline]
fn downgrade(semaphore: &ll::Semaphore, permits: u32) {
    trace::state!(semaphore.resource(), write_locked = false => "override");
    trace::state!(semaphore.resource(), current_readers = 1 => "add");
    semaphore.release(permits as usize - 1);
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared (read) access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in tokio's sense: a dropped future loses its place in
    /// the queue, never access it was granted.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        acquire!(self, 1, RwLockRead, "RwLock::read");
        reader_in(&self.semaphore);
        RwLockReadGuard::new(&self.semaphore, self.data.get())
    }

    /// Waits for read access to an `Arc<RwLock>`; the guard is `'static`.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        acquire!(self, 1, RwLockRead, "RwLock::read_owned");
        reader_in(&self.semaphore);
        let data = self.data.get();
        OwnedRwLockReadGuard { lock: self, data }
    }

    /// Takes read access if available now (no writer holds or waits).
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.semaphore
            .try_acquire(1)
            .map_err(|_| TryLockError::new())?;
        reader_in(&self.semaphore);
        Ok(RwLockReadGuard::new(&self.semaphore, self.data.get()))
    }

    /// [`try_read`](RwLock::try_read) for an `Arc<RwLock>`.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if not available now.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.semaphore
            .try_acquire(1)
            .map_err(|_| TryLockError::new())?;
        reader_in(&self.semaphore);
        let data = self.data.get();
        Ok(OwnedRwLockReadGuard { lock: self, data })
    }

    /// Read access from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        super::util::block_on::block_on("RwLock::blocking_read", self.read())
    }

    /// Waits for exclusive (write) access.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        acquire!(self, self.max_readers, RwLockWrite, "RwLock::write");
        writer_in(&self.semaphore);
        RwLockWriteGuard {
            semaphore: &self.semaphore,
            data: self.data.get(),
            permits: self.max_readers,
            _marker: PhantomData,
        }
    }

    /// Waits for write access to an `Arc<RwLock>`; the guard is `'static`.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        acquire!(self, self.max_readers, RwLockWrite, "RwLock::write_owned");
        writer_in(&self.semaphore);
        let data = self.data.get();
        OwnedRwLockWriteGuard {
            permits: self.max_readers,
            lock: self,
            data,
        }
    }

    /// Takes write access if the lock is free now.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.semaphore
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError::new())?;
        writer_in(&self.semaphore);
        Ok(RwLockWriteGuard {
            semaphore: &self.semaphore,
            data: self.data.get(),
            permits: self.max_readers,
            _marker: PhantomData,
        })
    }

    /// [`try_write`](RwLock::try_write) for an `Arc<RwLock>`.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if not free now.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.semaphore
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError::new())?;
        writer_in(&self.semaphore);
        let data = self.data.get();
        Ok(OwnedRwLockWriteGuard {
            permits: self.max_readers,
            lock: self,
            data,
        })
    }

    /// Write access from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        super::util::block_on::block_on("RwLock::blocking_write", self.write())
    }

    /// The data, through exclusive access to the lock.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

// API twin of `Mutex`'s `Default` and `From` (the same impls on both lock
// types, as in tokio).
impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::util::fmt_lock(f, "RwLock", self.try_read().ok().as_deref())
    }
}

/// Shared access to a [`RwLock`]'s data (or a part of it, after
/// [`map`](RwLockReadGuard::map)); releases it when dropped.
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *const T,
    _marker: PhantomData<&'a T>,
}

// SAFETY: the guard is a `&T`: sendable and shareable iff `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn new(semaphore: &'a ll::Semaphore, data: *const T) -> Self {
        RwLockReadGuard {
            semaphore,
            data,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the data.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockReadGuard};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let second = RwLockReadGuard::map(lock.read().await, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        // SAFETY: the guard holds a read permit, so `data` is valid for
        // shared access for 'a. `f` runs while `this` is still armed: if it
        // panics, the guard releases its permit.
        let data: *const U = f(unsafe { &*this.data });
        let this = std::mem::ManuallyDrop::new(this);
        RwLockReadGuard::new(this.semaphore, data)
    }

    /// Narrows the guard if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        // SAFETY: as in `map`.
        let Some(data) = f(unsafe { &*this.data }).map(|d| d as *const U) else {
            return Err(this);
        };
        let this = std::mem::ManuallyDrop::new(this);
        Ok(RwLockReadGuard::new(this.semaphore, data))
    }
}

guard_impls!(data [T: ?Sized] RwLockReadGuard<'_, T> => T);

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        reader_out(self.semaphore);
    }
}

// API twin of `RwLockMappedWriteGuard` (the same fields, `Send`/`Sync`
// bounds and `map` on both write guard types, as in tokio; `map` hands
// over to the mapped guard's).

/// Exclusive access to a [`RwLock`]'s data; releases it when dropped.
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *mut T,
    permits: u32,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: the guard is a `&mut T`; tokio requires `T: Send + Sync` to send
// it (a downgrade turns it into shared access on the new thread).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: `&guard` gives `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        RwLockMappedWriteGuard::map(Self::into_mapped(this), f)
    }

    /// The same access as a mapped guard (its permits move along), for
    /// code that stores either kind as one type.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard: RwLockMappedWriteGuard<'_, i32> =
    ///     RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
    /// *guard = 2;
    /// drop(guard);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        let this = std::mem::ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            semaphore: this.semaphore,
            data: this.data,
            permits: this.permits,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        // SAFETY: as in `map`; the reference ends before `this` is used.
        let Some(data) = f(unsafe { &mut *this.data }).map(|d| d as *mut U) else {
            return Err(this);
        };
        Ok(RwLockMappedWriteGuard::retarget(
            Self::into_mapped(this),
            data,
        ))
    }

    /// Turns write access into read access without letting a writer in
    /// between; waiting readers may then join.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut w = lock.write().await;
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*lock.try_read()?, 2, "other readers may enter");
    /// assert_eq!(*r, 2);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let data = this.data;
        Self::downgrade_to(this, data)
    }

    /// Downgrades to read access and narrows the guard to a part of the
    /// data, in one step: no writer gets in between.
    ///
    /// If `f` panics, the write guard is dropped (the lock is released)
    /// before the panic goes on.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let mut w = lock.write().await;
    /// w.1 = 3;
    /// let second = RwLockWriteGuard::downgrade_map(w, |p| &p.1);
    /// assert_eq!(*second, 3);
    /// assert_eq!(*lock.try_read()?, (1, 3), "other readers may enter");
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        // SAFETY: the guard holds write access, so the data is live and no
        // one else reaches it; the reference ends with `f`.
        let data = f(unsafe { &*this.data }) as *const U;
        Self::downgrade_to(this, data)
    }

    /// [`downgrade_map`](Self::downgrade_map) if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The write guard, unchanged, if `f` returned `None`.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let w = lock.write().await;
    /// let w = RwLockWriteGuard::try_downgrade_map(w, |v| v.get(5)).unwrap_err();
    /// let first = RwLockWriteGuard::try_downgrade_map(w, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn try_downgrade_map<F, U: ?Sized>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // SAFETY: as in `downgrade_map`; the reference ends before `this`
        // is used again.
        let Some(data) = f(unsafe { &*this.data }).map(|d| d as *const U) else {
            return Err(this);
        };
        Ok(Self::downgrade_to(this, data))
    }

    /// Gives back all permits but one and keeps that one as a read guard
    /// over `data`, a part of the data `this` writes.
    fn downgrade_to<U: ?Sized>(this: Self, data: *const U) -> RwLockReadGuard<'a, U> {
        let this = std::mem::ManuallyDrop::new(this);
        downgrade(this.semaphore, this.permits);
        RwLockReadGuard::new(this.semaphore, data)
    }
}

guard_impls!(data mut [T: ?Sized] RwLockWriteGuard<'_, T> => T);

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        writer_out(self.semaphore, self.permits);
    }
}

// API twin of `RwLockWriteGuard` above.

/// A write guard narrowed by [`RwLockWriteGuard::map`].
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *mut T,
    permits: u32,
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows further.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        // SAFETY: the guard holds every permit. `f` runs while `this` is
        // still armed: if it panics, the guard releases the permits.
        let data: *mut U = f(unsafe { &mut *this.data });
        Self::retarget(this, data)
    }

    /// Narrows further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    /// let lock = RwLock::new(vec![1, 2]);
    /// let all = RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
    /// let all = RwLockMappedWriteGuard::try_map(all, |v| v.get_mut(9)).unwrap_err();
    /// let mut last = RwLockMappedWriteGuard::try_map(all, |v| v.last_mut()).unwrap();
    /// *last = 5;
    /// drop(last);
    /// assert_eq!(*lock.try_read().unwrap(), [1, 5]);
    /// ```
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        // SAFETY: the guard holds every permit; the reference ends before
        // `this` is used again (on `None`).
        let Some(data) = f(unsafe { &mut *this.data }).map(|d| d as *mut U) else {
            return Err(this);
        };
        Ok(Self::retarget(this, data))
    }

    /// The same permits over `data`, a part of the data `this` writes.
    fn retarget<U: ?Sized>(this: Self, data: *mut U) -> RwLockMappedWriteGuard<'a, U> {
        let this = std::mem::ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            semaphore: this.semaphore,
            data,
            permits: this.permits,
            _marker: PhantomData,
        }
    }
}

guard_impls!(data mut [T: ?Sized] RwLockMappedWriteGuard<'_, T> => T);

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        writer_out(self.semaphore, self.permits);
    }
}

/// Shared access to an `Arc<RwLock<T>>`'s data (`U` is the part after
/// [`map`](OwnedRwLockReadGuard::map)).
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
}

// SAFETY: a `&U` that keeps the lock alive: needs `U: Sync`, and the `Arc`
// needs the lock to be shareable.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the data.
    pub fn map<V: ?Sized, F: FnOnce(&U) -> &V>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        // SAFETY: the guard holds a read permit.
        let data: *const V = f(unsafe { &*this.data });
        Self::retarget(this, data)
    }

    /// Narrows the guard if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(Some(3)));
    /// let guard = lock.try_read_owned().unwrap();
    /// let inner = OwnedRwLockReadGuard::try_map(guard, |o| o.as_ref()).unwrap();
    /// assert_eq!(*inner, 3);
    /// ```
    pub fn try_map<V: ?Sized, F: FnOnce(&U) -> Option<&V>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        // SAFETY: the guard holds a read permit; the reference ends before
        // `this` is used again (on `None`).
        let Some(data) = f(unsafe { &*this.data }).map(|d| d as *const V) else {
            return Err(this);
        };
        Ok(Self::retarget(this, data))
    }

    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// The same read permit (and `Arc`) over `data`, a part of the data
    /// `this` reads.
    fn retarget<V: ?Sized>(this: Self, data: *const V) -> OwnedRwLockReadGuard<T, V> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the `Arc` moves
        // out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedRwLockReadGuard { lock, data }
    }
}

guard_impls!(data [T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U);

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        reader_out(&self.lock.semaphore);
    }
}

/// Exclusive access to an `Arc<RwLock<T>>`'s data.
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    data: *mut T,
    permits: u32,
}

// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Turns write access into read access atomically.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let data = this.data;
        Self::downgrade_to(this, data)
    }

    /// Downgrades to read access and narrows the guard to a part of the
    /// data, in one step, keeping the `Arc`.
    ///
    /// If `f` panics, the write guard is dropped (the lock is released)
    /// before the panic goes on.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockWriteGuard, RwLock};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let w = lock.clone().write_owned().await;
    /// let first = OwnedRwLockWriteGuard::downgrade_map(w, |p| &p.0);
    /// assert_eq!(*first, 1);
    /// assert!(lock.try_read().is_ok());
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn downgrade_map<F, U: ?Sized>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        // SAFETY: the guard holds write access; the reference ends with `f`.
        let data = f(unsafe { &*this.data }) as *const U;
        Self::downgrade_to(this, data)
    }

    /// [`downgrade_map`](Self::downgrade_map) if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The write guard, unchanged, if `f` returned `None`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockWriteGuard, RwLock};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![7]));
    /// let w = lock.write_owned().await;
    /// let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.get(1)).unwrap_err();
    /// let first = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.first()).unwrap();
    /// assert_eq!(*first, 7);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    pub fn try_downgrade_map<F, U: ?Sized>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // SAFETY: as in `downgrade_map`; the reference ends before `this`
        // is used again.
        let Some(data) = f(unsafe { &*this.data }).map(|d| d as *const U) else {
            return Err(this);
        };
        Ok(Self::downgrade_to(this, data))
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Narrows the guard to a part of the data, keeping the `Arc`.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        OwnedRwLockMappedWriteGuard::map(Self::into_mapped(this), f)
    }

    /// Narrows the guard if `f` returns `Some`, keeping the `Arc`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        // SAFETY: the guard holds every permit; the reference ends before
        // `this` is used again (on `None`).
        let Some(data) = f(unsafe { &mut *this.data }).map(|d| d as *mut U) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard::retarget(
            Self::into_mapped(this),
            data,
        ))
    }

    /// The same access as a mapped guard (the `Arc` and the permits move
    /// along).
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the `Arc` moves
        // out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedRwLockMappedWriteGuard {
            lock,
            data: this.data,
            permits: this.permits,
        }
    }

    /// Gives back all permits but one and keeps that one as a read guard
    /// over `data`, a part of the data `this` writes.
    fn downgrade_to<U: ?Sized>(this: Self, data: *const U) -> OwnedRwLockReadGuard<T, U> {
        let this = std::mem::ManuallyDrop::new(this);
        downgrade(&this.lock.semaphore, this.permits);
        // SAFETY: `this` is never used or dropped again; the `Arc` moves
        // out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedRwLockReadGuard { lock, data }
    }
}

/// An owned write guard narrowed by [`OwnedRwLockWriteGuard::map`].
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *mut U,
    permits: u32,
}

// SAFETY: as for `RwLockWriteGuard`, for the part `U`, plus the `Arc`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows further.
    pub fn map<V: ?Sized, F: FnOnce(&mut U) -> &mut V>(
        this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        // SAFETY: the guard holds every permit. `f` runs while `this` is
        // still armed: if it panics, the guard releases the permits.
        let data: *mut V = f(unsafe { &mut *this.data });
        Self::retarget(this, data)
    }

    /// Narrows further if `f` returns `Some`.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returned `None`.
    pub fn try_map<V: ?Sized, F: FnOnce(&mut U) -> Option<&mut V>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        // SAFETY: the guard holds every permit; the reference ends before
        // `this` is used again (on `None`).
        let Some(data) = f(unsafe { &mut *this.data }).map(|d| d as *mut V) else {
            return Err(this);
        };
        Ok(Self::retarget(this, data))
    }

    /// The same permits (and `Arc`) over `data`, a part of the data `this`
    /// writes.
    fn retarget<V: ?Sized>(this: Self, data: *mut V) -> OwnedRwLockMappedWriteGuard<T, V> {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again; the `Arc` moves
        // out exactly once.
        let lock = unsafe { std::ptr::read(&this.lock) };
        OwnedRwLockMappedWriteGuard {
            lock,
            data,
            permits: this.permits,
        }
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

guard_impls!(data mut [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U);

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        writer_out(&self.lock.semaphore, self.permits);
    }
}

guard_impls!(data mut [T: ?Sized] OwnedRwLockWriteGuard<T> => T);

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        writer_out(&self.lock.semaphore, self.permits);
    }
}
