//! `copy_bidirectional`: two copies at once, between two streams.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::copy::CopyBuffer;
use crate::io::{AsyncRead, AsyncWrite};

/// One direction's progress.
#[derive(Debug)]
enum Transfer {
    /// Copying.
    Running(CopyBuffer),
    /// The reader ended and everything was written: shutting the writer
    /// down. Holds the byte count.
    ShuttingDown(u64),
    /// Finished with this byte count.
    Done(u64),
}

impl Transfer {
    /// Drives this direction: copies `reader` into `writer`, then shuts
    /// the writer down; returns the byte count.
    fn poll<R: AsyncRead + ?Sized, W: AsyncWrite + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>> {
        loop {
            match self {
                Transfer::Running(buf) => {
                    let amt = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                    *self = Transfer::ShuttingDown(amt);
                }
                Transfer::ShuttingDown(amt) => {
                    ready!(writer.as_mut().poll_shutdown(cx))?;
                    *self = Transfer::Done(*amt);
                }
                Transfer::Done(amt) => return Poll::Ready(Ok(*amt)),
            }
        }
    }
}

/// Copies data both ways between `a` and `b` at the same time, until both
/// directions are done; returns `(bytes a→b, bytes b→a)`.
///
/// When one side's reader reaches end of file, the other side is shut
/// down (its write side closed) once everything was written; the other
/// direction goes on until it ends too.
///
/// # Errors
///
/// The first error of either direction (the other direction stops too).
///
/// # Cancel safety
///
/// Not cancel safe: buffered bytes are lost if the future is dropped.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut client, mut proxy_a) = weft::io::duplex(64);
/// let (mut proxy_b, mut server) = weft::io::duplex(64);
/// let proxy = weft::spawn(async move {
///     weft::io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await
/// });
/// client.write_all(b"ping").await?;
/// client.shutdown().await?;
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// server.write_all(b"pong!").await?;
/// drop(server);
/// let mut back = Vec::new();
/// client.read_to_end(&mut back).await?;
/// assert_eq!((got.as_slice(), back.as_slice()), (&b"ping"[..], &b"pong!"[..]));
/// assert_eq!(proxy.await.unwrap()?, (4, 5));
/// # Ok(())
/// # }
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_both(a, b, CopyBuffer::new(), CopyBuffer::new()).await
}

/// [`copy_bidirectional`] with buffers of the given sizes: `a_to_b_buf_size`
/// bytes for the direction `a`→`b`, `b_to_a_buf_size` for the other (the
/// default is 8 KiB each).
///
/// # Errors
///
/// As for [`copy_bidirectional`].
///
/// # Panics
///
/// If either size is 0, like tokio's.
///
/// # Cancel safety
///
/// Not cancel safe: buffered bytes are lost if the future is dropped.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut client, mut proxy_a) = weft::io::duplex(1024);
/// let (mut proxy_b, mut server) = weft::io::duplex(1024);
/// let proxy = weft::spawn(async move {
///     // Large uploads, small replies.
///     weft::io::copy_bidirectional_with_sizes(&mut proxy_a, &mut proxy_b, 64 * 1024, 512).await
/// });
/// client.write_all(&[7; 3000]).await?;
/// client.shutdown().await?;
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// drop(server);
/// assert_eq!(got.len(), 3000);
/// assert_eq!(proxy.await.unwrap()?, (3000, 0));
/// # Ok(())
/// # }
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    copy_both(
        a,
        b,
        CopyBuffer::with_size(a_to_b_buf_size),
        CopyBuffer::with_size(b_to_a_buf_size),
    )
    .await
}

async fn copy_both<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: CopyBuffer,
    b_to_a: CopyBuffer,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::Running(a_to_b);
    let mut b_to_a = Transfer::Running(b_to_a);
    poll_fn(|cx| {
        let a_to_b = a_to_b.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let b_to_a = b_to_a.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    })
    .await
}
