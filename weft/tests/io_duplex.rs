//! `duplex`: backpressure, EOF and `BrokenPipe`, a 10 MiB copy through a
//! small buffer, `copy_bidirectional`'s counts.

mod support;

use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use support::{poll_once, rt_test};
use weft::io::{AsyncReadExt, AsyncWriteExt};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

#[test]
fn writer_pends_when_full_and_resumes_after_a_read() {
    let (mut a, mut b) = weft::io::duplex(4);
    let mut write = Box::pin(a.write(b"abcdef"));
    match poll_once(&mut write) {
        std::task::Poll::Ready(Ok(n)) => assert_eq!(n, 4, "only the room is taken"),
        other => panic!("{other:?}"),
    }
    drop(write);
    let mut more = Box::pin(a.write(b"x"));
    assert!(poll_once(&mut more).is_pending(), "full: the writer waits");
    let mut buf = [0u8; 2];
    let mut read = Box::pin(b.read(&mut buf));
    assert!(matches!(
        poll_once(&mut read),
        std::task::Poll::Ready(Ok(2))
    ));
    drop(read);
    assert!(matches!(
        poll_once(&mut more),
        std::task::Poll::Ready(Ok(1))
    ));
}

#[test]
fn eof_after_peer_drop_and_broken_pipe_after_reader_drop() {
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let (mut a, mut b) = weft::io::duplex(64);
        a.write_all(b"last").await.unwrap();
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last", "buffered bytes first, then EOF");
        let err = b.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);

        let (mut a, b) = weft::io::duplex(64);
        a.shutdown().await.unwrap();
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
        drop(b);
    });
}

#[test]
fn a_pending_reader_is_woken_by_the_peer_drop() {
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let (a, mut b) = weft::io::duplex(8);
        let reader = weft::spawn(async move {
            let mut buf = [0u8; 8];
            b.read(&mut buf).await.unwrap()
        });
        weft::task::yield_now().await;
        drop(a);
        assert_eq!(reader.await.unwrap(), 0);
    });
}

rt_test! {
    fn copy_10_mib_through_a_small_duplex(rt: &Runtime) {
        const LEN: usize = 10 * 1024 * 1024;
        let data = Arc::new(pattern(LEN));
        rt.block_on(async {
            let (mut client, mut server) = weft::io::duplex(1024);
            let pendings = Arc::new(AtomicUsize::new(0));
            let source = data.clone();
            let counter = pendings.clone();
            let writer = weft::spawn(async move {
                // Write in chunks larger than the pipe: each write_all must
                // wait for the reader (backpressure).
                for chunk in source.chunks(64 * 1024) {
                    let mut rest = chunk;
                    while !rest.is_empty() {
                        let mut fut = Box::pin(client.write(rest));
                        let n = std::future::poll_fn(|cx| {
                            let poll = fut.as_mut().poll(cx);
                            if poll.is_pending() {
                                counter.fetch_add(1, SeqCst);
                            }
                            poll
                        })
                        .await
                        .unwrap();
                        rest = &rest[n..];
                    }
                }
                client.shutdown().await.unwrap();
            });
            let mut received = Vec::with_capacity(LEN);
            let n = weft::io::copy(&mut server, &mut received).await.unwrap();
            writer.await.unwrap();
            assert_eq!(n, LEN as u64);
            assert!(received == *data, "contents differ");
            assert!(pendings.load(SeqCst) > 0, "the writer never had to wait");
        });
    }

    fn copy_bidirectional_reports_both_counts(rt: &Runtime) {
        rt.block_on(async {
            let (mut client, mut proxy_a) = weft::io::duplex(100);
            let (mut proxy_b, mut server) = weft::io::duplex(100);
            let proxy = weft::spawn(async move {
                weft::io::copy_bidirectional(&mut proxy_a, &mut proxy_b).await
            });
            let up = pattern(5000);
            let down = pattern(7777);
            let up2 = up.clone();
            let client_task = weft::spawn(async move {
                client.write_all(&up2).await.unwrap();
                client.shutdown().await.unwrap();
                let mut back = Vec::new();
                client.read_to_end(&mut back).await.unwrap();
                back
            });
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, up);
            server.write_all(&down).await.unwrap();
            server.shutdown().await.unwrap();
            let back = client_task.await.unwrap();
            assert_eq!(back, down);
            assert_eq!(proxy.await.unwrap().unwrap(), (5000, 7777));
        });
    }

    fn duplex_ends_move_between_tasks(rt: &Runtime) {
        rt.block_on(async {
            let (mut a, mut b) = weft::io::duplex(16);
            let echo = weft::spawn(async move {
                let mut buf = [0u8; 7];
                loop {
                    let n = b.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    b.write_all(&buf[..n]).await.unwrap();
                }
            });
            for i in 0..200u32 {
                a.write_u32(i).await.unwrap();
                assert_eq!(a.read_u32().await.unwrap(), i);
            }
            drop(a);
            echo.await.unwrap();
        });
    }
}

