//! `BufReader`: adds a read buffer to any reader.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::adapter::{self, forward_io};
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// The default buffer size of [`BufReader`] and
/// [`BufWriter`](crate::io::BufWriter): 8 KiB.
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// Adds a buffer to a reader, so many small reads (or line splitting,
/// through [`AsyncBufRead`]) cost few calls on the inner reader.
///
/// Reads at least as large as the buffer bypass it when it is empty.
/// Dropping a `BufReader` loses the data still buffered.
///
/// # Differences from tokio
///
/// [`start_seek`](AsyncSeek::start_seek) returns an error while the inner
/// reader is still running an earlier seek (call `poll_complete` first, as
/// [`AsyncSeekExt::seek`](crate::io::AsyncSeekExt::seek) does), where
/// tokio's records the new request in place of the running one, which
/// leaves the position undefined. Seeking otherwise behaves the same: a
/// seek that fails keeps the buffer and is not replayed by the next one.
#[derive(Debug)]
pub struct BufReader<R> {
    // Structurally pinned (see `project`).
    inner: R,
    state: State,
}

/// The unpinned fields of a [`BufReader`].
#[derive(Debug)]
pub(crate) struct State {
    buf: Box<[u8]>,
    /// Bytes `pos..cap` of `buf` are buffered data not yet consumed.
    pos: usize,
    cap: usize,
    seek: SeekState,
}

#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No seek in progress.
    Init,
    /// `start_seek` was called; `poll_complete` starts it on the inner
    /// reader.
    Start(SeekFrom),
    /// `Current(n)` whose offset minus the buffered remainder overflowed:
    /// the inner reader is seeking back over the remainder first, `n` comes
    /// next.
    PendingOverflowed(i64),
    /// The inner reader is seeking; the buffer is discarded once it has
    /// succeeded.
    Pending,
}

impl<R: AsyncRead> BufReader<R> {
    /// A `BufReader` with the default 8 KiB buffer.
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufReader` with a buffer of `capacity` bytes.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 ("capacity must be greater than zero", as in
    /// tokio): an empty buffer would read as the end of the input.
    ///
    /// ```should_panic
    /// let _ = weft::io::BufReader::with_capacity(0, &b"data"[..]);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        assert!(capacity > 0, "capacity must be greater than zero");
        BufReader {
            inner,
            state: State {
                buf: vec![0; capacity].into_boxed_slice(),
                pos: 0,
                cap: 0,
                seek: SeekState::Init,
            },
        }
    }
}

impl<R> BufReader<R> {
    /// The inner value and the buffer state, apart (`BufStream` moves the
    /// two buffering layers around; `from_parts` puts them back together).
    pub(crate) fn into_parts(self) -> (R, State) {
        (self.inner, self.state)
    }

    /// A buffer over `inner` with the state `into_parts` took out.
    pub(crate) fn from_parts(inner: R, state: State) -> BufReader<R> {
        BufReader { inner, state }
    }
}

impl<R> BufReader<R> {
    // API twin of `BufWriter`'s and `Take`'s `get_ref`, `get_mut`,
    // `get_pin_mut` and `into_inner` (the same public methods on every
    // adapter type, as in tokio).

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly skips the
    /// buffered data.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Unwraps the inner reader; buffered data is lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The buffered data not yet consumed.
    pub fn buffer(&self) -> &[u8] {
        &self.state.buf[self.state.pos..self.state.cap]
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut State) {
        // Pinning is structural for `inner` and for nothing else.
        // SAFETY: `inner` never moves out of a pinned `BufReader` (only
        // `into_inner`, by value); no `Drop` impl; `Unpin` needs `R: Unpin`.
        unsafe { adapter::project(self, |this| (&mut this.inner, &mut this.state)) }
    }
}

