//! `PollEvented`: a mio source registered with the driver, with the read
//! and write loops the socket types share.
//!
//! Every socket type in `net` holds one, and most of its public methods
//! are one call here: the readiness waits (`ready`, `wait_ready`,
//! `poll_ready`), the operation loops (`poll_io`, `async_io`, `try_io`,
//! `poll_read_buf`) and the byte-stream operations. What only one kind of
//! socket needs lives with it (`net/listener.rs`, `net/split.rs`).

use super::{Direction, Registration, Wants};
use crate::io::{Interest, ReadBuf, Ready};
use crate::loom::AtomicU8;
use crate::runtime::backends::RingStream;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, OnceLock};
use std::task::{ready, Context, Poll};

/// Owns a mio source and its registration; deregisters on drop.
#[derive(Debug)]
pub(crate) struct PollEvented<E: mio::event::Source> {
    /// `None` only after `into_inner`.
    io: Option<E>,
    registration: Registered,
    /// What a stream's reads keep of their own: `TcpStream` keeps there
    /// whether its reads fill their buffers, and chooses its next read's
    /// system call by it (`net/tcp/stream.rs`, "Reads"). A hint with no
    /// ordering role; it takes padding the struct has anyway.
    read_hint: AtomicU8,
}

/// When the source enters epoll.
#[derive(Debug)]
enum Registered {
    /// At creation.
    Now(Registration),
    /// A stream on io_uring: at the first readiness call.
    OnRing(Box<OnRing>),
}

/// A stream socket on io_uring.
struct OnRing {
    ring: RingStream,
    handle: super::Handle,
    fd: RawFd,
    registration: OnceLock<Registration>,
    /// Serializes the first registration (two threads must not both add
    /// the descriptor to epoll).
    registering: Mutex<()>,
}

impl std::fmt::Debug for OnRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnRing")
            .field("fd", &self.fd)
            .field("registered", &self.registration.get().is_some())
            .finish_non_exhaustive()
    }
}

impl<E: mio::event::Source + AsRawFd> PollEvented<E> {
    /// Registers `io` with the current runtime's driver.
    ///
    /// # Panics
    ///
    /// As [`Registration::new`]: outside a runtime with I/O enabled.
    #[track_caller]
    pub(crate) fn new(mut io: E) -> io::Result<PollEvented<E>> {
        let fd = io.as_raw_fd();
        let registration = Registration::new(&mut io, fd)?;
        Ok(PollEvented {
            io: Some(io),
            registration: Registered::Now(registration),
            read_hint: AtomicU8::new(0),
        })
    }

    /// A stream socket: on the current runtime's rings if its sockets run
    /// on io_uring (`IoBackend`), else registered as [`new`](Self::new)
    /// does.
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    #[track_caller]
    pub(crate) fn new_stream(io: E) -> io::Result<PollEvented<E>>
    where
        // A descriptor and nothing else: the ring may close it (`drop`).
        E: std::os::fd::IntoRawFd,
    {
        let fd = io.as_raw_fd();
        match RingStream::for_current_runtime(fd) {
            Some(ring) => {
                let handle = Registration::current_handle();
                Ok(PollEvented {
                    io: Some(io),
                    registration: Registered::OnRing(Box::new(OnRing {
                        ring,
                        handle,
                        fd,
                        registration: OnceLock::new(),
                        registering: Mutex::new(()),
                    })),
                    read_hint: AtomicU8::new(0),
                })
            }
            None => PollEvented::new(io),
        }
    }

    /// With an explicit driver handle (the driver's own tests).
    #[cfg(all(test, not(weft_loom), not(miri)))]
    pub(crate) fn with_handle(mut io: E, handle: super::Handle) -> io::Result<PollEvented<E>> {
        let fd = io.as_raw_fd();
        let registration = Registration::with_handle(&mut io, fd, handle)?;
        Ok(PollEvented {
            io: Some(io),
            registration: Registered::Now(registration),
            read_hint: AtomicU8::new(0),
        })
    }
}

impl<E: mio::event::Source> PollEvented<E> {
    pub(crate) fn get_ref(&self) -> &E {
        self.io
            .as_ref()
            .expect("PollEvented holds its source until into_inner")
    }

