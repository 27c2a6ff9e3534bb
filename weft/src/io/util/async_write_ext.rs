//! `AsyncWriteExt`: `async`-style writing helpers for every `AsyncWrite`.

use std::io::IoSlice;

use super::flush::{flush, Flush};
use super::method_future::future_methods;
use super::shutdown::{shutdown, Shutdown};
use super::write::{write, write_vectored, Write, WriteVectored};
use super::write_all::{write_all, WriteAll};
use super::write_buf::{write_all_buf, write_buf, WriteAllBuf, WriteBuf};
use super::write_int::{write_int, WriteInt};
use crate::io::AsyncWrite;

macro_rules! write_number {
    ($($(#[$doc:meta])* $name:ident($ty:ty) $to_bytes:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// `WriteZero` if the writer accepts no more bytes; the writer's
        /// errors (an `Interrupted` write is retried).
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: if the future is dropped before it completes,
        /// part of the number may have been written.
        fn $name(&mut self, n: $ty) -> WriteInt<'_, Self>
        where
            Self: Unpin,
        {
            write_int(self, &n.$to_bytes())
        }
    )*};
}

/// Writing helpers for every [`AsyncWrite`], each returning a future.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncWriteExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut out = Vec::new();
/// out.write_u16(0x0102).await?;
/// out.write_u16_le(0x0102).await?;
/// out.write_all(b"!").await?;
/// out.flush().await?;
/// assert_eq!(out, [1, 2, 2, 1, b'!']);
/// # Ok(())
/// # }
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    future_methods! {
        /// Writes some of `buf`, returning how many bytes were written (`0`
        /// for a non-empty `buf` means the writer is closed).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: if the future is dropped before it completes, nothing
        /// was written.
        fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write;
    }

    /// Writes some of the bytes in `bufs`, in order, returning how many.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing
    /// was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use weft::io::AsyncWriteExt;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// let n = out.write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"c")]).await?;
    /// assert_eq!(n, 3);
    /// assert_eq!(out, b"abc");
    /// # Ok(())
    /// # }
    /// ```
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        write_vectored(self, bufs)
    }

    /// Writes some of the bytes of `src`, a [`bytes::Buf`], and advances it
    /// past them; returns how many (`0` if `src` is empty, or if the writer
    /// is closed).
    ///
    /// One write: of up to 64 of `src`'s chunks for a writer that prefers
    /// vectored writes ([`is_write_vectored`](AsyncWrite::is_write_vectored)),
    /// of its first chunk ([`Buf::chunk`](bytes::Buf::chunk)) otherwise.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing
    /// was written and `src` is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::Buf;
    /// use weft::io::AsyncWriteExt;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut out = Vec::new();
    /// let mut src: &[u8] = b"hello";
    /// assert_eq!(out.write_buf(&mut src).await?, 5);
    /// assert_eq!(out, b"hello");
    /// assert!(!src.has_remaining());
    /// # Ok(())
    /// # }
    /// ```
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        write_buf(self, src)
    }

    /// Writes all of `src`, a [`bytes::Buf`], advancing it as bytes are
    /// written.
    ///
    /// A writer that prefers vectored writes
    /// ([`is_write_vectored`](AsyncWrite::is_write_vectored)) gets up to 64
    /// of `src`'s chunks per write.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer accepts no more bytes; the writer's
    /// errors (an `Interrupted` write is retried). `src` has then been
    /// advanced past what was written.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that matters: `src` is advanced past
    /// exactly what was written, so dropping the future and calling again
    /// with the same `src` writes the rest.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::Buf;
    /// use weft::io::AsyncWriteExt;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, mut b) = weft::io::duplex(4);
    /// let writer = weft::spawn(async move {
    ///     // Two chunks, written over several small writes.
    ///     let mut src = (&b"hello "[..]).chain(&b"world"[..]);
    ///     a.write_all_buf(&mut src).await
    /// });
    /// let mut got = Vec::new();
    /// weft::io::AsyncReadExt::read_to_end(&mut b, &mut got).await?;
    /// writer.await.unwrap()?;
    /// assert_eq!(got, b"hello world");
    /// # Ok(())
    /// # }
    /// ```
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        write_all_buf(self, src)
    }

    future_methods! {
        /// Writes all of `buf`.
        ///
        /// # Errors
        ///
        /// `WriteZero` if the writer accepts no more bytes; the writer's
        /// errors (an `Interrupted` write is retried).
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: if the future is dropped before it completes, an
        /// unknown prefix of `buf` may have been written.
        fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll;

        /// Flushes buffered data to its destination.
        fn flush(&mut self) -> Flush;

        /// Flushes, then shuts down the write side.
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::{AsyncReadExt, AsyncWriteExt};
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let (mut a, mut b) = weft::io::duplex(64);
        /// a.write_all(b"bye").await?;
        /// a.shutdown().await?;
        /// let mut got = Vec::new();
        /// b.read_to_end(&mut got).await?; // ends: `a` shut down
        /// assert_eq!(got, b"bye");
        /// # Ok(())
        /// # }
        /// ```
        fn shutdown(&mut self) -> Shutdown;
    }

    write_number! {
        /// Writes an unsigned 8-bit integer.
        write_u8(u8) to_be_bytes;
        /// Writes a signed 8-bit integer.
        write_i8(i8) to_be_bytes;
        /// Writes a big-endian `u16`.
        write_u16(u16) to_be_bytes;
        /// Writes a big-endian `i16`.
        write_i16(i16) to_be_bytes;
        /// Writes a big-endian `u32`.
        write_u32(u32) to_be_bytes;
        /// Writes a big-endian `i32`.
        write_i32(i32) to_be_bytes;
        /// Writes a big-endian `u64`.
        write_u64(u64) to_be_bytes;
        /// Writes a big-endian `i64`.
        write_i64(i64) to_be_bytes;
        /// Writes a big-endian `u128`.
        write_u128(u128) to_be_bytes;
        /// Writes a big-endian `i128`.
        write_i128(i128) to_be_bytes;
        /// Writes a big-endian IEEE 754 `f32`.
        write_f32(f32) to_be_bytes;
        /// Writes a big-endian IEEE 754 `f64`.
        write_f64(f64) to_be_bytes;
        /// Writes a little-endian `u16`.
        write_u16_le(u16) to_le_bytes;
        /// Writes a little-endian `i16`.
        write_i16_le(i16) to_le_bytes;
        /// Writes a little-endian `u32`.
        write_u32_le(u32) to_le_bytes;
        /// Writes a little-endian `i32`.
        write_i32_le(i32) to_le_bytes;
        /// Writes a little-endian `u64`.
        write_u64_le(u64) to_le_bytes;
        /// Writes a little-endian `i64`.
        write_i64_le(i64) to_le_bytes;
        /// Writes a little-endian `u128`.
        write_u128_le(u128) to_le_bytes;
        /// Writes a little-endian `i128`.
        write_i128_le(i128) to_le_bytes;
        /// Writes a little-endian IEEE 754 `f32`.
        write_f32_le(f32) to_le_bytes;
        /// Writes a little-endian IEEE 754 `f64`.
        write_f64_le(f64) to_le_bytes;
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