impl State {
    fn discard(&mut self) {
        self.pos = 0;
        self.cap = 0;
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // A read at least as large as the buffer, with nothing buffered:
        // skip the copy.
        if self.state.pos == self.state.cap && buf.remaining() >= self.state.buf.len() {
            let (inner, state) = self.project();
            let result = ready!(inner.poll_read(cx, buf));
            state.discard();
            return Poll::Ready(result);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, state) = self.project();
        if state.pos >= state.cap {
            let mut buf = ReadBuf::new(&mut state.buf);
            ready!(inner.poll_read(cx, &mut buf))?;
            state.cap = buf.filled().len();
            state.pos = 0;
        }
        Poll::Ready(Ok(&state.buf[state.pos..state.cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let state = self.project().1;
        state.pos = (state.pos + amt).min(state.cap);
    }
}

/// Seeking discards the buffer. `SeekFrom::Current` is relative to the
/// position of the data the caller has seen (the inner reader is ahead by
/// the buffered remainder, which is accounted for). A seek that fails
/// changes nothing: the buffer is discarded only once the inner reader has
/// moved, so (as long as the inner reader's failed seek leaves its position
/// as it was, as `std`'s do) the buffered data and the position stay as
/// they were. A failed seek is never replayed: the next one starts afresh.
impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    /// Records the request; the inner reader is only touched by
    /// `poll_complete`.
    ///
    /// # Errors
    ///
    /// If the inner reader is still seeking for an earlier request (finish
    /// it with `poll_complete` first): replacing it midway would leave the
    /// position undefined.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let state = self.project().1;
        if matches!(
            state.seek,
            SeekState::Pending | SeekState::PendingOverflowed(_)
        ) {
            return Err(io::Error::other(
                "a seek is still in progress: call poll_complete first",
            ));
        }
        state.seek = SeekState::Start(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, state) = self.project();
        // Every way out of a seek, success or failure, goes back to `Init`
        // with the buffer consistent with the inner reader's position: a
        // failed request must not be replayed by the next `poll_complete`
        // (which the next `seek` calls first), and the buffer is discarded
        // only once the inner reader has moved (a seek that fails leaves
        // the inner position, hence the buffer, as it was).
        loop {
            match state.seek {
                SeekState::Init => {
                    // No seek requested: report the logical position.
                    let position = ready!(inner.as_mut().poll_complete(cx))?;
                    let remainder = (state.cap - state.pos) as u64;
                    return Poll::Ready(Ok(position.saturating_sub(remainder)));
                }
                SeekState::Start(position) => {
                    let remainder = (state.cap - state.pos) as i64;
                    // `Current` is relative to what the caller has seen; the
                    // inner reader is `remainder` bytes ahead of that.
                    let (first, next) = match position {
                        SeekFrom::Current(n) => match n.checked_sub(remainder) {
                            Some(offset) => (SeekFrom::Current(offset), SeekState::Pending),
                            None => (
                                SeekFrom::Current(-remainder),
                                SeekState::PendingOverflowed(n),
                            ),
                        },
                        position => (position, SeekState::Pending),
                    };
                    if let Err(e) = inner.as_mut().start_seek(first) {
                        state.seek = SeekState::Init;
                        return Poll::Ready(Err(e));
                    }
                    state.seek = next;
                }
                SeekState::PendingOverflowed(n) => {
                    if let Err(e) = ready!(inner.as_mut().poll_complete(cx)) {
                        state.seek = SeekState::Init;
                        return Poll::Ready(Err(e));
                    }
                    // The inner reader is back at the logical position.
                    state.discard();
                    if let Err(e) = inner.as_mut().start_seek(SeekFrom::Current(n)) {
                        state.seek = SeekState::Init;
                        return Poll::Ready(Err(e));
                    }
                    state.seek = SeekState::Pending;
                }
                SeekState::Pending => {
                    let result = ready!(inner.as_mut().poll_complete(cx));
                    state.seek = SeekState::Init;
                    if result.is_ok() {
                        state.discard();
                    }
                    return Poll::Ready(result);
                }
            }
        }
    }
}

forward_io! {
    /// Writes go straight to the inner writer.
    impl[R: AsyncRead + AsyncWrite] AsyncWrite for BufReader<R> => get_pin_mut, inner
}
