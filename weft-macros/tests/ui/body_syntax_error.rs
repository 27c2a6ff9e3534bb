#[weft::main]
async fn main() {
    let missing = ;
}
