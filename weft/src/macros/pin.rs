//! `pin!`: pin local variables on the stack, shadowing them.
//!
//! The expansion moves each value into a temporary that lives as long as the
//! enclosing block (`core::pin::pin!` in a `let`, so no `unsafe` is needed)
//! and shadows the variable with the `Pin<&mut T>` to it: the value itself
//! can no longer be named, so it can never be moved again.

/// Pins a value on the stack.
///
/// Calls to `async fn` return anonymous [`Future`] values that are `!Unpin`.
/// These values must be pinned before they can be polled. Calling `.await`
/// handles this, but consumes the future. If it is required to call `.await`
/// on a `&mut _` reference, the caller is responsible for pinning the future.
///
/// Pinning may be done by allocating with [`Box::pin`] or on the stack with
/// the `pin!` macro, which shadows each named variable with a
/// `Pin<&mut T>` to its value.
///
/// The following fails to compile:
///
/// ```compile_fail
/// async fn my_async_fn() {
///     // async logic here
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let mut future = my_async_fn();
///     (&mut future).await;
/// }
/// ```
///
/// To make it work, pin the future:
///
/// ```
/// use weft::pin;
///
/// async fn my_async_fn() {
///     // async logic here
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let future = my_async_fn();
///     pin!(future);
///
///     (&mut future).await;
/// }
/// ```
///
/// Pinning is useful when using [`select!`](crate::select) in a loop over a
/// future that must not be restarted on every iteration, and with stream
/// operators that require `T: Stream + Unpin`.
///
/// # Usage
///
/// `pin!` takes identifiers of local variables (one or more, separated by
/// commas), as tokio's does. It does not take expressions: write
/// `let future = expr; pin!(future);`, the `let` form below, or use
/// [`std::pin::pin!`], which does return the `Pin`.
///
/// ```compile_fail
/// async fn my_async_fn() {
///     // async logic here
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let mut future = weft::pin!(my_async_fn());
///     (&mut future).await;
/// }
/// ```
///
/// # Examples
///
/// Using with `select!`: the same pinned future is polled again on each
/// iteration of the loop, through `&mut`, until it completes.
///
/// ```
/// use weft::{pin, select};
///
/// async fn my_async_fn() {
///     // async logic here
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let mut values = vec![1, 2, 3, 4].into_iter();
///
///     let future = my_async_fn();
///     pin!(future);
///
///     loop {
///         select! {
///             biased;
///             Some(value) = std::future::ready(values.next()) => {
///                 println!("got value = {value}");
///             }
///             // Stop looping once `future` completes; it is not polled
///             // after that.
///             _ = &mut future => break,
///         }
///     }
/// }
/// ```
///
/// Because assigning to a variable and then pinning it is common, there is
/// also a form that does both in one go:
///
/// ```
/// use weft::pin;
///
/// async fn my_async_fn() -> u32 {
///     7
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     pin! {
///         let future1 = my_async_fn();
///         let future2 = my_async_fn();
///     }
///
///     assert_eq!((&mut future1).await + future2.as_mut().await, 14);
/// }
/// ```
///
/// # Differences from tokio
///
/// The identifier form also accepts a trailing comma and an empty list
/// (`pin!()` does nothing).
///
/// [`Future`]: std::future::Future
/// [`Box::pin`]: std::boxed::Box::pin
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        // `pin!` moves the value into a temporary that lives until the end of
        // the enclosing block; the shadowing binding is the only way left to
        // reach it. `mut` so that `x.as_mut()` and `&mut x` work.
        #[allow(unused_mut)]
        let mut $x = $crate::macros::support::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
