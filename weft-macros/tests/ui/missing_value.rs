#[weft::main(flavor)]
async fn bare_key() {}

#[weft::main(start_paused(true))]
async fn list_key() {}

fn main() {}