#[test]
#[should_panic(expected = "max_buf_size must be at least 1")]
fn zero_sized_duplex_panics() {
    let _ = weft::io::duplex(0);
}

#[test]
fn duplex_is_send_sync() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<weft::io::DuplexStream>();
}

use std::future::Future;

/// A waker whose `Drop` writes into a duplex end (user code reaching the
/// very pipe whose lock stored the waker).
struct WriteOnDrop(Arc<std::sync::Mutex<weft::io::DuplexStream>>);

impl std::task::Wake for WriteOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for WriteOnDrop {
    fn drop(&mut self) {
        use weft::io::AsyncWrite;
        let mut end = self.0.lock().unwrap();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let written = std::pin::Pin::new(&mut *end).poll_write(&mut cx, b"x");
        assert!(matches!(written, std::task::Poll::Ready(Ok(1))));
    }
}

/// A replaced waker is dropped after the pipe's lock is released: its
/// `Drop` may write into the same pipe without deadlocking.
#[test]
fn a_replaced_waker_may_use_the_pipe_when_dropped() {
    use weft::io::{AsyncRead, ReadBuf};
    let _watchdog = support::Watchdog::new("a_replaced_waker_may_use_the_pipe_when_dropped");
    let (writer, mut reader) = weft::io::duplex(64);
    let writer = Arc::new(std::sync::Mutex::new(writer));
    let mut storage = [0u8; 8];
    let mut buf = ReadBuf::new(&mut storage);
    {
        let waker = std::task::Waker::from(Arc::new(WriteOnDrop(writer.clone())));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(std::pin::Pin::new(&mut reader)
            .poll_read(&mut cx, &mut buf)
            .is_pending());
    }
    // Another waker replaces (and drops) the first: it writes "x".
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let _ = std::pin::Pin::new(&mut reader).poll_read(&mut cx, &mut buf);
    let read = std::pin::Pin::new(&mut reader).poll_read(&mut cx, &mut buf);
    assert!(read.is_ready());
    assert_eq!(buf.filled(), b"x");
}

#[test]
fn a_vectored_write_fills_the_room_across_slices() {
    use std::io::IoSlice;
    let (mut a, mut b) = weft::io::duplex(8);
    assert!(weft::io::AsyncWrite::is_write_vectored(&a));
    let slices = [
        IoSlice::new(b"abc"),
        IoSlice::new(b"defg"),
        IoSlice::new(b"hij"),
    ];
    let n = support::block_on_thread(a.write_vectored(&slices)).unwrap();
    assert_eq!(n, 8, "as much as the pipe has room for, across slices");
    drop(a);
    let mut got = Vec::new();
    support::block_on_thread(b.read_to_end(&mut got)).unwrap();
    assert_eq!(got, b"abcdefgh");
}

#[test]
fn zero_length_operations_complete_at_once() {
    use std::io::IoSlice;
    let (mut a, _b) = weft::io::duplex(1);
    // Nothing to read yet, and a read into no room: done, not pending.
    assert!(matches!(
        poll_once(&mut a.read(&mut [])),
        std::task::Poll::Ready(Ok(0))
    ));
    // A full pipe, and nothing to write: done, not pending.
    support::block_on_thread(a.write_all(b"x")).unwrap();
    assert!(matches!(
        poll_once(&mut a.write(&[])),
        std::task::Poll::Ready(Ok(0))
    ));
    let empty = [IoSlice::new(&[]), IoSlice::new(&[])];
    assert!(matches!(
        poll_once(&mut a.write_vectored(&empty)),
        std::task::Poll::Ready(Ok(0))
    ));
    // A closed pipe still refuses even an empty write.
    let (mut c, d) = weft::io::duplex(1);
    drop(d);
    let err = support::block_on_thread(c.write(&[])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);

    let mut simplex = weft::io::SimplexStream::new_unsplit(1);
    assert!(matches!(
        poll_once(&mut simplex.read(&mut [])),
        std::task::Poll::Ready(Ok(0))
    ));
    support::block_on_thread(simplex.write_all(b"x")).unwrap();
    assert!(matches!(
        poll_once(&mut simplex.write(&[])),
        std::task::Poll::Ready(Ok(0))
    ));
}
