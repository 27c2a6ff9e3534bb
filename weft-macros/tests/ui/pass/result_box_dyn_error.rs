#![deny(warnings)]

use std::error::Error;

async fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[weft::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // `?` converts the error into the declared `Box<dyn Error>`.
    let n = parse("42").await?;
    assert_eq!(n, 42);
    if n == 0 {
        return Err("zero".into());
    }
    Ok(())
}
