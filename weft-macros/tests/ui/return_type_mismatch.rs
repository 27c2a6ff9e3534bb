#[weft::main]
async fn main() -> Result<(), std::io::Error> {
    println!("forgot the Ok(())");
}

#[weft::main]
async fn answer() -> u32 {
    "forty-two"
}
