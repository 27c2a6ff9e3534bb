//! The bounded byte queue under [`duplex`](super::duplex) (one per
//! direction, behind a mutex) and [`simplex`](super::simplex) (one, owned).
//!
//! The algorithm is the classic bounded buffer guarded by a monitor (Hoare,
//! "Monitors: an operating system structuring concept", 1974), with stored
//! `Waker`s in place of the condition variables "not empty" and "not full".
//! This file holds the queue and its transitions; the callers own the
//! synchronisation. Every transition that can unblock the other side
//! returns that side's waker instead of waking it, so the caller can wake
//! it after releasing its lock.

use std::collections::VecDeque;
use std::io;
use std::task::Waker;

use crate::io::ReadBuf;

/// What a read finds in a [`Pipe`].
pub(super) enum ReadState {
    /// Bytes are buffered.
    Data,
    /// Nothing buffered and the pipe is closed: end of file.
    End,
    /// Nothing buffered yet: wait.
    Empty,
}

/// What a write finds in a [`Pipe`].
pub(super) enum WriteState {
    /// This many bytes fit.
    Room(usize),
    /// The pipe is closed: the write fails.
    Closed,
    /// The buffer is full: wait.
    Full,
}

#[derive(Debug)]
pub(super) struct Pipe {
    /// Bytes written and not yet read; never longer than `max_buf_size`.
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    /// Set once, never cleared.
    closed: bool,
    /// Stored by a reader that found the buffer empty.
    pub(super) read_waker: Option<Waker>,
    /// Stored by a writer that found the buffer full.
    pub(super) write_waker: Option<Waker>,
}

impl Pipe {
    /// # Panics
    ///
    /// If `max_buf_size` is 0 (writes could never make progress); `what`
    /// names the caller in the message.
    #[track_caller]
    pub(super) fn new(what: &str, max_buf_size: usize) -> Pipe {
        assert!(max_buf_size > 0, "{what}: max_buf_size must be at least 1");
        Pipe {
            buffer: VecDeque::new(),
            max_buf_size,
            closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    pub(super) fn read_state(&self) -> ReadState {
        match (self.buffer.is_empty(), self.closed) {
            (false, _) => ReadState::Data,
            (true, true) => ReadState::End,
            (true, false) => ReadState::Empty,
        }
    }

    pub(super) fn write_state(&self) -> WriteState {
        let room = self.max_buf_size - self.buffer.len();
        match (self.closed, room) {
            (true, _) => WriteState::Closed,
            (false, 0) => WriteState::Full,
            (false, room) => WriteState::Room(room),
        }
    }

    /// Moves as many buffered bytes as fit into `buf`; returns the
    /// writer's waker if room was made.
    pub(super) fn read_into(&mut self, buf: &mut ReadBuf<'_>) -> Option<Waker> {
        let n = self.buffer.len().min(buf.remaining());
        let (front, back) = self.buffer.as_slices();
        let from_front = n.min(front.len());
        buf.put_slice(&front[..from_front]);
        buf.put_slice(&back[..n - from_front]);
        self.buffer.drain(..n);
        if n > 0 {
            self.write_waker.take()
        } else {
            None
        }
    }

    /// Appends from `bufs`, in order, at most `room` bytes (what
    /// [`write_state`](Pipe::write_state) found); returns how many and the
    /// reader's waker if any were appended.
    pub(super) fn write_from(
        &mut self,
        room: usize,
        bufs: &[io::IoSlice<'_>],
    ) -> (usize, Option<Waker>) {
        let mut written = 0;
        for buf in bufs {
            let n = (room - written).min(buf.len());
            self.buffer.extend(&buf[..n]);
            written += n;
            if written == room {
                break;
            }
        }
        let reader = if written > 0 {
            self.read_waker.take()
        } else {
            None
        };
        (written, reader)
    }

    /// Closes the pipe; returns both wakers to wake.
    pub(super) fn close(&mut self) -> [Option<Waker>; 2] {
        self.closed = true;
        [self.read_waker.take(), self.write_waker.take()]
    }
}

/// Wakes `waker`, if there is one.
pub(super) fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}
