// As in tokio: a function named `main` cannot take arguments (other
// functions may, see pass/tokio_entry.rs).
mod tokio {
    pub use weft_macros::tokio_main as main;
}

#[tokio::main]
async fn main(args: Vec<String>) {
    drop(args);
}
