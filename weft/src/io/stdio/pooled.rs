//! `Pooled`: drives a blocking `std::io` handle from async code by
//! running each operation on the blocking pool.
//!
//! # Design note
//!
//! The adapter is owned by one task and is never shared, so it needs no
//! lock: at any time the handle `T` and the byte buffer are either here
//! (`Idle`) or moved into the one closure running on the blocking pool
//! (`Busy`), which hands both back through its `JoinHandle`. Writes copy
//! the caller's bytes into the buffer, start the blocking write and return
//! `Ready(n)` at once; the next operation waits for it first and reports
//! its error, if any (as tokio's stdout does). Reads fill the buffer on the
//! pool and copy out of it; bytes left over serve the next read.
//!
//! Every read, write and flush spends a unit of the cooperative budget
//! (tokio's rule for its standard streams): they often complete at once.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::ReadBuf;
use crate::runtime::coop;
use crate::task::{spawn_blocking, JoinHandle};

/// Largest chunk one blocking operation moves.
const MAX_BUF: usize = 2 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Pooled<T> {
    /// `None` while `Busy`, or after the pool lost the handle (a panic).
    inner: Option<T>,
    state: State<T>,
    /// A write finished (or started) since the last flush.
    need_flush: bool,
}

#[derive(Debug)]
enum State<T> {
    Idle(Option<Buf>),
    Busy(JoinHandle<(Operation, Buf, T)>),
}

#[derive(Debug)]
enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Flush(io::Result<()>),
}

/// Bytes `pos..end` of `bytes` are read but not yet handed out (for
/// reads), or waiting to be written (for writes). `bytes` only grows: its
/// length is how much of the buffer has ever been initialised, so a read
/// zeroes each byte of the buffer once, not once per read.
#[derive(Debug, Default)]
struct Buf {
    bytes: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    fn clear(&mut self) {
        self.pos = 0;
        self.end = 0;
    }

    /// The bytes not yet handed out or written.
    fn data(&self) -> &[u8] {
        &self.bytes[self.pos..self.end]
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) {
        let n = (self.end - self.pos).min(dst.remaining());
        dst.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
    }

    /// Replaces the contents with `src`.
    fn fill_from(&mut self, src: &[u8]) {
        let overlap = self.bytes.len().min(src.len());
        self.bytes[..overlap].copy_from_slice(&src[..overlap]);
        self.bytes.extend_from_slice(&src[overlap..]);
        self.pos = 0;
        self.end = src.len();
    }

    fn read_from<R: Read>(&mut self, reader: &mut R, max: usize) -> io::Result<usize> {
        if self.bytes.len() < max {
            self.bytes.resize(max, 0);
        }
        self.clear();
        loop {
            match reader.read(&mut self.bytes[..max]) {
                Ok(n) => {
                    self.end = n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn lost() -> io::Error {
    io::Error::other("the blocking stdio handle was lost (a blocking operation panicked)")
}

impl<T> Pooled<T> {
    pub(crate) fn new(inner: T) -> Pooled<T> {
        Pooled {
            inner: Some(inner),
            state: State::Idle(Some(Buf::default())),
            need_flush: false,
        }
    }
}

impl<T: Send + 'static> Pooled<T> {
    /// Waits for the running operation, takes the handle and buffer back,
    /// and returns what the operation did.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Operation>> {
        let State::Busy(handle) = &mut self.state else {
            unreachable!("poll_busy while idle")
        };
        let result = ready!(Pin::new(handle).poll(cx));
        match result {
            Ok((operation, buf, inner)) => {
                self.inner = Some(inner);
                self.state = State::Idle(Some(buf));
                Poll::Ready(Ok(operation))
            }
            Err(e) => {
                self.state = State::Idle(Some(Buf::default()));
                Poll::Ready(Err(io::Error::other(e)))
            }
        }
    }

    /// Runs `f` with the handle and buffer on the blocking pool.
    fn start(
        &mut self,
        mut buf: Buf,
        f: impl FnOnce(&mut T, &mut Buf) -> Operation + Send + 'static,
    ) -> io::Result<()> {
        let Some(mut inner) = self.inner.take() else {
            self.state = State::Idle(Some(buf));
            return Err(lost());
        };
        self.state = State::Busy(spawn_blocking(move || {
            let operation = f(&mut inner, &mut buf);
            (operation, buf, inner)
        }));
        Ok(())
    }

    fn take_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => buf.take().unwrap_or_default(),
            State::Busy(_) => unreachable!("take_buf while busy"),
        }
    }
}

impl<T: Read + Send + 'static> Pooled<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        coop::poll_budgeted(cx, |cx| self.poll_read_inner(cx, dst))
    }

    fn poll_read_inner(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Idle(_) => {
                    let mut buf = self.take_buf();
                    if !buf.is_empty() {
                        buf.copy_to(dst);
                        self.state = State::Idle(Some(buf));
                        return Poll::Ready(Ok(()));
                    }
                    let max = dst.remaining().min(MAX_BUF);
                    self.start(buf, move |inner, buf| {
                        Operation::Read(buf.read_from(inner, max))
                    })?;
                }
                State::Busy(_) => match ready!(self.poll_busy(cx))? {
                    Operation::Read(Ok(_)) => {
                        let mut buf = self.take_buf();
                        buf.copy_to(dst);
                        self.state = State::Idle(Some(buf));
                        return Poll::Ready(Ok(()));
                    }
                    Operation::Read(Err(e)) => return Poll::Ready(Err(e)),
                    // A write's or flush's result nobody waited for: report
                    // its error, else go on with the read.
                    Operation::Write(Err(e)) | Operation::Flush(Err(e)) => {
                        return Poll::Ready(Err(e))
                    }
                    Operation::Write(Ok(())) | Operation::Flush(Ok(())) => {}
                },
            }
        }
    }
}

impl<T: Write + Send + 'static> Pooled<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        coop::poll_budgeted(cx, |cx| self.poll_write_inner(cx, src))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        coop::poll_budgeted(cx, |cx| self.poll_flush_inner(cx))
    }

    fn poll_write_inner(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            match &mut self.state {
                State::Idle(_) => {
                    let mut buf = self.take_buf();
                    let n = src.len().min(MAX_BUF);
                    buf.fill_from(&src[..n]);
                    self.start(buf, |inner, buf| {
                        let result = inner.write_all(buf.data());
                        buf.clear();
                        Operation::Write(result)
                    })?;
                    self.need_flush = true;
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => match ready!(self.poll_busy(cx))? {
                    Operation::Write(Err(e)) | Operation::Flush(Err(e)) => {
                        return Poll::Ready(Err(e))
                    }
                    _ => {}
                },
            }
        }
    }

    fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Idle(_) if self.need_flush => {
                    let buf = self.take_buf();
                    self.start(buf, |inner, _| Operation::Flush(inner.flush()))?;
                    self.need_flush = false;
                }
                State::Idle(_) => return Poll::Ready(Ok(())),
                State::Busy(_) => match ready!(self.poll_busy(cx))? {
                    Operation::Write(Err(e)) | Operation::Flush(Err(e)) => {
                        return Poll::Ready(Err(e))
                    }
                    _ => {}
                },
            }
        }
    }
}
