// tokio's `unhandled_panic` argument needs `--cfg tokio_unstable` in
// tokio; the drop-in refuses it and says why.
mod tokio {
    pub use weft::runtime;
    pub use weft_macros::tokio_main as main;
}

#[tokio::main(flavor = "current_thread", unhandled_panic = "shutdown_runtime")]
async fn main() {}
