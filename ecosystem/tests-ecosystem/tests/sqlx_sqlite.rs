//! sqlx with SQLite in memory on the `runtime-tokio` runtime: a pool,
//! queries with bound parameters, transactions committed, rolled back and
//! dropped, an acquire timeout, a closed pool, a bad query.

mod support;

use std::time::Duration;

use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Row};
use support::within;

/// A pool of `size` connections to one in-memory database. An in-memory
/// database lives in its connection, so a pool of one connection is one
/// database; `min_connections` keeps it from being closed as idle.
async fn pool(size: u32, acquire_timeout: Duration) -> SqlitePool {
    let pool = within(
        "connecting the pool",
        SqlitePoolOptions::new()
            .max_connections(size)
            .min_connections(size)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(acquire_timeout)
            .connect("sqlite::memory:"),
    )
    .await
    .unwrap();
    sqlx::query("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    pool
}

async fn count(pool: &SqlitePool) -> i64 {
    within(
        "counting rows",
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM items").fetch_one(pool),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn queries_with_bound_parameters() {
    let pool = pool(1, support::HANG_GUARD).await;
    for (name, qty) in [("apple", 3), ("pear", 5), ("plum", 7)] {
        let done = within(
            "an insert",
            sqlx::query("INSERT INTO items (name, qty) VALUES (?, ?)")
                .bind(name)
                .bind(qty)
                .execute(&pool),
        )
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }

    let rows = within(
        "a select",
        sqlx::query("SELECT name, qty FROM items WHERE qty > ? ORDER BY qty DESC")
            .bind(4)
            .fetch_all(&pool),
    )
    .await
    .unwrap();
    let found: Vec<(String, i64)> = rows
        .iter()
        .map(|row| (row.get("name"), row.get("qty")))
        .collect();
    assert_eq!(found, [("plum".to_owned(), 7), ("pear".to_owned(), 5)]);

    let (total,): (i64,) = within(
        "a sum",
        sqlx::query_as("SELECT SUM(qty) FROM items").fetch_one(&pool),
    )
    .await
    .unwrap();
    assert_eq!(total, 15);

    let none = within(
        "a select matching nothing",
        sqlx::query("SELECT name FROM items WHERE name = ?")
            .bind("kiwi")
            .fetch_optional(&pool),
    )
    .await
    .unwrap();
    assert!(none.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_share_the_pool() {
    let pool = pool(1, support::HANG_GUARD).await;
    // More tasks than connections: they wait their turn for it.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                sqlx::query("INSERT INTO items (name, qty) VALUES (?, ?)")
                    .bind(format!("item {i}"))
                    .bind(i)
                    .execute(&pool)
                    .await
                    .unwrap();
            })
        })
        .collect();
    for task in tasks {
        within("an inserting task", task).await.unwrap();
    }
    assert_eq!(count(&pool).await, 16);
}

