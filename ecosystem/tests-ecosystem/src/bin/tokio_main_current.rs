//! `#[tokio::main(flavor = "current_thread")]`: every task runs on the
//! thread that runs `main`, and `spawn_local` works inside a `LocalSet`.
//! `tests/user_code.rs` runs it and reads what it prints.

use std::rc::Rc;
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::task::LocalSet;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let flavor = match Handle::current().runtime_flavor() {
        RuntimeFlavor::CurrentThread => "current_thread",
        RuntimeFlavor::MultiThread => "multi_thread",
        _ => "other",
    };
    println!("flavor={flavor}");

    let main_thread = std::thread::current().id();
    let same_thread = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        std::thread::current().id() == main_thread
    })
    .await
    .expect("the task panicked");
    println!("spawned_on_main_thread={same_thread}");

    // A !Send value across an await, on a LocalSet.
    let local = LocalSet::new();
    let shared = Rc::new(41);
    let answer = local
        .run_until(async move {
            let shared = Rc::clone(&shared);
            tokio::task::spawn_local(async move {
                tokio::task::yield_now().await;
                *shared + 1
            })
            .await
            .expect("the local task panicked")
        })
        .await;
    println!("local={answer}");
}
