//! Read-ahead: one spare byte per read tells whether the socket is drained.
//!
//! # Design note
//!
//! An edge-triggered reader may forget a socket's readiness only once it
//! knows the receive queue is empty; until then the next read must try the
//! socket first. A read that fills the caller's buffer exactly says
//! nothing, so the usual loop pays a second system call that only returns
//! `WouldBlock` (`EAGAIN`). Request/response protocols hit this on every
//! message: the reader asks for exactly the frame it expects and gets it.
//! On a 1 KiB TCP echo that `EAGAIN` is one read in three.
//!
//! Here a read is a `readv` into the caller's buffer plus one spare byte:
//!
//! - the spare byte stays empty: the queue held no more than was returned,
//!   so the readiness is forgotten now (the next read waits for the next
//!   edge, without a system call);
//! - the spare byte is filled: more data is queued. The byte is kept here
//!   and is the first byte of the next read, which goes on with the rest of
//!   the caller's buffer in the same system call.
//!
//! So no byte is lost or reordered, and the number of system calls per
//! read drops to one. A hard error met while delivering a kept byte is
//! kept too and returned by the next read, since the kernel reports a
//! socket error only once.
//!
//! Only the stream's one *sole reader* (a `poll_read` through `&mut` to the
//! stream or to its single read half) fills the spare byte: two readers
//! filling at once could each hold a byte with one slot for both. Readers
//! through `&self` (`try_read`, `peek`) take a kept byte first and never
//! keep one. The slot is one atomic word, so even a reader that races the
//! sole reader from another thread cannot lose or duplicate a byte.
//!
//! The edge-triggered inference is the one the short-read rule of
//! `Registration::poll_transfer` already makes: Linux's TCP receive copies
//! from every queued segment until the buffer is full, so a read that
//! leaves room was the whole queue; data arriving after it raises a new
//! edge, which the readiness tick keeps.

use super::{Direction, ReadyEvent, Registration};
use crate::io::ReadBuf;
use crate::loom::{AtomicU32, Ordering::*};
use crate::runtime::coop;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::RawFd;
use std::task::{ready, Context, Poll};

/// Nothing kept.
const EMPTY: u32 = 0;
/// A kept byte, in the low 8 bits.
const BYTE: u32 = 1 << 30;
/// A kept OS error code, in the low 30 bits.
const ERROR: u32 = 1 << 31;
const VALUE: u32 = BYTE - 1;

/// What a read found kept from the one before.
#[derive(Debug, PartialEq, Eq)]
enum Kept {
    Nothing,
    Byte(u8),
    Error(i32),
}

/// The byte (or error) one read kept for the next.
#[derive(Debug)]
pub(crate) struct ReadAhead {
    slot: AtomicU32,
}

impl ReadAhead {
    pub(crate) fn new() -> ReadAhead {
        ReadAhead {
            slot: AtomicU32::new(EMPTY),
        }
    }

    /// Whether the next read returns at once (a kept byte or error).
    pub(crate) fn is_pending(&self) -> bool {
        self.slot.load(Acquire) != EMPTY
    }

    fn take(&self) -> Kept {
        if self.slot.load(Relaxed) == EMPTY {
            return Kept::Nothing;
        }
        // Acquire: pairs with the Release of `keep`, for a reader on
        // another thread than the one that kept the byte.
        match self.slot.swap(EMPTY, Acquire) {
            EMPTY => Kept::Nothing,
            word if word & ERROR != 0 => Kept::Error((word & !ERROR) as i32),
            word => Kept::Byte((word & VALUE) as u8),
        }
    }

    fn keep(&self, word: u32) {
        let previous = self.slot.swap(word, Release);
        debug_assert_eq!(previous, EMPTY, "only the sole reader keeps, after taking");
    }

    fn keep_error(&self, err: &io::Error) {
        // A `readv` error is always an OS error; codes fit in 30 bits.
        let code = err.raw_os_error().unwrap_or(libc::EIO);
        self.keep(ERROR | (code as u32 & !ERROR & !BYTE));
    }

    /// Hands a kept byte or error to a reader through `&self`
    /// (`try_read`, `peek`), which keeps nothing itself: `None` when
    /// nothing is kept (or `buf` is empty).
    pub(crate) fn take_into(&self, buf: &mut [u8]) -> Option<io::Result<usize>> {
        let first = buf.first_mut()?;
        match self.take() {
            Kept::Nothing => None,
            Kept::Byte(byte) => {
                *first = byte;
                Some(Ok(1))
            }
            Kept::Error(code) => Some(Err(io::Error::from_raw_os_error(code))),
        }
    }

    /// As [`take_into`](Self::take_into), for `peek`: a kept byte stays.
    pub(crate) fn peek_into(&self, buf: &mut [u8]) -> Option<u8> {
        let word = self.slot.load(Acquire);
        let first = buf.first_mut()?;
        (word & BYTE != 0).then(|| {
            *first = (word & VALUE) as u8;
            *first
        })
    }

    /// Takes a kept byte for good (`into_std`); a kept error is dropped
    /// with the stream it belonged to.
    pub(crate) fn take_byte(&self) -> Option<u8> {
        match self.take() {
            Kept::Byte(byte) => Some(byte),
            Kept::Nothing | Kept::Error(_) => None,
        }
    }

