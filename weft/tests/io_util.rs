//! The extension traits' futures: exact reads, strings, lines over a
//! trickling reader, endian round trips, take/chain, seeks, cancel safety.

mod support;

use std::future::Future;
use std::io::{self, Cursor, ErrorKind, IoSlice, SeekFrom};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use support::{poll_once, rt_test};
use weft::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, ReadBuf,
};

/// A reader over `data` that alternates: `Pending` (waking itself), then
/// one byte. Counts its polls.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    ready_next: bool,
    polls: Arc<AtomicUsize>,
}

impl Trickle {
    fn new(data: &[u8]) -> (Trickle, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let reader = Trickle {
            data: data.to_vec(),
            pos: 0,
            ready_next: false,
            polls: polls.clone(),
        };
        (reader, polls)
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.polls.fetch_add(1, SeqCst);
        if !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        if self.pos < self.data.len() && buf.remaining() > 0 {
            let byte = self.data[self.pos];
            buf.put_slice(&[byte]);
            self.pos += 1;
        }
        Poll::Ready(Ok(()))
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    support::current_thread_rt().block_on(f)
}

#[test]
fn read_exact_early_eof_is_unexpected_eof() {
    block_on(async {
        let (mut reader, _) = Trickle::new(b"abc");
        let mut buf = [0u8; 4];
        let err = reader.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        let (mut reader, _) = Trickle::new(b"abcd");
        assert_eq!(reader.read_exact(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf, b"abcd");
    });
}

#[test]
fn read_to_string_rejects_invalid_utf8_and_appends_nothing() {
    block_on(async {
        let mut s = String::from("keep");
        let mut reader: &[u8] = &[b'o', b'k', 0xff, 0xfe];
        let err = reader.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "keep");
        // As tokio: the inner error is std's, about the appended bytes.
        let utf8 = err
            .into_inner()
            .unwrap()
            .downcast::<std::str::Utf8Error>()
            .unwrap();
        assert_eq!(utf8.valid_up_to(), "keepok".len());

        let mut reader: &[u8] = "ünï".as_bytes();
        assert_eq!(reader.read_to_string(&mut s).await.unwrap(), 5);
        assert_eq!(s, "keepünï");
    });
}

#[test]
fn read_line_invalid_utf8_leaves_buffer_as_it_was() {
    block_on(async {
        let mut s = String::from("x");
        let mut reader: &[u8] = &[0xc3, b'\n', b'o', b'k', b'\n'];
        let err = reader.read_line(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(s, "x");
        let utf8 = err
            .into_inner()
            .unwrap()
            .downcast::<std::str::Utf8Error>()
            .unwrap();
        assert_eq!(utf8.valid_up_to(), "x".len());
        assert_eq!(reader.read_line(&mut s).await.unwrap(), 3);
        assert_eq!(s, "xok\n");
    });
}

/// Yields `data`, then fails with `ConnectionReset`.
struct ThenFails(&'static [u8]);

impl weft::io::AsyncRead for ThenFails {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut weft::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(Err(ErrorKind::ConnectionReset.into()));
        }
        buf.put_slice(self.0);
        self.0 = b"";
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn after_an_io_error_read_to_string_appends_nothing_and_read_line_keeps_the_part() {
    block_on(async {
        // As tokio's: `read_to_string` drops what it read...
        let mut s = String::from("abc");
        let err = ThenFails(b"def").read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(s, "abc");
        // ...`read_line` keeps the part of the line read so far.
        let mut line = String::from("abc");
        let mut reader = weft::io::BufReader::new(ThenFails(b"def"));
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(line, "abcdef");
    });
}

#[test]
fn an_invalid_line_gives_its_bytes_back_and_the_next_line_follows() {
    block_on(async {
        let reader: &[u8] = b"ok\n\xff\xfe\nnext\n";
        let mut lines = reader.lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let bad = err
            .into_inner()
            .unwrap()
            .downcast::<std::string::FromUtf8Error>()
            .unwrap();
        assert_eq!(bad.into_bytes(), b"\xff\xfe");
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn lines_over_a_one_byte_at_a_time_reader() {
    block_on(async {
        let text = b"alpha\r\nbeta\n\ngamma";
        let (reader, polls) = Trickle::new(text);
        let mut lines = BufReader::new(reader).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["alpha", "beta", "", "gamma"]);
        // Every byte took one Pending poll and one Ready poll, and so did
        // the two end-of-file reads (one ends "gamma", one returns None):
        // no busy polling, no extra reads.
        assert_eq!(polls.load(SeqCst), 2 * (text.len() + 2));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn split_segments_over_a_trickle() {
    block_on(async {
        let (reader, _) = Trickle::new(b"a;bb;;c;");
        let mut parts = BufReader::new(reader).split(b';');
        let mut got = Vec::new();
        while let Some(part) = parts.next_segment().await.unwrap() {
            got.push(String::from_utf8(part).unwrap());
        }
        assert_eq!(got, ["a", "bb", "", "c"]);
    });
}

#[test]
fn lines_next_line_is_cancel_safe() {
    let (reader, _) = Trickle::new(b"hello\nworld\n");
    let mut lines = BufReader::new(reader).lines();
    // Poll a few times (each Ready poll of the trickle yields one byte of
    // the line), then drop the future mid-line.
    for _ in 0..3 {
        let mut fut = Box::pin(lines.next_line());
        assert!(poll_once(&mut fut).is_pending());
    }
    let line = block_on(lines.next_line()).unwrap();
    assert_eq!(line.as_deref(), Some("hello"));
    assert_eq!(
        block_on(lines.next_line()).unwrap().as_deref(),
        Some("world")
    );
}

#[test]
fn read_is_cancel_safe() {
    let (mut reader, _) = Trickle::new(b"xy");
    let mut buf = [0u8; 4];
    {
        // The first poll is Pending: dropping the future loses nothing.
        let mut fut = reader.read(&mut buf);
        assert!(poll_once(&mut fut).is_pending());
    }
    let mut all = Vec::new();
    block_on(reader.read_to_end(&mut all)).unwrap();
    assert_eq!(all, b"xy");
}

#[test]
fn read_to_end_and_read_buf_grow_the_vec() {
    block_on(async {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut out = vec![1, 2, 3];
        let n = (&data[..]).read_to_end(&mut out).await.unwrap();
        assert_eq!(n, data.len());
        assert_eq!(&out[..3], &[1, 2, 3]);
        assert_eq!(&out[3..], &data[..]);

        let mut out = Vec::new();
        let mut reader: &[u8] = b"abcdef";
        let n = reader.read_buf(&mut out).await.unwrap();
        assert!(n > 0 && out == b"abcdef"[..n]);
    });
}

#[test]
fn endian_helpers_round_trip() {
    block_on(async {
        let mut out = Vec::new();
        out.write_u8(0xab).await.unwrap();
        out.write_i8(-2).await.unwrap();
        out.write_u16(0x0102).await.unwrap();
        out.write_u16_le(0x0102).await.unwrap();
        out.write_i32(-5).await.unwrap();
        out.write_u32_le(0xdead_beef).await.unwrap();
        out.write_u64(u64::MAX - 1).await.unwrap();
        out.write_i64_le(i64::MIN).await.unwrap();
        out.write_u128(u128::MAX / 3).await.unwrap();
        out.write_i128_le(-7).await.unwrap();
        out.write_f32(1.5).await.unwrap();
        out.write_f64_le(-0.25).await.unwrap();
        assert_eq!(&out[2..6], &[1, 2, 2, 1]);

        let (mut r, _) = Trickle::new(&out);
        assert_eq!(r.read_u8().await.unwrap(), 0xab);
        assert_eq!(r.read_i8().await.unwrap(), -2);
        assert_eq!(r.read_u16().await.unwrap(), 0x0102);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
        assert_eq!(r.read_i32().await.unwrap(), -5);
        assert_eq!(r.read_u32_le().await.unwrap(), 0xdead_beef);
        assert_eq!(r.read_u64().await.unwrap(), u64::MAX - 1);
        assert_eq!(r.read_i64_le().await.unwrap(), i64::MIN);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX / 3);
        assert_eq!(r.read_i128_le().await.unwrap(), -7);
        assert_eq!(r.read_f32().await.unwrap(), 1.5);
        assert_eq!(r.read_f64_le().await.unwrap(), -0.25);
        let err = r.read_u16().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn take_and_chain() {
    block_on(async {
        let mut out = Vec::new();
        let reader = (&b"hello"[..]).chain(&b" world"[..]);
        let mut limited = reader.take(8);
        limited.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"hello wo");
        assert_eq!(limited.limit(), 0);

        let mut line = String::new();
        let mut buffered = (&b"ab"[..]).chain(&b"c\nd"[..]);
        buffered.read_line(&mut line).await.unwrap();
        assert_eq!(line, "abc\n");
    });
}

#[test]
fn write_helpers() {
    block_on(async {
        let mut out = Vec::new();
        assert_eq!(out.write(b"ab").await.unwrap(), 2);
        let bufs = [IoSlice::new(b"c"), IoSlice::new(b"de")];
        assert_eq!(out.write_vectored(&bufs).await.unwrap(), 3);
        out.write_all(b"f").await.unwrap();
        out.flush().await.unwrap();
        out.shutdown().await.unwrap();
        assert_eq!(out, b"abcdef");

        let mut small = [0u8; 3];
        let mut cursor = Cursor::new(&mut small[..]);
        let err = cursor.write_all(b"abcd").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    });
}

#[test]
fn seek_helpers_on_cursor_and_buf_reader() {
    block_on(async {
        let mut cursor = Cursor::new(b"0123456789".to_vec());
        assert_eq!(cursor.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        assert_eq!(cursor.read_u8().await.unwrap(), b'3');
        assert_eq!(cursor.stream_position().await.unwrap(), 4);
        cursor.rewind().await.unwrap();
        assert_eq!(cursor.read_u8().await.unwrap(), b'0');

        // BufReader: Current is relative to what the caller has seen.
        let mut reader = BufReader::with_capacity(4, Cursor::new(b"0123456789".to_vec()));
        assert_eq!(reader.read_u8().await.unwrap(), b'0');
        assert_eq!(reader.buffer(), b"123");
        assert_eq!(reader.seek(SeekFrom::Current(2)).await.unwrap(), 3);
        assert_eq!(reader.read_u8().await.unwrap(), b'3');
        assert_eq!(reader.stream_position().await.unwrap(), 4);
        assert_eq!(reader.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        assert_eq!(reader.read_u8().await.unwrap(), b'9');
    });
}

#[test]
fn fill_buf_and_consume() {
    block_on(async {
        let mut reader = BufReader::with_capacity(3, &b"abcdef"[..]);
        assert_eq!(reader.fill_buf().await.unwrap(), b"abc");
        reader.consume(2);
        assert_eq!(reader.fill_buf().await.unwrap(), b"c");
        reader.consume(1);
        assert_eq!(reader.fill_buf().await.unwrap(), b"def");
    });
}

#[test]
fn empty_sink_repeat() {
    block_on(async {
        let mut buf = Vec::new();
        assert_eq!(weft::io::empty().read_to_end(&mut buf).await.unwrap(), 0);
        assert_eq!(weft::io::sink().write(b"abc").await.unwrap(), 3);
        let mut out = [0u8; 5];
        weft::io::repeat(7).read_exact(&mut out).await.unwrap();
        assert_eq!(out, [7; 5]);
        let n = weft::io::copy(&mut weft::io::repeat(1).take(10_000), &mut weft::io::sink())
            .await
            .unwrap();
        assert_eq!(n, 10_000);
    });
}

#[test]
fn sink_and_empty_take_every_slice_of_a_vectored_write() {
    use std::io::IoSlice;
    let slices = [
        IoSlice::new(b""),
        IoSlice::new(b"hello"),
        IoSlice::new(b""),
        IoSlice::new(b"world"),
    ];
    block_on(async {
        let mut sink = weft::io::sink();
        assert!(weft::io::AsyncWrite::is_write_vectored(&sink));
        assert_eq!(sink.write_vectored(&slices).await.unwrap(), 10);
        let mut empty = weft::io::empty();
        assert!(weft::io::AsyncWrite::is_write_vectored(&empty));
        assert_eq!(empty.write_vectored(&slices).await.unwrap(), 10);
    });
}

rt_test! {
    fn repeat_yields_to_other_tasks(rt: &Runtime) {
        // `repeat` is always ready; the budget must still make its task
        // yield so a second task on the same runtime progresses.
        rt.block_on(async {
            let flag = Arc::new(AtomicUsize::new(0));
            let seen = flag.clone();
            let other = weft::spawn(async move { seen.store(1, SeqCst) });
            let mut reader = weft::io::repeat(0);
            let mut buf = [0u8; 1];
            while flag.load(SeqCst) == 0 {
                reader.read_exact(&mut buf).await.unwrap();
            }
            other.await.unwrap();
        });
    }
}

#[test]
fn ready_and_interest_flags() {
    use weft::io::{Interest, Ready};
    let r = Ready::READABLE | Ready::WRITE_CLOSED;
    assert!(r.is_readable() && r.is_write_closed());
    assert!(!r.is_writable() && !r.is_error() && !r.is_read_closed());
    assert!((r - Ready::READABLE).is_write_closed());
    assert!(!(r - Ready::READABLE).is_readable());
    assert!(Ready::ALL.contains(r));
    assert!(Ready::EMPTY.is_empty());
    let i = Interest::READABLE | Interest::ERROR;
    assert!(i.is_readable() && i.is_error() && !i.is_writable());
    assert_eq!(format!("{i:?}"), "READABLE | ERROR");
    assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
}

#[test]
fn futures_are_send_and_unpin() {
    fn check<T: Send + Unpin>(_: &T) {}
    let mut reader: &[u8] = b"";
    let mut buf = [0u8; 1];
    check(&reader.read(&mut buf));
    let mut s = String::new();
    check(&(&b""[..]).read_to_string(&mut s));
    let _ = Waker::noop();
}
