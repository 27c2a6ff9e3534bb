//! The io_uring rings a runtime builds, chosen once when it is built from
//! what the file engine ([`FsBackend`](super::FsBackend), feature `fs`) and
//! the socket engine ([`IoBackend`](super::IoBackend), feature `net`) ask
//! for: one ring per scheduler thread and one for the other threads,
//! serving whichever of the two wants them, or none.

use std::io;

/// What one engine asks of the rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RingWant {
    /// It runs elsewhere (the blocking pool, epoll).
    No,
    /// io_uring if this process can use it (`FsBackend::Auto`; sockets'
    /// `IoBackend::Auto` asks for it once io_uring is its choice).
    #[cfg_attr(not(feature = "fs"), allow(dead_code))]
    IfAvailable,
    /// io_uring, or the runtime fails to build.
    Required,
}

/// What a runtime's rings have done so far (`RuntimeMetrics::io_uring_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RingCounters {
    /// `io_uring_enter` calls: submissions and waits.
    pub(crate) enters: u64,
    /// SQEs pushed.
    pub(crate) submissions: u64,
    /// CQEs reaped.
    pub(crate) completions: u64,
}

impl std::iter::Sum for RingCounters {
    fn sum<I: Iterator<Item = RingCounters>>(iter: I) -> RingCounters {
        iter.fold(RingCounters::default(), |a, b| RingCounters {
            enters: a.enters + b.enters,
            submissions: a.submissions + b.submissions,
            completions: a.completions + b.completions,
        })
    }
}

crate::sys::cfg_io_uring! {
    pub(crate) use super::uring::{Rings, RingConfig, RingStream, submit_owed};
    #[cfg(feature = "net")]
    pub(crate) use super::uring::RingAccept;

    /// Builds the rings `files` and `sockets` ask for, one per scheduler
    /// thread (`count`), or none: a required engine that cannot have them
    /// fails the build with the kernel's reason; one that only wanted them
    /// runs elsewhere.
    pub(crate) fn select(
        files: RingWant,
        sockets: RingWant,
        count: usize,
        config: RingConfig,
    ) -> io::Result<Option<crate::loom::Arc<Rings>>> {
        if files == RingWant::No && sockets == RingWant::No {
            return Ok(None);
        }
        match super::uring::build_rings(count, config, sockets != RingWant::No) {
            Ok(mut rings) => {
                rings.files = files != RingWant::No;
                rings.sockets = sockets != RingWant::No && rings.sockets;
                if sockets == RingWant::Required && !rings.sockets {
                    return Err(io::Error::new(
                        io::ErrorKind::Unsupported,
                        "io_uring: the kernel lacks what sockets need (provided buffer rings, 5.19)",
                    ));
                }
                if !rings.files && !rings.sockets {
                    return Ok(None);
                }
                Ok(Some(crate::loom::Arc::new(rings)))
            }
            Err(err) if files == RingWant::Required || sockets == RingWant::Required => Err(err),
            Err(_) => Ok(None),
        }
    }
}

