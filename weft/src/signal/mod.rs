//! Asynchronous signal handling: [`ctrl_c`] and, in [`unix`], a stream of
//! deliveries for any signal.
//!
//! Deliveries reach tasks through the runtime's I/O driver: weft's signal
//! handler writes a byte to a socket the driver watches (the self-pipe
//! trick, see `registry.rs`), so a runtime needs I/O enabled
//! ([`Builder::enable_io`](crate::runtime::Builder::enable_io), part of
//! `enable_all` and of `#[weft::main]`). Feature `signal`, part of `full`.
//!
//! ```
//! use weft::signal::unix::{signal, SignalKind};
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mut terminate = signal(SignalKind::terminate())?;
//! // SAFETY: sends a signal to this process, which now handles it.
//! unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
//! terminate.recv().await;
//! println!("shutting down");
//! # Ok(())
//! # }
//! ```
//!
//! # Differences from tokio
//!
//! tokio reads its self-pipe inside the runtime's driver; weft reads it
//! from a small task (the *pump*) that the first listener spawns on each
//! runtime. The pump counts in
//! [`RuntimeMetrics::num_alive_tasks`](crate::runtime::RuntimeMetrics::num_alive_tasks)
//! and in [`spawned_tasks_count`](crate::runtime::RuntimeMetrics::spawned_tasks_count),
//! and lives until the runtime shuts down. weft also refuses `SIGBUS`
//! (see [`unix::signal`]).

mod handler;
mod pump;
mod registry;
pub mod unix;

use std::io;

/// Completes at the next `SIGINT` (Ctrl-C) delivered to the process.
///
/// The listener is created at the first poll, so a Ctrl-C pressed before
/// the future is first polled is not seen. The first call installs a
/// process-wide `SIGINT` handler that stays for the life of the process:
/// from then on Ctrl-C no longer terminates the program by default (see
/// [`unix::Signal`]'s caveats).
///
/// # Errors
///
/// Installing the handler failed (see [`unix::signal`]).
///
/// # Panics
///
/// At the first poll, outside a weft runtime or in one without I/O.
///
/// # Cancel safety
///
/// Dropping the future before it completes drops its listener: a later
/// call starts listening anew.
///
/// # Examples
///
/// ```no_run
/// # #[weft::main]
/// # async fn main() -> std::io::Result<()> {
/// weft::signal::ctrl_c().await?;
/// println!("got Ctrl-C, bye");
/// # Ok(())
/// # }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupt = unix::signal(unix::SignalKind::interrupt())?;
    interrupt.recv().await;
    Ok(())
}
