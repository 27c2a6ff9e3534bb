//! `Semaphore`: a fair counting semaphore, and its permits.
//!
//! The algorithm lives in `batch_semaphore.rs` (its design note gives the
//! protocol); this file is the public surface, which follows tokio's
//! `tokio::sync::Semaphore`.

use super::batch_semaphore as ll;
use super::util::macros::error_impls;
use super::util::trace;
use std::fmt;
use std::sync::Arc;

/// A counting semaphore: a pool of permits that tasks wait for.
///
/// Waiters are served in strict FIFO order: an `acquire_many(5)` at the head
/// of the queue is not overtaken by later `acquire()` calls, even when one
/// permit is free (the permits that are free are set aside for the head).
/// Waiting allocates nothing.
///
/// The semaphore needs no runtime: its futures work on any executor. Inside
/// a weft runtime, acquiring spends the task's cooperative budget.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Semaphore;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let semaphore = Arc::new(Semaphore::new(2));
/// let a = semaphore.acquire().await?;
/// let b = semaphore.acquire().await?;
/// assert!(semaphore.try_acquire().is_err(), "both permits are out");
/// drop(a);
/// let c = semaphore.try_acquire()?;
/// drop((b, c));
/// assert_eq!(semaphore.available_permits(), 2);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct Semaphore {
    inner: ll::Semaphore,
}

/// The semaphore was closed ([`Semaphore::close`]) while or before waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

error_impls!(AcquireError: "semaphore closed");

/// Why a `try_acquire*` call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are available right now.
    NoPermits,
}

impl TryAcquireError {
    /// Whether the semaphore is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether there were not enough permits.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

error_impls!(TryAcquireError {
    Closed => "semaphore closed",
    NoPermits => "no permits available",
});

impl From<ll::TryAcquireError> for TryAcquireError {
    fn from(e: ll::TryAcquireError) -> TryAcquireError {
        match e {
            ll::TryAcquireError::Closed => TryAcquireError::Closed,
            ll::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
        }
    }
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold
    /// (`usize::MAX >> 3`, as in tokio).
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        let resource = trace::resource!(
            "tokio::sync::semaphore",
            "Semaphore",
            permits = permits => "override",
        );
        Semaphore {
            inner: ll::Semaphore::with_resource(permits, resource),
        }
    }

