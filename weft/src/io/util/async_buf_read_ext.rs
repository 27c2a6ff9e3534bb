//! `AsyncBufReadExt`: line and delimiter helpers for every `AsyncBufRead`.

use std::pin::Pin;

use super::fill_buf::{fill_buf, FillBuf};
use super::lines::{lines, Lines};
use super::method_future::future_methods;
use super::read_until::{read_line, read_until, ReadLine, ReadUntil};
use super::split::{split, Split};
use crate::io::AsyncBufRead;

/// Helpers for every [`AsyncBufRead`], each returning a future or a
/// reader adapter.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncBufReadExt, BufReader};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut lines = BufReader::new(&b"a\nb\n"[..]).lines();
/// let mut n = 0;
/// while let Some(_line) = lines.next_line().await? {
///     n += 1;
/// }
/// assert_eq!(n, 2);
/// # Ok(())
/// # }
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    future_methods! {
        /// Reads up to and including `byte` (or to end of file), appending to
        /// `buf`; returns how many bytes were read (`0` at end of file).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: bytes read before the future is dropped are already in
        /// `buf`, and calling again continues until `byte`.
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncBufReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut reader: &[u8] = b"key=value";
        /// let mut buf = Vec::new();
        /// reader.read_until(b'=', &mut buf).await?;
        /// assert_eq!(buf, b"key=");
        /// # Ok(())
        /// # }
        /// ```
        fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil;

        /// Reads a line including its `\n` (or to end of file), appending to
        /// `buf`; returns how many bytes were read (`0` at end of file).
        ///
        /// # Errors
        ///
        /// `InvalidData` if the line is not valid UTF-8 (the inner error is
        /// the `std::str::Utf8Error`): `buf` is then left as it was. After
        /// another error `buf` keeps the (valid UTF-8) part of the line read
        /// so far, as tokio's. The reader's errors (an `Interrupted` read is retried).
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe in general: if the future is dropped before it
        /// completes, `buf` keeps the part of the line read so far only as far
        /// as it is valid UTF-8 (a character cut in half at the end is lost);
        /// calling again continues the line.
        fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine;
    }

    /// The segments of this reader separated by `byte` (see [`Split`]).
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        split(self, byte)
    }

    future_methods! {
        /// The buffered bytes, filling the buffer first if it is empty; an
        /// empty slice means end of file. Call [`consume`](Self::consume)
        /// afterwards for the bytes used.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe.
        ///
        /// # Examples
        ///
        /// ```
        /// use weft::io::AsyncBufReadExt;
        /// # #[weft::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// let mut reader: &[u8] = b"abc";
        /// assert_eq!(reader.fill_buf().await?, b"abc");
        /// reader.consume(2);
        /// assert_eq!(reader.fill_buf().await?, b"c");
        /// # Ok(())
        /// # }
        /// ```
        fn fill_buf(&mut self) -> FillBuf;
    }

    /// Marks `amt` buffered bytes as used (see
    /// [`AsyncBufRead::consume`]).
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        AsyncBufRead::consume(Pin::new(self), amt)
    }

    /// The lines of this reader (see [`Lines`]).
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        lines(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
