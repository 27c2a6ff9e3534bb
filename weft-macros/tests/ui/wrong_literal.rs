#[weft::main(flavor = current_thread)]
async fn flavor_ident() {}

#[weft::main(worker_threads = "4")]
async fn threads_string() {}

#[weft::test(start_paused = "yes")]
async fn paused_string() {}

#[weft::test(crate = weft)]
async fn crate_ident() {}

fn main() {}
