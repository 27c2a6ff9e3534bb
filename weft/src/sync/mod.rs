//! Synchronization primitives and channels for tasks.
//!
//! The same types, paths and semantics as `tokio::sync`:
//!
//! * [`Mutex`] — fair (FIFO) asynchronous mutex; guards may be held across
//!   `.await`, mapped ([`MutexGuard::map`]) or owned ([`OwnedMutexGuard`]).
//! * [`RwLock`] — fair, write-preferring reader-writer lock with owned and
//!   mapped guards and a configurable reader limit.
//! * [`Semaphore`] — fair counting semaphore with batch acquisition and
//!   owned permits.
//! * [`Notify`] — wakes one task (keeping a permit if none waits) or all.
//! * [`Barrier`] — waits until `n` tasks have arrived.
//! * [`OnceCell`] — set once, by one asynchronous initialiser; [`SetOnce`]
//!   — set once, awaited by others.
//! * [`oneshot`] — one value from one task to another.
//! * [`broadcast`] — every receiver sees every message (or learns how many
//!   it missed).
//! * [`watch`] — the latest value, watched by many receivers.
//! * [`mpsc`] — bounded and unbounded multi-producer, single-consumer
//!   channels.
//!
//! Every primitive works on any executor: none needs a weft runtime. Inside
//! one, their futures spend the task's cooperative budget, so a task that
//! always finds them ready still yields now and then. Waiting allocates
//! nothing: the waiter is a node inside the future, threaded onto an
//! intrusive list (`util/linked_list.rs`), and dropping the future unlinks
//! it — a cancelled wait never loses a permit, a lock or a notification.
//!
//! ```
//! use std::sync::Arc;
//! use weft::sync::{Mutex, Notify};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # weft::runtime::Runtime::new()?.block_on(async {
//! let ready = Arc::new(Notify::new());
//! let data = Arc::new(Mutex::new(Vec::new()));
//! let task = {
//!     let (ready, data) = (ready.clone(), data.clone());
//!     weft::spawn(async move {
//!         data.lock().await.push(1);
//!         ready.notify_one();
//!     })
//! };
//! ready.notified().await;
//! assert_eq!(*data.lock().await, [1]);
//! task.await?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

mod barrier;
mod batch_semaphore;
pub mod broadcast;
pub mod futures;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod util;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
pub use set_once::{SetOnce, SetOnceError};

#[cfg(all(test, weft_loom))]
mod loom_tests;
#[cfg(all(test, not(weft_loom)))]
mod unit_tests;
