//! `ErrorKind::Interrupted` is retried by the helpers that loop over
//! reads or writes, as tokio's and std's are (an interrupted call did
//! nothing); and `copy_buf` flushes its writer whenever the reader has
//! nothing yet, so a proxy whose peer answers only once it got the bytes
//! does not wait forever.

mod support;

use std::collections::VecDeque;
use std::io::{self, ErrorKind, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use weft::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter,
    ReadBuf,
};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    support::block_on_thread(future)
}

/// Plays a script of reads: each step is some bytes or an interruption.
struct ScriptedReader {
    steps: VecDeque<Option<&'static [u8]>>,
    interruptions: usize,
}

fn reader(steps: &[Option<&'static [u8]>]) -> ScriptedReader {
    ScriptedReader {
        steps: steps.iter().copied().collect(),
        interruptions: 0,
    }
}

impl AsyncRead for ScriptedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.steps.pop_front() {
            Some(None) => {
                self.interruptions += 1;
                Poll::Ready(Err(ErrorKind::Interrupted.into()))
            }
            Some(Some(bytes)) => {
                buf.put_slice(bytes);
                Poll::Ready(Ok(()))
            }
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Interrupts every other write; takes at most `limit` bytes per write.
struct InterruptingWriter {
    out: Vec<u8>,
    limit: usize,
    interrupt_next: bool,
    interruptions: usize,
}

fn writer(limit: usize) -> InterruptingWriter {
    InterruptingWriter {
        out: Vec::new(),
        limit,
        interrupt_next: true,
        interruptions: 0,
    }
}

impl InterruptingWriter {
    fn interrupt(&mut self) -> bool {
        let interrupt = self.interrupt_next;
        self.interrupt_next = !interrupt;
        self.interruptions += usize::from(interrupt);
        interrupt
    }
}

impl AsyncWrite for InterruptingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.interrupt() {
            return Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        let n = buf.len().min(self.limit);
        self.out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        self.poll_write(cx, first)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn reads_retry_an_interruption() {
    let mut r = reader(&[None, Some(b"ab"), None, Some(b"cd")]);
    let mut buf = [0u8; 4];
    block_on(r.read_exact(&mut buf)).unwrap();
    assert_eq!(&buf, b"abcd");
    assert_eq!(r.interruptions, 2);

    let mut r = reader(&[Some(b"ab"), None, Some(b"cd"), None]);
    let mut all = Vec::new();
    assert_eq!(block_on(r.read_to_end(&mut all)).unwrap(), 4);
    assert_eq!(all, b"abcd");
    assert_eq!(r.interruptions, 2);

    let mut r = reader(&[None, Some(b"h"), None, Some(b"i")]);
    let mut text = String::new();
    assert_eq!(block_on(r.read_to_string(&mut text)).unwrap(), 2);
    assert_eq!(text, "hi");

    let mut r = reader(&[Some(&[0, 0]), None, Some(&[1, 2])]);
    assert_eq!(block_on(r.read_u32()).unwrap(), 0x0102);
    assert_eq!(r.interruptions, 1);

    let mut r = BufReader::new(reader(&[None, Some(b"one\ntwo"), None, Some(b"\n")]));
    let mut line = String::new();
    block_on(r.read_line(&mut line)).unwrap();
    assert_eq!(line, "one\n");
    line.clear();
    block_on(r.read_line(&mut line)).unwrap();
    assert_eq!(line, "two\n");
    assert_eq!(r.get_ref().interruptions, 2);
}

#[test]
fn a_read_that_is_not_interrupted_still_fails() {
    struct Failing;
    impl AsyncRead for Failing {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(Err(ErrorKind::ConnectionReset.into()))
        }
    }
    let mut buf = [0u8; 1];
    let err = block_on(Failing.read_exact(&mut buf)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
}

#[test]
fn writes_retry_an_interruption() {
    let mut w = writer(2);
    block_on(w.write_all(b"hello")).unwrap();
    assert_eq!(w.out, b"hello");
    assert_eq!(w.interruptions, 3);

    let mut w = writer(1);
    block_on(w.write_u16(0x0102)).unwrap();
    assert_eq!(w.out, [1, 2]);
    assert_eq!(w.interruptions, 2);

    let mut w = writer(3);
    let mut src = Buf::chain(&b"ab"[..], &b"cde"[..]);
    block_on(w.write_all_buf(&mut src)).unwrap();
    assert_eq!(w.out, b"abcde");
    assert!(w.interruptions >= 2);

    let mut w = BufWriter::with_capacity(8, writer(8));
    block_on(w.write_all(b"buffered")).unwrap();
    block_on(w.flush()).unwrap();
    assert_eq!(w.get_ref().out, b"buffered");
    assert_eq!(w.get_ref().interruptions, 1);
}

#[test]
fn copies_retry_an_interruption() {
    let mut r = reader(&[None, Some(b"ab"), None, Some(b"cd")]);
    let mut w = writer(1);
    assert_eq!(block_on(weft::io::copy(&mut r, &mut w)).unwrap(), 4);
    assert_eq!(w.out, b"abcd");
    assert_eq!(r.interruptions, 2);
    assert_eq!(w.interruptions, 4);

    let mut r = BufReader::new(reader(&[None, Some(b"ab"), None, Some(b"cd")]));
    let mut w = writer(1);
    assert_eq!(block_on(weft::io::copy_buf(&mut r, &mut w)).unwrap(), 4);
    assert_eq!(w.out, b"abcd");
    assert_eq!(r.get_ref().interruptions, 2);
    assert_eq!(w.interruptions, 4);
}

/// Keeps everything written until flushed, then writes it to `inner`.
struct HoldsUntilFlush {
    held: Vec<u8>,
    inner: weft::io::DuplexStream,
    flushes: usize,
}

impl AsyncWrite for HoldsUntilFlush {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.held.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        this.flushes += 1;
        while !this.held.is_empty() {
            let n = std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, &this.held))?;
            this.held.drain(..n);
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[test]
fn copy_buf_flushes_while_its_reader_waits() {
    // The copy reads what it itself writes (through the writer's buffer
    // and a pipe): it only progresses if the writer is flushed whenever the
    // reader has nothing. Without that flush it would wait forever (the
    // watchdog would fire).
    let _watchdog = support::Watchdog::new("copy_buf_flushes_while_its_reader_waits");
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let (read_end, write_end) = weft::io::duplex(1024);
        let mut reader = BufReader::new(read_end).take(1024);
        let mut writer = HoldsUntilFlush {
            held: Vec::new(),
            inner: write_end,
            flushes: 0,
        };
        writer.write_all(&[0x42; 512]).await.unwrap();
        writer.flush().await.unwrap();
        let copied = weft::io::copy_buf(&mut reader, &mut writer).await.unwrap();
        assert_eq!(copied, 1024);
        assert!(writer.flushes >= 2, "flushed while the reader waited");
    });
}
