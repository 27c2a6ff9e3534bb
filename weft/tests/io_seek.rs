//! Stateful I/O adapters stay consistent after a failed or cancelled
//! operation: `BufReader`, `BufWriter` and `BufStream` seeks (refused at
//! `start_seek`, failing in `poll_complete`, failing while the write
//! buffer is written out, cancelled midway), and `Take`/`Chain` reads that
//! fail once.
//!
//! Each scenario checks the position (and the bytes read after it) against
//! what a plain `std::io::Cursor` would report.

mod support;

use std::future::{poll_fn, Future};
use std::io::{self, Cursor, SeekFrom};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use support::poll_once;
use weft::io::{
    AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt, BufReader,
    BufStream, BufWriter, ReadBuf,
};

fn block_on<F: Future>(future: F) -> F::Output {
    support::block_on_thread(future)
}

/// An in-memory file: reads, writes and seeks like `Cursor<Vec<u8>>`, with
/// failures and delays on demand.
#[derive(Debug, Default)]
struct File {
    data: Vec<u8>,
    pos: u64,
    /// The next `n` writes fail.
    fail_writes: usize,
    /// The next `n` reads fail.
    fail_reads: usize,
    /// The next `n` `poll_complete`s of a started seek fail (the seek does
    /// not move the position).
    fail_completes: usize,
    /// The next `n` `poll_complete`s of a started seek are `Pending` first.
    pend_completes: usize,
    /// A started seek: the target, or the error it ends with.
    seeking: Option<io::Result<u64>>,
}

