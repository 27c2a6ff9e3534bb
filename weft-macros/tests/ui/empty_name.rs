#[weft::main(name = "")]
async fn main() {}

#[weft::test(name = 5)]
async fn numeric_name() {}
