#![deny(warnings)]

// What the tokio drop-in exports as `tokio::main` and `tokio::test`, with
// weft standing in for the rest of the drop-in.
mod tokio {
    pub use weft::*;
    pub use weft_macros::{tokio_main as main, tokio_test as test};
}

mod reexport {
    pub(crate) use crate::tokio as rt;
}

fn main() {
    serve();
    // Each of these blocks on a runtime of its own, so they are called
    // from outside any runtime.
    assert_eq!(run(vec![1u32, 2]), 3);
    through_a_reexport();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2, name = "svc")]
async fn serve() {
    assert_eq!(tokio::runtime::Handle::current().name(), Some("svc"));
}

// Parameters and generics on a function other than `main`, as tokio allows.
#[tokio::main(flavor = "current_thread")]
async fn run<T: Into<u64> + Send + 'static>(values: Vec<T>) -> u64 {
    let total = values.into_iter().map(Into::into).sum::<u64>();
    tokio::spawn(async move { total }).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn paused() {}

#[tokio::main(crate = "reexport::rt", flavor = "local")]
async fn through_a_reexport() {
    tokio::task::spawn_local(async {}).await.unwrap();
}
