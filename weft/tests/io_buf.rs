//! `BufReader`, `BufWriter`, `BufStream`, `copy_buf`; stdout/stderr
//! through the blocking pool.

mod support;

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use support::rt_test;
use weft::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufStream, BufWriter,
};

/// A writer that records every call it receives.
#[derive(Default)]
struct Recorder {
    writes: Vec<Vec<u8>>,
    flushes: usize,
    shutdowns: usize,
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.writes.push(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    support::current_thread_rt().block_on(f)
}

#[test]
fn buf_writer_flushes_on_capacity_flush_and_shutdown() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, Recorder::default());
        w.write_all(b"abc").await.unwrap();
        w.write_all(b"defg").await.unwrap();
        assert!(w.get_ref().writes.is_empty(), "7 bytes fit in 8");
        assert_eq!(w.buffer(), b"abcdefg");
        w.write_all(b"hi").await.unwrap();
        assert_eq!(
            w.get_ref().writes,
            [b"abcdefg".to_vec()],
            "overflow writes the buffer out"
        );
        assert_eq!(w.buffer(), b"hi");
        // A write as large as the buffer bypasses it (after the buffer).
        w.write_all(b"0123456789").await.unwrap();
        assert_eq!(
            w.get_ref().writes[1..],
            [b"hi".to_vec(), b"0123456789".to_vec()]
        );
        w.write_all(b"z").await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().writes.last().unwrap(), b"z");
        assert_eq!(w.get_ref().flushes, 1);
        w.write_all(b"end").await.unwrap();
        w.shutdown().await.unwrap();
        assert_eq!(w.get_ref().writes.last().unwrap(), b"end");
        assert_eq!(w.get_ref().shutdowns, 1);
        assert!(w.buffer().is_empty());

        let mut v = BufWriter::with_capacity(16, Vec::new());
        let n = v
            .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
            .await
            .unwrap();
        assert_eq!(n, 4);
        v.flush().await.unwrap();
        assert_eq!(v.into_inner(), b"abcd");
    });
}

/// A vectored write to a writer that takes one slice at a time (the
/// `Recorder`) buffers every whole slice that fits, so the inner writer
/// gets one large write instead of one per slice (as tokio's `BufWriter`);
/// a first slice as large as the buffer goes straight through, after it.
#[test]
fn buf_writer_coalesces_slices_for_a_writer_without_vectored_writes() {
    block_on(async {
        let mut w = BufWriter::with_capacity(8, Recorder::default());
        let slices = [
            IoSlice::new(b"foo "),
            IoSlice::new(b"bar "),
            IoSlice::new(b"baz"),
        ];
        assert_eq!(
            w.write_vectored(&slices).await.unwrap(),
            8,
            "the two that fit"
        );
        assert_eq!(w.buffer(), b"foo bar ");
        assert!(w.get_ref().writes.is_empty(), "nothing written yet");
        let rest = [IoSlice::new(b""), IoSlice::new(b"baz")];
        assert_eq!(w.write_vectored(&rest).await.unwrap(), 3);
        assert_eq!(
            w.get_ref().writes,
            [b"foo bar ".to_vec()],
            "one write for both"
        );
        assert_eq!(w.buffer(), b"baz");
        let big = [IoSlice::new(b"0123456789"), IoSlice::new(b"x")];
        assert_eq!(
            w.write_vectored(&big).await.unwrap(),
            10,
            "the large slice alone"
        );
        assert_eq!(
            w.get_ref().writes[1..],
            [b"baz".to_vec(), b"0123456789".to_vec()]
        );
        assert_eq!(w.write_vectored(&[IoSlice::new(b"")]).await.unwrap(), 0);
    });
}

#[test]
fn buf_reader_buffers_and_bypasses() {
    block_on(async {
        let data: Vec<u8> = (0..=255).collect();
        let mut r = BufReader::with_capacity(16, &data[..]);
        let mut small = [0u8; 3];
        r.read_exact(&mut small).await.unwrap();
        assert_eq!(small, [0, 1, 2]);
        assert_eq!(r.buffer().len(), 13);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, &data[3..]);

        let mut lines = BufReader::with_capacity(2, &b"long line here\nx"[..]).lines();
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("long line here")
        );
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn copy_buf_copies_everything() {
    block_on(async {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let mut reader = BufReader::with_capacity(100, &data[..]);
        let mut out = Vec::new();
        assert_eq!(
            weft::io::copy_buf(&mut reader, &mut out).await.unwrap(),
            50_000
        );
        assert_eq!(out, data);
    });
}

rt_test! {
    fn buf_stream_round_trip(rt: &Runtime) {
        rt.block_on(async {
            let (a, b) = weft::io::duplex(32);
            let mut a = BufStream::with_capacity(8, 8, a);
            let mut b = BufStream::new(b);
            let peer = weft::spawn(async move {
                let mut line = String::new();
                b.read_line(&mut line).await.unwrap();
                b.write_all(line.to_uppercase().as_bytes()).await.unwrap();
                b.flush().await.unwrap();
            });
            a.write_all(b"hello buffered world\n").await.unwrap();
            a.flush().await.unwrap();
            let mut reply = String::new();
            a.read_line(&mut reply).await.unwrap();
            assert_eq!(reply, "HELLO BUFFERED WORLD\n");
            peer.await.unwrap();
        });
    }

    fn stdout_and_stderr_write_through_the_blocking_pool(rt: &Runtime) {
        rt.block_on(async {
            let mut out = weft::io::stdout();
            out.write_all(b"").await.unwrap();
            out.flush().await.unwrap();
            let mut err = weft::io::stderr();
            err.write_all(b"").await.unwrap();
            err.shutdown().await.unwrap();
        });
    }
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn a_buf_reader_needs_room() {
    let _ = weft::io::BufReader::with_capacity(0, &b"data"[..]);
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn a_buf_stream_needs_read_room() {
    let _ = weft::io::BufStream::with_capacity(0, 8, std::io::Cursor::new(Vec::new()));
}
