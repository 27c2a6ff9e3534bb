//! `io::join` (a reader and a writer as one stream) and
//! `copy_bidirectional_with_sizes` (each direction's buffer size is used).

mod support;

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use support::rt_test;
use weft::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, Join};

/// A writer that records every write's length, flushes and shutdowns.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Log>>);

#[derive(Default, Debug)]
struct Log {
    data: Vec<u8>,
    writes: Vec<usize>,
    flushes: usize,
    shutdowns: usize,
}

impl AsyncWrite for Recorder {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut log = self.0.lock().unwrap();
        log.data.extend_from_slice(buf);
        log.writes.push(buf.len());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.lock().unwrap().flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.lock().unwrap().shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

rt_test! {
    fn join_reads_from_the_reader_and_writes_to_the_writer(rt: &Runtime) {
        rt.block_on(async {
            let out = Recorder::default();
            let mut joined: Join<BufReader<&[u8]>, Recorder> =
                weft::io::join(BufReader::new(&b"line one\nline two\n"[..]), out.clone());
            let mut line = String::new();
            joined.read_line(&mut line).await.unwrap(); // AsyncBufRead passes through
            assert_eq!(line, "line one\n");
            joined.write_all(b"ack").await.unwrap();
            joined.flush().await.unwrap();
            joined.shutdown().await.unwrap();
            let mut rest = String::new();
            joined.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "line two\n");
            {
                let log = out.0.lock().unwrap();
                assert_eq!(log.data, b"ack");
                assert!(log.flushes >= 1 && log.shutdowns == 1, "{log:?}");
            }
            assert_eq!(joined.reader().get_ref().len(), 0);
            joined.writer_mut().0.lock().unwrap().data.clear();
            let (_, writer) = joined.into_inner();
            assert!(writer.0.lock().unwrap().data.is_empty());
        });
    }

    fn join_of_two_duplex_halves_is_a_stream(rt: &Runtime) {
        rt.block_on(async {
            // Two one-way pipes joined: what the peer writes comes out of
            // our reader; what we write reaches the peer.
            let (our_in, mut peer_out) = weft::io::simplex(64);
            let (mut peer_in, our_out) = weft::io::simplex(64);
            let mut ours = weft::io::join(our_in, our_out);
            let echo = weft::spawn(async move {
                let mut buf = [0u8; 5];
                ours.read_exact(&mut buf).await.unwrap();
                ours.write_all(&buf).await.unwrap();
                ours.shutdown().await.unwrap();
            });
            peer_out.write_all(b"hello").await.unwrap();
            let mut back = Vec::new();
            peer_in.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"hello");
            echo.await.unwrap();
        });
    }

    fn copy_bidirectional_with_sizes_uses_each_directions_buffer(rt: &Runtime) {
        rt.block_on(async {
            let a_out = Recorder::default();
            let b_out = Recorder::default();
            let a_says = vec![1u8; 100];
            let b_says = vec![2u8; 70];
            let mut a = weft::io::join(&a_says[..], a_out.clone());
            let mut b = weft::io::join(&b_says[..], b_out.clone());
            let counts = weft::io::copy_bidirectional_with_sizes(&mut a, &mut b, 3, 16)
                .await
                .unwrap();
            assert_eq!(counts, (100, 70));
            let to_b = b_out.0.lock().unwrap();
            let to_a = a_out.0.lock().unwrap();
            assert_eq!(to_b.data, a_says);
            assert_eq!(to_a.data, b_says);
            assert!(to_b.writes.iter().all(|&n| n <= 3), "a→b in 3-byte reads: {:?}", to_b.writes);
            assert!(to_a.writes.iter().all(|&n| n <= 16), "b→a in 16-byte reads: {:?}", to_a.writes);
            assert!(to_a.writes.iter().any(|&n| n > 3), "the sizes are not swapped");
            assert_eq!((to_a.shutdowns, to_b.shutdowns), (1, 1), "each side shut down once");
        });
    }

    #[should_panic(expected = "`b_to_a_buf_size` must be greater than 0")]
    fn copy_bidirectional_with_a_zero_size_panics(rt: &Runtime) {
        rt.block_on(async {
            let mut a = weft::io::join(&b""[..], Recorder::default());
            let mut b = weft::io::join(&b""[..], Recorder::default());
            let _ = weft::io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 0).await;
        });
    }
}
