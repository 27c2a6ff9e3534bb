//! The one shape of the futures the extension traits' methods return
//! (`read`, `write_all`, `read_to_end`, `flush`, ...): a struct that
//! borrows the I/O object and keeps the call's state, the crate-internal
//! function the method calls to make it, and its `Future` impl.
//!
//! Every such future borrows its I/O object as `&'a mut IO` with
//! `IO: Unpin`, and keeps no pinned state, so it is `Unpin` itself and its
//! `poll` works on `&mut Self`. [`method_future!`] writes those parts once
//! for each future from its fields and its poll body.

/// Declares a method's future.
///
/// ```text
/// method_future! {
///     /// Future for [`AsyncReadExt::read`](crate::io::AsyncReadExt::read).
///     pub struct Read<'a, R: AsyncRead> {
///         reader: &'a mut R,
///         buf: &'a mut [u8],
///         read: usize = 0,
///     }
///     pub(crate) fn read(reader: &'a mut R, buf: &'a mut [u8]);
///     fn poll(me, cx) -> io::Result<usize> { ... }
/// }
/// ```
///
/// gives `pub struct Read<'a, R: ?Sized>` (with `Debug` and `#[must_use]`),
/// the function `read<'a, R: AsyncRead + Unpin + ?Sized>(..) -> Read<'a, R>`
/// (a field without `= init` takes the argument of its name), and the
/// `Future` impl whose `poll` runs the body with `me: &mut Read<'a, R>`.
macro_rules! method_future {
    (
        $(#[$attr:meta])*
        pub struct $name:ident<'a, $io:ident: $bound:path> {
            $($(#[$field_attr:meta])* $field:ident: $field_ty:ty $(= $init:expr)?),+ $(,)?
        }
        $vis:vis fn $make:ident($($arg:ident: $arg_ty:ty),* $(,)?);
        fn poll($me:ident, $cx:ident) -> $output:ty $body:block
    ) => {
        $(#[$attr])*
        #[derive(Debug)]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $name<'a, $io: ?Sized> {
            $($(#[$field_attr])* $field: $field_ty,)+
        }

        $vis fn $make<'a, $io: $bound + Unpin + ?Sized>($($arg: $arg_ty),*) -> $name<'a, $io> {
            $name {
                $($field: crate::io::util::method_future::method_future!(@init $field $(= $init)?),)+
            }
        }

        impl<'a, $io: $bound + Unpin + ?Sized> std::future::Future for $name<'a, $io> {
            type Output = $output;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                $cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<$output> {
                let $me = self.get_mut();
                $body
            }
        }
    };
    (@init $field:ident = $init:expr) => {
        $init
    };
    (@init $field:ident) => {
        $field
    };
}

pub(crate) use method_future;

/// Declares extension-trait methods that return a [`method_future!`]
/// future: `fn name<'a>(&'a mut self, args..) -> Future;` (or with
/// `&mut self` and an elided lifetime) becomes the method, for
/// `Self: Unpin`, that returns the function `name`'s future.
macro_rules! future_methods {
    () => {};
    (
        $(#[$attr:meta])*
        fn $name:ident<'a>(&'a mut self $(, $arg:ident: $arg_ty:ty)* $(,)?) -> $future:ident;
        $($rest:tt)*
    ) => {
        $(#[$attr])*
        fn $name<'a>(&'a mut self $(, $arg: $arg_ty)*) -> $future<'a, Self>
        where
            Self: Unpin,
        {
            $name(self $(, $arg)*)
        }

        crate::io::util::method_future::future_methods!($($rest)*);
    };
    (
        $(#[$attr:meta])*
        fn $name:ident(&mut self $(, $arg:ident: $arg_ty:ty)* $(,)?) -> $future:ident;
        $($rest:tt)*
    ) => {
        $(#[$attr])*
        fn $name(&mut self $(, $arg: $arg_ty)*) -> $future<'_, Self>
        where
            Self: Unpin,
        {
            $name(self $(, $arg)*)
        }

        crate::io::util::method_future::future_methods!($($rest)*);
    };
}

pub(crate) use future_methods;