    /// The stream's read hint (see the field).
    pub(crate) fn read_hint(&self) -> &AtomicU8 {
        &self.read_hint
    }

    /// The source's registration with the I/O driver; a stream on
    /// io_uring enters epoll here, on first use.
    pub(crate) fn registration(&self) -> io::Result<&Registration> {
        match &self.registration {
            Registered::Now(registration) => Ok(registration),
            Registered::OnRing(on_ring) => on_ring.registration(),
        }
    }

    /// Starts the source out ready in `ready`'s directions, as tokio
    /// starts a socket it just accepted or made (see
    /// `ScheduledIo::assume_ready`). A stream on io_uring needs nothing:
    /// its `try_*` methods always try the socket, and it enters epoll
    /// (whose registration reports the socket's state at once) only for
    /// a readiness wait.
    pub(crate) fn assume_ready(&self, ready: crate::io::Ready) {
        if let Registered::Now(registration) = &self.registration {
            registration.assume_ready(ready);
        }
    }

    /// As `Registration::try_drain` (the `try_read` family of
    /// `TcpStream`): a stream on io_uring runs `op` at once (it keeps no
    /// epoll readiness to consult).
    pub(crate) fn try_drain<R>(
        &self,
        wants: Wants,
        op: impl FnOnce() -> io::Result<(R, bool)>,
    ) -> io::Result<R> {
        if self.ring().is_some() {
            return op().map(|(result, _)| result);
        }
        self.registration()?.try_drain(wants, op)
    }

    /// For the `try_read` family of a stream on io_uring: the bytes it
    /// received already (`None`: read the socket itself).
    pub(crate) fn try_read_ring(&self, buf: &mut [u8]) -> Option<io::Result<usize>> {
        let ring = self.ring()?;
        let mut buf = ReadBuf::new(buf);
        let result = ring.try_read(&mut buf)?;
        Some(result.map(|()| buf.filled().len()))
    }

