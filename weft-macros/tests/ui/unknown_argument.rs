#[weft::main(threads = 4)]
async fn one() {}

#[weft::test(multi_thread)]
async fn bare_flavor() {}

#[weft::test(runtime::flavor = "current_thread")]
async fn path_key() {}

fn main() {}
