// `start_paused = true` needs the `current_thread` flavor; `#[weft::main]`
// defaults to `multi_thread`.
#[weft::main(start_paused = true)]
async fn main() {}
