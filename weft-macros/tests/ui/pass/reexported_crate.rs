#![deny(warnings)]

mod my_reexport {
    pub use weft;
}

#[my_reexport::weft::main(crate = "my_reexport::weft")]
async fn main() {}
