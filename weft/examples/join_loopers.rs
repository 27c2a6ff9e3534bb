//! `join!` three loopers on one thread. With no `.await` inside
//! the loop, each looper runs to the end before the next starts.
//!
//! `cargo run --example join_loopers`

async fn looper(n: i32) {
    for i in 0..5 {
        println!("[{n}]: looper: {}", i);
    }
}

#[weft::main(flavor = "current_thread")]
async fn main() {
    weft::join!(looper(1), looper(2), looper(3));
}
