#[weft::main(flavor = "multi_thread")]
async fn main() {}

#[weft::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_workers() {}
