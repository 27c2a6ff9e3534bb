//! Reading into a `Vec<u8>`'s spare capacity without zeroing it: the one
//! step `read_to_end` and `read_to_string` share.
//!
//! The spare capacity is handed to the reader as an uninitialised
//! [`ReadBuf`]. A reader that needs initialised memory (one that calls
//! [`ReadBuf::initialize_unfilled`], as any adapter over a `std::io::Read`
//! must) zeroes it, and may fill less than it zeroed. [`VecRead`]
//! remembers how much of the spare capacity is then known to be
//! initialised, so the next read of the same future declares those bytes
//! initialised instead of having the reader zero them again: a loop of
//! small reads into a large vector zeroes each byte once, not once per read.
//!
//! **Growth** is tokio's policy (its `io_read_to_end` tests pin the
//! capacities): every read has at least `MIN_RESERVE` bytes of room, so
//! the vector grows (amortized doubling) when less is left. But while the
//! vector is still in the allocation the caller gave, a read with less
//! room than that goes into a small buffer on the stack first, and only
//! bytes that do not fit make the vector grow: a vector with room for the
//! whole input is never reallocated, not even to learn that the input
//! ended exactly at its capacity.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// The least room a read into the vector gets (and the size of the
/// stack buffer of a read that probes first).
const MIN_RESERVE: usize = 32;

/// What a reading future keeps between its reads into one vector: how
/// many bytes just past the vector's length are known to be initialised,
/// and for which state of the vector that holds; and whether the future
/// has grown the vector (see the module's note on growth).
///
/// The count is valid only while the vector is the one it was recorded for
/// with the same allocation and length: a reallocation (`reserve`) does not
/// carry the spare bytes over, so any change makes it count nothing.
#[derive(Debug, Default)]
pub(crate) struct VecRead {
    /// Initialised bytes at `len..len + count` of the allocation.
    count: usize,
    /// Address of the allocation, its capacity and the vector's length when
    /// `count` was recorded.
    addr: usize,
    capacity: usize,
    len: usize,
    /// This future reserved room in the vector.
    grew: bool,
}

impl VecRead {
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

/// Reads once from `reader` into `vec`'s spare capacity (making room
/// first, or reading into a small buffer first: the module's note on
/// growth), appending what was read. Returns the count (0 at end of file).
/// `state` carries what the reads into one vector know from one call to the
/// next; pass the same one for every read into the same vector.
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer:
/// the bytes would not be in `vec`, so its length cannot be extended.
pub(crate) fn poll_read_into_vec<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    state: &mut VecRead,
) -> Poll<io::Result<usize>> {
    if vec.capacity() - vec.len() < MIN_RESERVE {
        if !state.grew {
            return poll_probe(reader, cx, vec, state);
        }
        vec.reserve(MIN_RESERVE);
    }
    let known = state.known(vec);
    let len = vec.len();
    let spare = vec.spare_capacity_mut();
    let start = spare.as_ptr();
    let mut buf = ReadBuf::uninit(spare);
    // SAFETY: `VecRead::known` vouches for `known <= buf.remaining()`
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
            state.record(vec, initialized);
            return Poll::Ready(Err(e));
        }
        Poll::Pending => {
            state.record(vec, initialized);
            return Poll::Pending;
        }
    };
    // SAFETY: `buf` is the vector's spare capacity (checked above: same
    // start; a `ReadBuf`'s capacity never grows), and its first `n` bytes
    // are filled, hence initialized; `len + n <= capacity`.
    unsafe { vec.set_len(len + n) };
    state.record(vec, initialized - n);
    Poll::Ready(Ok(n))
}

/// A read while the vector, still in the caller's allocation, has less
/// room than `MIN_RESERVE`: into a stack buffer, then appended; the vector
/// grows only if the bytes do not fit.
fn poll_probe<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    state: &mut VecRead,
) -> Poll<io::Result<usize>> {
    let mut small = [MaybeUninit::<u8>::uninit(); MIN_RESERVE];
    let mut buf = ReadBuf::uninit(&mut small);
    ready!(reader.poll_read(cx, &mut buf))?;
    let got = buf.filled();
    if got.len() > vec.capacity() - vec.len() {
        vec.reserve(MIN_RESERVE);
        state.grew = true;
    }
    vec.extend_from_slice(got);
    Poll::Ready(Ok(got.len()))
}
