//! The future behind `AsyncReadExt::read_buf`.

use std::io;
use std::pin::Pin;

use super::method_future::method_future;
use super::vec_read::{poll_read_into_vec, SpareInit};
use crate::io::AsyncRead;

method_future! {
    /// Future for [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
    pub struct ReadBufFut<'a, R: AsyncRead> {
        reader: &'a mut R,
        buf: &'a mut Vec<u8>,
        /// What of `buf`'s spare capacity a `Pending` poll left initialised.
        init: SpareInit = SpareInit::default(),
    }
    pub(crate) fn read_buf(reader: &'a mut R, buf: &'a mut Vec<u8>);
    fn poll(me, cx) -> io::Result<usize> {
        poll_read_into_vec(Pin::new(&mut *me.reader), cx, me.buf, &mut me.init)
    }
}
