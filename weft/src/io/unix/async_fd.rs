//! `AsyncFd`: readiness events for any file descriptor, with guards that
//! clear the readiness an operation found stale.

use super::{direction_of, ready_interest};
use crate::io::{Interest, Ready};
use crate::runtime::io::{ReadyEvent, Registration, Wants};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// Registers a file descriptor (anything [`AsRawFd`]: a socket, a pipe, a
/// tty, an `eventfd`...) with the runtime's reactor, and tells when it is
/// readable or writable. The I/O itself is the caller's: put the
/// descriptor in non-blocking mode, wait for readiness, try the
/// operation, and on `WouldBlock` clear the readiness and wait again. The
/// guards' [`try_io`](AsyncFdReadyGuard::try_io) does that last step.
///
/// The reactor is edge-triggered: readiness is reported once and cached
/// until cleared, so a guard's readiness must be cleared when an
/// operation hits `WouldBlock` (otherwise `readable` returns at once,
/// forever). Dropping a guard without clearing keeps the readiness.
///
/// Dropping the `AsyncFd` deregisters the descriptor and drops the inner
/// value (which usually closes it); [`into_inner`](AsyncFd::into_inner)
/// deregisters and hands the value back.
///
/// # Differences from tokio
///
/// The descriptor is always registered for reading and writing; the
/// interest given to [`with_interest`](AsyncFd::with_interest) is kept for
/// reference only. `Interest::PRIORITY` and `Interest::ERROR` wait with the
/// readers (error readiness wakes them; priority data alone does not).
///
/// As tokio 1.54 does, weft deprecates the safe constructors (`new`,
/// `with_interest`, `try_new`, `try_with_interest`) in favour of the
/// `unsafe` [`register`](AsyncFd::register) and
/// [`register_with_interest`](AsyncFd::register_with_interest), whose
/// contract rules out a value that closes or swaps its descriptor while
/// registered. weft's reactor narrows the hazard (it deregisters the
/// descriptor number it registered, and keeps a registration alive when
/// its removal fails), but a descriptor closed early whose number is
/// reused by another registered resource can still leave the reactor
/// reporting events for a freed registration.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use weft::io::unix::AsyncFd;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut ours, theirs) = std::os::unix::net::UnixStream::pair()?;
/// theirs.set_nonblocking(true)?;
/// // SAFETY: the socket stays open, with the same descriptor, for as long
/// // as the `AsyncFd` owns it.
/// let fd = unsafe { AsyncFd::register(theirs) }?;
/// ours.write_all(b"ping")?;
///
/// let mut buf = [0u8; 16];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue, // readiness cleared: wait again
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # Ok(())
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    registration: Registration,
    /// `None` only after `into_inner`.
    inner: Option<T>,
    fd: RawFd,
    interest: Interest,
}

/// The readiness of an [`AsyncFd`] seen by
/// [`readable`](AsyncFd::readable), [`writable`](AsyncFd::writable) or
/// [`ready`](AsyncFd::ready). Clear it when an operation hits
/// `WouldBlock` (or let [`try_io`](Self::try_io) do it).
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    /// `None` once cleared.
    events: Option<ReadyEvent>,
}

/// As [`AsyncFdReadyGuard`], with mutable access to the [`AsyncFd`]
/// (from [`readable_mut`](AsyncFd::readable_mut) and friends).
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    /// `None` once cleared.
    events: Option<ReadyEvent>,
}

/// The operation given to a guard's `try_io` hit `WouldBlock`; the
/// readiness was cleared, so wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the I/O operation would block; readiness was cleared")
    }
}

impl std::error::Error for TryIoError {}

