//! `consume_budget`: take part in cooperative budgeting from user code.

use crate::runtime::coop;
use std::future::poll_fn;
use std::task::Poll;

/// Spends one unit of the current task's cooperative budget; once the
/// budget is used up, yields to the scheduler first (the task is woken at
/// once and resumes on its next turn with a fresh budget).
///
/// weft gives each task a budget of work per poll, and its own resources
/// spend from it, so that a task that is always ready still lets the others
/// run. Code that does a lot of work without ever awaiting a weft resource
/// (a loop over a large in-memory collection, a compute-heavy stream) can
/// call `consume_budget().await` once per step to behave the same way: it
/// costs almost nothing while budget is left, and yields only about once
/// every 128 calls — unlike [`yield_now`](fn@crate::task::yield_now), which
/// yields every time.
///
/// Outside a runtime task (or inside [`unconstrained`](fn@crate::task::unconstrained))
/// there is no budget, and it never yields.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn sum(values: &[u64]) -> u64 {
///     let mut sum = 0;
///     for value in values {
///         sum += value;
///         // Let other tasks in now and then during a long loop.
///         weft::task::consume_budget().await;
///     }
///     sum
/// }
///
/// let values: Vec<u64> = (1..=10_000).collect();
/// assert_eq!(sum(&values).await, 50_005_000);
/// # }
/// ```
pub async fn consume_budget() {
    let mut done = false;
    poll_fn(move |cx| {
        if done {
            return Poll::Ready(());
        }
        // Refused: the task was woken; the next poll (with a fresh budget)
        // spends the unit.
        let unit = std::task::ready!(coop::poll_proceed(cx));
        unit.made_progress();
        done = true;
        Poll::Ready(())
    })
    .await
}
