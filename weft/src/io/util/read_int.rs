//! The future behind `AsyncReadExt::read_u8`, `read_i32_le` and the other
//! fixed-size number readers.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_exact::eof;
use crate::io::{AsyncRead, ReadBuf};

mod sealed {
    /// A fixed-size number that can be decoded from bytes.
    pub trait Number: Sized {
        /// Size in bytes.
        const SIZE: usize;
        /// Decodes from `SIZE` bytes, big-endian (`le == false`) or
        /// little-endian.
        fn decode(bytes: &[u8], le: bool) -> Self;
    }
}

pub(crate) use sealed::Number;

macro_rules! number {
    ($($ty:ty),*) => {$(
        impl Number for $ty {
            const SIZE: usize = std::mem::size_of::<$ty>();

            fn decode(bytes: &[u8], le: bool) -> $ty {
                let array = bytes.try_into().expect("exactly SIZE bytes");
                if le { <$ty>::from_le_bytes(array) } else { <$ty>::from_be_bytes(array) }
            }
        }
    )*};
}

number!(u8, i8, u16, i16, u32, i32, u64, i64, u128, i128, f32, f64);

/// Future for the `read_u8`, `read_u16`, ... `read_f64_le` methods of
/// [`AsyncReadExt`](crate::io::AsyncReadExt): reads exactly
/// `size_of::<T>()` bytes and decodes them.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadInt<'a, R: ?Sized, T> {
    reader: &'a mut R,
    buf: [u8; 16],
    read: u8,
    le: bool,
    _number: PhantomData<fn() -> T>,
}

#[allow(private_bounds)]
pub(crate) fn read_int<R: AsyncRead + Unpin + ?Sized, T: Number>(
    reader: &mut R,
    le: bool,
) -> ReadInt<'_, R, T> {
    ReadInt {
        reader,
        buf: [0; 16],
        read: 0,
        le,
        _number: PhantomData,
    }
}

#[allow(private_bounds)]
impl<R: AsyncRead + Unpin + ?Sized, T: Number> Future for ReadInt<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let me = self.get_mut();
        while usize::from(me.read) < T::SIZE {
            let mut buf = ReadBuf::new(&mut me.buf[usize::from(me.read)..T::SIZE]);
            // An interrupted read did nothing: retry it (as tokio).
            match Pin::new(&mut *me.reader).poll_read(cx, &mut buf) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            }
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(eof()));
            }
            me.read += n as u8;
        }
        Poll::Ready(Ok(T::decode(&me.buf[..T::SIZE], me.le)))
    }
}
