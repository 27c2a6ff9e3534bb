//! Loom models of the local run queue (`queue.rs`, rules 1–5).
//!
//! Run with `scripts/loom.sh queue`. Under loom the capacity is 4, so a
//! handful of pushes reaches the full queue, the overflow path and slot
//! reuse (index 4 lands in slot 0, which a stealer may just have read).
//!
//! Every model creates its tasks before spawning any thread and runs them
//! only after joining, single-threaded: the task state machine has its own
//! models (`task::loom_tests`), and keeping it out of the racing part keeps
//! these models small. Each model then checks that every task was taken
//! out of the queues exactly once (it ran exactly once, and nothing was
//! left behind or duplicated), and loom checks every slot access against
//! the orderings.

use super::queue::test_support::{Tasks, TestSched, VecOverflow};
use super::queue::{local, Local, Steal, LOCAL_QUEUE_CAPACITY};
use crate::loom::Arc;
use crate::runtime::task::Notified;
use loom::thread;

/// Runs `f` under loom with a preemption bound (`LOOM_MAX_PREEMPTIONS`, or
/// 3 by default so an unconfigured `cargo test` stays fast).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

type Task = Notified<TestSched>;

fn drain(local: &mut Local<TestSched>) -> Vec<Task> {
    std::iter::from_fn(|| local.pop()).collect()
}

/// One steal attempt from `victim` into a fresh queue of this thread's;
/// returns everything it got.
fn steal_once(victim: &Steal<TestSched>) -> Vec<Task> {
    let (_steal, mut mine) = local();
    let mut got = Vec::new();
    if let Some((first, stolen)) = victim.steal_into(&mut mine) {
        assert!(stolen >= 1);
        assert_eq!(
            mine.len(),
            stolen - 1,
            "stolen count and moved tasks disagree"
        );
        got.push(first);
        got.extend(drain(&mut mine));
    }
    got
}

/// Runs every entry and checks that each task ran exactly once.
fn check(tasks: &Tasks, got: Vec<Task>) {
    got.into_iter().for_each(Task::run);
    tasks.assert_each_ran_once();
}

#[test]
fn capacity_is_small_under_loom() {
    assert_eq!(LOCAL_QUEUE_CAPACITY, 4);
}

/// (1) The owner pushes and pops, reusing slots a stealer may be reading,
/// while one stealer steals once.
#[test]
fn queue_owner_push_pop_vs_stealer() {
    model(|| {
        let (tasks, notified) = Tasks::new(5);
        let mut notified = notified.into_iter();
        let (steal, mut owner) = local();
        let steal = Arc::new(steal);
        let overflow = VecOverflow::default();
        owner.push_back(notified.by_ref().take(3));

        let stealer = {
            let steal = steal.clone();
            thread::spawn(move || steal_once(&steal))
        };

        let mut got = Vec::new();
        got.extend(owner.pop());
        // Index 3, then index 4 in slot 0: slot 0 held the task a stealer
        // may have claimed; rule 1 orders its read before our write. As
        // many as fit go in with `push_back`, the rest one by one.
        let room = owner.remaining_slots().min(2);
        owner.push_back(notified.by_ref().take(room));
        for task in notified {
            owner.push_back_or_overflow(task, &overflow);
        }
        got.extend(owner.pop());
        got.extend(drain(&mut owner));
        got.extend(stealer.join().unwrap());
        got.extend(overflow.tasks.take());
        drop(owner);
        check(&tasks, got);
    });
}

/// (2) Two stealers race each other and the owner, who pops and pushes.
#[test]
fn queue_two_stealers_vs_owner() {
    model(|| {
        let (tasks, notified) = Tasks::new(4);
        let mut notified = notified.into_iter();
        let (steal, mut owner) = local();
        let steal = Arc::new(steal);
        let overflow = VecOverflow::default();
        owner.push_back(notified.by_ref().take(3));

        let stealers: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || steal_once(&steal))
            })
            .collect();

        let mut got = Vec::new();
        got.extend(owner.pop());
        owner.push_back_or_overflow(notified.next().unwrap(), &overflow);
        for stealer in stealers {
            got.extend(stealer.join().unwrap());
        }
        got.extend(drain(&mut owner));
        got.extend(overflow.tasks.take());
        drop(owner);
        check(&tasks, got);
    });
}