    /// As [`try_read_ring`](Self::try_read_ring), into uninitialized
    /// memory (`try_read_buf`).
    pub(crate) fn try_read_ring_uninit(
        &self,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Option<io::Result<usize>> {
        let ring = self.ring()?;
        let mut buf = ReadBuf::uninit(buf);
        let result = ring.try_read(&mut buf)?;
        Some(result.map(|()| buf.filled().len()))
    }

    /// As [`try_read_ring`](Self::try_read_ring), into the first
    /// non-empty buffer of `bufs`.
    pub(crate) fn try_read_vectored_ring(
        &self,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Option<io::Result<usize>> {
        self.ring()?;
        let first = bufs.iter_mut().find(|buf| !buf.is_empty());
        match first {
            Some(buf) => self.try_read_ring(buf),
            None => Some(Ok(0)),
        }
    }

    /// `peek` of a stream on io_uring: what it received already, after a
    /// receive in flight completes (`None`: peek the socket itself).
    pub(crate) fn poll_peek_ring(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Option<io::Result<usize>>> {
        let Some(ring) = self.ring() else {
            return Poll::Ready(None);
        };
        match ready!(ring.poll_held_only(cx)) {
            Ok(true) => Poll::Ready(Some(Ok(ring.peek_held(buf).unwrap_or(0)))),
            Ok(false) => Poll::Ready(None),
            Err(err) => Poll::Ready(Some(Err(err))),
        }
    }

    /// The stream's completion side, if it runs on io_uring.
    pub(crate) fn ring(&self) -> Option<&RingStream> {
        match &self.registration {
            Registered::Now(_) => None,
            Registered::OnRing(on_ring) => Some(&on_ring.ring),
        }
    }

    /// Leaves epoll again (a stream on io_uring whose connect waited for
    /// writability there: its reads and writes need no registration).
    pub(crate) fn leave_epoll(&mut self) -> io::Result<()> {
        let Registered::OnRing(on_ring) = &mut self.registration else {
            return Ok(());
        };
        let Some(registration) = on_ring.registration.take() else {
            return Ok(());
        };
        // Registered through its descriptor: deregistered the same way.
        registration.deregister(&mut mio::unix::SourceFd(&on_ring.fd))
    }

    /// Deregisters and gives the source back (`into_std`). A stream on
    /// io_uring first ends its operations in flight; bytes it received
    /// and not read yet cannot be handed back: an error then.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        if let Some(ring) = self.ring() {
            if ring.has_unread() {
                return Err(io::Error::other(
                    "the stream received bytes that were not read yet (io_uring backend): read them before into_std",
                ));
            }
            ring.release();
        }
        let mut io = self
            .io
            .take()
            .expect("PollEvented holds its source until into_inner");
        self.deregister(&mut io)?;
        Ok(io)
    }

    /// Leaves epoll, if the source is there.
    fn deregister(&self, io: &mut E) -> io::Result<()> {
        match &self.registration {
            Registered::Now(registration) => registration.deregister(io),
            Registered::OnRing(on_ring) => match on_ring.registration.get() {
                // Registered through its descriptor: deregistered the same way.
                Some(registration) => {
                    registration.deregister(&mut mio::unix::SourceFd(&on_ring.fd))
                }
                None => Ok(()),
            },
        }
    }

    /// Waits until ready for `direction`, then runs `op` on the source;
    /// retries after `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        let registration = match self.registration() {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(err)),
        };
        registration.poll_io(cx, direction, || op(io))
    }

    /// As [`poll_io`](Self::poll_io) for a byte-stream transfer of `len`
    /// bytes (`op` returns the bytes moved): a short transfer forgets the
    /// readiness ([`Registration::poll_stream_io`]). For stream sockets,
    /// pipes and child stdio; never for datagrams.
    pub(crate) fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut op: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        let registration = match self.registration() {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(err)),
        };
        registration.poll_stream_io(cx, direction, len, || op(io))
    }

    /// Waits in the resource's waiter list until ready for `wants`, then
    /// runs `op` on the source; retries after `WouldBlock`. Any number of
    /// tasks may wait at once (the `async fn` operations).
    pub(crate) async fn async_io<R>(
        &self,
        wants: Wants,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.registration()?.async_io(wants, || op(io)).await
    }

    /// Runs `op` on the source now if the cached readiness for `wants`
    /// allows, without waiting: `WouldBlock` when it does not (the
    /// `try_*` methods). A `WouldBlock` from `op` clears the readiness.
    pub(crate) fn try_io<R>(
        &self,
        wants: Wants,
        op: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        if self.ring().is_some() {
            // A stream on io_uring keeps no epoll readiness to consult:
            // the operation itself says `WouldBlock`.
            return op(io);
        }
        self.registration()?.try_io(wants, || op(io))
    }

    /// As [`poll_io`](Self::poll_io) for a read-like `op` into `buf`'s
    /// unfilled part (initialized first): `op` returns the bytes it wrote
    /// and a value of its own; `buf` is advanced by the bytes, and the
    /// value returned (`()`, a sender's address).
    pub(crate) fn poll_read_buf<T>(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        mut op: impl FnMut(&E, &mut [u8]) -> io::Result<(usize, T)>,
    ) -> Poll<io::Result<T>> {
        let unfilled = buf.initialize_unfilled();
        let (n, value) = ready!(self.poll_io(cx, Direction::Read, |io| op(io, unfilled)))?;
        buf.advance(n);
        Poll::Ready(Ok(value))
    }

    /// Waits (in the waiter list: any number of tasks at once) until the
    /// source is ready for any of `interest`; the readiness seen (the
    /// sockets' public `ready`). `READABLE`, `ERROR` and `PRIORITY` wait
    /// for read readiness (errors included), `WRITABLE` for write
    /// readiness. Cancel-safe.
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        if let Some(ring) = self.ring() {
            if let Some(ready) =
                std::future::poll_fn(|cx| self.poll_ring_ready(ring, cx, interest)).await?
            {
                return Ok(ready);
            }
        }
        let event = self
            .registration()?
            .readiness(Wants::from_interest(interest))
            .await?;
        Ok(event.ready)
    }

    /// Readiness of a stream on io_uring, from the ring's side: writable
    /// unless a send is in flight (then once it completes), readable when
    /// bytes were received (or once a receive in flight completes).
    /// `Ok(None)`: the ring has nothing to say (no receive in flight, and
    /// the caller asked only for reading): epoll's waiter list decides, so
    /// any number of tasks may wait. The ring's waits use the single waker
    /// slot of its operation.
    fn poll_ring_ready(
        &self,
        ring: &RingStream,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<Option<Ready>>> {
        let restore = ready!(crate::runtime::coop::poll_proceed(cx));
        let mut ready = Ready::EMPTY;
        let mut waiting = false;
        if interest.is_writable() {
            match ring.poll_write_room(cx) {
                Poll::Ready(result) => {
                    result?;
                    ready |= Ready::WRITABLE;
                }
                Poll::Pending => waiting = true,
            }
        }
        let reads = interest.is_readable() || interest.is_error() || interest.is_priority();
        if reads {
            match ring.poll_read_held(cx) {
                Poll::Ready(Ok(true)) => ready |= Ready::READABLE,
                Poll::Ready(Ok(false)) => {
                    if ready.is_empty() && !waiting {
                        // Nothing received, nothing in flight: epoll's turn.
                        return Poll::Ready(Ok(None));
                    }
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {}
            }
        }
        if ready.is_empty() {
            Poll::Pending
        } else {
            restore.made_progress();
            Poll::Ready(Ok(Some(ready)))
        }
    }

    /// Waits in the waiter list until the source is ready for `wants`
    /// (the sockets' `readable` and `writable`). Cancel-safe.
    pub(crate) async fn wait_ready(&self, wants: Wants) -> io::Result<()> {
        if self.ring().is_some() {
            let interest = match wants {
                Wants::Write => Interest::WRITABLE,
                _ => Interest::READABLE,
            };
            self.ready(interest).await?;
            return Ok(());
        }
        self.registration()?.readiness(wants).await?;
        Ok(())
    }

    /// Polls for readiness in `direction`'s single waker slot (the
    /// sockets' `poll_read_ready`, `poll_send_ready`, ...).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        if let Some(ring) = self.ring() {
            // Ready from the ring's side spends budget, as epoll's
            // readiness does (`Registration::poll_ready`).
            let restore = ready!(crate::runtime::coop::poll_proceed(cx));
            match direction {
                Direction::Write => {
                    ready!(ring.poll_write_room(cx))?;
                    restore.made_progress();
                    return Poll::Ready(Ok(()));
                }
                Direction::Read => {
                    if ready!(ring.poll_read_held(cx))? {
                        restore.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
        ready!(self.registration()?.poll_ready(cx, direction))?;
        Poll::Ready(Ok(()))
    }

    /// Waits for a non-blocking connect to complete: the socket turns
    /// writable, and the outcome is then in `SO_ERROR`, which
    /// `take_error` reads (mio's method of that name).
    ///
    /// A poll function rather than an `async fn`, so the connecting future
    /// stays one flat state machine: it lives inside the task for as long
    /// as the connection, and each nested future layer would add to every
    /// client connection's memory.
    pub(crate) fn poll_connected(
        &self,
        cx: &mut Context<'_>,
        take_error: impl FnOnce(&E) -> io::Result<Option<io::Error>>,
    ) -> Poll<io::Result<()>> {
        // Only the connecting task can wait here (the socket is not handed
        // out yet): the direction's `poll_*` slot, no waiter node in the
        // future. A stream on io_uring waits with a poll on its ring
        // (no epoll registration to add and remove).
        match self.ring() {
            Some(ring) => {
                if !ready!(ring.poll_connect(cx))? {
                    // A connect operation's own outcome.
                    return Poll::Ready(Ok(()));
                }
            }
            None => {
                ready!(self.registration()?.poll_ready(cx, Direction::Write))?;
            }
        }
        Poll::Ready(match take_error(self.get_ref())? {
            Some(err) => Err(err),
            None => Ok(()),
        })
    }
}

/// Whether a stream socket made now ([`PollEvented::new_stream`]) would
/// run on the current runtime's rings.
pub(crate) fn streams_on_ring() -> bool {
    RingStream::current_runtime_has_rings()
}

impl<E: mio::event::Source> PollEvented<E> {
    /// Starts connecting a stream socket made by
    /// [`new_stream`](Self::new_stream) on io_uring, not connected yet, to
    /// `addr`: one operation of the ring (`RingStream::start_connect`),
    /// waited for by [`poll_connected`](Self::poll_connected). On epoll
    /// the caller connects before it registers.
    pub(crate) fn start_connect(&self, addr: &std::net::SocketAddr) {
        self.ring()
            .expect("a stream made on io_uring")
            .start_connect(addr);
    }
}

impl<E: mio::event::Source> PollEvented<E>
where
    for<'a> &'a E: Read + Write,
{
    /// Reads into `buf` (the source, a byte stream, is read through `&E`,
    /// as mio's sockets allow, so reads and writes can run at once). A
    /// short read or write forgets the readiness
    /// ([`Registration::poll_stream_io`]).
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_stream_io(cx, Direction::Read, len, |mut io| io.read(buf))
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_stream_io(cx, Direction::Write, buf.len(), |mut io| io.write(buf))
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.poll_stream_io(cx, Direction::Write, len, |mut io| io.write_vectored(bufs))
    }

    /// Reads what is available now, or `WouldBlock` (`try_read`).
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(result) = self.try_read_ring(buf) {
            return result;
        }
        self.try_io(Wants::Read, |mut io| io.read(buf))
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    pub(crate) fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
        if let Some(result) = self.try_read_vectored_ring(bufs) {
            return result;
        }
        self.try_io(Wants::Read, |mut io| io.read_vectored(bufs))
    }

    /// Writes what fits now, or `WouldBlock` (`try_write`).
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        if let Some(ring) = self.ring() {
            return ring.try_write(&[io::IoSlice::new(buf)]);
        }
        self.try_io(Wants::Write, |mut io| io.write(buf))
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub(crate) fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        if let Some(ring) = self.ring() {
            return ring.try_write(bufs);
        }
        self.try_io(Wants::Write, |mut io| io.write_vectored(bufs))
    }
}

