//! `weft::sync::OnceCell` and `SetOnce`: one initialiser at a time, failed
//! or cancelled initialisers hand over to the next, `set` races, waiting
//! for a value, drops counted, every flavor.

mod support;
mod sync_support;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use support::{rt_test, DropCount};
use sync_support::{assert_pending, assert_ready, Counter};
use weft::sync::{OnceCell, SetError, SetOnce};

#[test]
fn set_get_take() {
    let mut cell = OnceCell::new();
    assert!(!cell.initialized());
    assert_eq!(cell.get(), None);
    cell.set(1).unwrap();
    assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    assert!(cell.set(3).unwrap_err().is_already_init_err());
    *cell.get_mut().unwrap() += 10;
    assert_eq!(cell.get(), Some(&11));
    assert_eq!(cell.take(), Some(11));
    assert!(!cell.initialized());
    cell.set(4).unwrap();
    assert_eq!(cell.clone().into_inner(), Some(4));
    assert_eq!(OnceCell::new_with(Some(5)).get(), Some(&5));
    assert_eq!(OnceCell::<u8>::new_with(None).get(), None);
    assert_eq!(
        format!("{:?}", OnceCell::from(1)),
        "OnceCell { value: Some(1) }"
    );
}

#[test]
fn one_initialiser_runs_others_wait_for_it() {
    let cell = OnceCell::new();
    let runs = AtomicUsize::new(0);
    let gate = weft::sync::Notify::new();
    let (ca, cb) = (Counter::new(), Counter::new());
    let mut a = pin!(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        gate.notified().await;
        "a"
    }));
    let mut b = pin!(cell.get_or_init(|| async {
        runs.fetch_add(1, SeqCst);
        "b"
    }));
    assert_pending(&ca, a.as_mut());
    assert_pending(&cb, b.as_mut());
    assert_eq!(cell.set("c"), Err(SetError::InitializingError("c")));
    gate.notify_one();
    assert_eq!(*assert_ready(&ca, a.as_mut()), "a");
    assert_eq!(cb.wakes(), 1);
    assert_eq!(*assert_ready(&cb, b.as_mut()), "a");
    assert_eq!(runs.load(SeqCst), 1);
}

#[test]
fn a_failed_or_cancelled_initialiser_hands_over() {
    let cell = OnceCell::new();
    let c = Counter::new();
    let err: Result<&u8, &str> =
        assert_ready(&c, pin!(cell.get_or_try_init(|| async { Err("no") })));
    assert_eq!(err, Err("no"));
    assert!(!cell.initialized());
    let gate = weft::sync::Notify::new();
    let mut waiting = pin!(cell.get_or_init(|| async { 2u8 }));
    {
        let mut first = pin!(cell.get_or_init(|| async {
            gate.notified().await;
            1u8
        }));
        assert_pending(&c, first.as_mut());
        assert_pending(&c, waiting.as_mut());
        // `first` is cancelled mid-initialisation.
    }
    assert_eq!(*assert_ready(&c, waiting.as_mut()), 2);
}

#[test]
fn values_are_dropped_once() {
    let drops = DropCount::new();
    let cell = OnceCell::new();
    cell.set(drops.track(())).unwrap();
    assert!(cell.set(drops.track(())).is_err());
    assert_eq!(drops.get(), 1, "the rejected value");
    drop(cell);
    assert_eq!(drops.get(), 2);
    let set = SetOnce::new();
    set.set(drops.track(())).unwrap();
    let inner = set.into_inner();
    assert_eq!(drops.get(), 2);
    drop(inner);
    assert_eq!(drops.get(), 3);
}

#[test]
fn set_once_wakes_waiters() {
    let cell = SetOnce::new();
    let c = Counter::new();
    let mut w1 = pin!(cell.wait());
    let mut w2 = pin!(cell.wait());
    assert_pending(&c, w1.as_mut());
    assert_pending(&c, w2.as_mut());
    assert!(!cell.initialized());
    cell.set(String::from("v")).unwrap();
    assert_eq!(c.wakes(), 2);
    assert_eq!(assert_ready(&c, w1.as_mut()), "v");
    assert_eq!(assert_ready(&c, w2.as_mut()), "v");
    assert_eq!(cell.set(String::from("w")).unwrap_err().0, "w");
    assert_eq!(cell.get().map(String::as_str), Some("v"));
    assert_eq!(SetOnce::new_with(Some(1)).get(), Some(&1));
}

#[test]
fn statics() {
    static CELL: OnceCell<u32> = OnceCell::const_new();
    static SET: SetOnce<u32> = SetOnce::const_new();
    CELL.set(1).unwrap();
    SET.set(2).unwrap();
    assert_eq!((CELL.get(), SET.get()), (Some(&1), Some(&2)));
}

rt_test! {
    fn concurrent_get_or_init_runs_once(rt: &Runtime) {
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..16)
                .map(|i| {
                    let (cell, runs) = (cell.clone(), runs.clone());
                    weft::spawn(async move {
                        *cell
                            .get_or_init(|| async move {
                                runs.fetch_add(1, SeqCst);
                                weft::task::yield_now().await;
                                i
                            })
                            .await
                    })
                })
                .collect();
            let mut values = Vec::new();
            for t in tasks {
                values.push(t.await.unwrap());
            }
            assert_eq!(runs.load(SeqCst), 1);
            assert!(values.windows(2).all(|w| w[0] == w[1]));
        });
    }

    fn set_once_racing_setters_one_wins(rt: &Runtime) {
        rt.block_on(async {
            let cell = Arc::new(SetOnce::new());
            let waiter = {
                let cell = cell.clone();
                weft::spawn(async move { *cell.wait().await })
            };
            let setters: Vec<_> = (0..8)
                .map(|i| {
                    let cell = cell.clone();
                    weft::spawn(async move { cell.set(i).is_ok() })
                })
                .collect();
            let mut wins = 0;
            for s in setters {
                wins += s.await.unwrap() as usize;
            }
            assert_eq!(wins, 1);
            assert_eq!(waiter.await.unwrap(), *cell.get().unwrap());
        });
    }
}
