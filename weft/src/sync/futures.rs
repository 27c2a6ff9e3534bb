//! The named future types of this module's primitives, at tokio's path
//! `sync::futures`.
//!
//! ```
//! use std::sync::Arc;
//! use weft::sync::futures::{Notified, OwnedNotified};
//! use weft::sync::Notify;
//!
//! struct Waiting {
//!     // A `'static` future can live in a struct next to its `Notify`.
//!     event: OwnedNotified,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # weft::runtime::Runtime::new()?.block_on(async {
//! let notify = Arc::new(Notify::new());
//! let waiting = Waiting { event: notify.clone().notified_owned() };
//! let borrowed: Notified<'_> = notify.notified();
//! notify.notify_waiters();
//! waiting.event.await;
//! borrowed.await;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

pub use super::notify::{Notified, OwnedNotified};
