//! Hello, world on weft.
//!
//! `cargo run --example hello`

async fn say_hello() {
    println!("Hello, world!");
}

#[weft::main]
async fn main() {
    say_hello().await;
}
