//! Reads into a vector's spare capacity remember which bytes are already
//! initialised: `read_to_end` and `read_to_string` hand each read the
//! bytes an earlier read (or an earlier `Pending` poll) initialised, so a
//! reader that needs initialised memory (`ReadBuf::initialize_unfilled`,
//! as every adapter over `std::io::Read`) zeroes each byte once, not once
//! per read. `Take` passes what its inner reader initialised on to its
//! caller. `read_buf`, which takes any `bytes::BufMut`, starts each poll
//! from an uninitialised chunk, as tokio's does: nothing tells it that a
//! `BufMut`'s chunk kept its bytes from one poll to the next.
//!
//! The reader below counts the bytes it had to zero: the count is exact
//! for a vector that is not reallocated.

mod support;

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};

use weft::io::{AsyncRead, AsyncReadExt, ReadBuf};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    support::block_on_thread(future)
}

/// Yields `data` `chunk` bytes per read, zeroing the whole unfilled part
/// first (`initialize_unfilled`) and counting the bytes that were not yet
/// initialised. With `pend`, every other poll zeroes and then returns
/// `Pending` (waking itself) without filling anything.
struct Zeroing {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    pend: bool,
    pend_next: bool,
    zeroed: Arc<AtomicUsize>,
    reads: Arc<AtomicUsize>,
}

impl Zeroing {
    fn new(len: usize, chunk: usize, pend: bool) -> (Zeroing, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let zeroed = Arc::new(AtomicUsize::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let reader = Zeroing {
            data: (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
            pos: 0,
            chunk,
            pend,
            pend_next: pend,
            zeroed: zeroed.clone(),
            reads: reads.clone(),
        };
        (reader, zeroed, reads)
    }
}

impl AsyncRead for Zeroing {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.reads.fetch_add(1, SeqCst);
        let uninit = buf.capacity() - buf.initialized().len();
        self.zeroed.fetch_add(uninit, SeqCst);
        let unfilled = buf.initialize_unfilled();
        if self.pend_next {
            self.pend_next = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pend_next = self.pend;
        let n = (self.data.len() - self.pos)
            .min(self.chunk)
            .min(unfilled.len());
        unfilled[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        buf.advance(n);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

fn expected(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

#[test]
fn read_to_end_zeroes_each_spare_byte_once() {
    for pend in [false, true] {
        let (mut reader, zeroed, reads) = Zeroing::new(1000, 1, pend);
        let mut out = Vec::with_capacity(4096);
        let n = block_on(reader.read_to_end(&mut out)).unwrap();
        assert_eq!(n, 1000);
        assert_eq!(out, expected(1000));
        assert_eq!(out.capacity(), 4096, "no reallocation: the count is exact");
        assert!(reads.load(SeqCst) > 1000);
        // The first read zeroed the whole spare capacity; none after it.
        assert_eq!(zeroed.load(SeqCst), 4096, "pend = {pend}");
    }
}

#[test]
fn read_to_end_counts_from_the_existing_length() {
    let (mut reader, zeroed, _) = Zeroing::new(300, 7, false);
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"head");
    block_on(reader.read_to_end(&mut out)).unwrap();
    assert_eq!(&out[..4], b"head");
    assert_eq!(&out[4..], expected(300));
    assert_eq!(zeroed.load(SeqCst), 1024 - 4);
}

#[test]
fn read_to_end_zeroes_again_only_after_a_reallocation() {
    // Growing from empty: every reallocation's spare part is new memory and
    // is zeroed once. In all, at most the sum of the capacities the vector
    // went through, which doubling keeps under twice the final one.
    let (mut reader, zeroed, reads) = Zeroing::new(10_000, 100, false);
    let mut out = Vec::new();
    block_on(reader.read_to_end(&mut out)).unwrap();
    assert_eq!(out, expected(10_000));
    let zeroed = zeroed.load(SeqCst);
    assert!(
        zeroed <= 2 * out.capacity(),
        "zeroed {zeroed} bytes over {} reads for a final capacity of {}",
        reads.load(SeqCst),
        out.capacity()
    );
}

#[test]
fn read_to_string_zeroes_each_spare_byte_once() {
    for pend in [false, true] {
        let (mut reader, zeroed, _) = Zeroing::new(500, 3, pend);
        let mut out = String::with_capacity(2048);
        let n = block_on(reader.read_to_string(&mut out)).unwrap();
        assert_eq!(n, 500);
        assert_eq!(out.as_bytes(), expected(500));
        assert_eq!(zeroed.load(SeqCst), 2048, "pend = {pend}");
    }
}

#[test]
fn read_buf_reads_after_a_pending_poll_that_initialised() {
    let (mut reader, zeroed, reads) = Zeroing::new(10, 10, true);
    let mut out = Vec::with_capacity(256);
    let n = block_on(reader.read_buf(&mut out)).unwrap();
    assert_eq!(n, 10);
    assert_eq!(out, expected(10));
    assert_eq!(reads.load(SeqCst), 2, "one Pending poll, then the read");
    assert_eq!(
        zeroed.load(SeqCst),
        2 * 256,
        "each poll hands the reader an uninitialised chunk"
    );
}

#[test]
fn take_passes_on_what_its_reader_initialised() {
    let (reader, zeroed, _) = Zeroing::new(1000, 1, false);
    let mut take = reader.take(600);
    let mut out = Vec::with_capacity(4096);
    assert_eq!(block_on(take.read_to_end(&mut out)).unwrap(), 600);
    assert_eq!(out, expected(600));
    // The first read's window is the 600 bytes the limit allows; later
    // windows are inside it.
    assert_eq!(zeroed.load(SeqCst), 600);
}

/// A vector with room for the whole input is never reallocated by
/// `read_to_end` or `read_to_string`, not even when the input ends exactly
/// at its capacity (the last reads go into a small buffer on the stack and
/// fit), whatever the reader's read sizes; one that is too small grows and
/// gets every byte. (tokio's `io_read_to_end` tests pin the same.)
#[test]
fn read_to_end_reallocates_only_a_vector_too_small() {
    for len in [0, 1, 31, 32, 33, 100, 1000] {
        for room in [0, 1, 31, 32, 40] {
            for chunk in [1, 7, 64, 4096] {
                let (mut reader, _, _) = Zeroing::new(len, chunk, chunk == 7);
                let mut out = Vec::with_capacity(len + room);
                let (start, capacity) = (out.as_ptr(), out.capacity());
                assert_eq!(block_on(reader.read_to_end(&mut out)).unwrap(), len);
                assert_eq!(out, expected(len));
                let what = format!("len {len}, room {room}, chunk {chunk}");
                assert_eq!(out.capacity(), capacity, "{what}: not reallocated");
                assert!(
                    capacity == 0 || out.as_ptr() == start,
                    "{what}: same allocation"
                );

                let (mut reader, _, _) = Zeroing::new(len, chunk, false);
                let mut text = String::with_capacity(len + room);
                let capacity = text.capacity();
                block_on(reader.read_to_string(&mut text)).unwrap();
                assert_eq!(text.as_bytes(), expected(len));
                assert_eq!(text.capacity(), capacity, "{what}: the string's neither");
            }
            if len > 0 {
                let (mut reader, _, _) = Zeroing::new(len + room + 5, 7, false);
                let mut out = Vec::with_capacity(len);
                block_on(reader.read_to_end(&mut out)).unwrap();
                assert_eq!(out, expected(len + room + 5), "grown from {len}");
            }
        }
    }
}
