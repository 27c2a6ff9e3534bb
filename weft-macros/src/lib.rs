//! Procedural macros for weft: `#[weft::main]` and `#[weft::test]`.
//!
//! Use them through the `weft` crate (feature `macros`, on by default), not
//! from this crate directly. Both turn an `async fn` into a plain `fn` that
//! builds a weft runtime and runs the body on it to completion.
//!
//! The same attributes, written `#[tokio::main]` and `#[tokio::test]`, are
//! also the entry points of the tokio drop-in (the crate named `tokio` that
//! re-exports weft under tokio's paths): [`macro@tokio_main`] and
//! [`macro@tokio_test`] differ only in the crate path they default to
//! (`tokio`), the names in their messages, and the function shapes tokio
//! accepts (see `kind.rs`).
//!
//! The code is split by concept: `config` reads the attribute's arguments,
//! `flavor` and `builder` decide which runtime to build, `item` reads and
//! checks the function, and `entry` generates the expansion.

mod builder;
mod config;
mod entry;
mod errors;
mod flavor;
mod item;
mod kind;

use proc_macro::TokenStream;

const WEFT_MAIN: Entry = Entry {
    kind: EntryKind::Main,
    dialect: Dialect::Weft,
};
const WEFT_TEST: Entry = Entry {
    kind: EntryKind::Test,
    dialect: Dialect::Weft,
};
const TOKIO_MAIN: Entry = Entry {
    kind: EntryKind::Main,
    dialect: Dialect::Tokio,
};
const TOKIO_TEST: Entry = Entry {
    kind: EntryKind::Test,
    dialect: Dialect::Tokio,
};

use crate::kind::{Dialect, Entry, EntryKind};

/// Marks an `async fn` as the program's entry point: it becomes a plain
/// `fn` that starts a weft runtime and runs the body on it to completion.
///
/// The runtime is a `multi_thread` one by default, with a worker thread per
/// CPU; `flavor = "current_thread"` runs everything on the calling thread
/// instead.
///
/// The `multi_thread` flavor needs weft's `rt-multi-thread` feature (part
/// of the default `full`). Without it, as with tokio, the default flavor
/// is a compile error that names the feature: write
/// `#[weft::main(flavor = "current_thread")]`, or enable the feature.
///
/// # Usage
///
/// ```
/// #[weft::main]
/// async fn main() {
///     println!("Hello from weft");
/// }
/// ```
///
/// `main` may return anything a synchronous `main` can, so `?` works:
///
/// ```
/// use std::error::Error;
///
/// #[weft::main]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     let answer: u32 = "42".parse()?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
///
/// The function may have any name and any visibility, so the attribute also
/// turns a helper into a blocking call. It may not take parameters, be
/// generic, or lack the `async` keyword.
///
/// # Arguments
///
/// All are optional, written `#[weft::main(key = value, ...)]`:
///
/// | Argument | Values | Default | Effect |
/// |---|---|---|---|
/// | `flavor` | `"current_thread"`, `"multi_thread"` or `"local"` | `"multi_thread"` | which scheduler runs the body |
/// | `worker_threads` | integer literal `>= 1` | `WEFT_WORKER_THREADS`, else `TOKIO_WORKER_THREADS`, else the number of CPUs | worker threads of the `multi_thread` flavor |
/// | `start_paused` | `true` or `false` | `false` | start with the clock paused |
/// | `name` | a non-empty string | none | the runtime's name (`Builder::name`, `Handle::name`) |
/// | `crate` | a path, as a string | `"::weft"` | where to find weft when it is renamed or re-exported |
///
/// `flavor = "local"` runs the body on a `LocalRuntime`: a
/// `current_thread` runtime on which `weft::task::spawn_local` works
/// without a `LocalSet`, so tasks may hold values that are not `Send`:
///
/// ```
/// use std::rc::Rc;
///
/// #[weft::main(flavor = "local")]
/// async fn main() {
///     let shared = Rc::new(String::from("not Send"));
///     let task = weft::task::spawn_local({
///         let shared = shared.clone();
///         async move { shared.len() }
///     });
///     assert_eq!(task.await.unwrap(), shared.len());
/// }
/// ```
///
/// `name` names the runtime:
///
/// ```
/// #[weft::main(flavor = "current_thread", name = "ingest")]
/// async fn main() {
///     assert_eq!(weft::runtime::Handle::current().name(), Some("ingest"));
/// }
/// ```
///
/// `worker_threads` sets the size of the `multi_thread` pool:
///
/// ```
/// #[weft::main(worker_threads = 2)]
/// async fn main() {
///     let metrics = weft::runtime::Handle::current().metrics();
///     assert_eq!(metrics.num_workers(), 2);
/// }
/// ```
///
/// It may be written with the flavor, as in
/// `#[weft::main(flavor = "multi_thread", worker_threads = 2)]`, but not with
/// `flavor = "current_thread"`, which has no worker threads: that is a
/// compile error, as is `worker_threads = 0`.
///
/// ```
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     // Everything runs on the thread that called `main`.
/// }
/// ```
///
/// `crate` lets a library re-export weft and its attributes:
///
/// ```
/// mod my_reexport {
///     pub use weft;
/// }
///
/// #[weft::main(crate = "my_reexport::weft")]
/// async fn main() {}
/// ```
///
/// An unknown argument, a duplicate, or a value of the wrong kind is a
/// compile error at that argument, listing what is accepted.
///
/// # Expansion
///
/// ```ignore
/// #[weft::main]
/// async fn main() -> Output {
///     body
/// }
/// ```
///
/// becomes (give or take lint attributes)
///
/// ```ignore
/// fn main() -> Output {
///     let body = async { body };
///     return ::weft::runtime::Builder::new_multi_thread()
///         // .worker_threads(N), with `worker_threads = N`
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body);
/// }
/// ```
///
/// (`Builder::new_current_thread()`, without `.worker_threads(N)`, with
/// `flavor = "current_thread"`; with `flavor = "local"`, that builder's
/// `.build_local(LocalOptions::default())` in place of `.build()`; with
/// `name = "..."`, `.name("...")` before `.enable_all()`.)
///
/// # Panics
///
/// The generated function panics if the runtime cannot be built, and lets
/// a panic of the body propagate.
///
/// # Differences from tokio
///
/// - `start_paused = false` is accepted with the `multi_thread` flavor, where
///   tokio rejects `start_paused` there whatever its value.
/// - `start_paused = true` needs weft's `test-util` feature (as tokio's
///   needs tokio's) and the `current_thread` flavor; on `multi_thread` it
///   is a compile error.
/// - tokio's unstable `unhandled_panic` argument is not supported.
/// - `flavor = "local"` needs no unstable flag (tokio's needs
///   `--cfg tokio_unstable`).
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(WEFT_MAIN, true, args.into(), item.into()).into()
}