    /// A semaphore with `permits` permits, usable in a `static`.
    ///
    /// ```
    /// use weft::sync::Semaphore;
    /// static LIMIT: Semaphore = Semaphore::const_new(3);
    /// assert_eq!(LIMIT.available_permits(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`] (at compile time in a
    /// `static`).
    #[cfg(not(weft_loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            inner: ll::Semaphore::const_new(permits),
        }
    }

    /// Permits available right now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, handing them to waiters first (in FIFO order).
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    #[inline]
    pub fn add_permits(&self, n: usize) {
        // Before the release: ordered before the `sub` of whoever takes
        // these permits.
        if n > 0 {
            trace::state!(self.inner.resource(), permits = n => "add");
        }
        self.inner.release(n);
    }

    /// Removes up to `n` of the *available* permits; returns how many were
    /// removed (permits held by tasks are not affected).
    pub fn forget_permits(&self, n: usize) -> usize {
        let forgotten = self.inner.forget_permits(n);
        if forgotten > 0 {
            trace::state!(self.inner.resource(), permits = forgotten => "sub");
        }
        forgotten
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense tokio gives it: dropping the future before
    /// it completes loses its place in the queue but never a permit (any
    /// permit already set aside for it goes to the next waiter).
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        // Not `acquire_many(1)`: one nested state machine less.
        match self.acquire_as("Semaphore::acquire", 1).await {
            Ok(()) => Ok(SemaphorePermit {
                semaphore: self,
                permits: 1,
            }),
            Err(_) => Err(AcquireError(())),
        }
    }

    /// Waits for `n` permits at once (FIFO: a large request at the head of
    /// the queue is not overtaken by small ones).
    ///
    /// ```
    /// use weft::sync::Semaphore;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let semaphore = Semaphore::new(5);
    /// let permit = semaphore.acquire_many(3).await?;
    /// assert_eq!(permit.num_permits(), 3);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As for [`acquire`](Semaphore::acquire).
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        let n = n as usize;
        self.acquire_as("Semaphore::acquire_many", n)
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes one permit if one is available now.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are available now.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let n = n as usize;
        self.inner.try_acquire(n)?;
        trace::state!(self.inner.resource(), permits = n => "sub");
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Waits for one permit held by an `Arc` (the permit is `'static`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # weft::runtime::Runtime::new()?.block_on(async {
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().acquire_owned().await?;
    /// let task = weft::spawn(async move {
    ///     drop(permit);
    /// });
    /// task.await?;
    /// assert_eq!(semaphore.available_permits(), 1);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As for [`acquire`](Semaphore::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        // Not `acquire_many_owned(1)`: one nested state machine less.
        match self.acquire_as("Semaphore::acquire_owned", 1).await {
            Ok(()) => Ok(OwnedSemaphorePermit {
                semaphore: self,
                permits: 1,
            }),
            Err(_) => Err(AcquireError(())),
        }
    }

    /// Waits for `n` permits held by an `Arc`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Cancel safety
    ///
    /// As for [`acquire`](Semaphore::acquire).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let n = n as usize;
        self.acquire_as("Semaphore::acquire_many_owned", n)
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes one permit now, held by an `Arc`.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits now, held by an `Arc`.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let n = n as usize;
        self.inner.try_acquire(n)?;
        trace::state!(self.inner.resource(), permits = n => "sub");
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Blocks the current thread until one permit is available: the
    /// synchronous twin of [`acquire`](Semaphore::acquire), for code outside
    /// any runtime (or on the blocking pool).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let rt = weft::runtime::Runtime::new()?;
    /// let permit = rt.block_on(semaphore.clone().acquire_owned())?;
    /// let waiter = {
    ///     let semaphore = semaphore.clone();
    ///     std::thread::spawn(move || semaphore.blocking_acquire().map(|p| p.num_permits()))
    /// };
    /// drop(permit); // lets the thread in
    /// assert_eq!(waiter.join().unwrap()?, 1);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Panics
    ///
    /// If called from a thread that drives a weft runtime (inside async
    /// code), like tokio's.
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::util::block_on::block_on("Semaphore::blocking_acquire", self.acquire())
    }

    /// Blocks the current thread until `n` permits are available (see
    /// [`acquire_many`](Semaphore::acquire_many)).
    ///
    /// ```
    /// use weft::sync::Semaphore;
    /// let semaphore = Semaphore::new(3);
    /// let permit = semaphore.blocking_acquire_many(2).unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// drop(permit);
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Panics
    ///
    /// As for [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::util::block_on::block_on("Semaphore::blocking_acquire_many", self.acquire_many(n))
    }

    /// [`blocking_acquire`](Semaphore::blocking_acquire) for an
    /// `Arc<Semaphore>`; the permit is `'static`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().blocking_acquire_owned().unwrap();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Panics
    ///
    /// As for [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::util::block_on::block_on("Semaphore::blocking_acquire_owned", self.acquire_owned())
    }

    /// [`blocking_acquire_many`](Semaphore::blocking_acquire_many) for an
    /// `Arc<Semaphore>`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Semaphore;
    /// let semaphore = Arc::new(Semaphore::new(4));
    /// let permit = semaphore.clone().blocking_acquire_many_owned(4).unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// ```
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed.
    ///
    /// # Panics
    ///
    /// As for [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::util::block_on::block_on(
            "Semaphore::blocking_acquire_many_owned",
            self.acquire_many_owned(n),
        )
    }

    /// Closes the semaphore: every pending and later `acquire*` fails with
    /// [`AcquireError`], every `try_acquire*` with
    /// [`TryAcquireError::Closed`]. Permits already held stay valid and are
    /// still returned on drop.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

impl Semaphore {
    /// `n` permits, taken as the async op `source` (the batch semaphore's
    /// `Acquire` itself without the feature `tracing`).
    #[inline]
    fn acquire_as(
        &self,
        source: &'static str,
        n: usize,
    ) -> impl std::future::Future<Output = Result<(), ll::Closed>> + '_ {
        trace::acquire_op(self.inner.resource(), source, n, self.inner.acquire(n))
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same fields, printed by the same name.
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// Permits borrowed from a [`Semaphore`]; given back when dropped.
#[must_use = "dropping the permit gives it back at once"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl<'a> SemaphorePermit<'a> {
    /// The semaphore this permit came from.
    ///
    /// ```
    /// use weft::sync::Semaphore;
    /// let semaphore = Semaphore::new(2);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(std::ptr::eq(permit.semaphore(), &semaphore));
    /// assert_eq!(permit.semaphore().available_permits(), 1);
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.semaphore
    }

    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If `other` is from a different semaphore (the panic names the
    /// caller's line).
    #[track_caller]
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            std::ptr::eq(self.semaphore, other.semaphore),
            "merging permits of different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer
    /// than `n`.
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        self.permits = self.permits.checked_sub(n)?;
        Some(SemaphorePermit {
            semaphore: self.semaphore,
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.add_permits(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits of an `Arc<Semaphore>`; given back when dropped.
#[must_use = "dropping the permit gives it back at once"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If `other` is from a different semaphore (the panic names the
    /// caller's line).
    #[track_caller]
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.semaphore, &other.semaphore),
            "merging permits of different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` if this holds fewer
    /// than `n`.
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        self.permits = self.permits.checked_sub(n)?;
        Some(OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits: n,
        })
    }
}

impl Drop for OwnedSemaphorePermit {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.add_permits(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
