//! What the sockets' `try_read_buf`/`recv_buf` methods share: a read into
//! the spare capacity of a `Vec<u8>`.
//!
//! tokio's methods take any `bytes::BufMut`; weft has no `bytes`
//! dependency and takes a `Vec<u8>`, as `AsyncReadExt::read_buf` does. A
//! `Vec` with no spare capacity first grows by [`MIN_RESERVE`] bytes (as
//! `BufMut::chunk_mut` grows a full `Vec`), so the read always has room.

use std::io;
use std::mem::MaybeUninit;

/// Bytes reserved when the vector is full.
const MIN_RESERVE: usize = 64;

/// Runs `read` on `buf`'s spare capacity (never zeroed) and appends the
/// bytes it reports; returns `read`'s result. `read` must have
/// initialized the first `n` bytes it reports (a `recv` into the slice
/// does).
pub(crate) fn read_into_spare<T>(
    buf: &mut Vec<u8>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, T)>,
) -> io::Result<T> {
    if buf.capacity() == buf.len() {
        buf.reserve(MIN_RESERVE);
    }
    let spare = buf.spare_capacity_mut();
    let room = spare.len();
    let (n, value) = read(spare)?;
    assert!(n <= room, "a read reported more bytes than it was given");
    // SAFETY: `read` initialized the first `n` spare bytes (its contract),
    // and `n` is within the spare capacity (checked above).
    unsafe { buf.set_len(buf.len() + n) };
    Ok(value)
}