impl File {
    fn with(data: &[u8]) -> File {
        File {
            data: data.to_vec(),
            ..File::default()
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.fail_reads > 0 {
            self.fail_reads -= 1;
            return Poll::Ready(Err(io::Error::other("read failed")));
        }
        let start = (self.pos as usize).min(self.data.len());
        let n = (self.data.len() - start).min(buf.remaining());
        buf.put_slice(&self.data[start..start + n]);
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for File {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.fail_writes > 0 {
            self.fail_writes -= 1;
            return Poll::Ready(Err(io::Error::other("write failed")));
        }
        let start = self.pos as usize;
        if self.data.len() < start + buf.len() {
            self.data.resize(start + buf.len(), 0);
        }
        self.data[start..start + buf.len()].copy_from_slice(buf);
        self.pos += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncSeek for File {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        if self.seeking.is_some() {
            return Err(io::Error::other("seek in progress"));
        }
        let target = match position {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(n) => self.pos.checked_add_signed(n),
            SeekFrom::End(n) => (self.data.len() as u64).checked_add_signed(n),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek to a negative position")
        })?;
        let outcome = if self.fail_completes > 0 {
            self.fail_completes -= 1;
            Err(io::Error::other("seek failed"))
        } else {
            Ok(target)
        };
        self.seeking = Some(outcome);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        match self.seeking.take() {
            None => Poll::Ready(Ok(self.pos)),
            Some(outcome) => {
                if self.pend_completes > 0 {
                    self.pend_completes -= 1;
                    self.seeking = Some(outcome);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                if let Ok(target) = outcome {
                    self.pos = target;
                }
                Poll::Ready(outcome)
            }
        }
    }
}

const DATA: &[u8] = b"0123456789abcdefghij";

/// Reads one byte.
async fn byte<R: AsyncRead + Unpin>(reader: &mut R) -> u8 {
    reader.read_u8().await.unwrap()
}

#[test]
fn buf_reader_recovers_from_a_seek_the_inner_reader_refuses() {
    // A seek before the start, on a std `Cursor`.
    block_on(async {
        let mut reader = BufReader::with_capacity(4, Cursor::new(DATA.to_vec()));
        assert_eq!(byte(&mut reader).await, b'0');
        assert_eq!(byte(&mut reader).await, b'1');
        let err = reader.seek(SeekFrom::Current(-100)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Nothing moved: the buffered bytes are still served.
        assert_eq!(reader.seek(SeekFrom::Current(0)).await.unwrap(), 2);
        assert_eq!(reader.seek(SeekFrom::Current(1)).await.unwrap(), 3);
        assert_eq!(byte(&mut reader).await, b'3');
        // A refused absolute seek too.
        let mut file = BufReader::with_capacity(4, File::with(DATA));
        assert_eq!(byte(&mut file).await, b'0');
        assert!(file.seek(SeekFrom::End(-100)).await.is_err());
        assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 2);
        assert_eq!(byte(&mut file).await, b'2');
    });
}

#[test]
fn buf_reader_recovers_from_a_seek_that_fails_while_completing() {
    block_on(async {
        let mut reader = BufReader::with_capacity(4, File::with(DATA));
        assert_eq!(byte(&mut reader).await, b'0');
        reader.get_mut().fail_completes = 1;
        assert!(reader.seek(SeekFrom::Start(10)).await.is_err());
        // The failed seek did not move the inner reader, so the buffered
        // bytes are still valid and the position is unchanged.
        assert_eq!(reader.seek(SeekFrom::Current(0)).await.unwrap(), 1);
        assert_eq!(reader.seek(SeekFrom::Current(1)).await.unwrap(), 2);
        assert_eq!(byte(&mut reader).await, b'2');
    });
}

#[test]
fn buf_reader_recovers_when_the_second_half_of_an_overflowing_seek_fails() {
    block_on(async {
        let mut reader = BufReader::with_capacity(4, File::with(DATA));
        assert_eq!(byte(&mut reader).await, b'0');
        // `i64::MIN` minus the 3 buffered bytes overflows: the reader seeks
        // back over them first, then by `i64::MIN`, which is refused.
        assert!(reader.seek(SeekFrom::Current(i64::MIN)).await.is_err());
        assert_eq!(reader.seek(SeekFrom::Current(1)).await.unwrap(), 2);
        assert_eq!(byte(&mut reader).await, b'2');
        // Same with the first half (back over the buffered remainder)
        // failing in `poll_complete`: nothing moved.
        reader.get_mut().fail_completes = 1;
        assert!(reader.seek(SeekFrom::Current(i64::MIN)).await.is_err());
        assert_eq!(reader.seek(SeekFrom::Current(0)).await.unwrap(), 3);
        assert_eq!(byte(&mut reader).await, b'3');
    });
}

#[test]
fn buf_reader_finishes_a_cancelled_seek_before_the_next_one() {
    block_on(async {
        let mut reader = BufReader::with_capacity(4, File::with(DATA));
        assert_eq!(byte(&mut reader).await, b'0');
        reader.get_mut().pend_completes = 1;
        {
            let mut seek = pin!(reader.seek(SeekFrom::Current(5)));
            assert!(poll_once(&mut seek).is_pending());
            // Dropped midway.
        }
        // While the inner reader is seeking, a new request is refused at
        // once rather than replacing it midway.
        let mut pinned = Pin::new(&mut reader);
        assert!(pinned.as_mut().start_seek(SeekFrom::Start(0)).is_err());
        // The next seek completes the cancelled one (to 1 + 5 = 6) first.
        assert_eq!(reader.seek(SeekFrom::Current(1)).await.unwrap(), 7);
        assert_eq!(byte(&mut reader).await, DATA[7]);
    });
}

#[test]
fn buf_writer_does_not_replay_a_seek_whose_flush_failed() {
    block_on(async {
        let mut writer = BufWriter::with_capacity(16, File::default());
        writer.write_all(b"abc").await.unwrap();
        writer.get_mut().fail_writes = 1;
        // Writing out the buffer fails: the seek is abandoned.
        assert!(writer.seek(SeekFrom::Start(0)).await.is_err());
        assert_eq!(writer.buffer(), b"abc", "unwritten bytes stay buffered");
        // The next seek writes them out and does not replay `Start(0)`.
        assert_eq!(writer.seek(SeekFrom::Current(0)).await.unwrap(), 3);
        writer.write_all(b"d").await.unwrap();
        writer.flush().await.unwrap();
        assert_eq!(writer.get_ref().data, b"abcd");
    });
}

#[test]
fn buf_writer_recovers_from_a_refused_or_failing_seek() {
    block_on(async {
        let mut writer = BufWriter::with_capacity(16, File::default());
        writer.write_all(b"hello").await.unwrap();
        assert!(writer.seek(SeekFrom::Current(-100)).await.is_err());
        assert_eq!(writer.seek(SeekFrom::Current(-1)).await.unwrap(), 4);
        writer.get_mut().fail_completes = 1;
        assert!(writer.seek(SeekFrom::Start(0)).await.is_err());
        assert_eq!(writer.seek(SeekFrom::Current(0)).await.unwrap(), 4);
        writer.write_all(b"O!").await.unwrap();
        writer.flush().await.unwrap();
        assert_eq!(writer.get_ref().data, b"hellO!");
    });
}

#[test]
fn buf_stream_recovers_from_failed_seeks() {
    block_on(async {
        let mut stream = BufStream::with_capacity(4, 4, File::with(DATA));
        assert_eq!(byte(&mut stream).await, b'0');
        assert!(stream.seek(SeekFrom::Current(-100)).await.is_err());
        assert_eq!(stream.seek(SeekFrom::Current(1)).await.unwrap(), 2);
        assert_eq!(byte(&mut stream).await, b'2');
        // (Writes go to the inner position, past the read buffer: seek to
        // where the write belongs first.)
        assert_eq!(stream.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        stream.write_all(b"XY").await.unwrap();
        stream.get_mut().fail_writes = 1;
        assert!(stream.seek(SeekFrom::Start(0)).await.is_err());
        assert_eq!(stream.seek(SeekFrom::Current(0)).await.unwrap(), 5);
        stream.flush().await.unwrap();
        assert_eq!(&stream.get_ref().data[..6], b"012XY5");
    });
}

#[test]
fn take_and_chain_are_unchanged_by_a_failed_read() {
    block_on(async {
        let mut file = File::with(b"abcdef");
        file.fail_reads = 1;
        let mut take = file.take(4);
        let mut buf = [0u8; 8];
        assert!(take.read(&mut buf).await.is_err());
        assert_eq!(take.limit(), 4);
        let mut out = Vec::new();
        take.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"abcd");

        let mut first = File::with(b"ab");
        first.fail_reads = 1;
        let mut chain = first.chain(&b"cd"[..]);
        assert!(chain.read(&mut buf).await.is_err());
        let mut out = Vec::new();
        chain.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"abcd", "the failure did not skip the first reader");
    });
}

#[test]
fn a_request_not_yet_started_may_be_replaced() {
    // Only a seek the inner reader is running is refused; a request still
    // waiting for `poll_complete` is simply replaced.
    let mut reader = BufReader::new(File::with(DATA));
    let mut pinned = Pin::new(&mut reader);
    pinned.as_mut().start_seek(SeekFrom::Start(3)).unwrap();
    pinned.as_mut().start_seek(SeekFrom::Start(4)).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    let at = poll_fn(|cx| pinned.as_mut().poll_complete(cx));
    let mut at = pin!(at);
    assert!(matches!(at.as_mut().poll(&mut cx), Poll::Ready(Ok(4))));
}
