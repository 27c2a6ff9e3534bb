//! Multi-producer, single-consumer channels: a bounded one ([`channel`]),
//! whose senders wait for room, and an unbounded one
//! ([`unbounded_channel`]).
//!
//! The API and semantics are tokio's `tokio::sync::mpsc`: messages from one
//! sender arrive in the order sent; the receiver gets `None` once every
//! [`Sender`] is gone and the queue is drained; dropping the [`Receiver`]
//! (or calling [`Receiver::close`]) makes sends fail and give the message
//! back ([`error::SendError`]). Waiting senders of a bounded channel are
//! served in FIFO order; a [`Permit`] reserves a slot ahead of time.
//! [`WeakSender`]s do not keep the channel open.
//!
//! The design (a short-lock queue the receiver swaps out in batches, over
//! the fair semaphore for capacity) is described in `chan.rs`.
//!
//! `Sender::send_timeout` (with the `time` feature, for its timer) waits for
//! capacity at most a given time, as tokio's does.
//!
//! ```
//! use weft::sync::mpsc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # weft::runtime::Runtime::new()?.block_on(async {
//! let (tx, mut rx) = mpsc::channel(4);
//! let producer = weft::spawn(async move {
//!     for i in 0..10 {
//!         tx.send(i).await.unwrap(); // waits while 4 are queued
//!     }
//! });
//! let mut sum = 0;
//! while let Some(i) = rx.recv().await {
//!     sum += i;
//! }
//! producer.await?;
//! assert_eq!(sum, 45);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

mod bounded;
mod chan;
pub mod error;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
