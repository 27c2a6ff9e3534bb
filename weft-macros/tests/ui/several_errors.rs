#[weft::test(flavor = "multi_thread", retries = 3)]
#[test]
fn everything_wrong(input: &str) {
    let _ = input;
}

fn main() {}
