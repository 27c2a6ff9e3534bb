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
