//! What the sockets' `try_read_buf`/`recv_buf` methods share: one read
//! into the writable chunk of a `bytes::BufMut`, as tokio's take.
//!
//! The chunk (`BufMut::chunk_mut`; a full `Vec` or `BytesMut` grows to
//! offer one) is passed uninitialized to the system call, and the buffer
//! is advanced by what the call reports; nothing is zeroed.

use std::io;
use std::mem::MaybeUninit;

use bytes::BufMut;

/// Runs `read` on `buf`'s writable chunk and advances `buf` by the count
/// it reports; returns `read`'s result. `read` must have initialized the
/// first `n` bytes it reports (a `recv` into the slice does).
pub(crate) fn read_into_buf_mut<B, T>(
    buf: &mut B,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, T)>,
) -> io::Result<T>
where
    B: BufMut + ?Sized,
{
    let chunk = buf.chunk_mut();
    // SAFETY: `read` only lets the system call write bytes into the slice,
    // never an uninitialized one.
    let chunk = unsafe { chunk.as_uninit_slice_mut() };
    let room = chunk.len();
    let (n, value) = read(chunk)?;
    assert!(n <= room, "a read reported more bytes than it was given");
    // SAFETY: `read` initialized the first `n` bytes of the chunk (its
    // contract), and `n` is within the chunk (checked above).
    unsafe { buf.advance_mut(n) };
    Ok(value)
}
