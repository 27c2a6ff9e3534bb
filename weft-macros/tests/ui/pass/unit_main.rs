#![deny(warnings)]

#[weft::main]
async fn main() {
    let greeting = async { "hello" }.await;
    assert_eq!(greeting, "hello");
}
