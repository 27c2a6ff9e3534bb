#[weft::main(flavor = )]
async fn main() {}
