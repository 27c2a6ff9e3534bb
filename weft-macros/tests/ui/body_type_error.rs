#[weft::main]
async fn main() {
    let count: u32 = "one";
    let _ = count;
}
