//! The future behind `AsyncSeekExt::seek`.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::method_future::method_future;
use crate::io::AsyncSeek;

method_future! {
    /// Future for [`AsyncSeekExt::seek`](crate::io::AsyncSeekExt::seek).
    pub struct Seek<'a, S: AsyncSeek> {
        seek: &'a mut S,
        /// `Some` until `start_seek` was called.
        position: Option<SeekFrom> = Some(position),
    }
    pub(crate) fn seek(seek: &'a mut S, position: SeekFrom);
    fn poll(me, cx) -> io::Result<u64> {
        if let Some(position) = me.position {
            // Finish any seek still in progress before starting ours.
            ready!(Pin::new(&mut *me.seek).poll_complete(cx))?;
            me.position = None;
            Pin::new(&mut *me.seek).start_seek(position)?;
        }
        Pin::new(&mut *me.seek).poll_complete(cx)
    }
}

/// Future for [`AsyncSeekExt::rewind`](crate::io::AsyncSeekExt::rewind).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Rewind<'a, S: ?Sized>(pub(crate) Seek<'a, S>);

impl<S: AsyncSeek + Unpin + ?Sized> Future for Rewind<'_, S> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0)
            .poll(cx)
            .map(|r| r.map(drop))
    }
}
