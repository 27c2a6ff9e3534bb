//! The process's descriptor limit (`RLIMIT_NOFILE`): read, set, raise, and
//! the next descriptor the kernel hands out, for the tests that run out of
//! descriptors on purpose or need thousands of them; and how a test that
//! cannot run here says so ([`skip_visibly`]).

use std::io::{self, Write};

/// The current limits.
pub(crate) fn get_nofile() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit`.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", io::Error::last_os_error());
    limit
}

/// Sets the limits (a soft limit below the open descriptors is allowed:
/// they stay open, and the next one fails with `EMFILE`).
pub(crate) fn set_nofile(limit: libc::rlimit) {
    // SAFETY: `limit` is a valid `rlimit`.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0, "setrlimit: {}", io::Error::last_os_error());
}

/// The lowest free descriptor number: the next one the kernel hands out.
pub(crate) fn lowest_free_fd() -> libc::rlim_t {
    // SAFETY: duplicating stdin's descriptor number has no preconditions;
    // the duplicate is closed right away.
    let fd = unsafe { libc::fcntl(0, libc::F_DUPFD, 0) };
    assert!(fd >= 0, "dup: {}", io::Error::last_os_error());
    // SAFETY: `fd` was just opened here and nothing else uses it.
    unsafe { libc::close(fd) };
    fd as libc::rlim_t
}

/// Whether a test that needs many descriptors can run: see
/// [`ensure_fd_limit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FdLimit {
    /// The soft limit is at least what the test needs (raised if it was
    /// lower).
    Ok,
    /// It cannot be made so (the reason is inside). Only returned outside
    /// CI, after a `SKIPPED:` line was printed; the test returns at once.
    Skip(String),
}

/// Makes sure this process may have `needed` descriptors open: raises the
/// soft `RLIMIT_NOFILE` to `needed` if it is lower (possible up to the hard
/// limit, which an unprivileged process cannot raise).
///
/// Where that fails the test cannot run, and it must not pass as if it had:
///
/// * under CI ([`in_ci`]) this panics, failing the test with the reason;
/// * elsewhere it prints `SKIPPED: <test>: <reason>` straight to the
///   process's stderr, past the test harness's output capture, so that the
///   line shows among the results of a plain `cargo test`, and returns
///   [`FdLimit::Skip`].
pub(crate) fn ensure_fd_limit(needed: libc::rlim_t) -> FdLimit {
    let reason = match raise_soft_limit(needed) {
        Ok(()) => return FdLimit::Ok,
        Err(reason) => reason,
    };
    skip_visibly(
        &reason,
        &format!(
            "raise the hard limit (`ulimit -Hn {needed}` as root, or the \
             container's or service's `nofile` limit)"
        ),
    );
    FdLimit::Skip(reason)
}

/// A test that cannot run here (`reason`) and must not pass as if it had:
/// under CI ([`in_ci`]) this panics with the reason and `remedy` (what
/// would let it run); elsewhere it prints `SKIPPED: <test>: <reason>`
/// straight to the process's stderr, past the test harness's output
/// capture, so that the line shows among the results of a plain `cargo
/// test`, and returns: the test then returns at once.
pub(crate) fn skip_visibly(reason: &str, remedy: &str) {
    // The test harness names each test's thread after the test.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    assert!(
        !in_ci(),
        "{test} cannot run: {reason}. Under CI a skipped test is a failure: {remedy}"
    );
    let line = format!(
        "\nSKIPPED: {test}: {reason}; it passes without running \
         (set CI=true to make this a failure)\n"
    );
    // `io::stderr()` itself is not captured (only `eprint!` is). If even
    // stderr cannot be written, there is nobody left to tell.
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Whether the tests run under CI: the `CI` environment variable is set to
/// anything but an empty string, `0` or `false` (CI services set
/// `CI=true`).
pub(crate) fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|ci| !matches!(ci.to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// Raises the soft limit to `needed` if it is lower; why not, if it cannot.
fn raise_soft_limit(needed: libc::rlim_t) -> Result<(), String> {
    let mut limit = get_nofile();
    if limit.rlim_cur >= needed {
        return Ok(());
    }
    if limit.rlim_max < needed {
        return Err(format!(
            "it needs {needed} file descriptors, and the hard RLIMIT_NOFILE is {}",
            limit.rlim_max
        ));
    }
    let soft = limit.rlim_cur;
    limit.rlim_cur = needed;
    // SAFETY: `limit` is a valid `rlimit`.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(format!(
            "it needs {needed} file descriptors, and raising the soft \
             RLIMIT_NOFILE from {soft} failed: {}",
            io::Error::last_os_error()
        ));
    }
    Ok(())
}