/// (3) The owner pushes past capacity (moving half to the overflow, or the
/// one task if a steal is in progress) while a stealer steals. Most pushes
/// happen after the stealer starts, so it can see the overflow's `head`
/// before the `tail` stores that preceded it, unless rule 4 holds.
#[test]
fn queue_overflow_vs_stealer() {
    model(|| {
        let (tasks, notified) = Tasks::new(LOCAL_QUEUE_CAPACITY + 2);
        let mut notified = notified.into_iter();
        let (steal, mut owner) = local();
        let steal = Arc::new(steal);
        let overflow = VecOverflow::default();
        owner.push_back(notified.by_ref().take(1));

        let stealer = {
            let steal = steal.clone();
            thread::spawn(move || steal_once(&steal))
        };

        let mut overflowed = 0;
        for task in notified {
            overflowed += usize::from(owner.push_back_or_overflow(task, &overflow));
        }
        let mut got = drain(&mut owner);
        got.extend(stealer.join().unwrap());
        // A batch is always half the capacity plus the new task.
        for &batch in overflow.batches.borrow().iter() {
            assert_eq!(batch, LOCAL_QUEUE_CAPACITY / 2 + 1);
        }
        let in_overflow = overflow.tasks.borrow().len();
        assert!(overflowed <= 2);
        assert_eq!(
            in_overflow,
            overflow.singles.get() + overflow.batches.borrow().iter().sum::<usize>()
        );
        got.extend(overflow.tasks.take());
        drop(owner);
        check(&tasks, got);
    });
}

/// (4) A stealer and the owner race for the last task: exactly one gets it.
#[test]
fn queue_steal_vs_pop_last() {
    model(|| {
        let (tasks, notified) = Tasks::new(1);
        let (steal, mut owner) = local();
        let steal = Arc::new(steal);
        owner.push_back(notified.into_iter());

        let stealer = {
            let steal = steal.clone();
            thread::spawn(move || steal_once(&steal))
        };

        let popped = owner.pop();
        let stolen = stealer.join().unwrap();
        assert_eq!(usize::from(popped.is_some()) + stolen.len(), 1);
        assert!(owner.is_empty() && steal.is_empty());
        let mut got = stolen;
        got.extend(popped);
        drop(owner);
        check(&tasks, got);
    });
}

/// (5) Stealing into a queue that is itself being stolen from: the worker
/// that owns `b` steals from `a` into `b` (rule 1 on the destination: it
/// reuses a slot of `b` only after the thief of `b` is done reading it) and
/// publishes what it moved while a thief steals from `b`.
#[test]
fn queue_steal_chain() {
    model(|| {
        let (tasks, notified) = Tasks::new(9);
        let mut notified = notified.into_iter();
        let (steal_a, mut a) = local();
        let (steal_b, mut b) = local();
        let steal_b = Arc::new(steal_b);
        a.push_back(notified.by_ref().take(4));

        let thief = {
            let steal_b = steal_b.clone();
            thread::spawn(move || steal_once(&steal_b))
        };

        let mut got = Vec::new();
        // Two of `a`'s four: one to run, one into `b` (index 0).
        let (first, stolen) = steal_a.steal_into(&mut b).expect("a is full");
        assert_eq!(stolen, 2);
        got.push(first);
        // Fill `b` up to index 3 and empty it again (the thief may hold
        // index 0 meanwhile), refill `a`, and steal into `b` once more:
        // that writes index 4, in the slot of index 0.
        b.push_back(notified.by_ref().take(3));
        got.extend(drain(&mut b));
        a.push_back(notified);
        if let Some((first, _)) = steal_a.steal_into(&mut b) {
            got.push(first);
        }
        got.extend(drain(&mut b));
        got.extend(thief.join().unwrap());
        got.extend(drain(&mut a));
        drop((a, b));
        check(&tasks, got);
    });
}

/// (6) `Steal::len` on a third thread while a stealer claims tasks the
/// owner has just pushed: the count never underflows (rule 4 holds for the
/// claim's write too, although it leaves `steal != real`).
#[test]
fn queue_len_vs_steal() {
    model(|| {
        let (tasks, notified) = Tasks::new(2);
        let (steal, mut owner) = local();
        let steal = Arc::new(steal);
        let overflow = VecOverflow::default();

        let stealer = {
            let steal = steal.clone();
            thread::spawn(move || steal_once(&steal))
        };
        let observer = {
            let steal = steal.clone();
            thread::spawn(move || assert!(steal.len() <= 2))
        };

        for task in notified {
            owner.push_back_or_overflow(task, &overflow);
        }
        observer.join().unwrap();
        let mut got = stealer.join().unwrap();
        got.extend(drain(&mut owner));
        drop(owner);
        check(&tasks, got);
    });
}
