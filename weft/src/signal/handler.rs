//! Installing the process's handler for a signal, and the handler itself.
//!
//! The handler runs in signal context, so it does only async-signal-safe
//! things: an atomic store ([`Slot::record`]), one `write(2)` of a byte to
//! the self-pipe (see the registry's design note), and a call of the
//! handler that was installed before weft's, if any (as signal-hook, which
//! tokio uses, chains them). `errno` is saved and restored around it. The
//! `sigaction`, `write` and `errno` calls are the platform layer's
//! (`sys`).
//!
//! [`Slot::record`]: super::registry::Slot::record

use super::registry::Registry;
use crate::sys::{self, Disposition, SigInfo};
use std::ffi::{c_int, c_void};
use std::io;
use std::os::unix::io::AsRawFd;

/// Installs weft's handler for `signum`, once per process; later calls
/// return the first outcome.
pub(crate) fn install(registry: &'static Registry, signum: c_int) -> io::Result<()> {
    let slot = registry
        .slot(signum)
        .expect("the caller checked the signal number");
    let outcome = slot.installed.get_or_init(|| {
        let previous = Disposition::current(signum).map_err(|err| (err.kind(), err.to_string()))?;
        // Recorded before ours is installed, so the handler can chain it.
        let _ = slot.previous.set(previous);
        sys::set_signal_handler(signum, handler).map_err(|err| (err.kind(), err.to_string()))
    });
    outcome.clone().map_err(|(kind, message)| {
        io::Error::new(
            kind,
            format!("weft::signal: failed to install the handler for signal {signum}: {message}"),
        )
    })
}

/// The handler: record, wake the pumps, chain the previous handler.
extern "C" fn handler(signum: c_int, info: *mut SigInfo, context: *mut c_void) {
    let saved = sys::errno();
    if let Some(registry) = Registry::existing() {
        if let Some(slot) = registry.slot(signum) {
            slot.record();
            // A failed write (a full pipe: EAGAIN) is harmless: the
            // registry's design note. The descriptor is the sender of the
            // static registry, alive for the whole process.
            let _ = sys::write_in_signal_handler(registry.sender().as_raw_fd(), 1);
            if let Some(previous) = slot.previous.get() {
                // `previous` is the disposition the kernel returned for this
                // signal before weft's: its handler field holds a function
                // of the signature its `SA_SIGINFO` flag says.
                // SAFETY: `chain`'s contract, with the kernel's own arguments.
                unsafe { previous.chain(signum, info, context) };
            }
        }
    }
    sys::set_errno(saved);
}