crate::sys::cfg_not_io_uring! {
    /// No rings, so nothing is ever owed to one.
    pub(crate) fn submit_owed() {}

    /// No rings on this platform: a type with no value, so every
    /// `Option<Arc<Rings>>` is `None`.
    #[derive(Debug)]
    pub(crate) enum Rings {}

    // The engine's whole API, for every build: the worker's ring sleep
    // (`arm`, `wait_for_unpark`, ...) exists only with `rt-multi-thread`.
    #[cfg_attr(not(feature = "rt-multi-thread"), allow(dead_code))]
    impl Rings {
        pub(crate) fn len(&self) -> usize {
            match *self {}
        }

        pub(crate) fn attach_to_epoll(
            &self,
            _index: usize,
            _epoll: crate::loom::Arc<std::os::fd::OwnedFd>,
            _token: u64,
        ) -> std::io::Result<()> {
            match *self {}
        }

        pub(crate) fn flush(&self, _index: usize, _arm: bool) -> bool {
            match *self {}
        }

        pub(crate) fn reap(&self, _index: usize) {
            match *self {}
        }

        pub(crate) fn reap_after_event(&self, _index: usize) {
            match *self {}
        }

        pub(crate) fn shut_down(&self) {
            match *self {}
        }

        pub(crate) fn owned_by_current_thread(&self) -> Option<usize> {
            match *self {}
        }

        pub(crate) fn wait(
            &self,
            _index: usize,
            _timeout: Option<std::time::Duration>,
        ) -> (bool, bool) {
            match *self {}
        }

        pub(crate) fn arm(&self, _index: usize) {
            match *self {}
        }

        pub(crate) fn counters(&self) -> RingCounters {
            match *self {}
        }

        pub(crate) fn awaits_sockets(&self, _index: usize) -> bool {
            match *self {}
        }

        pub(crate) fn has_news(&self, _index: usize) -> bool {
            match *self {}
        }

        pub(crate) fn waits_in_ring(&self) -> bool {
            match *self {}
        }

        pub(crate) fn wait_for_unpark(
            &self,
            _index: usize,
            _timeout: Option<std::time::Duration>,
            _fd: std::os::fd::RawFd,
        ) -> bool {
            match *self {}
        }
    }

    /// No listener accepts on a ring here: a type with no value.
    #[derive(Debug)]
    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    pub(crate) enum RingAccept {}

    #[allow(clippy::unused_self)]
    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    impl RingAccept {
        pub(crate) fn for_current_runtime(_fd: std::os::fd::RawFd) -> Option<RingAccept> {
            None
        }

        pub(crate) fn poll_accept(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<io::Result<std::os::fd::OwnedFd>>> {
            match *self {}
        }
    }

    /// No stream runs on a ring here: a type with no value.
    #[derive(Debug)]
    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    pub(crate) enum RingStream {}

    #[allow(clippy::unused_self)]
    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    impl RingStream {
        pub(crate) fn for_current_runtime(_fd: std::os::fd::RawFd) -> Option<RingStream> {
            None
        }

        pub(crate) fn current_runtime_has_rings() -> bool {
            false
        }

        pub(crate) fn start_connect(&self, _addr: &std::net::SocketAddr) {
            match *self {}
        }

        pub(crate) fn has_unread(&self) -> bool {
            match *self {}
        }

        pub(crate) fn release(&self) {
            match *self {}
        }

        pub(crate) fn close_on_ring(&self) -> bool {
            match *self {}
        }

        pub(crate) fn shutdown_write(&self) -> io::Result<()> {
            match *self {}
        }

        pub(crate) fn poll_read(
            &self,
            _cx: &mut std::task::Context<'_>,
            _buf: &mut crate::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            match *self {}
        }

        pub(crate) fn try_read(&self, _buf: &mut crate::io::ReadBuf<'_>) -> Option<io::Result<()>> {
            match *self {}
        }

        pub(crate) fn peek_held(&self, _buf: &mut [u8]) -> Option<usize> {
            match *self {}
        }

        pub(crate) fn poll_held_only(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<bool>> {
            match *self {}
        }

        pub(crate) fn poll_read_held(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<bool>> {
            match *self {}
        }

        pub(crate) fn poll_write(
            &self,
            _cx: &mut std::task::Context<'_>,
            _bufs: &[io::IoSlice<'_>],
        ) -> std::task::Poll<io::Result<usize>> {
            match *self {}
        }

        pub(crate) fn try_write(&self, _bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
            match *self {}
        }

        pub(crate) fn poll_write_room(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            match *self {}
        }

        pub(crate) fn poll_flush(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            match *self {}
        }

        pub(crate) fn poll_connect(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<bool>> {
            match *self {}
        }
    }

    /// Nothing to configure without rings.
    #[derive(Debug, Clone, Copy, Default)]
    pub(crate) struct RingConfig;

    /// No rings here: an engine that required them cannot be had.
    pub(crate) fn select(
        files: RingWant,
        sockets: RingWant,
        _count: usize,
        _config: RingConfig,
    ) -> io::Result<Option<crate::loom::Arc<Rings>>> {
        if files == RingWant::Required || sockets == RingWant::Required {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring is not in this build: it needs Linux and weft's feature `io-uring`",
            ));
        }
        Ok(None)
    }
}

crate::sys::cfg_not_io_uring! {
    #[cfg(all(test, feature = "fs", feature = "net", not(weft_loom)))]
    mod tests_without_rings {
        use crate::runtime::{Builder, FsBackend, IoBackend};
        use std::io;

        /// Where the engine is not compiled (another OS, weft without its
        /// `io-uring` feature, the forced fallback, Miri), a runtime that
        /// requires rings fails to build and says what they need; one
        /// that merely prefers them builds without.
        #[test]
        fn a_runtime_that_requires_rings_fails_to_build_and_says_why() {
            let mut files = Builder::new_current_thread();
            files.fs_backend(FsBackend::IoUring);
            let mut sockets = Builder::new_current_thread();
            sockets.enable_io().io_backend(IoBackend::Uring);
            for mut builder in [files, sockets] {
                let err = builder.build().expect_err("no rings in this build");
                assert_eq!(err.kind(), io::ErrorKind::Unsupported);
                assert!(err.to_string().contains("feature `io-uring`"), "{err}");
            }
            let rt = Builder::new_current_thread()
                .enable_io()
                .fs_backend(FsBackend::Auto)
                .build()
                .expect("Auto falls back to the blocking pool");
            assert_eq!(rt.block_on(async { 1 + 1 }), 2);
        }
    }
}
