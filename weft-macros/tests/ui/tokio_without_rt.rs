// The drop-in without its `rt` feature exports these as `main` and `test`:
// the attribute is replaced by tokio's error.
#[weft_macros::tokio_main_fail]
async fn entry() {}

#[weft_macros::tokio_test_fail]
async fn a_test() {}

fn main() {}
