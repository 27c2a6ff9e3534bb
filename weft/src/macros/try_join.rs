//! `try_join!`: like `join!`, for futures returning `Result`, but returning
//! at the first `Err`.
//!
//! The expansion is `join!`'s (`join.rs` builds both, in mode `try_join`
//! here), with one more step each time a future finishes: if its output is
//! an `Err`, the error is moved out and returned at once. The other futures
//! are then dropped, unfinished, when the `try_join!` expression ends.

/// Waits on multiple concurrent branches, returning when **all** branches
/// complete with `Ok(_)` or on the first `Err(_)`.
///
/// The `try_join!` macro must be used inside of async functions, closures,
/// and blocks.
///
/// Like [`join!`](crate::join), it takes a list of async expressions and runs
/// them concurrently **on the current task**. Each must produce a
/// `Result<_, E>` with the same error type `E`. `try_join!` returns
/// `Ok((a, b, ...))` with the `Ok` values, in the order written, once all of
/// them have returned `Ok`; as soon as one returns `Err(e)` it returns
/// `Err(e)` without waiting for the others, which are dropped unfinished.
/// `try_join!()` returns `Ok(())`.
///
/// # Notes
///
/// The futures are stored inline, pinned in place in the enclosing future:
/// `try_join!` does not allocate. At most 64 futures can be joined at once.
///
/// ## Runtime characteristics
///
/// Because all the expressions run on the current task, they run
/// **concurrently** but not in **parallel**: if one of them blocks the
/// thread, the others cannot make progress either. For parallelism, spawn
/// each one with `weft::spawn` and pass the `JoinHandle`s to `try_join!`.
///
/// ## Fairness
///
/// As for `join!`: by default each poll starts one branch later than the
/// previous one (round-robin); after `biased;` the futures are polled in the
/// order written, so when several have failed by the same poll, the `Err`
/// returned is the one written first.
///
/// # Examples
///
/// Basic `try_join!` with two branches:
///
/// ```
/// async fn do_stuff_async() -> Result<u32, &'static str> {
///     // async work
///     Ok(1)
/// }
///
/// async fn more_async_work() -> Result<&'static str, &'static str> {
///     // more here
///     Ok("two")
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let res = weft::try_join!(do_stuff_async(), more_async_work());
///     assert_eq!(res, Ok((1, "two")));
/// }
/// ```
///
/// The first error wins, and is usually propagated with `?`:
///
/// ```
/// use std::io;
///
/// async fn read_config() -> io::Result<String> {
///     Ok("verbose = true".to_string())
/// }
///
/// async fn connect() -> io::Result<u16> {
///     Err(io::Error::new(io::ErrorKind::ConnectionRefused, "no server"))
/// }
///
/// async fn start() -> io::Result<()> {
///     let (config, port) = weft::try_join!(read_config(), connect())?;
///     println!("{config} on {port}");
///     Ok(())
/// }
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let err = start().await.unwrap_err();
///     assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
/// }
/// ```
///
/// Using `biased;` to poll the futures in the order they are written:
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let res: Result<((), ()), &str> = weft::try_join!(
///         biased;
///         async { Err("first") },
///         async { Err("second") },
///     );
///     assert_eq!(res, Err("first"));
/// }
/// ```
// Intentional twin of `join!`'s definition: the same input grammar, handed
// on with a different mode (the expansion is shared, in `join.rs`).
#[macro_export]
macro_rules! try_join {
    (biased; $($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join try_join true; $($future,)*)
    };
    ($($future:expr),* $(,)?) => {
        $crate::__weft_slots!(join try_join false; $($future,)*)
    };
}