/// `#[weft::main]` for a weft built without its `rt-multi-thread` feature
/// (weft exports it as `main` then): the same attribute, except that the
/// `multi_thread` flavor, its default, is a compile error naming the
/// feature. Write `#[weft::main(flavor = "current_thread")]`, or enable the
/// feature.
#[proc_macro_attribute]
pub fn main_rt(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(WEFT_MAIN, false, args.into(), item.into()).into()
}

/// Marks an `async fn` as a test that runs on its own weft runtime.
///
/// Each test builds a fresh runtime, runs the body on it, and drops it, so
/// tests never share tasks, timers or sockets.
///
/// # Usage
///
/// (Doctests are not built as tests, so these examples only show that the
/// attribute accepts them; the crate's `tests/runtime.rs` runs such tests.)
///
/// ```
/// #[weft::test]
/// async fn adds() {
///     assert_eq!(2 + 2, 4);
/// }
/// ```
///
/// The test may return a `Result`; an `Err` fails it, as for any test:
///
/// ```
/// #[weft::test]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
///
/// Other attributes, such as `#[should_panic]` or `#[ignore]`, go after it
/// and apply as usual. Writing `#[test]` as well is a compile error: the
/// attribute already adds it. The function may not take parameters, be
/// generic, or lack the `async` keyword.
///
/// # Arguments
///
/// The same as [`macro@main`]'s, but the default flavor is
/// `current_thread`, as for `#[tokio::test]`: the body and every task it
/// spawns run on the test's own thread, one step at a time.
///
/// | Argument | Values | Default | Effect |
/// |---|---|---|---|
/// | `flavor` | `"current_thread"`, `"multi_thread"` or `"local"` | `"current_thread"` | which scheduler runs the body |
/// | `worker_threads` | integer literal `>= 1` | `WEFT_WORKER_THREADS`, else `TOKIO_WORKER_THREADS`, else the number of CPUs | worker threads of the `multi_thread` flavor |
/// | `start_paused` | `true` or `false` | `false` | start with the clock paused |
/// | `name` | a non-empty string | none | the runtime's name |
/// | `crate` | a path, as a string | `"::weft"` | where to find weft when it is renamed or re-exported |
///
/// To test on a pool of worker threads, ask for the `multi_thread` flavor;
/// `worker_threads` alone is a compile error here, since the default flavor
/// has no worker threads:
///
/// ```
/// #[weft::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     let metrics = weft::runtime::Handle::current().metrics();
///     assert_eq!(metrics.num_workers(), 2);
/// }
/// ```
///
/// ```
/// #[weft::test(flavor = "current_thread", start_paused = false)]
/// async fn explicit() {}
/// ```
///
/// `flavor = "local"` gives the test a `LocalRuntime`, for code that uses
/// `spawn_local` without a `LocalSet`:
///
/// ```
/// #[weft::test(flavor = "local")]
/// async fn not_send() {
///     let rc = std::rc::Rc::new(1);
///     let task = weft::task::spawn_local(async move { *rc + 1 });
///     assert_eq!(task.await.unwrap(), 2);
/// }
/// ```
///
/// # Expansion
///
/// ```ignore
/// #[weft::test]
/// async fn name() -> Output {
///     body
/// }
/// ```
///
/// becomes (give or take lint attributes)
///
/// ```ignore
/// #[::core::prelude::v1::test]
/// fn name() -> Output {
///     let body = async { body };
///     // One `block_on` per output type, not one per test.
///     let body: Pin<&mut dyn Future<Output = Output>> = pin!(body);
///     return ::weft::runtime::Builder::new_current_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body);
/// }
/// ```
///
/// (`Builder::new_multi_thread()`, then `.worker_threads(N)` if given, with
/// `flavor = "multi_thread"`; `.build_local(LocalOptions::default())` in
/// place of `.build()` with `flavor = "local"`.)
///
/// # Panics
///
/// The test panics (fails) if the runtime cannot be built, and when the
/// body panics.
///
/// # Differences from tokio
///
/// - `start_paused = false` is accepted with the `multi_thread` flavor, where
///   tokio rejects `start_paused` there whatever its value.
/// - `start_paused = true` needs weft's `test-util` feature (as tokio's
///   needs tokio's) and the `current_thread` flavor; on `multi_thread` it
///   is a compile error.
/// - tokio's unstable `unhandled_panic` argument is not supported.
/// - `flavor = "local"` needs no unstable flag (tokio's needs
///   `--cfg tokio_unstable`).
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(WEFT_TEST, true, args.into(), item.into()).into()
}

