#[weft::main(flavor = "current_thread", start_paused = false, flavor = "current_thread")]
async fn main() {}
