//! Asynchronous I/O: traits, helpers and in-memory streams.
//!
//! The four traits are the asynchronous versions of `std::io`'s:
//! [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`] and [`AsyncSeek`]. Their
//! `poll_*` methods are what I/O types implement; code that *uses* I/O
//! calls the `async`-style helpers of the extension traits instead
//! ([`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`],
//! [`AsyncSeekExt`]), which are implemented for every type with the base
//! trait. Reads go into a [`ReadBuf`], which lets a reader fill memory
//! that was never zeroed.
//!
//! ```
//! use weft::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let (client, mut server) = weft::io::duplex(1024);
//! let echo = weft::spawn(async move {
//!     let mut buf = vec![0u8; 64];
//!     loop {
//!         let n = server.read(&mut buf).await?;
//!         if n == 0 {
//!             return std::io::Result::Ok(());
//!         }
//!         server.write_all(&buf[..n]).await?;
//!     }
//! });
//!
//! let (read, mut write) = weft::io::split(client);
//! write.write_all(b"hello\nworld\n").await?;
//! let mut lines = BufReader::new(read).lines();
//! assert_eq!(lines.next_line().await?.as_deref(), Some("hello"));
//! assert_eq!(lines.next_line().await?.as_deref(), Some("world"));
//! drop(write);
//! drop(lines); // both halves gone: the echo task sees end of file
//! echo.await.unwrap()?;
//! # Ok(())
//! # }
//! ```
//!
//! # What is here
//!
//! The four traits and [`ReadBuf`] are always available; the rest needs a
//! feature (all of them are in the default `full`).
//!
//! With feature `io-util`, the extension traits and:
//!
//! * Buffering: [`BufReader`], [`BufWriter`], [`BufStream`].
//! * Moving bytes: [`copy`], [`copy_buf`], [`copy_bidirectional`].
//! * In-memory streams: [`duplex`] (a two-way pipe with backpressure),
//!   [`simplex`] (a one-way one), [`empty`], [`sink`], [`repeat`].
//! * [`split`] any stream into halves usable from two tasks.
//!
//! And:
//!
//! * The process's standard streams: [`stdin`], [`stdout`], [`stderr`]
//!   (feature `io-std`; they run on the blocking pool).
//! * [`Interest`] and [`Ready`], the readiness flags of the reactor.
//! * `unix::AsyncFd` (feature `net`): readiness for any file descriptor.
//! * Other camps' traits: with feature `futures-io` (on by default) weft's
//!   I/O types also implement `futures_io::{AsyncRead, AsyncWrite,
//!   AsyncBufRead}`, and crates written for that camp take weft's types as
//!   is. tokio's and hyper's traits come through adapters, in the crates
//!   `weft-tokio-io` and `weft-hyper` (see the [crate docs](crate) for why
//!   they are not features).
//!
//! Everything except the standard streams works on any executor (it needs
//! no weft runtime). Inside a weft runtime, everything here that can
//! complete without waiting spends the task's cooperative budget, so a loop
//! over it still lets the other tasks run: the in-memory streams
//! ([`duplex`], [`simplex`], [`empty`], [`sink`], [`repeat`]: every read,
//! write, flush and shutdown), the standard streams, and each round of
//! [`copy`], [`copy_buf`] and [`copy_bidirectional`] (even between ends
//! that know nothing of the budget, such as a `&[u8]` and a `Vec<u8>`).

/// Unix-specific I/O: `AsyncFd`, readiness for any file descriptor.
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod unix;

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
mod interest;
mod read_buf;
mod ready;
#[cfg(feature = "io-util")]
mod split;
#[cfg(feature = "io-util")]
mod util;

#[cfg(feature = "io-std")]
mod stdio;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use interest::Interest;
pub use read_buf::ReadBuf;
pub use ready::Ready;

#[cfg(feature = "io-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "io-util")))]
pub use split::{split, ReadHalf, WriteHalf};
#[cfg(feature = "io-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "io-util")))]
pub use util::{
    async_buf_read_ext::AsyncBufReadExt,
    async_read_ext::AsyncReadExt,
    async_seek_ext::AsyncSeekExt,
    async_write_ext::AsyncWriteExt,
    buf_reader::BufReader,
    buf_stream::BufStream,
    buf_writer::BufWriter,
    chain::Chain,
    copy::copy,
    copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes},
    copy_buf::copy_buf,
    duplex::{duplex, DuplexStream},
    empty::{empty, Empty},
    join::{join, Join},
    lines::Lines,
    repeat::{repeat, Repeat},
    simplex::{simplex, SimplexStream},
    sink::{sink, Sink},
    split::Split,
    take::Take,
};

#[cfg(feature = "io-std")]
#[cfg_attr(docsrs, doc(cfg(feature = "io-std")))]
pub use stdio::{stderr, stdin, stdout, OutputStream, StdWriter, Stderr, Stdin, Stdout};

/// The futures returned by the extension traits' methods. Most code just
/// `.await`s them without naming them.
#[cfg(feature = "io-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "io-util")))]
pub mod futures {
    pub use super::util::fill_buf::FillBuf;
    pub use super::util::flush::Flush;
    pub use super::util::read::Read;
    pub use super::util::read_buf::ReadBufFut;
    pub use super::util::read_exact::ReadExact;
    pub use super::util::read_int::ReadInt;
    pub use super::util::read_to_end::ReadToEnd;
    pub use super::util::read_to_string::ReadToString;
    pub use super::util::read_until::{ReadLine, ReadUntil};
    pub use super::util::seek::{Rewind, Seek};
    pub use super::util::shutdown::Shutdown;
    pub use super::util::write::{Write, WriteVectored};
    pub use super::util::write_all::WriteAll;
    pub use super::util::write_buf::{WriteAllBuf, WriteBuf};
    pub use super::util::write_int::WriteInt;
}

/// The `std::io` items weft's I/O API uses, re-exported for convenience
/// as tokio does.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
