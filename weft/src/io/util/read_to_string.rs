//! The future behind `AsyncReadExt::read_to_string`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::method_future::method_future;
use super::read_to_end::poll_read_to_end;
use super::string_bytes::StringBytes;
use super::vec_read::VecRead;
use crate::io::AsyncRead;

method_future! {
    /// Future for [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
    pub struct ReadToString<'a, R: AsyncRead> {
        reader: &'a mut R,
        buf: StringBytes<'a> = StringBytes::new(string),
        read: usize = 0,
        /// What of the bytes' spare capacity is already initialised.
        init: VecRead = VecRead::default(),
    }
    pub(crate) fn read_to_string(reader: &'a mut R, string: &'a mut String);
    fn poll(me, cx) -> io::Result<usize> {
        let result = ready!(poll_read_to_end(
            Pin::new(&mut *me.reader),
            cx,
            me.buf.bytes_mut(),
            &mut me.read,
            &mut me.init,
        ));
        // As tokio: after an I/O error the string keeps nothing read.
        Poll::Ready(me.buf.finish(result, false))
    }
}
