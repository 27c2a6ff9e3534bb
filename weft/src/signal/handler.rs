//! Installing the process's handler for a signal, and the handler itself.
//!
//! The handler runs in signal context, so it does only async-signal-safe
//! things: an atomic store ([`Slot::record`]), one `write(2)` of a byte to
//! the self-pipe (see the registry's design note), and a call of the
//! handler that was installed before weft's, if any (as signal-hook, which
//! tokio uses, chains them). `errno` is saved and restored around it.

use super::registry::Registry;
use std::io;
use std::os::unix::io::AsRawFd;

/// Installs weft's handler for `signum`, once per process; later calls
/// return the first outcome.
pub(crate) fn install(registry: &'static Registry, signum: libc::c_int) -> io::Result<()> {
    let slot = registry
        .slot(signum)
        .expect("the caller checked the signal number");
    let outcome = slot.installed.get_or_init(|| {
        // SAFETY: an all-zero `sigaction` is a valid value (SIG_DFL, no
        // flags, an empty mask).
        let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a null new action only queries the current one into
        // `previous`, a valid, writable `sigaction`.
        if unsafe { libc::sigaction(signum, std::ptr::null(), &mut previous) } != 0 {
            return Err(last_errno());
        }
        // Recorded before ours is installed, so the handler can chain it.
        let _ = slot.previous.set(previous);

        // SAFETY: as above, all-zero is valid.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = handler as *const () as usize;
        action.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
        // SAFETY: `sa_mask` is a valid, writable `sigset_t`.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is a fully initialized `sigaction` whose handler
        // has the `SA_SIGINFO` signature; the old action is not wanted.
        if unsafe { libc::sigaction(signum, &action, std::ptr::null_mut()) } != 0 {
            return Err(last_errno());
        }
        Ok(())
    });
    outcome.map_err(|errno| {
        let err = io::Error::from_raw_os_error(errno);
        io::Error::new(
            err.kind(),
            format!("weft::signal: failed to install the handler for signal {signum}: {err}"),
        )
    })
}

fn last_errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
}

/// The handler: record, wake the pumps, chain the previous handler.
extern "C" fn handler(signum: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let saved = errno::get();
    if let Some(registry) = Registry::existing() {
        if let Some(slot) = registry.slot(signum) {
            slot.record();
            let byte = 1u8;
            // A failed write (a full pipe: EAGAIN) is harmless: the
            // registry's design note. The descriptor is the sender of the
            // static registry, alive for the whole process.
            // SAFETY: async-signal-safe `write` of one readable byte to that live descriptor.
            unsafe {
                libc::write(
                    registry.sender().as_raw_fd(),
                    (&byte as *const u8).cast(),
                    1,
                )
            };
            if let Some(previous) = slot.previous.get() {
                // `previous` is the disposition the kernel returned for this
                // signal before weft's: its handler field holds a function
                // of the signature its `SA_SIGINFO` flag says.
                // SAFETY: `chain`'s contract, with the kernel's own arguments.
                unsafe { chain(previous, signum, info, context) };
            }
        }
    }
    errno::set(saved);
}

/// Calls the previous disposition's handler, if it is a function.
///
/// # Safety
///
/// `previous` must be a disposition the kernel reported for `signum`
/// (so its handler field is `SIG_DFL`, `SIG_IGN`, or a function with the
/// signature its flags say), and `info`/`context` the arguments the kernel
/// passed to the current handler invocation.
unsafe fn chain(
    previous: &libc::sigaction,
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let address = previous.sa_sigaction;
    if address == libc::SIG_DFL || address == libc::SIG_IGN {
        return;
    }
    if previous.sa_flags & libc::SA_SIGINFO != 0 {
        type Action = extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void);
        // SAFETY: the caller guarantees that with `SA_SIGINFO` the field
        // holds a function of this signature.
        let action: Action = unsafe { std::mem::transmute::<usize, Action>(address) };
        action(signum, info, context);
    } else {
        type Handler = extern "C" fn(libc::c_int);
        // SAFETY: the caller guarantees that without `SA_SIGINFO` the
        // field holds a function of this signature.
        let handler: Handler = unsafe { std::mem::transmute::<usize, Handler>(address) };
        handler(signum);
    }
}

/// `errno` access for the handler (which must leave it as it found it).
mod errno {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn location() -> *mut libc::c_int {
        // SAFETY: returns the calling thread's `errno` slot; always valid.
        unsafe { libc::__errno_location() }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn location() -> *mut libc::c_int {
        // SAFETY: returns the calling thread's `errno` slot; always valid.
        unsafe { libc::__error() }
    }

    pub(super) fn get() -> libc::c_int {
        // SAFETY: `location` is the thread's valid `errno` slot.
        unsafe { *location() }
    }

    pub(super) fn set(value: libc::c_int) {
        // SAFETY: `location` is the thread's valid `errno` slot.
        unsafe { *location() = value };
    }
}
