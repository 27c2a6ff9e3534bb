#[weft::main]
async fn run(port: u16, verbose: bool) {
    let _ = (port, verbose);
}

fn main() {}
