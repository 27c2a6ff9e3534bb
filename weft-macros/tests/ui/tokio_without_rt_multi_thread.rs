// The drop-in without `rt-multi-thread`: its default flavor is an error
// naming tokio's feature.
mod tokio {
    pub use weft::*;
    pub use weft_macros::{tokio_main_rt as main, tokio_test_rt as test};
}

#[tokio::main]
async fn main() {}

#[tokio::test(flavor = "multi_thread")]
async fn on_workers() {}
