#![deny(warnings)]

extern crate weft as renamed;

#[renamed::main(crate = "renamed")]
async fn main() {}

#[renamed::test(crate = "::renamed")]
async fn renamed_test() {}
