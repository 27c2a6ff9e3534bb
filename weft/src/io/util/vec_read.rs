//! Reading into a `Vec<u8>`'s spare capacity without zeroing it: the one
//! step `read_to_end` and `read_to_string` share.
//!
//! The spare capacity is handed to the reader as an uninitialised
//! [`ReadBuf`]. A reader that needs initialised memory (one that calls
//! [`ReadBuf::initialize_unfilled`], as any adapter over a `std::io::Read`
//! must) zeroes it, and may fill less than it zeroed. [`SpareInit`]
//! remembers how much of the spare capacity is then known to be
//! initialised, so the next read of the same future declares those bytes
//! initialised instead of having the reader zero them again: a loop of
//! small reads into a large vector zeroes each byte once, not once per read.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Bytes reserved when the vector has no spare capacity left.
const MIN_RESERVE: usize = 32;

/// How many bytes just past a vector's length are known to be initialised,
/// and for which state of the vector that holds.
///
/// The count is valid only while the vector is the one it was recorded for
/// with the same allocation and length: a reallocation (`reserve`) does not
/// carry the spare bytes over, so any change makes it count nothing.
#[derive(Debug, Default)]
pub(crate) struct SpareInit {
    /// Initialised bytes at `len..len + count` of the allocation.
    count: usize,
    /// Address of the allocation, its capacity and the vector's length when
    /// `count` was recorded.
    addr: usize,
    capacity: usize,
    len: usize,
}

impl SpareInit {
    /// The recorded count if it applies to `vec` as it is now, else 0.
    fn known(&self, vec: &Vec<u8>) -> usize {
        let same = self.addr == vec.as_ptr() as usize
            && self.capacity == vec.capacity()
            && self.len == vec.len();
        if same {
            self.count.min(vec.capacity() - vec.len())
        } else {
            0
        }
    }

    /// Records that `count` bytes past `vec`'s length are initialised.
    fn record(&mut self, vec: &Vec<u8>, count: usize) {
        self.count = count;
        self.addr = vec.as_ptr() as usize;
        self.capacity = vec.capacity();
        self.len = vec.len();
    }
}

/// Reads once from `reader` into `vec`'s spare capacity (reserving some
/// if there is none), appending what was read. Returns the count (0 at end
/// of file). `init` carries what is known to be initialised from one call
/// to the next (see the module docs); pass the same one for every read
/// into the same vector.
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer:
/// the bytes would not be in `vec`, so its length cannot be extended.
pub(crate) fn poll_read_into_vec<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    init: &mut SpareInit,
) -> Poll<io::Result<usize>> {
    if vec.capacity() == vec.len() {
        vec.reserve(MIN_RESERVE);
    }
    let known = init.known(vec);
    let len = vec.len();
    let spare = vec.spare_capacity_mut();
    let start = spare.as_ptr();
    let mut buf = ReadBuf::uninit(spare);
    // SAFETY: `SpareInit::known` vouches for `known <= buf.remaining()`
    // spare bytes initialised by an earlier read into this allocation at
    // this length, untouched since (it checks both).
    unsafe { buf.assume_init(known) };
    let result = reader.poll_read(cx, &mut buf);
    assert!(
        std::ptr::eq(buf.filled().as_ptr(), start.cast::<u8>()),
        "AsyncRead::poll_read replaced the ReadBuf it was given"
    );
    // Whatever the outcome, bytes the reader initialised stay so.
    let initialized = buf.initialized().len();
    let n = match result {
        Poll::Ready(Ok(())) => buf.filled().len(),
        Poll::Ready(Err(e)) => {
            init.record(vec, initialized);
            return Poll::Ready(Err(e));
        }
        Poll::Pending => {
            init.record(vec, initialized);
            return Poll::Pending;
        }
    };
    // SAFETY: `buf` is the vector's spare capacity (checked above: same
    // start; a `ReadBuf`'s capacity never grows), and its first `n` bytes
    // are filled, hence initialized; `len + n <= capacity`.
    unsafe { vec.set_len(len + n) };
    init.record(vec, initialized - n);
    Poll::Ready(Ok(n))
}
