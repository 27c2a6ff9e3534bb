//! A resource's link to the driver: readiness polling and the
//! try-`WouldBlock`-clear-retry loop every I/O operation uses.

use super::{shutdown_error, Direction, Handle, ReadyEvent, ScheduledIo, Wants};
use crate::runtime::{context, coop, messages};
use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A registered resource. Dropping it does not deregister: the owner calls
/// [`deregister`](Registration::deregister) with the source first.
#[derive(Debug)]
pub(crate) struct Registration {
    handle: Handle,
    shared: Arc<ScheduledIo>,
}

impl Registration {
    /// Registers `source` with the current runtime's I/O driver.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, or on one built without
    /// [`enable_io`](crate::runtime::Builder::enable_io).
    #[track_caller]
    pub(crate) fn new(source: &mut impl mio::event::Source, fd: RawFd) -> io::Result<Registration> {
        Registration::with_handle(source, fd, Registration::current_handle())
    }

    /// The current runtime's I/O driver.
    ///
    /// # Panics
    ///
    /// As [`new`](Registration::new).
    #[track_caller]
    pub(crate) fn current_handle() -> Handle {
        match context::with_current(|runtime| runtime.io_handle().cloned()) {
            Ok(Some(handle)) => handle,
            Ok(None) => panic!("{}", messages::IO_DISABLED),
            Err(err) => panic!("{err}"),
        }
    }

    /// Registers `source`, whose descriptor is `fd` (task dumps show it),
    /// with `handle`'s driver.
    pub(crate) fn with_handle(
        source: &mut impl mio::event::Source,
        fd: RawFd,
        handle: Handle,
    ) -> io::Result<Registration> {
        let shared = handle.register(source, fd)?;
        Ok(Registration { handle, shared })
    }

    /// Waits until the resource is ready for `direction` (spending one
    /// unit of the task's cooperative budget when it is). For the `poll_*`
    /// methods: the waker goes to the direction's single slot, so only the
    /// last task to poll per direction is woken; `async` operations use
    /// [`readiness`](Registration::readiness) instead.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let restore = ready!(coop::poll_proceed(cx));
        let event = ready!(self.shared.poll_readiness(cx, direction));
        if event.is_shutdown {
            return Poll::Ready(Err(shutdown_error()));
        }
        restore.made_progress();
        Poll::Ready(Ok(event))
    }

    /// Runs `op` once the resource is ready for `direction`; on
    /// `WouldBlock` forgets that readiness and waits for the next.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_drain(cx, direction, || op().map(|result| (result, false)))
    }

    /// As [`poll_io`](Registration::poll_io) for a byte-stream transfer
    /// of `len` bytes (a read into buffers, or a write from buffers, of
    /// `len` bytes in all): one that moves some bytes but fewer than `len`
    /// forgets the readiness, as `WouldBlock` does, saving the call that
    /// would only say so. The kernel moves all it can in one call: a read
    /// of a stream socket or pipe copies what is queued up to the
    /// buffer's length, and a write takes what fits, so a short read
    /// leaves the queue empty and a short write the send buffer full.
    /// Bytes or room that come after the call raise a new edge, whose tick
    /// the clear keeps (`ScheduledIo` rule 3). tokio clears on short
    /// stream transfers the same way. (Datagram sockets must not use
    /// this: a short datagram says nothing about the next one.)
    pub(crate) fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_drain(cx, direction, || {
            op().map(|n| (n, is_short_transfer(n, len)))
        })
    }

    /// As [`poll_io`](Registration::poll_io) for an operation that also
    /// says whether it *proved* the readiness exhausted
    /// ([`poll_stream_io`](Registration::poll_stream_io)'s short
    /// transfers; `TcpStream`'s reads, which may also learn it from
    /// `TCP_INQ`). The readiness is forgotten then, as after `WouldBlock`,
    /// but without the extra call. That is invisible to the caller (the
    /// socket really has nothing to read; edges and the tick guard keep
    /// every later arrival).
    pub(crate) fn poll_drain<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<(R, bool)>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(self.poll_ready(cx, direction))?;
            match op() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event);
                }
                Err(err) => return Poll::Ready(Err(err)),
                Ok((result, drained)) => {
                    if drained {
                        self.shared.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(result));
                }
            }
        }
    }

    /// Waits, in the resource's waiter list (any number of tasks may wait
    /// at once; each is woken), until it is ready for `wants`. Spends a
    /// unit of the task's cooperative budget when ready. Cancel-safe.
    ///
    /// # Errors
    ///
    /// When the driver has shut down.
    pub(crate) async fn readiness(&self, wants: Wants) -> io::Result<ReadyEvent> {
        let event = self.shared.readiness(wants).await;
        if event.is_shutdown {
            return Err(shutdown_error());
        }
        Ok(event)
    }

    /// Runs `op` once the resource is ready for `wants`, waiting in the
    /// waiter list; on `WouldBlock` forgets that readiness and waits for
    /// the next. The `async fn` operations of every I/O type use this.
    pub(crate) async fn async_io<R>(
        &self,
        wants: Wants,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.readiness(wants).await?;
            match op() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event);
                }
                result => return result,
            }
        }
    }

    /// Runs `op` now if the cached readiness allows, without waiting:
    /// `WouldBlock` when it does not (the `try_read`/`try_write` family).
    /// A `WouldBlock` from `op` clears the readiness.
    pub(crate) fn try_io<R>(
        &self,
        wants: Wants,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.try_drain(wants, || op().map(|result| (result, false)))
    }

    /// As [`try_io`](Registration::try_io) for an operation that says
    /// whether it exhausted the readiness; see
    /// [`poll_drain`](Registration::poll_drain).
    pub(crate) fn try_drain<R>(
        &self,
        wants: Wants,
        op: impl FnOnce() -> io::Result<(R, bool)>,
    ) -> io::Result<R> {
        let event = self.shared.ready_now(wants);
        if event.is_shutdown {
            return Err(shutdown_error());
        }
        if event.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match op() {
            Err(err) => {
                if err.kind() == io::ErrorKind::WouldBlock {
                    self.shared.clear_readiness(event);
                }
                Err(err)
            }
            Ok((result, drained)) => {
                if drained {
                    self.shared.clear_readiness(event);
                }
                Ok(result)
            }
        }
    }

    /// Forgets the readiness `event` reported (the caller's operation hit
    /// `WouldBlock`), unless a newer event arrived since; see
    /// [`ScheduledIo::clear_readiness`]. For `AsyncFd`'s guards.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.shared.clear_readiness(event);
    }

    /// See [`ScheduledIo::assume_ready`].
    pub(crate) fn assume_ready(&self, ready: crate::io::Ready) {
        self.shared.assume_ready(ready);
    }

    /// Removes `source` from the driver.
    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.handle.deregister(source, &self.shared)
    }
}

/// Whether a byte-stream transfer of `n` bytes, asked for `len`, was short:
/// some bytes, fewer than asked (see [`Registration::poll_stream_io`]).
pub(crate) fn is_short_transfer(n: usize, len: usize) -> bool {
    0 < n && n < len
}
