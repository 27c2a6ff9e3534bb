//! `BufStream`: a read buffer and a write buffer around one stream.

use std::pin::Pin;

use super::adapter::forward_io;
use super::buf_reader::BufReader;
use super::buf_writer::BufWriter;
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite};

/// Buffers both directions of a stream: a [`BufReader`] around a
/// [`BufWriter`]. As with `BufWriter`, flush before dropping it.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (client, mut server) = weft::io::duplex(64);
/// let mut stream = BufStream::new(client);
/// stream.write_all(b"ping\n").await?;
/// stream.flush().await?;
/// server.write_all(b"pong\n").await?;
/// let mut line = String::new();
/// stream.read_line(&mut line).await?;
/// assert_eq!(line, "pong\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BufStream<RW> {
    // Structurally pinned (see `project`).
    inner: BufReader<BufWriter<RW>>,
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// A `BufStream` with 8 KiB buffers.
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::new(BufWriter::new(stream)),
        }
    }

    /// A `BufStream` with the given buffer sizes.
    ///
    /// # Panics
    ///
    /// If `reader_capacity` is 0, as [`BufReader::with_capacity`](crate::io::BufReader::with_capacity).
    #[track_caller]
    pub fn with_capacity(
        reader_capacity: usize,
        writer_capacity: usize,
        stream: RW,
    ) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

/// The same two buffers, as a `BufStream` (nothing buffered is lost).
impl<RW> From<BufReader<BufWriter<RW>>> for BufStream<RW> {
    fn from(inner: BufReader<BufWriter<RW>>) -> BufStream<RW> {
        BufStream { inner }
    }
}

/// The same two buffers, the other way round, as a `BufStream` (nothing
/// buffered is lost: the read buffer still holds its unread bytes, the
/// write buffer its unwritten ones).
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter};
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = weft::io::duplex(64);
/// b.write_all(b"ab").await?;
/// let mut layered = BufWriter::new(BufReader::new(a));
/// layered.write_all(b"x").await?; // buffered, not yet sent
/// let mut stream = BufStream::from(layered);
/// stream.flush().await?;
/// let mut got = [0u8; 2];
/// stream.read_exact(&mut got).await?;
/// assert_eq!(&got, b"ab");
/// let mut sent = [0u8; 1];
/// b.read_exact(&mut sent).await?;
/// assert_eq!(&sent, b"x");
/// # Ok(())
/// # }
/// ```
impl<RW> From<BufWriter<BufReader<RW>>> for BufStream<RW> {
    fn from(layered: BufWriter<BufReader<RW>>) -> BufStream<RW> {
        let (reader, write_state) = layered.into_parts();
        let (stream, read_state) = reader.into_parts();
        BufStream {
            inner: BufReader::from_parts(BufWriter::from_parts(stream, write_state), read_state),
        }
    }
}

impl<RW> BufStream<RW> {
    /// The inner stream.
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// The inner stream, mutably; using it directly bypasses the buffers.
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// The pinned inner stream.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.project().get_pin_mut().get_pin_mut()
    }

    /// Unwraps the inner stream; buffered data is lost.
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }

    fn project(self: Pin<&mut Self>) -> Pin<&mut BufReader<BufWriter<RW>>> {
        // SAFETY: structural pinning of the only field: it is never moved
        // out of a pinned `BufStream` (only `into_inner`, by value), there
        // is no `Drop` impl, and the auto `Unpin` impl follows the field's.
        unsafe { self.map_unchecked_mut(|this| &mut this.inner) }
    }
}

// Every call goes to the inner `BufReader<BufWriter<RW>>`.
forward_io! {
    impl[RW: AsyncRead + AsyncWrite] AsyncRead for BufStream<RW> => project
}

forward_io! {
    impl[RW: AsyncRead + AsyncWrite] AsyncBufRead for BufStream<RW> => project
}

forward_io! {
    impl[RW: AsyncRead + AsyncWrite] AsyncWrite for BufStream<RW> => project, inner
}

forward_io! {
    /// Seeking writes out the write buffer and discards the read buffer.
    impl[RW: AsyncRead + AsyncWrite + AsyncSeek] AsyncSeek for BufStream<RW> => project
}
