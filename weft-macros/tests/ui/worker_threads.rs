// `worker_threads` sizes the `multi_thread` pool: it cannot be zero, and it
// means nothing on the `current_thread` flavor, given or defaulted.

#[weft::main(worker_threads = 0)]
async fn main() {}

#[weft::main(flavor = "multi_thread", worker_threads = 0)]
async fn zero_with_flavor() {}

#[weft::main(flavor = "current_thread", worker_threads = 4)]
async fn main_on_current_thread() {}

#[weft::test(flavor = "current_thread", worker_threads = 2)]
async fn test_on_current_thread() {}

// `#[weft::test]` defaults to `current_thread`.
#[weft::test(worker_threads = 2)]
async fn test_without_flavor() {}
