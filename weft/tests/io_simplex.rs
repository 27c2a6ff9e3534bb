//! `io::simplex` / `SimplexStream`: order, backpressure (a full pipe makes
//! the writer wait and the reader's progress wakes it), end of file after
//! shutdown, `BrokenPipe` after it, vectored writes, `unsplit`, and two
//! tasks streaming through the halves on every runtime flavor.

mod support;

use std::io::{ErrorKind, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use support::*;
use weft::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf, SimplexStream};

#[derive(Default)]
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_full_pipe_makes_the_writer_wait_until_the_reader_reads() {
    let mut pipe = SimplexStream::new_unsplit(4);
    let wakes = Arc::new(CountWakes::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);

    let wrote = Pin::new(&mut pipe).poll_write(&mut cx, b"abcdef");
    assert!(matches!(wrote, Poll::Ready(Ok(4))), "{wrote:?}");
    assert!(Pin::new(&mut pipe).poll_write(&mut cx, b"ef").is_pending());
    assert_eq!(wakes.0.load(SeqCst), 0);

    let mut storage = [0u8; 3];
    let mut buf = ReadBuf::new(&mut storage);
    assert!(Pin::new(&mut pipe).poll_read(&mut cx, &mut buf).is_ready());
    assert_eq!(buf.filled(), b"abc");
    assert_eq!(wakes.0.load(SeqCst), 1, "making room woke the writer");
    assert!(matches!(
        Pin::new(&mut pipe).poll_write(&mut cx, b"ef"),
        Poll::Ready(Ok(2))
    ));
}

#[test]
fn an_empty_pipe_makes_the_reader_wait_until_a_write() {
    let mut pipe = SimplexStream::new_unsplit(16);
    let wakes = Arc::new(CountWakes::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut storage = [0u8; 8];
    let mut buf = ReadBuf::new(&mut storage);
    assert!(Pin::new(&mut pipe)
        .poll_read(&mut cx, &mut buf)
        .is_pending());
    let written = Pin::new(&mut pipe).poll_write_vectored(
        &mut cx,
        &[IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")],
    );
    assert!(matches!(written, Poll::Ready(Ok(4))));
    assert!(pipe.is_write_vectored());
    assert_eq!(wakes.0.load(SeqCst), 1, "the write woke the reader");
    assert!(Pin::new(&mut pipe).poll_read(&mut cx, &mut buf).is_ready());
    assert_eq!(buf.filled(), b"abcd");
}

#[test]
fn shutdown_gives_eof_after_the_buffer_and_broken_pipe_to_writes() {
    current_thread_rt().block_on(async {
        let mut pipe = SimplexStream::new_unsplit(64);
        pipe.write_all(b"last words").await.unwrap();
        pipe.shutdown().await.unwrap();
        let err = pipe.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        let mut text = String::new();
        pipe.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "last words");
        assert_eq!(pipe.read(&mut [0u8; 4]).await.unwrap(), 0, "EOF stays");
    });
}

#[test]
fn shutdown_wakes_a_waiting_reader() {
    let (mut read, mut write) = weft::io::simplex(8);
    let wakes = Arc::new(CountWakes::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut storage = [0u8; 8];
    let mut buf = ReadBuf::new(&mut storage);
    assert!(Pin::new(&mut read)
        .poll_read(&mut cx, &mut buf)
        .is_pending());
    assert!(Pin::new(&mut write).poll_shutdown(&mut cx).is_ready());
    assert_eq!(wakes.0.load(SeqCst), 1);
    assert!(matches!(
        Pin::new(&mut read).poll_read(&mut cx, &mut buf),
        Poll::Ready(Ok(()))
    ));
    assert!(buf.filled().is_empty(), "end of file");
}

#[test]
fn halves_unsplit_into_one_stream() {
    current_thread_rt().block_on(async {
        let (reader, writer) = weft::io::simplex(64);
        let mut pipe = reader.unsplit(writer);
        pipe.write_all(b"hello").await.unwrap();
        let mut buf = [0u8; 5];
        pipe.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
    });
}

#[test]
#[should_panic(expected = "max_buf_size must be at least 1")]
fn a_zero_sized_pipe_is_refused() {
    let _ = SimplexStream::new_unsplit(0);
}

rt_test! {
    fn two_tasks_stream_through_the_halves(rt: &Runtime) {
        let _watchdog = Watchdog::new("two_tasks_stream_through_the_halves");
        rt.block_on(async {
            let (mut reader, mut writer) = weft::io::simplex(13);
            let data: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
            let expected = data.clone();
            let producer = weft::spawn(async move {
                for chunk in data.chunks(1000) {
                    writer.write_all(chunk).await.unwrap();
                }
                writer.shutdown().await.unwrap();
            });
            let consumer = weft::spawn(async move {
                let mut all = Vec::new();
                reader.read_to_end(&mut all).await.unwrap();
                all
            });
            producer.await.unwrap();
            assert_eq!(consumer.await.unwrap(), expected, "no byte lost or reordered");
        });
    }
}
