//! A closure that panics inside a guard's `map`/`try_map` must not leave the
//! lock held: the guard is still armed while the closure runs, so unwinding
//! releases it (as tokio's guards do). Every guard type with a `map` is
//! covered, for `Mutex` and `RwLock`, borrowed and owned.
#![cfg(feature = "sync")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use weft::sync::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard,
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};

/// Runs `f`, which must panic.
fn panics(f: impl FnOnce()) {
    assert!(
        catch_unwind(AssertUnwindSafe(f)).is_err(),
        "the closure was meant to panic"
    );
}

fn boom<T: ?Sized, U: ?Sized>(_: &mut T) -> &mut U {
    panic!("map closure panics")
}

fn boom_ref<T: ?Sized, U: ?Sized>(_: &T) -> &U {
    panic!("map closure panics")
}

fn boom_opt<T: ?Sized, U: ?Sized>(_: &mut T) -> Option<&mut U> {
    panic!("try_map closure panics")
}

fn boom_opt_ref<T: ?Sized, U: ?Sized>(_: &T) -> Option<&U> {
    panic!("try_map closure panics")
}

#[test]
fn mutex_guards_unlock_when_map_panics() {
    let m = Mutex::new((1, 2));
    panics(|| drop(MutexGuard::map::<u8, _>(m.try_lock().unwrap(), boom)));
    panics(|| {
        drop(MutexGuard::try_map::<u8, _>(
            m.try_lock().unwrap(),
            boom_opt,
        ))
    });
    panics(|| {
        let mapped = MutexGuard::map(m.try_lock().unwrap(), |p| &mut p.0);
        drop(MappedMutexGuard::map::<u8, _>(mapped, boom));
    });
    assert!(
        m.try_lock().is_ok(),
        "the mutex is unlocked after every panic"
    );
}

#[test]
fn owned_mutex_guards_unlock_when_map_panics() {
    let m = Arc::new(Mutex::new((1, 2)));
    panics(|| {
        drop(OwnedMutexGuard::map::<u8, _>(
            m.clone().try_lock_owned().unwrap(),
            boom,
        ))
    });
    panics(|| {
        drop(OwnedMutexGuard::try_map::<u8, _>(
            m.clone().try_lock_owned().unwrap(),
            boom_opt,
        ))
    });
    panics(|| {
        let mapped = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.0);
        drop(OwnedMappedMutexGuard::map::<u8, _>(mapped, boom));
    });
    assert!(
        m.try_lock().is_ok(),
        "the mutex is unlocked after every panic"
    );
    assert_eq!(Arc::strong_count(&m), 1, "no guard leaked its Arc");
}

#[test]
fn rwlock_guards_release_when_map_panics() {
    let l = RwLock::new((1, 2));
    panics(|| {
        drop(RwLockReadGuard::map::<u8, _>(
            l.try_read().unwrap(),
            boom_ref,
        ))
    });
    panics(|| {
        drop(RwLockReadGuard::try_map::<u8, _>(
            l.try_read().unwrap(),
            boom_opt_ref,
        ))
    });
    panics(|| drop(RwLockWriteGuard::map::<u8, _>(l.try_write().unwrap(), boom)));
    panics(|| {
        drop(RwLockWriteGuard::try_map::<u8, _>(
            l.try_write().unwrap(),
            boom_opt,
        ))
    });
    panics(|| {
        let mapped = RwLockWriteGuard::map(l.try_write().unwrap(), |p| &mut p.0);
        drop(RwLockMappedWriteGuard::map::<u8, _>(mapped, boom));
    });
    assert!(
        l.try_write().is_ok(),
        "no read or write permit is left held"
    );
}

#[test]
fn owned_rwlock_guards_release_when_map_panics() {
    let l = Arc::new(RwLock::new((1, 2)));
    panics(|| {
        drop(OwnedRwLockReadGuard::map::<u8, _>(
            l.clone().try_read_owned().unwrap(),
            boom_ref,
        ))
    });
    panics(|| {
        drop(OwnedRwLockWriteGuard::map::<u8, _>(
            l.clone().try_write_owned().unwrap(),
            boom,
        ))
    });
    panics(|| {
        let mapped = OwnedRwLockWriteGuard::map(l.clone().try_write_owned().unwrap(), |p| &mut p.0);
        drop(OwnedRwLockMappedWriteGuard::map::<u8, _>(mapped, boom));
    });
    assert!(
        l.try_write().is_ok(),
        "no read or write permit is left held"
    );
    assert_eq!(Arc::strong_count(&l), 1, "no guard leaked its Arc");
}