#[tokio::test]
async fn transactions_commit_roll_back_and_roll_back_on_drop() {
    let pool = pool(1, support::HANG_GUARD).await;

    let mut tx = within("begin", pool.begin()).await.unwrap();
    sqlx::query("INSERT INTO items (name) VALUES ('kept')")
        .execute(&mut *tx)
        .await
        .unwrap();
    within("commit", tx.commit()).await.unwrap();
    assert_eq!(count(&pool).await, 1);

    let mut tx = within("begin", pool.begin()).await.unwrap();
    sqlx::query("INSERT INTO items (name) VALUES ('undone')")
        .execute(&mut *tx)
        .await
        .unwrap();
    // Inside the transaction the row is there...
    let inside: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(inside, 2);
    within("rollback", tx.rollback()).await.unwrap();
    // ...and after the rollback it is not.
    assert_eq!(count(&pool).await, 1);

    // A transaction dropped without commit is rolled back when its
    // connection goes back to the pool.
    {
        let mut tx = within("begin", pool.begin()).await.unwrap();
        sqlx::query("INSERT INTO items (name) VALUES ('dropped')")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    assert_eq!(count(&pool).await, 1);

    // A nested transaction (a savepoint) rolled back inside a committed one.
    let mut outer = within("begin", pool.begin()).await.unwrap();
    sqlx::query("INSERT INTO items (name) VALUES ('outer')")
        .execute(&mut *outer)
        .await
        .unwrap();
    let mut inner = within("savepoint", outer.begin()).await.unwrap();
    sqlx::query("INSERT INTO items (name) VALUES ('inner')")
        .execute(&mut *inner)
        .await
        .unwrap();
    within("rollback to savepoint", inner.rollback())
        .await
        .unwrap();
    within("commit", outer.commit()).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM items ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(names, ["kept", "outer"]);
}

#[tokio::test]
async fn acquire_times_out_while_the_only_connection_is_held() {
    let pool = pool(1, Duration::from_millis(200)).await;
    let held = within("the first acquire", pool.acquire()).await.unwrap();

    let err = within("an acquire with the connection held", pool.acquire())
        .await
        .unwrap_err();
    assert!(matches!(err, sqlx::Error::PoolTimedOut), "{err:?}");
    // A query needs a connection too.
    let err = within("a query with the connection held", count_err(&pool))
        .await
        .unwrap_err();
    assert!(matches!(err, sqlx::Error::PoolTimedOut), "{err:?}");

    // Released, the connection serves again (retrying while the short
    // acquire timeout might expire before the release lands).
    drop(held);
    let rows = within("a query after the release", async {
        loop {
            match count_err(&pool).await {
                Err(sqlx::Error::PoolTimedOut) => continue,
                other => break other.unwrap(),
            }
        }
    })
    .await;
    assert_eq!(rows, 0);
}

async fn count_err(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(pool)
        .await
}

#[tokio::test]
async fn a_waiting_acquire_gets_the_connection_when_it_is_released() {
    let pool = pool(1, support::HANG_GUARD).await;
    let held = within("the first acquire", pool.acquire()).await.unwrap();
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { count_err(&pool).await }
    });
    // Let the waiter queue up; then release.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!waiter.is_finished(), "got a connection that was held");
    drop(held);
    assert_eq!(
        within("the waiting query", waiter).await.unwrap().unwrap(),
        0
    );
}

#[tokio::test]
async fn a_closed_pool_and_a_bad_query_are_errors() {
    let pool = pool(1, support::HANG_GUARD).await;

    let err = within(
        "a query with a syntax error",
        sqlx::query("SELEKT * FROM items").execute(&pool),
    )
    .await
    .unwrap_err();
    let db = err.as_database_error().expect("a database error");
    assert!(db.message().contains("syntax error"), "{}", db.message());

    let err = within(
        "a query on a missing table",
        sqlx::query("SELECT * FROM missing").execute(&pool),
    )
    .await
    .unwrap_err();
    assert!(
        err.as_database_error()
            .expect("a database error")
            .message()
            .contains("no such table"),
        "{err:?}"
    );

    within("closing the pool", pool.close()).await;
    assert!(pool.is_closed());
    let err = within("an acquire on a closed pool", pool.acquire())
        .await
        .unwrap_err();
    assert!(matches!(err, sqlx::Error::PoolClosed), "{err:?}");
}

#[tokio::test]
async fn a_single_connection_without_a_pool() {
    let mut conn = within(
        "connecting",
        sqlx::SqliteConnection::connect("sqlite::memory:"),
    )
    .await
    .unwrap();
    within("ping", conn.ping()).await.unwrap();
    let answer: i64 = within(
        "SELECT 6 * 7",
        sqlx::query_scalar("SELECT 6 * 7").fetch_one(&mut conn),
    )
    .await
    .unwrap();
    assert_eq!(answer, 42);
    within("closing", conn.close()).await.unwrap();
}