    /// The sole reader's read of `fd` into `buf` (see the design note);
    /// waits for readiness on `registration` when nothing is kept.
    pub(crate) fn poll_read(
        &self,
        registration: &Registration,
        fd: RawFd,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if self.is_pending() {
            // A kept byte is progress like any read: it spends budget.
            let restore = ready!(coop::poll_proceed(cx));
            restore.made_progress();
            match self.take() {
                Kept::Error(code) => return Poll::Ready(Err(io::Error::from_raw_os_error(code))),
                Kept::Byte(byte) => {
                    buf.put_slice(&[byte]);
                    self.read_more(registration, fd, buf);
                    return Poll::Ready(Ok(()));
                }
                // Taken by a racing `try_read`: read as usual.
                Kept::Nothing => {}
            }
        }
        loop {
            let event = ready!(registration.poll_ready(cx, Direction::Read))?;
            match self.read_into(fd, buf) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    registration.clear_readiness(event);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
                Ok(n) => {
                    self.after_read(registration, event, n);
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }

    /// After a kept byte went out first: reads on into the rest of `buf`
    /// in the same call if the socket may hold more. An error is kept for
    /// the next read, which the caller will make (it got one byte).
    fn read_more(&self, registration: &Registration, fd: RawFd, buf: &mut ReadBuf<'_>) {
        let event = registration.ready_now(Direction::Read);
        if buf.remaining() == 0 || event.ready.is_empty() || event.is_shutdown {
            return;
        }
        match self.read_into(fd, buf) {
            Ok(n) => self.after_read(registration, event, n),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                registration.clear_readiness(event);
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => self.keep_error(&err),
        }
    }

    /// `n` bytes went into the buffer: if the spare byte stayed empty the
    /// queue is drained (unless this was end of stream, which stays
    /// readable).
    fn after_read(&self, registration: &Registration, event: ReadyEvent, n: usize) {
        if n > 0 && !self.is_pending() {
            registration.clear_readiness(event);
        }
    }

    /// One `readv` into `buf`'s unfilled part and the spare byte; returns
    /// how many bytes went into `buf` (a filled spare byte is kept).
    fn read_into(&self, fd: RawFd, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
        let mut spare = MaybeUninit::<u8>::uninit();
        // SAFETY: `readv` only writes, never reads, the unfilled part, so
        // it may be uninitialized; the bytes it reports are initialized
        // by it, which is what `assume_init` below is told.
        let unfilled = unsafe { buf.unfilled_mut() };
        let len = unfilled.len();
        let iov = [
            libc::iovec {
                iov_base: unfilled.as_mut_ptr().cast(),
                iov_len: len,
            },
            libc::iovec {
                iov_base: spare.as_mut_ptr().cast(),
                iov_len: 1,
            },
        ];
        // SAFETY: both vectors point at writable memory of the lengths
        // given, borrowed for the whole call; `fd` is the caller's open
        // socket.
        let read = unsafe { libc::readv(fd, iov.as_ptr(), 2) };
        if read < 0 {
            return Err(io::Error::last_os_error());
        }
        let read = read as usize;
        let into_buf = read.min(len);
        // SAFETY: `readv` initialized the first `into_buf` bytes.
        unsafe { buf.assume_init(into_buf) };
        buf.advance(into_buf);
        if read > len {
            // SAFETY: `readv` filled the spare byte (it read past `len`).
            let byte = unsafe { spare.assume_init() };
            self.keep(BYTE | u32::from(byte));
        }
        Ok(into_buf)
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_kept_byte_is_taken_once() {
        let ahead = ReadAhead::new();
        assert!(!ahead.is_pending());
        ahead.keep(BYTE | 0xAB);
        assert!(ahead.is_pending());
        let mut buf = [0u8; 4];
        assert_eq!(ahead.peek_into(&mut buf), Some(0xAB));
        assert!(ahead.is_pending(), "peeking keeps the byte");
        assert_eq!(ahead.take_into(&mut buf).unwrap().unwrap(), 1);
        assert_eq!(buf[0], 0xAB);
        assert!(ahead.take_into(&mut buf).is_none());
        assert_eq!(ahead.take(), Kept::Nothing);
    }

    #[test]
    fn a_kept_zero_byte_is_not_mistaken_for_nothing() {
        let ahead = ReadAhead::new();
        ahead.keep(BYTE);
        assert_eq!(ahead.take_byte(), Some(0));
        assert_eq!(ahead.take_byte(), None);
    }

    #[test]
    fn a_kept_error_comes_back_with_its_code() {
        let ahead = ReadAhead::new();
        ahead.keep_error(&io::Error::from_raw_os_error(libc::ECONNRESET));
        let mut buf = [0u8; 1];
        assert_eq!(ahead.peek_into(&mut buf), None, "an error is not a byte");
        let err = ahead.take_into(&mut buf).unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        assert!(!ahead.is_pending());
    }

    #[test]
    fn an_empty_buffer_takes_nothing() {
        let ahead = ReadAhead::new();
        ahead.keep(BYTE | 7);
        assert!(ahead.take_into(&mut []).is_none());
        assert!(ahead.is_pending());
    }
}
