//! The pump: one task per runtime that reads the self-pipe through the
//! runtime's I/O driver and broadcasts recorded deliveries (rule 2 of the
//! registry's design note).
//!
//! The first listener created inside a runtime spawns its pump; the pump
//! lives until the runtime shuts down (which drops it, like every task),
//! and then forgets its entry so a later runtime gets its own. Every pump
//! reads a duplicate of the same receiving socket, so whichever reads the
//! bytes first broadcasts to every listener of the process.

use super::registry::Registry;
use crate::runtime::io::PollEvented;
use crate::runtime::task::SpawnMeta;
use crate::runtime::{context, messages};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The current runtime's handle and the id of its I/O driver, through
/// which signals are delivered.
///
/// # Panics
///
/// Outside a weft runtime, or in one built without I/O, with a message
/// saying so (at the caller's line, as tokio's).
#[track_caller]
pub(crate) fn current_with_io() -> (crate::runtime::scheduler::Handle, usize) {
    let (handle, driver) =
        match context::with_current(|h| (h.clone(), h.io_handle().map(|io| io.id()))) {
            Ok(found) => found,
            Err(err) => panic!("{err}"),
        };
    let Some(driver) = driver else {
        panic!("{}", messages::IO_DISABLED);
    };
    (handle, driver)
}

/// Makes sure the current runtime runs a pump.
///
/// # Panics
///
/// As [`current_with_io`].
#[track_caller]
pub(crate) fn ensure(registry: &'static Registry) -> io::Result<()> {
    let (handle, driver) = current_with_io();
    let pump = {
        let mut pumps = registry.pumps.lock().unwrap();
        if pumps.contains(&driver) {
            return Ok(());
        }
        let pump = Pump::new(registry, driver)?;
        pumps.push(driver);
        pump
    };
    // Spawned without the lock: if the runtime is shutting down, the pump
    // is dropped right away and its `Drop` takes the lock. The handle is
    // dropped, detaching the task.
    drop(handle.spawn(pump, SpawnMeta::named(Some("weft::signal::pump"))));
    Ok(())
}

/// Like [`ensure`] for a listener being polled: nothing (not a panic)
/// outside a runtime or without I/O, since a listener may be polled by
/// any executor once created. Returns the driver's id, if any.
pub(crate) fn ensure_if_possible(registry: &'static Registry, known: usize) -> usize {
    let driver = context::with_current(|h| h.io_handle().map(|io| io.id()));
    match driver {
        Ok(Some(driver)) if driver != known => {
            // A failure to set up (e.g. `EMFILE`) leaves the listener to
            // the other runtimes' pumps; it is retried at the next poll.
            match ensure(registry) {
                Ok(()) => driver,
                Err(_) => known,
            }
        }
        _ => known,
    }
}

struct Pump {
    registry: &'static Registry,
    receiver: PollEvented<mio::net::UnixStream>,
    driver: usize,
}

impl Pump {
    fn new(registry: &'static Registry, driver: usize) -> io::Result<Pump> {
        let receiver = registry.receiver().try_clone().map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("weft::signal: cannot duplicate the signal self-pipe: {err}"),
            )
        })?;
        let receiver = PollEvented::new(mio::net::UnixStream::from_std(receiver))?;
        Ok(Pump {
            registry,
            receiver,
            driver,
        })
    }
}

impl Future for Pump {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut bytes = [0u8; 64];
        loop {
            match self.receiver.poll_read(cx, &mut bytes) {
                Poll::Ready(Ok(0)) => return Poll::Ready(()),
                Poll::Ready(Ok(_)) => self.registry.broadcast(),
                Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
                // The driver shut down: nothing more to read.
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        let mut pumps = self.registry.pumps.lock().unwrap();
        if let Some(i) = pumps.iter().position(|&d| d == self.driver) {
            pumps.swap_remove(i);
        }
    }
}

impl std::fmt::Debug for Pump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("signal::Pump")
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}
