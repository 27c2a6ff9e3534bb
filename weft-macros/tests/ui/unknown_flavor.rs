#[weft::main(flavor = "single_thread")]
async fn main() {}

#[weft::test(flavor = "multi_threaded", worker_threads = 2)]
async fn misspelled_multi_thread() {}
