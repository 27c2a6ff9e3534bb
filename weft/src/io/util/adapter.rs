//! What the adapters around an inner I/O object (`BufReader`, `BufWriter`,
//! `BufStream`, `Take`, `Lines`, `Split`) share: the pin projection to the
//! inner object, and the trait impls that hand every call to it.

use std::pin::Pin;

/// Splits a pinned adapter into its pinned inner I/O object and the rest of
/// its state, as `fields` borrows them.
///
/// # Safety
///
/// The inner object is pinned structurally: it is never moved out of a
/// pinned adapter (only by a method that takes the adapter by value, such
/// as `into_inner`), the adapter has no `Drop` impl, and it is `Unpin` only
/// when the inner object is. `fields` only borrows fields of the adapter (it
/// moves nothing).
pub(super) unsafe fn project<'a, A, I: ?Sized, S>(
    adapter: Pin<&'a mut A>,
    fields: impl FnOnce(&'a mut A) -> (&'a mut I, S),
) -> (Pin<&'a mut I>, S) {
    // SAFETY: the adapter is not moved: `fields` only borrows its fields
    // (caller).
    let (inner, state) = fields(unsafe { adapter.get_unchecked_mut() });
    // SAFETY: the inner object is pinned structurally (caller).
    (unsafe { Pin::new_unchecked(inner) }, state)
}

/// Implements one of the I/O traits for an adapter by handing every call to
/// its inner object: `$pinned` is the adapter's method from `Pin<&mut Self>`
/// to the pinned inner object; for `AsyncWrite`, `$field` is the field that
/// holds it (`is_write_vectored` takes `&self`). An invocation reads
/// `impl[generics] Trait for Type => ...` on one line, like the impl it
/// writes, so a search for a type's I/O impls finds it (the matchers below
/// are kept on one line each so that they do not look like one).
macro_rules! forward_io {
    ($(#[$attr:meta])* impl[$($gen:tt)*] AsyncRead for $adapter:ty => $pinned:ident) => {
        $(#[$attr])*
        impl<$($gen)*> crate::io::AsyncRead for $adapter {
            crate::io::util::adapter::forward_io!(@fn $pinned poll_read(
                cx: &mut std::task::Context<'_>,
                buf: &mut crate::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>>);
        }
    };
    ($(#[$attr:meta])* impl[$($gen:tt)*] AsyncBufRead for $adapter:ty => $pinned:ident) => {
        $(#[$attr])*
        impl<$($gen)*> crate::io::AsyncBufRead for $adapter {
            crate::io::util::adapter::forward_io!(@fn $pinned poll_fill_buf(
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<&[u8]>>);
            crate::io::util::adapter::forward_io!(@fn $pinned consume(amt: usize));
        }
    };
    ($(#[$attr:meta])* impl[$($gen:tt)*] AsyncWrite for $adapter:ty => $pinned:ident, $field:ident) => {
        $(#[$attr])*
        impl<$($gen)*> crate::io::AsyncWrite for $adapter {
            crate::io::util::adapter::forward_io!(@fn $pinned poll_write(
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>>);
            crate::io::util::adapter::forward_io!(@fn $pinned poll_write_vectored(
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>>);
            crate::io::util::adapter::forward_io!(@fn $pinned poll_flush(
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>>);
            crate::io::util::adapter::forward_io!(@fn $pinned poll_shutdown(
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>>);

            fn is_write_vectored(&self) -> bool {
                self.$field.is_write_vectored()
            }
        }
    };
    ($(#[$attr:meta])* impl[$($gen:tt)*] AsyncSeek for $adapter:ty => $pinned:ident) => {
        $(#[$attr])*
        impl<$($gen)*> crate::io::AsyncSeek for $adapter {
            crate::io::util::adapter::forward_io!(@fn $pinned start_seek(
                position: std::io::SeekFrom,
            ) -> std::io::Result<()>);
            crate::io::util::adapter::forward_io!(@fn $pinned poll_complete(
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<u64>>);
        }
    };
    // One method taking `self: Pin<&mut Self>`, handed to the inner object.
    (@fn $pinned:ident $method:ident($($arg:ident: $arg_ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        fn $method(self: std::pin::Pin<&mut Self>, $($arg: $arg_ty),*) $(-> $ret)? {
            self.$pinned().$method($($arg),*)
        }
    };
}

pub(crate) use forward_io;
