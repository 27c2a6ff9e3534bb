#[weft::main]
async fn generic_main<T: Default>() {}

#[weft::test]
async fn generic_test<'a>() {}

#[weft::test]
async fn where_clause()
where
    u8: Copy,
{
}

fn main() {}
