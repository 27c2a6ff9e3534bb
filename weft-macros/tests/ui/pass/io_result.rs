#![deny(warnings)]

use std::io::{self, Read};

#[weft::main]
async fn main() -> io::Result<()> {
    let mut text = String::new();
    io::Cursor::new("hello").read_to_string(&mut text)?;
    assert_eq!(text, "hello");
    Ok(())
}