/// A failed registration ([`AsyncFd::try_new`], [`AsyncFd::register`] and
/// their `_with_interest` forms): the value that was to be registered,
/// handed back, and the cause.
///
/// It converts into the cause (`?` in a function returning
/// `io::Result`), dropping the value.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// The name tokio gave [`AsyncFdRegisterError`] before 1.54.
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The value given to the constructor, and why registering it failed.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(err: AsyncFdRegisterError<T>) -> io::Error {
        err.cause
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor for readable and writable readiness.
    ///
    /// # Errors
    ///
    /// The reactor's registration error (`EPERM` for a regular file,
    /// which epoll does not support; `EEXIST` if the descriptor is
    /// registered already). `inner` is dropped then.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Deprecated
    ///
    /// As in tokio 1.54: nothing stops `inner` from closing or replacing
    /// its descriptor while registered (see [`register`](Self::register)).
    #[track_caller]
    #[deprecated(
        note = "unsound: the value may close or swap its descriptor while registered; use `AsyncFd::register` and uphold its safety contract"
    )]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        // SAFETY: none; this constructor is deprecated for that reason.
        unsafe { AsyncFd::register(inner) }.map_err(io::Error::from)
    }

    /// Registers `inner`'s descriptor, for `interest` (see "Differences
    /// from tokio" on [`AsyncFd`]: weft registers both directions).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Deprecated
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    #[deprecated(
        note = "unsound: the value may close or swap its descriptor while registered; use `AsyncFd::register_with_interest` and uphold its safety contract"
    )]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        // SAFETY: none; this constructor is deprecated for that reason.
        unsafe { AsyncFd::register_with_interest(inner, interest) }.map_err(io::Error::from)
    }

    /// As [`new`](Self::new), but a failed registration hands `inner` back
    /// inside the error instead of dropping it (and closing the descriptor).
    ///
    /// ```
    /// use weft::io::unix::AsyncFd;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // epoll refuses regular files: the file comes back, still open.
    /// let file = std::fs::File::open(std::env::current_exe()?)?;
    /// // SAFETY: `file` is open and owned by the `AsyncFd` if it is made.
    /// let err = unsafe { AsyncFd::register(file) }.unwrap_err();
    /// let (file, cause) = err.into_parts();
    /// assert_eq!(cause.raw_os_error(), Some(1)); // EPERM
    /// assert!(file.metadata().is_ok(), "the file is usable again");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AsyncFdRegisterError`] with `inner` and the cause (as for
    /// [`new`](Self::new)).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Deprecated
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    #[deprecated(
        note = "unsound: the value may close or swap its descriptor while registered; use `AsyncFd::register` and uphold its safety contract"
    )]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: none; this constructor is deprecated for that reason.
        unsafe { AsyncFd::register(inner) }
    }

    /// As [`with_interest`](Self::with_interest), but a failed registration
    /// hands `inner` back inside the error.
    ///
    /// # Errors
    ///
    /// [`AsyncFdRegisterError`] with `inner` and the cause.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    ///
    /// # Deprecated
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    #[deprecated(
        note = "unsound: the value may close or swap its descriptor while registered; use `AsyncFd::register_with_interest` and uphold its safety contract"
    )]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: none; this constructor is deprecated for that reason.
        unsafe { AsyncFd::register_with_interest(inner, interest) }
    }

    /// [`try_new`](Self::try_new) under tokio 1.54's name for the sound
    /// constructor: the caller promises what the safe constructors can only
    /// assume (see "Safety").
    ///
    /// ```
    /// use weft::io::unix::AsyncFd;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: `a` is an open socket that `AsyncFd` owns from now on; a
    /// // `UnixStream` always reports the same descriptor.
    /// let fd = unsafe { AsyncFd::register(a) }?;
    /// fd.writable().await?.clear_ready();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_new`](Self::try_new).
    ///
    /// # Safety
    ///
    /// `inner.as_raw_fd()` must be a valid, open descriptor that stays open
    /// and refers to the same open file description for the whole life of
    /// the `AsyncFd` (until it is dropped, [`into_inner`](Self::into_inner)
    /// is called, or it is forgotten), and every call to `as_raw_fd` on the
    /// value must return that same descriptor. Otherwise dropping the
    /// `AsyncFd` may fail to remove the descriptor from the reactor, which
    /// could then report events for a registration already freed.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: forwarded to the caller.
        unsafe { AsyncFd::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// [`try_with_interest`](Self::try_with_interest) under tokio 1.54's
    /// name for the sound constructor.
    ///
    /// # Errors
    ///
    /// As [`try_new`](Self::try_new).
    ///
    /// # Safety
    ///
    /// As for [`register`](Self::register).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime with I/O enabled.
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // The descriptor is read once and kept: deregistration uses this
        // number whatever `as_raw_fd` says later.
        let fd = inner.as_raw_fd();
        match Registration::new(&mut mio::unix::SourceFd(&fd), fd) {
            Ok(registration) => Ok(AsyncFd {
                registration,
                inner: Some(inner),
                fd,
                interest,
            }),
            Err(cause) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// The wrapped value.
    pub fn get_ref(&self) -> &T {
        self.inner
            .as_ref()
            .expect("AsyncFd holds its value until into_inner")
    }

    /// The wrapped value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("AsyncFd holds its value until into_inner")
    }

    /// The interest given at construction.
    pub fn interest(&self) -> Interest {
        self.interest
    }

    /// Deregisters the descriptor and returns the wrapped value (still
    /// open, still in whatever mode it was).
    pub fn into_inner(mut self) -> T {
        let inner = self
            .inner
            .take()
            .expect("AsyncFd holds its value until into_inner");
        // The value lives on; a failed deregistration leaves at worst a
        // stale interest entry that the next close removes.
        let _ = self
            .registration
            .deregister(&mut mio::unix::SourceFd(&self.fd));
        inner
    }

    /// The `poll_*` wait: in the direction's single slot.
    fn poll_ready_events(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.registration.poll_ready(cx, direction_of(interest))
    }

    // Intentional twins: tokio's API has one `poll_*_ready` method per
    // direction and per guard kind; each is one call to
    // `poll_ready_events` and a guard constructor.

    /// Polls for read readiness; on `Ready(Ok)`, the guard holds it.
    ///
    /// Only the last waker passed to `poll_read_ready` (or
    /// `poll_read_ready_mut`) is woken: two tasks polling it at once
    /// would lose wake-ups; use [`readable`](Self::readable) then, which
    /// any number of tasks may await.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready_events(cx, Interest::READABLE)
            .map_ok(|events| AsyncFdReadyGuard::new(self, events))
    }

    /// As [`poll_read_ready`](Self::poll_read_ready), with a mutable guard.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.poll_ready_events(cx, Interest::READABLE)
            .map_ok(|events| AsyncFdReadyMutGuard::new(self, events))
    }

    /// Polls for write readiness; on `Ready(Ok)`, the guard holds it.
    ///
    /// Only the last waker passed to `poll_write_ready` (or
    /// `poll_write_ready_mut`) is woken; use [`writable`](Self::writable)
    /// from several tasks.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready_events(cx, Interest::WRITABLE)
            .map_ok(|events| AsyncFdReadyGuard::new(self, events))
    }

    /// As [`poll_write_ready`](Self::poll_write_ready), with a mutable
    /// guard.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.poll_ready_events(cx, Interest::WRITABLE)
            .map_ok(|events| AsyncFdReadyMutGuard::new(self, events))
    }

    /// Waits until the descriptor is ready for any of `interest`; the
    /// guard's [`ready`](AsyncFdReadyGuard::ready) says which.
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let events = ready_interest(&self.registration, interest).await?;
        Ok(AsyncFdReadyGuard::new(self, events))
    }

    /// As [`ready`](Self::ready), with a mutable guard.
    ///
    /// # Errors
    ///
    /// As [`ready`](Self::ready).
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let events = ready_interest(&self.registration, interest).await?;
        Ok(AsyncFdReadyMutGuard::new(self, events))
    }

    /// Waits until the descriptor is readable (or its read side closed,
    /// or an error is pending).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// As [`readable`](Self::readable), with a mutable guard.
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable).
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor is writable (or its write side closed,
    /// or an error is pending).
    ///
    /// # Errors
    ///
    /// An error when the runtime has shut down.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// As [`writable`](Self::writable), with a mutable guard.
    ///
    /// # Errors
    ///
    /// As [`writable`](Self::writable).
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Runs `f` until it does not hit `WouldBlock`, waiting for `interest`
    /// readiness before each try and clearing it after each `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `f`'s error, or an error when the runtime has shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_ref())) {
                return result;
            }
        }
    }

    /// As [`async_io`](Self::async_io), with `&mut T`.
    ///
    /// # Errors
    ///
    /// As [`async_io`](Self::async_io).
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_mut())) {
                return result;
            }
        }
    }

    /// Runs `f` now if the cached readiness for `interest` allows:
    /// `WouldBlock` without calling it if not; a `WouldBlock` from `f`
    /// clears the readiness.
    ///
    /// # Errors
    ///
    /// `f`'s error, `WouldBlock`, or an error when the runtime has shut
    /// down.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.get_ref();
        self.registration
            .try_io(Wants::from_interest(interest), || f(inner))
    }

    /// As [`try_io`](Self::try_io), with `&mut T`.
    ///
    /// # Errors
    ///
    /// As [`try_io`](Self::try_io).
    ///
    /// ```
    /// use std::io::Write;
    /// use weft::io::{unix::AsyncFd, Interest};
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: the socket stays open, with the same descriptor, for as
    /// // long as the `AsyncFd` owns it.
    /// let mut fd = unsafe { AsyncFd::register(a) }?;
    /// fd.writable().await?.retain_ready();
    /// let n = fd.try_io_mut(Interest::WRITABLE, |s| s.write(b"x"))?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let registration = &self.registration;
        let inner = self
            .inner
            .as_mut()
            .expect("an AsyncFd holds its value until into_inner");
        registration.try_io(Wants::from_interest(interest), || f(inner))
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor belongs to the wrapped value, which this
        // `AsyncFd` owns for at least the borrow's lifetime.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            // Deregister before the inner value closes the descriptor.
            let _ = self
                .registration
                .deregister(&mut mio::unix::SourceFd(&self.fd));
        }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .field("interest", &self.interest)
            .finish()
    }
}

