//! The `hello` example, explicitly single-threaded.
//!
//! `cargo run --example hello_current_thread`

async fn say_hello() {
    println!("Hello, world!");
}

#[weft::main(flavor = "current_thread")]
async fn main() {
    say_hello().await;
}
