#[weft::test(flavor = "current_thread", worker_threads = 2, retries = 3)]
#[test]
fn everything_wrong(input: &str) {
    let _ = input;
}

fn main() {}