/// The methods [`AsyncFdReadyGuard`] and [`AsyncFdReadyMutGuard`] share:
/// the two differ only in how they lend the `AsyncFd` (tokio's API has
/// both), so everything about the readiness they hold is written once.
macro_rules! readiness_guard_methods {
    ($guard:ident) => {
        impl<T: AsRawFd> $guard<'_, T> {
            /// Forgets the readiness this guard saw: the next wait waits for
            /// a new event. Call it after an operation hit `WouldBlock`. (An
            /// event that arrived after the guard was made is kept.)
            pub fn clear_ready(&mut self) {
                if let Some(event) = self.events.take() {
                    self.async_fd.registration.clear_readiness(event);
                }
            }

            /// Forgets only the readiness in `ready` (say,
            /// `Ready::READABLE` after reading everything, keeping
            /// `WRITABLE`). Closed readiness is never forgotten.
            pub fn clear_ready_matching(&mut self, ready: Ready) {
                let Some(seen) = self.events.as_mut() else {
                    return;
                };
                let mut cleared = *seen;
                cleared.ready = seen.ready & ready;
                self.async_fd.registration.clear_readiness(cleared);
                seen.ready = seen.ready - ready;
                if seen.ready.is_empty() {
                    self.events = None;
                }
            }

            /// Keeps the readiness (what dropping the guard does too).
            pub fn retain_ready(&mut self) {}

            /// The readiness this guard saw (empty once cleared).
            pub fn ready(&self) -> Ready {
                self.events.map_or(Ready::EMPTY, |event| event.ready)
            }

            /// The end of `try_io`: clears the readiness if the operation
            /// hit `WouldBlock`.
            fn try_io_result<R>(
                &mut self,
                result: io::Result<R>,
            ) -> Result<io::Result<R>, TryIoError> {
                match result {
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        self.clear_ready();
                        Err(TryIoError(()))
                    }
                    result => Ok(result),
                }
            }
        }

        impl<T: AsRawFd + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($guard))
                    .field("async_fd", &self.async_fd)
                    .field("ready", &self.ready())
                    .finish()
            }
        }
    };
}

readiness_guard_methods!(AsyncFdReadyGuard);
readiness_guard_methods!(AsyncFdReadyMutGuard);

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    fn new(async_fd: &'a AsyncFd<T>, events: ReadyEvent) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            events: Some(events),
        }
    }

    /// Runs `f`; if it hits `WouldBlock`, clears the readiness and returns
    /// `Err(TryIoError)`, so the caller waits again. Otherwise `f`'s
    /// result.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        self.try_io_result(result)
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The value the `AsyncFd` wraps.
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    fn new(async_fd: &'a mut AsyncFd<T>, events: ReadyEvent) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            events: Some(events),
        }
    }

    /// As [`AsyncFdReadyGuard::try_io`], with `&mut AsyncFd`.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        self.try_io_result(result)
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard belongs to, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The value the `AsyncFd` wraps.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The value the `AsyncFd` wraps, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}
