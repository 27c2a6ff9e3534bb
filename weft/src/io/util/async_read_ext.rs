//! `AsyncReadExt`: `async`-style reading helpers for every `AsyncRead`.

use super::chain::{chain, Chain};
use super::method_future::future_methods;
use super::read::{read, Read};
use super::read_buf::{read_buf, ReadBufFut};
use super::read_exact::{read_exact, ReadExact};
use super::read_int::{read_int, ReadInt};
use super::read_to_end::{read_to_end, ReadToEnd};
use super::read_to_string::{read_to_string, ReadToString};
use super::take::{take, Take};
use crate::io::AsyncRead;

macro_rules! read_number {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty, $le:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the reader ends first; the reader's errors (an
        /// `Interrupted` read is retried).
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: bytes already read are lost if the future is
        /// dropped before it completes.
        fn $name(&mut self) -> ReadInt<'_, Self, $ty>
        where
            Self: Unpin,
        {
            read_int(self, $le)
        }
    )*};
}

/// Reading helpers for every [`AsyncRead`], each returning a future.
///
/// Like [`std::io::Read`]'s methods, awaited instead of blocking.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = &[0, 0, 1, 0, 7, b'h', b'i'];
/// assert_eq!(reader.read_u32().await?, 256);
/// assert_eq!(reader.read_u8().await?, 7);
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "hi");
/// # Ok(())
/// # }
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`, a [`bytes::BufMut`] (a `Vec<u8>`, a
    /// `BytesMut`, ...), and advances it past them; returns how many: `0`
    /// at end of file, or when `buf` has no room and cannot grow.
    ///
    /// One read into `buf`'s writable chunk
    /// ([`BufMut::chunk_mut`](bytes::BufMut::chunk_mut): a full `Vec` or
    /// `BytesMut` reserves some first), which is never zeroed.
    ///
    /// # Panics
    ///
    /// If the reader replaces the [`ReadBuf`](crate::io::ReadBuf) it is
    /// given with another buffer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data
    /// was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut reader: &[u8] = b"abc";
    /// let mut buf = Vec::with_capacity(8);
    /// assert_eq!(reader.read_buf(&mut buf).await?, 3);
    /// assert_eq!(buf, b"abc");
    ///
    /// let mut reader: &[u8] = b"defg";
    /// let mut bytes = bytes::BytesMut::new();
    /// assert_eq!(reader.read_buf(&mut bytes).await?, 4);
    /// assert_eq!(&bytes[..], b"defg");
    /// # Ok(())
    /// # }
    /// ```
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFut<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        read_buf(self, buf)
    }

    future_methods! {
        /// Reads some bytes into `buf`, returning how many: `0` means end of
        /// file (or an empty `buf`).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: if the future is dropped before it completes, no data
        /// was read.
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut reader: &[u8] = b"abc";
        /// let mut buf = [0u8; 2];
        /// assert_eq!(reader.read(&mut buf).await?, 2);
        /// assert_eq!(&buf, b"ab");
        /// # Ok(())
        /// # }
        /// ```
        fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read;


        /// Reads exactly `buf.len()` bytes, returning that length.
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the reader ends first (the contents of `buf` are
        /// then unspecified); the reader's errors (an `Interrupted` read is
        /// retried).
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: bytes already read into `buf` are lost if the
        /// future is dropped before it completes.
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() {
        /// let mut reader: &[u8] = b"ab";
        /// let mut buf = [0u8; 3];
        /// let err = reader.read_exact(&mut buf).await.unwrap_err();
        /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        /// # }
        /// ```
        fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact;

        /// Reads until end of file, appending to `buf`; returns how many bytes
        /// were read.
        ///
        /// # Errors
        ///
        /// The reader's errors (an `Interrupted` read is retried); bytes read
        /// before the error stay in `buf`.
        ///
        /// # Cancel safety
        ///
        /// Bytes read before the future is dropped stay in `buf`, so a new
        /// call continues where it stopped (only the returned count is lost).
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut buf = b"x".to_vec();
        /// assert_eq!((&b"yz"[..]).read_to_end(&mut buf).await?, 2);
        /// assert_eq!(buf, b"xyz");
        /// # Ok(())
        /// # }
        /// ```
        fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd;

        /// Reads until end of file, appending to `buf` if the data is valid
        /// UTF-8; returns how many bytes were read.
        ///
        /// # Errors
        ///
        /// `InvalidData` if the data read is not valid UTF-8 (the inner error
        /// is the `std::str::Utf8Error`): nothing is then appended to `buf`.
        /// The reader's errors, with nothing appended to `buf` either (as
        /// tokio); an `Interrupted` read is retried.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: if the future is dropped before it completes, `buf`
        /// keeps what was read as far as it is valid UTF-8 (a character cut in
        /// half at the end is lost).
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut s = String::new();
        /// (&"héllo".as_bytes()[..]).read_to_string(&mut s).await?;
        /// assert_eq!(s, "héllo");
        /// # Ok(())
        /// # }
        /// ```
        fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString;
    }

    read_number! {
        /// Reads an unsigned 8-bit integer.
        read_u8 -> u8, false;
        /// Reads a signed 8-bit integer.
        read_i8 -> i8, false;
        /// Reads a big-endian `u16`.
        read_u16 -> u16, false;
        /// Reads a big-endian `i16`.
        read_i16 -> i16, false;
        /// Reads a big-endian `u32`.
        read_u32 -> u32, false;
        /// Reads a big-endian `i32`.
        read_i32 -> i32, false;
        /// Reads a big-endian `u64`.
        read_u64 -> u64, false;
        /// Reads a big-endian `i64`.
        read_i64 -> i64, false;
        /// Reads a big-endian `u128`.
        read_u128 -> u128, false;
        /// Reads a big-endian `i128`.
        read_i128 -> i128, false;
        /// Reads a big-endian IEEE 754 `f32`.
        read_f32 -> f32, false;
        /// Reads a big-endian IEEE 754 `f64`.
        read_f64 -> f64, false;
        /// Reads a little-endian `u16`.
        read_u16_le -> u16, true;
        /// Reads a little-endian `i16`.
        read_i16_le -> i16, true;
        /// Reads a little-endian `u32`.
        read_u32_le -> u32, true;
        /// Reads a little-endian `i32`.
        read_i32_le -> i32, true;
        /// Reads a little-endian `u64`.
        read_u64_le -> u64, true;
        /// Reads a little-endian `i64`.
        read_i64_le -> i64, true;
        /// Reads a little-endian `u128`.
        read_u128_le -> u128, true;
        /// Reads a little-endian `i128`.
        read_i128_le -> i128, true;
        /// Reads a little-endian IEEE 754 `f32`.
        read_f32_le -> f32, true;
        /// Reads a little-endian IEEE 754 `f64`.
        read_f64_le -> f64, true;
    }

    /// A reader that yields at most `limit` bytes of this one.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take(self, limit)
    }

    /// A reader that yields this one's bytes, then `next`'s.
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        chain(self, next)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
