#![deny(warnings)]

use weft::runtime::Handle;

// `#[weft::main]` defaults to the `multi_thread` flavor.
#[weft::main]
async fn default_flavor() -> bool {
    let handle = Handle::current();
    // The body runs on the calling thread; spawned tasks run on the workers.
    let caller = std::thread::current().id();
    let worker = weft::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    handle.metrics().num_workers() >= 1 && worker != caller
}

#[weft::main(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers() -> usize {
    Handle::current().metrics().num_workers()
}

#[weft::main(worker_threads = 3)]
async fn three_workers_default_flavor() -> usize {
    Handle::current().metrics().num_workers()
}

// Outside `cargo test`, `#[test]` functions are compiled out: this checks
// that the arguments are accepted (tests/runtime.rs runs test expansions).
#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_test() {}

#[weft::test(worker_threads = 2, flavor = "multi_thread")]
async fn arguments_in_any_order() {}

macro_rules! entry {
    ($name:ident, $flavor:literal, $threads:literal) => {
        #[weft::main(flavor = $flavor, worker_threads = $threads)]
        async fn $name() -> usize {
            Handle::current().metrics().num_workers()
        }
    };
}

entry!(from_macro, "multi_thread", 4);

fn main() {
    assert!(default_flavor());
    assert_eq!(two_workers(), 2);
    assert_eq!(three_workers_default_flavor(), 3);
    assert_eq!(from_macro(), 4);
}