/// `#[weft::test]` for a weft built without its `rt-multi-thread` feature
/// (weft exports it as `test` then): the same attribute, except that
/// `flavor = "multi_thread"` is a compile error naming the feature.
#[proc_macro_attribute]
pub fn test_rt(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(WEFT_TEST, false, args.into(), item.into()).into()
}

/// `#[tokio::main]`: tokio's entry-point attribute, for the tokio drop-in
/// (the crate named `tokio` that runs tokio's API on weft). The drop-in
/// exports it as `tokio::main`; code written for tokio uses it unchanged.
///
/// It is [`macro@main`] with tokio's spelling: the generated function
/// builds `tokio::runtime::Builder::new_multi_thread()` (or
/// `new_current_thread()`), which is weft's builder under tokio's name,
/// and blocks on the body. The arguments are tokio's: `flavor`
/// (`"multi_thread"`, the default, `"current_thread"` or `"local"`),
/// `worker_threads`, `start_paused`, `name` and `crate`.
///
/// ```
/// # mod tokio {
/// #     // weft and these attributes stand in for the drop-in here.
/// #     pub use weft::*;
/// #     pub use weft_macros::{tokio_main as main, tokio_test as test};
/// # }
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() {
///     let task = tokio::spawn(async { 6 * 7 });
///     assert_eq!(task.await.unwrap(), 42);
/// }
/// ```
///
/// As with tokio, a function that is not `main` may take parameters (and
/// be generic): the attribute then turns it into a blocking call.
///
/// ```
/// # mod tokio {
/// #     pub use weft::*;
/// #     pub use weft_macros::{tokio_main as main, tokio_test as test};
/// # }
/// #[tokio::main(worker_threads = 2)]
/// async fn sum(values: Vec<u64>) -> u64 {
///     tokio::spawn(async move { values.iter().sum() }).await.unwrap()
/// }
///
/// assert_eq!(sum(vec![1, 2, 3]), 6);
/// ```
///
/// # The crate path
///
/// The expansion names the runtime as `tokio::...`, resolved where the
/// attribute is written, as tokio's own attribute does: the crate named
/// `tokio` in the user's dependencies, or a `tokio` brought into scope by
/// a `use`. `crate = "path"` names it explicitly, for a renamed dependency
/// or a re-export:
///
/// ```
/// mod my_reexport {
///     pub use weft as tokio;
/// }
///
/// #[weft_macros::tokio_main(crate = "my_reexport::tokio", flavor = "current_thread")]
/// async fn main() {}
/// ```
///
/// # Differences from tokio
///
/// Those of [`macro@main`] (`start_paused = false` is accepted on
/// `multi_thread`; `flavor = "local"` needs no unstable flag), and:
///
/// - `unhandled_panic` is refused with a compile error saying why: in
///   tokio it exists only under `--cfg tokio_unstable`, and weft does not
///   follow tokio's unstable API.
/// - The messages of the compile errors are weft's (each at the argument
///   at fault); they name `#[tokio::main]` and tokio's features.
#[proc_macro_attribute]
pub fn tokio_main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(TOKIO_MAIN, true, args.into(), item.into()).into()
}

