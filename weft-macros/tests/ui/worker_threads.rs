#[weft::main(worker_threads = 4)]
async fn main() {}

#[weft::test(flavor = "current_thread", worker_threads = 2)]
async fn on_current_thread() {}

#[weft::test(worker_threads = 0)]
async fn zero() {}
