#[weft::test]
async fn with_param(value: u32) {
    assert_eq!(value, 1);
}

fn main() {}
