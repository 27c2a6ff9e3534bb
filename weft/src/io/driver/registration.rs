//! A resource's link to the driver: readiness polling and the
//! try-`WouldBlock`-clear-retry loop every I/O operation uses.

use super::{shutdown_error, Direction, Handle, ReadyEvent, ScheduledIo};
use crate::runtime::{context, coop};
use std::io;
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
    pub(crate) fn new(source: &mut impl mio::event::Source) -> io::Result<Registration> {
        let handle = match context::with_current(|runtime| runtime.io_handle().cloned()) {
            Ok(Some(handle)) => handle,
            Ok(None) => panic!(
                "the current weft runtime has no I/O driver: build it with \
                 `Builder::enable_io` or `enable_all`"
            ),
            Err(err) => panic!("{err}"),
        };
        Registration::with_handle(source, handle)
    }

    pub(crate) fn with_handle(
        source: &mut impl mio::event::Source,
        handle: Handle,
    ) -> io::Result<Registration> {
        let shared = handle.register(source)?;
        Ok(Registration { handle, shared })
    }

    /// Waits until the resource is ready for `direction` (spending one
    /// unit of the task's cooperative budget when it is).
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
        loop {
            let event = ready!(self.poll_ready(cx, direction))?;
            match op() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.shared.clear_readiness(event);
                }
                result => return Poll::Ready(result),
            }
        }
    }

    /// As [`poll_io`](Registration::poll_io) for an operation that moves up
    /// to `len` bytes and returns how many it moved. A short transfer
    /// (`0 < n < len`) means the socket's buffer was drained (read) or
    /// filled (write), so the readiness is forgotten at once: the next
    /// operation waits for the next edge instead of first making a system
    /// call that would only return `WouldBlock`. Edge-triggered epoll
    /// reports every later arrival, and the tick guard keeps a readiness
    /// that arrived meanwhile; closed states are never forgotten.
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_drain(cx, direction, || op().map(|n| (n, n > 0 && n < len)))
    }

    /// As [`poll_io`](Registration::poll_io) for an operation that also
    /// says whether it exhausted the readiness (drained the socket, for a
    /// read that learns the receive queue's length): the readiness is
    /// forgotten then, as after `WouldBlock`, but without the extra call.
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

    /// Runs `op` now if the cached readiness allows, without waiting:
    /// `WouldBlock` when it does not (the `try_read`/`try_write` family).
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.try_drain(direction, || op().map(|result| (result, false)))
    }

    /// As [`try_io`](Registration::try_io) for an operation that says
    /// whether it exhausted the readiness; see
    /// [`poll_drain`](Registration::poll_drain).
    pub(crate) fn try_drain<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<(R, bool)>,
    ) -> io::Result<R> {
        let event = self.shared.ready_now(direction);
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

    /// Removes `source` from the driver.
    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source) -> io::Result<()> {
        self.handle.deregister(source, &self.shared)
    }
}
