//! A send of the caller's own bytes, ended when the call returns: the
//! copy-free path of `RingStream::poll_write` (`uring/stream.rs`).
//!
//! # Design note
//!
//! `poll_write` lends its bytes for one call, and a completion-based send
//! keeps reading them until its completion. So a send of the lent bytes
//! must be over before `poll_write` returns, or the bytes must be copied
//! first (the stream's write-behind path, which stages a copy). A send
//! with `MSG_DONTWAIT` is over in time: io_uring issues a new entry inline,
//! inside the `io_uring_enter` that submits it, and `MSG_DONTWAIT` marks
//! the request no-wait, so a socket without room ends it with `EAGAIN` at
//! once rather than arming a poll and retrying later. Either way its
//! completion is posted before the enter returns, and the kernel is done
//! with the bytes (they are in the socket's queue, or not taken at all).
//!
//! So a write to a stream with nothing staged and no send in flight is
//! sent from the caller's buffer (one or more slices, `IORING_OP_SEND` or
//! `IORING_OP_SENDMSG`), with no copy and no buffer of the stream's own: a
//! plain or vectored write (hyper's, `write_all_buf`'s) that finds room in
//! the socket costs one `io_uring_enter` and nothing else. Only a socket
//! without room (`EAGAIN`) makes the stream copy the bytes and wait with
//! them (write-behind, so `poll_write` still returns at once, as before).
//!
//! An entry that has not ended when the enter returns (the kernel refused
//! the enter for lack of resources and left it queued, or a kernel armed a
//! poll for it anyway) is cancelled and waited for before the call
//! returns ([`RingShared::run_borrowed`]): correctness never rests on the
//! inline issue, only speed does.

use super::ring::RingShared;
use io_uring::{opcode, types};
use std::io;
use std::os::fd::RawFd;

/// The most slices one send takes (`UIO_MAXIOV`): the rest wait for the
/// next write, as a short write.
const MAX_SLICES: usize = 1024;

/// Sends what it can of `bufs` on stream socket `fd` through `ring` now,
/// from the caller's memory; the kernel is done with `bufs` when this
/// returns. `None`: nothing was sent because the socket had no room (or
/// the ring none, or the send was cancelled before it ran): the caller
/// copies the bytes and sends them when the socket has room.
pub(super) fn send_now(ring: &RingShared, fd: RawFd, bufs: &[io::IoSlice<'_>]) -> Option<io::Result<usize>> {
    send_now_with_flags(ring, fd, bufs, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT)
}

/// [`send_now`] with the send's flags given (tests leave `MSG_DONTWAIT`
/// out to make a send wait for room, the case that must be cancelled).
pub(super) fn send_now_with_flags(
    ring: &RingShared,
    fd: RawFd,
    bufs: &[io::IoSlice<'_>],
    flags: i32,
) -> Option<io::Result<usize>> {
    let result = match bufs {
        [one] => {
            // The result is an `i32`: a longer write is a short one.
            let len = one.len().min(i32::MAX as usize) as u32;
            let entry = opcode::Send::new(types::Fd(fd), one.as_ptr(), len)
                .flags(flags)
                .build();
            // SAFETY: `one` is borrowed for this whole call, and
            // `run_borrowed` returns only once the kernel is done with it.
            unsafe { ring.run_borrowed(entry) }?
        }
        _ => {
            let slices = &bufs[..bufs.len().min(MAX_SLICES)];
            // SAFETY: all-zero is a valid `msghdr` (no name, no control
            // data, no slices yet).
            let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
            // `IoSlice` is ABI-compatible with `iovec` on Unix (std
            // guarantees it); the kernel only reads the slices.
            message.msg_iov = slices.as_ptr().cast_mut().cast::<libc::iovec>();
            message.msg_iovlen = slices.len() as _;
            let entry = opcode::SendMsg::new(types::Fd(fd), &message)
                .flags(flags as u32)
                .build();
            // SAFETY: `message`, the slice array and the bytes it names
            // live until this call returns, and `run_borrowed` returns only
            // once the kernel is done with them.
            unsafe { ring.run_borrowed(entry) }?
        }
    };
    match result {
        sent if sent >= 0 => Some(Ok(sent as usize)),
        // No room in the socket, or cancelled before it ran: nothing was
        // sent.
        error if error == -libc::EAGAIN || error == -libc::ECANCELED => None,
        error => Some(Err(io::Error::from_raw_os_error(-error))),
    }
}
