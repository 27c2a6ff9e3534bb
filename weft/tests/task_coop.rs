//! `task::coop`: the public budget API at tokio's path.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use support::*;
use weft::task::coop;

/// Counts polls; always ready; spends a unit through `poll_proceed`.
struct Budgeted {
    polls: Arc<AtomicUsize>,
    /// Report progress (keep the unit) or not (give it back).
    progress: bool,
}

impl Future for Budgeted {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let guard = std::task::ready!(coop::poll_proceed(cx));
        self.polls.fetch_add(1, SeqCst);
        if self.progress {
            guard.made_progress();
        }
        Poll::Ready(())
    }
}

/// Spends what is left of the task's budget, one `consume_budget` at a
/// time; how many units that was.
async fn spend_the_rest() -> usize {
    let mut spent = 0;
    while coop::has_budget_remaining() {
        coop::consume_budget().await;
        spent += 1;
    }
    spent
}

rt_test! {
    fn budget_is_128_units_per_poll(rt: &Runtime) {
        let spent = rt.block_on(async {
            weft::spawn(async {
                spend_the_rest().await
            })
            .await
            .unwrap()
        });
        assert_eq!(spent, 128);
    }

    fn poll_proceed_yields_once_spent(rt: &Runtime) {
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        let budget_seen = rt.block_on(async move {
            weft::spawn(async move {
                let mut spent_out = 0;
                for _ in 0..300 {
                    Budgeted { polls: p.clone(), progress: true }.await;
                    if !coop::has_budget_remaining() {
                        spent_out += 1;
                    }
                }
                spent_out
            })
            .await
            .unwrap()
        });
        assert_eq!(polls.load(SeqCst), 300);
        // 300 units in budgets of 128: the budget ran out twice (after the
        // 128th and the 256th), and each time the task yielded for a fresh one.
        assert_eq!(budget_seen, 2);
    }

    fn unit_given_back_without_progress(rt: &Runtime) {
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        let still = rt.block_on(async move {
            weft::spawn(async move {
                for _ in 0..1000 {
                    Budgeted { polls: p.clone(), progress: false }.await;
                }
                // Every unit was refunded: the whole budget is left.
                spend_the_rest().await
            })
            .await
            .unwrap()
        });
        assert_eq!(polls.load(SeqCst), 1000);
        assert_eq!(still, 128);
    }

    fn cooperative_wrapper_spends_per_poll(rt: &Runtime) {
        let left = rt.block_on(async {
            weft::spawn(async {
                for _ in 0..10 {
                    coop::cooperative(async {}).await;
                }
                spend_the_rest().await
            })
            .await
            .unwrap()
        });
        assert_eq!(left, 118);
    }

    fn unconstrained_has_no_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(coop::unconstrained(async {
                for _ in 0..1000 {
                    coop::consume_budget().await;
                    assert!(coop::has_budget_remaining());
                }
            }))
            .await
            .unwrap();
        });
    }
}

#[test]
fn outside_a_task_there_is_no_budget() {
    assert!(coop::has_budget_remaining());
    let polls = Arc::new(AtomicUsize::new(0));
    let mut fut = Box::pin(Budgeted {
        polls: polls.clone(),
        progress: true,
    });
    assert!(poll_once(&mut fut).is_ready());
    assert_eq!(format!("{:?}", coop::cooperative(async {})), "Coop { .. }");
}

#[test]
fn old_paths_are_the_same_items() {
    let _: fn(std::future::Ready<()>) -> weft::task::Unconstrained<std::future::Ready<()>> =
        coop::unconstrained;
    let _: fn(std::future::Ready<()>) -> coop::Unconstrained<std::future::Ready<()>> =
        weft::task::unconstrained;
    drop(weft::task::consume_budget());
    drop(coop::consume_budget());
}
