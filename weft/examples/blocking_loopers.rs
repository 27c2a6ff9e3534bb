//! Loopers on the blocking pool. Each `spawn_blocking` closure
//! runs on its own pool thread, so their lines interleave.
//!
//! `cargo run --example blocking_loopers`

async fn looper(n: i32) {
    weft::task::spawn_blocking(move || {
        for i in 0..10 {
            println!("[{n}]: looper: {}", i);
        }
    })
    .await
    .unwrap();
}

#[weft::main()]
async fn main() {
    weft::join!(looper(1), looper(2), looper(3));
}
