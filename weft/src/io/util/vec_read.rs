//! Reading into a `Vec<u8>`'s spare capacity without zeroing it: the one
//! step `read_to_end`, `read_to_string` and `read_buf` share.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Bytes reserved when the vector has no spare capacity left.
const MIN_RESERVE: usize = 32;

/// Reads once from `reader` into `vec`'s spare capacity (reserving some
/// if there is none), appending what was read. Returns the count (0 at end
/// of file).
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer:
/// the bytes would not be in `vec`, so its length cannot be extended.
pub(crate) fn poll_read_into_vec<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
) -> Poll<io::Result<usize>> {
    if vec.capacity() == vec.len() {
        vec.reserve(MIN_RESERVE);
    }
    let spare = vec.spare_capacity_mut();
    let start = spare.as_ptr();
    let mut buf = ReadBuf::uninit(spare);
    ready!(reader.poll_read(cx, &mut buf))?;
    assert!(
        std::ptr::eq(buf.filled().as_ptr(), start.cast::<u8>()),
        "AsyncRead::poll_read replaced the ReadBuf it was given"
    );
    let n = buf.filled().len();
    let new_len = vec.len() + n;
    // SAFETY: `buf` is the vector's spare capacity (checked above: same
    // start; a `ReadBuf`'s capacity never grows), and its first `n` bytes
    // are filled, hence initialized; `new_len <= capacity`.
    unsafe { vec.set_len(new_len) };
    Poll::Ready(Ok(n))
}