impl OnRing {
    fn registration(&self) -> io::Result<&Registration> {
        if let Some(registration) = self.registration.get() {
            return Ok(registration);
        }
        let _guard = self
            .registering
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(registration) = self.registration.get() {
            return Ok(registration);
        }
        let registration = Registration::with_handle(
            &mut mio::unix::SourceFd(&self.fd),
            self.fd,
            self.handle.clone(),
        )?;
        Ok(self.registration.get_or_init(|| registration))
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            // Operations in flight keep the file, not the number: submit
            // them before the descriptor closes (`uring/stream.rs`).
            if let Some(ring) = self.ring() {
                ring.release();
            }
            // The source closes right after; a failure to deregister
            // leaves nothing behind once its descriptor is closed.
            let _ = self.deregister(&mut io);
            if self.ring().is_some_and(RingStream::close_on_ring) {
                // The ring closes the descriptor. A stream on io_uring is a
                // mio stream socket (`new_stream`): its descriptor and
                // nothing else, so forgetting it leaks nothing.
                std::mem::forget(io);
            }
        }
    }
}

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests {
    use super::super::Driver;
    use super::*;
    use crate::util::test_waker::CountWakes;
    use std::net::SocketAddr;
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::Arc;
    use std::task::Waker;
    use std::time::Duration;

    fn pair(
        handle: &super::super::Handle,
    ) -> (PollEvented<mio::net::TcpStream>, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let client = mio::net::TcpStream::connect(addr).unwrap();
        let (server, _) = listener.accept().unwrap();
        (
            PollEvented::with_handle(client, handle.clone()).unwrap(),
            server,
        )
    }

    /// Turns the driver until `f` succeeds (bounded).
    fn turn_until(driver: &mut Driver, mut f: impl FnMut() -> bool) {
        for _ in 0..200 {
            if f() {
                return;
            }
            driver.turn(Some(Duration::from_millis(10)));
        }
        panic!("condition not reached after 2 s of driver turns");
    }

    #[test]
    fn a_read_waits_for_readiness_then_wakes_and_reads() {
        let (mut driver, handle) = Driver::new(64, 64, false, Default::default()).unwrap();
        let (client, mut server) = pair(&handle);
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 16];

        // Deliver the initial writable event, then the read must wait.
        turn_until(&mut driver, || client.poll_write(&mut cx, b"").is_ready());
        assert!(client.poll_read(&mut cx, &mut buf).is_pending());

        let before = wakes.0.load(SeqCst);
        server.write_all(b"hello").unwrap();
        turn_until(&mut driver, || wakes.0.load(SeqCst) > before);
        match client.poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(n)) => assert_eq!(&buf[..n], b"hello"),
            other => panic!("expected the bytes, got {other:?}"),
        }
        // Drained: the next read hits WouldBlock, clears and waits again.
        assert!(client.poll_read(&mut cx, &mut buf).is_pending());

        // Half-close from the peer: read sees EOF (READ_CLOSED is sticky).
        server.shutdown(std::net::Shutdown::Write).unwrap();
        turn_until(&mut driver, || {
            matches!(client.poll_read(&mut cx, &mut buf), Poll::Ready(Ok(0)))
        });
        assert!(matches!(
            client.poll_read(&mut cx, &mut buf),
            Poll::Ready(Ok(0))
        ));
    }

    #[test]
    fn writes_apply_backpressure_until_the_peer_reads() {
        let (mut driver, handle) = Driver::new(64, 64, false, Default::default()).unwrap();
        let (client, mut server) = pair(&handle);
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let chunk = vec![7u8; 64 * 1024];
        let mut written = 0usize;
        turn_until(&mut driver, || client.poll_write(&mut cx, b"").is_ready());
        // Fill the socket buffers until a write pends.
        loop {
            match client.poll_write(&mut cx, &chunk) {
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(err)) => panic!("{err}"),
                Poll::Pending => break,
            }
            assert!(written < 512 << 20, "a write never pended");
        }
        // The peer reads everything; the writer becomes ready again.
        server.set_nonblocking(true).unwrap();
        let mut read = 0usize;
        let mut buf = vec![0u8; 256 * 1024];
        turn_until(&mut driver, || {
            while let Ok(n) = std::io::Read::read(&mut server, &mut buf) {
                read += n;
            }
            client.poll_write(&mut cx, &chunk).is_ready()
        });
        assert!(read >= written / 2, "the peer drained the buffers");
    }

    #[test]
    fn deregistration_with_an_event_in_flight_is_safe() {
        let (mut driver, handle) = Driver::new(64, 64, false, Default::default()).unwrap();
        for _ in 0..50 {
            let (client, mut server) = pair(&handle);
            server.write_all(b"x").unwrap();
            // The event for `client` is queued in the kernel; drop (and
            // deregister, and release) before the driver turns.
            drop(client);
            let registrations = handle.inner.registrations.lock().unwrap();
            assert!(registrations.live.is_empty(), "deregistered on drop");
            assert_eq!(
                registrations.pending_release.len(),
                1,
                "kept alive until the next turn starts"
            );
            drop(registrations);
            driver.turn(Some(Duration::ZERO));
            assert!(
                handle
                    .inner
                    .registrations
                    .lock()
                    .unwrap()
                    .pending_release
                    .is_empty(),
                "released at the start of the turn"
            );
        }
    }

    #[test]
    fn shutdown_fails_pending_and_later_operations() {
        let (driver, handle) = Driver::new(64, 64, false, Default::default()).unwrap();
        let (client, _server) = pair(&handle);
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 4];
        assert!(client.poll_read(&mut cx, &mut buf).is_pending());
        drop(driver);
        assert_eq!(wakes.0.load(SeqCst), 1, "the waiting reader was woken");
        match client.poll_read(&mut cx, &mut buf) {
            Poll::Ready(Err(err)) => assert!(crate::runtime::is_rt_shutdown_err(&err), "{err}"),
            other => panic!("expected the shutdown error, got {other:?}"),
        }
        let mut late = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let fd = late.as_raw_fd();
        let err = Registration::with_handle(&mut late, fd, handle).unwrap_err();
        assert!(crate::runtime::is_rt_shutdown_err(&err), "{err}");
    }

    #[test]
    fn unpark_wakes_a_waiting_turn() {
        let (mut driver, handle) = Driver::new(8, 8, false, Default::default()).unwrap();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            handle.unpark();
        });
        // Would wait forever without the wake.
        driver.turn(None);
        waker.join().unwrap();
    }
}
