//! The loopers of `join_loopers`, now yielding after every line, so they take
//! turns: 1, 2, 3, 1, 2, 3, ...
//!
//! `cargo run --example yield_loopers`

async fn looper(n: i32) {
    for i in 0..5 {
        println!("[{n}]: looper: {}", i);
        weft::task::yield_now().await;
    }
}

#[weft::main(flavor = "current_thread")]
async fn main() {
    weft::join!(looper(1), looper(2), looper(3));
}
