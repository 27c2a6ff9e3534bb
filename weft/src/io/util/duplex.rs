//! `duplex`: an in-memory, bidirectional byte pipe with backpressure.
//!
//! # Design note
//!
//! **Shape.** [`duplex`] makes two [`DuplexStream`] ends. Each direction
//! is one `Pipe` (`pipe.rs`, shared with `simplex`): a bounded byte queue
//! behind a mutex, shared (`Arc`) by the end that writes it and the end
//! that reads it. End A writes pipe 1 and reads pipe 2; end B the reverse.
//!
//! **State of a pipe** (every field under the pipe's mutex):
//!
//! * `buffer`: bytes written and not yet read; never longer than
//!   `max_buf_size`.
//! * `closed`: set once, never cleared, by the writer's shutdown or drop
//!   (the reader then sees end of file after the buffer drains) or by the
//!   reader's drop (the writer then gets `BrokenPipe`).
//! * `read_waker`: stored by a reader that found the buffer empty; taken
//!   by whoever appends bytes or closes.
//! * `write_waker`: stored by a writer that found the buffer full; taken
//!   by whoever removes bytes or closes.
//!
//! **Rules.**
//!
//! 1. A reader checks `buffer`/`closed` and, if it must wait, stores its
//!    waker, all in one critical section. A writer likewise.
//! 2. Every change that can unblock the other side (bytes appended, bytes
//!    removed, `closed` set) takes the other side's waker in the same
//!    critical section and wakes it after unlocking (never wake under the
//!    lock: the woken task may run at once on another thread and take it).
//! 3. Rules 1 and 2 exclude lost wake-ups: a change either happens before
//!    the waiter's critical section (which then sees it and does not wait)
//!    or after (and then finds the stored waker).
//! 4. Dropping an end closes both pipes it touches (its write pipe and its
//!    read pipe), waking both peers.
//! 5. No waker code runs under the lock (a waker's clone or drop is user
//!    code, and may use this very pipe): a waiter that must store a new
//!    waker clones it with the lock released and then repeats its rule 1
//!    check; a replaced waker is dropped after unlocking.
//!
//! Reads, writes, flushes and shutdowns spend cooperative budget like any
//! weft resource, so a task that copies through a duplex that is always
//! ready still yields.

use std::io;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{ready, Context, Poll, Waker};

use super::pipe::{wake, Pipe, ReadState, WriteState};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::runtime::coop;

/// One end of an in-memory pipe made by [`duplex`]: what one end writes,
/// the other reads.
///
/// Writing waits (returns `Pending`) while the peer's unread bytes fill
/// the buffer. Once an end is shut down or dropped, the peer reads the
/// remaining bytes and then end of file; once an end is dropped, the
/// peer's writes fail with [`BrokenPipe`](io::ErrorKind::BrokenPipe).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut client, mut server) = weft::io::duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

/// Creates a connected pair of [`DuplexStream`]s; each direction buffers
/// at most `max_buf_size` bytes.
///
/// # Panics
///
/// If `max_buf_size` is 0 (writes could never make progress).
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(Pipe::new("duplex", max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new("duplex", max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    // The critical sections only move bytes and wakers; a panic inside
    // one (allocation failure) leaves the pipe consistent.
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Rules 1 and 5: locks `pipe` and, once `ready` says the caller may go
/// on (`Some`), returns the guard with what `ready` found; otherwise stores
/// `cx`'s waker in the slot `waker_slot` picks and returns `Pending`. A new
/// waker is cloned with the lock released, and the check then repeated; a
/// replaced one is dropped after unlocking.
fn lock_when_ready<'a, T>(
    pipe: &'a Mutex<Pipe>,
    cx: &Context<'_>,
    waker_slot: fn(&mut Pipe) -> &mut Option<Waker>,
    mut ready: impl FnMut(&Pipe) -> Option<T>,
) -> Poll<(MutexGuard<'a, Pipe>, T)> {
    let mut fresh: Option<Waker> = None;
    loop {
        let mut guard = lock(pipe);
        if let Some(found) = ready(&guard) {
            return Poll::Ready((guard, found));
        }
        let slot = waker_slot(&mut guard);
        if slot
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        match fresh.take() {
            Some(waker) => {
                let replaced = slot.replace(waker);
                drop(guard);
                drop(replaced);
                return Poll::Pending;
            }
            None => {
                drop(guard);
                fresh = Some(cx.waker().clone());
            }
        }
    }
}

impl DuplexStream {
    fn poll_read_inner(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // A read into no room reads nothing at once, data or not (as
        // tokio's).
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // Rule 1: checked and registered under one lock.
        let (mut pipe, at_end) = ready!(lock_when_ready(
            &self.read,
            cx,
            |pipe| &mut pipe.read_waker,
            |pipe| match pipe.read_state() {
                ReadState::Data => Some(false),
                ReadState::End => Some(true),
                ReadState::Empty => None,
            }
        ));
        if at_end {
            return Poll::Ready(Ok(()));
        }
        // Rule 2: room was made.
        let writer = pipe.read_into(buf);
        drop(pipe);
        wake(writer);
        Poll::Ready(Ok(()))
    }

    fn poll_write_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let nothing = bufs.iter().all(|buf| buf.is_empty());
        let (mut pipe, room) = ready!(lock_when_ready(
            &self.write,
            cx,
            |pipe| &mut pipe.write_waker,
            |pipe| match pipe.write_state() {
                WriteState::Room(room) => Some(Some(room)),
                // Go on to report it.
                WriteState::Closed => Some(None),
                // Nothing to write: done at once, full or not (as tokio's);
                // a closed pipe still reports `BrokenPipe`.
                WriteState::Full if nothing => Some(Some(0)),
                WriteState::Full => None,
            }
        ));
        let Some(room) = room else {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        };
        let (n, reader) = pipe.write_from(room, bufs);
        drop(pipe);
        wake(reader);
        Poll::Ready(Ok(n))
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        coop::poll_budgeted(cx, |cx| self.poll_read_inner(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        coop::poll_budgeted(cx, |cx| self.poll_write_inner(cx, &[io::IoSlice::new(buf)]))
    }

    /// Writes as much of `bufs`, in order, as the pipe has room for, as
    /// tokio's duplex does.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        coop::poll_budgeted(cx, |cx| self.poll_write_inner(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing to flush: written bytes are readable at once.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    /// Closes this end's write direction: the peer reads what is buffered,
    /// then end of file; later writes here fail with `BrokenPipe`.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        let wakers = lock(&self.write).close();
        wakers.into_iter().for_each(wake);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // Rule 4: the peer's reads end, the peer's writes fail.
        let [r1, w1] = lock(&self.write).close();
        let [r2, w2] = lock(&self.read).close();
        [r1, w1, r2, w2].into_iter().for_each(wake);
    }
}
