#![deny(warnings)]

use std::rc::Rc;

// `flavor = "local"` builds a `LocalRuntime`: `!Send` tasks need no `LocalSet`.
#[weft::main(flavor = "local")]
async fn local() -> usize {
    let text = Rc::new("not Send");
    weft::task::spawn_local(async move { text.len() })
        .await
        .unwrap()
}

#[weft::main(flavor = "local", name = "local-rt")]
async fn named_local() -> Option<String> {
    weft::runtime::Handle::current().name().map(str::to_owned)
}

#[weft::test(flavor = "local")]
async fn local_test() {}

fn main() {
    assert_eq!(local(), 8);
    assert_eq!(named_local().as_deref(), Some("local-rt"));
}
