//! Compile-time auto-trait assertions for `weft::sync`, with tokio's
//! expectations (so code that compiles against tokio's types compiles
//! against weft's). A wrong auto trait fails the build of this file.

#![allow(dead_code, clippy::let_underscore_future)]

use std::cell::Cell;
use std::sync::Arc;
use weft::sync::*;

fn send<T: Send>(_: &T) {}
fn sync<T: Sync>(_: &T) {}
fn send_sync<T: Send + Sync>(_: &T) {}
fn unpin<T: Unpin>(_: &T) {}

/// `T: !Trait`, by the ambiguity trick: the call resolves only if exactly
/// one impl applies.
macro_rules! assert_not {
    ($ty:ty: $tr:ident) => {
        const _: () = {
            trait Ambiguous<A> {
                fn item() {}
            }
            impl<T: ?Sized> Ambiguous<()> for T {}
            impl<T: ?Sized + $tr> Ambiguous<u8> for T {}
            fn check() {
                <$ty as Ambiguous<_>>::item();
            }
        };
    };
}

assert_not!(MutexGuard<'static, Cell<u8>>: Sync);
assert_not!(RwLockReadGuard<'static, Cell<u8>>: Send);
assert_not!(RwLockWriteGuard<'static, Cell<u8>>: Send);
assert_not!(watch::Ref<'static, u8>: Send);
assert_not!(Mutex<std::rc::Rc<u8>>: Send);
assert_not!(mpsc::Sender<std::rc::Rc<u8>>: Send);

#[test]
fn primitives_and_their_futures_are_send_and_sync() {
    let mutex = Arc::new(Mutex::new(0u8));
    send_sync(&mutex);
    send_sync(&Mutex::new(Cell::new(0u8)));
    send_sync(&mutex.lock());
    send_sync(&mutex.clone().lock_owned());
    let guard = mutex.try_lock().unwrap();
    send_sync(&guard);
    let mapped = MutexGuard::map(guard, |v| v);
    send_sync(&mapped);
    unpin(&mapped);
    drop(mapped);
    send_sync(&mutex.clone().try_lock_owned().unwrap());
    send_sync(&OwnedMutexGuard::map(
        mutex.clone().try_lock_owned().unwrap(),
        |v| v,
    ));
    let cell_mutex = Mutex::new(Cell::new(1u8));
    send(&cell_mutex.try_lock().unwrap());

    let rw = Arc::new(RwLock::new(0u8));
    send_sync(&rw);
    send_sync(&rw.read());
    send_sync(&rw.write());
    send_sync(&rw.try_read().unwrap());
    drop(rw.try_read());
    send_sync(&rw.clone().try_read_owned().unwrap());
    send_sync(&rw.clone().try_write_owned().unwrap());
    send_sync(&OwnedRwLockWriteGuard::map(
        rw.clone().try_write_owned().unwrap(),
        |v| v,
    ));

    let semaphore = Arc::new(Semaphore::new(1));
    send_sync(&semaphore);
    send_sync(&semaphore.acquire());
    send_sync(&semaphore.clone().acquire_owned());
    send_sync(&semaphore.try_acquire().unwrap());
    send_sync(&semaphore.clone().try_acquire_owned().unwrap());

    let notify = Notify::new();
    send_sync(&notify);
    send_sync(&notify.notified());
    send_sync(&Arc::new(weft::sync::Notify::new()).notified_owned());
    unpin(&Box::pin(
        Arc::new(weft::sync::Notify::new()).notified_owned(),
    ));

    let barrier = Barrier::new(1);
    send_sync(&barrier);
    send_sync(&barrier.wait());

    let once = OnceCell::<u8>::new();
    send_sync(&once);
    send_sync(&once.get_or_init(|| async { 1 }));
    let set = SetOnce::<u8>::new();
    send_sync(&set);
    send_sync(&set.wait());
}

#[test]
fn channels_are_send_and_sync() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    send_sync(&tx);
    send_sync(&rx);
    send_sync(&tx.send(1));
    send_sync(&tx.reserve());
    send_sync(&tx.clone().reserve_owned());
    send_sync(&tx.try_reserve().unwrap());
    send_sync(&tx.downgrade());
    send_sync(&rx.recv());
    let (utx, urx) = mpsc::unbounded_channel::<u8>();
    send_sync(&utx);
    send_sync(&urx);
    send_sync(&utx.downgrade());

    let (otx, orx) = oneshot::channel::<u8>();
    send_sync(&otx);
    send_sync(&orx);
    unpin(&orx);

    let (btx, mut brx) = broadcast::channel::<u8>(1);
    send_sync(&btx.downgrade());
    send_sync(&btx);
    send_sync(&brx);
    send_sync(&brx.recv());

    let (wtx, mut wrx) = watch::channel(0u8);
    send_sync(&wtx);
    send_sync(&wrx);
    send_sync(&wrx.changed());
    sync(&wrx.borrow());
}
