//! Reads that learn how much the receive queue still holds (`TCP_INQ`).
//!
//! # Design note
//!
//! An edge-triggered reader may forget a socket's readiness only once it
//! knows the receive queue is empty. A read that fills the caller's buffer
//! says nothing about what is left, so the usual loop pays a second system
//! call that only returns `WouldBlock` (`EAGAIN`). Request/response
//! protocols meet this on every message, since the reader asks for exactly
//! the frame it expects: on a 1 KiB TCP echo it is one read in three.
//!
//! Linux (4.18 and later) reports the bytes left in the queue after each
//! `recvmsg` as a `TCP_CM_INQ` control message once the socket option
//! `TCP_INQ` is on. weft turns it on for every `TcpStream` and reads with
//! `recvmsg`: when the queue is left empty, the readiness is forgotten at
//! once and the next read waits for the next edge without a system call.
//! Data that arrives after the read raises a new edge, which the readiness
//! tick keeps (`ScheduledIo::clear_readiness`), and closed states are never
//! forgotten, so nothing is missed. The option changes nothing else: the
//! bytes read, `peek`, and a descriptor handed to other code behave as
//! without it.
//!
//! Where the option is refused (an older kernel), no control message comes
//! back and nothing is forgotten: the readiness stays until a read says
//! `WouldBlock`, as everywhere else. A short read alone proves nothing (the
//! peer's next segment may already be queued), and clearing on it would
//! make `readable()` or `poll_read_ready` wait for an edge that may never
//! come; only the kernel's count makes the clearing invisible. Reads go
//! into uninitialized memory either way. An idea tokio does not use; the
//! option is the kernel's (`tcp(7)`).

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::RawFd;

/// Turns `TCP_INQ` on for `fd` where the kernel has it (a refusal only
/// means reads never forget the readiness early).
pub(super) fn enable(fd: RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: `on` is a valid `c_int` for the call's duration, and its
    // size is the length given; `fd` is the caller's open socket.
    let result = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INQ,
            (&on as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    let _ = result;
}

/// Room for one `TCP_CM_INQ` message (`CMSG_SPACE(sizeof(int))`), aligned
/// for `cmsghdr`.
#[repr(C, align(8))]
struct Control([u8; 32]);

/// Reads into `buf` (which may be uninitialized: the kernel only writes
/// it). Returns how many bytes came and whether the queue is now empty.
pub(super) fn recv(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<(usize, bool)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: one vector, over `buf`, writable for its whole length.
    unsafe { recv_vectored(fd, &mut iov, 1) }
}

/// As [`recv`], into several buffers.
pub(super) fn recv_into_slices(
    fd: RawFd,
    bufs: &mut [io::IoSliceMut<'_>],
) -> io::Result<(usize, bool)> {
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std
    // guarantees it), and each one is a writable buffer of its length.
    unsafe { recv_vectored(fd, bufs.as_mut_ptr().cast(), bufs.len()) }
}

/// Reads into `count` vectors; says whether the
/// kernel reported the queue empty (`TCP_CM_INQ`).
///
/// # Safety
///
/// `iov` points at `count` vectors, each over memory writable for its
/// length, all valid for the call.
unsafe fn recv_vectored(
    fd: RawFd,
    iov: *mut libc::iovec,
    count: usize,
) -> io::Result<(usize, bool)> {
    let mut control = Control([0; 32]);
    // SAFETY: all-zero is a valid `msghdr` (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = count as _;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    // SAFETY: `msg` points at the caller's vectors (valid, per this
    // function's contract) and at `control`, both alive for the call.
    let read = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if read < 0 {
        return Err(io::Error::last_os_error());
    }
    let read = read as usize;
    // End of stream (0) leaves the readiness alone: it stays readable.
    // Only the kernel's count proves the queue empty (module note).
    let drained = queue_left(&msg) == Some(0);
    Ok((read, read > 0 && drained))
}

/// The `TCP_CM_INQ` value in `msg`'s control data, if the kernel sent one.
fn queue_left(msg: &libc::msghdr) -> Option<libc::c_int> {
    // SAFETY: `msg` came back from `recvmsg`, so its control pointer and
    // length describe what the kernel wrote; the `CMSG_*` helpers stay
    // within that length.
    unsafe {
        let mut header = libc::CMSG_FIRSTHDR(msg);
        while !header.is_null() {
            if (*header).cmsg_level == libc::IPPROTO_TCP && (*header).cmsg_type == libc::TCP_CM_INQ
            {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(header).cast::<libc::c_int>(),
                ));
            }
            header = libc::CMSG_NXTHDR(msg, header);
        }
    }
    None
}

#[cfg(all(test, not(miri), not(weft_loom)))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    fn read(fd: RawFd, len: usize) -> (usize, bool) {
        let mut buf = vec![MaybeUninit::uninit(); len];
        recv(fd, &mut buf).unwrap()
    }

    #[test]
    fn the_kernel_says_when_a_full_read_emptied_the_queue() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        enable(ours.as_raw_fd());
        peer.write_all(b"0123456789").unwrap();
        let mut seen = [0u8; 10];
        while ours.peek(&mut seen).unwrap() < 10 {}
        assert_eq!(read(ours.as_raw_fd(), 4), (4, false), "6 bytes are left");
        // Fills the buffer exactly: only TCP_INQ can tell it was the last.
        assert_eq!(read(ours.as_raw_fd(), 6), (6, true));
    }

    #[test]
    fn without_the_option_nothing_counts_as_emptying() {
        // A Unix socket has no TCP_INQ: no control message comes back.
        let (mut peer, ours) = std::os::unix::net::UnixStream::pair().unwrap();
        peer.write_all(b"0123456789").unwrap();
        assert_eq!(read(ours.as_raw_fd(), 4), (4, false));
        assert_eq!(
            read(ours.as_raw_fd(), 6),
            (6, false),
            "a full read says nothing"
        );
        peer.write_all(b"abc").unwrap();
        assert_eq!(
            read(ours.as_raw_fd(), 8),
            (3, false),
            "nor does a short one: only the kernel's count proves the queue empty"
        );
    }
}
