//! The process's descriptor limit (`RLIMIT_NOFILE`): read, set, raise, and
//! the next descriptor the kernel hands out, for the tests that run out of
//! descriptors on purpose or need thousands of them.

use std::io;

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

/// Raises the soft limit to at least `needed` if the hard limit allows;
/// `false` (the caller skips, saying why) if it does not.
pub(crate) fn raise_nofile(needed: libc::rlim_t) -> bool {
    let mut limit = get_nofile();
    if limit.rlim_cur >= needed {
        return true;
    }
    if limit.rlim_max < needed {
        eprintln!(
            "skipping: {needed} file descriptors needed, the hard RLIMIT_NOFILE is {}",
            limit.rlim_max
        );
        return false;
    }
    limit.rlim_cur = needed;
    set_nofile(limit);
    true
}
