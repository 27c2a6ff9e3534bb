#[weft::test]
#[test]
async fn twice() {}

#[weft::test]
#[::core::prelude::v1::test]
async fn twice_by_path() {}

fn main() {}