/// `#[tokio::main]` for a drop-in built without its `rt-multi-thread`
/// feature (the drop-in exports it as `main` then): the default flavor,
/// `multi_thread`, is a compile error naming the feature, as in tokio.
///
/// ```
/// # mod tokio {
/// #     pub use weft::*;
/// #     pub use weft_macros::{tokio_main as main, tokio_test as test};
/// # }
/// #[weft_macros::tokio_main_rt(flavor = "current_thread")]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn tokio_main_rt(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(TOKIO_MAIN, false, args.into(), item.into()).into()
}

/// `#[tokio::test]`: tokio's test attribute, for the tokio drop-in, which
/// exports it as `tokio::test`.
///
/// It is [`macro@test`] with tokio's spelling (see [`macro@tokio_main`] for
/// the crate path and the differences): each test builds its own
/// `current_thread` runtime (or the flavor asked for) and blocks on the
/// body. Its arguments are those of `#[tokio::main]`.
///
/// ```
/// # mod tokio {
/// #     pub use weft::*;
/// #     pub use weft_macros::{tokio_main as main, tokio_test as test};
/// # }
/// #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     let metrics = tokio::runtime::Handle::current().metrics();
///     assert_eq!(metrics.num_workers(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn tokio_test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(TOKIO_TEST, true, args.into(), item.into()).into()
}

/// `#[tokio::test]` for a drop-in built without its `rt-multi-thread`
/// feature (the drop-in exports it as `test` then): `flavor =
/// "multi_thread"` is a compile error naming the feature, as in tokio.
///
/// ```
/// # mod tokio {
/// #     pub use weft::*;
/// #     pub use weft_macros::{tokio_main as main, tokio_test as test};
/// # }
/// #[weft_macros::tokio_test_rt]
/// async fn adds() {
///     assert_eq!(tokio::spawn(async { 2 + 2 }).await.unwrap(), 4);
/// }
/// ```
#[proc_macro_attribute]
pub fn tokio_test_rt(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(TOKIO_TEST, false, args.into(), item.into()).into()
}

/// `#[tokio::main]` for a drop-in built without its `rt` feature (the
/// drop-in exports it as `main` then): always a compile error, with
/// tokio's message, "The `#[tokio::main]` macro requires rt or
/// rt-multi-thread.".
///
/// ```compile_fail
/// #[weft_macros::tokio_main_fail]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn tokio_main_fail(_args: TokenStream, _item: TokenStream) -> TokenStream {
    entry::requires_rt(TOKIO_MAIN).into()
}

/// `#[tokio::test]` for a drop-in built without its `rt` feature (the
/// drop-in exports it as `test` then): always a compile error, with
/// tokio's message, "The `#[tokio::test]` macro requires rt or
/// rt-multi-thread.".
///
/// ```compile_fail
/// #[weft_macros::tokio_test_fail]
/// async fn adds() {}
/// ```
#[proc_macro_attribute]
pub fn tokio_test_fail(_args: TokenStream, _item: TokenStream) -> TokenStream {
    entry::requires_rt(TOKIO_TEST).into()
}
