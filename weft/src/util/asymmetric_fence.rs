//! Asymmetric fences: two fences that pair like two `fence(SeqCst)`, where
//! the side that runs often pays a compiler barrier and the rare side pays
//! a system call.
//!
//! # Design note
//!
//! A Dekker handshake — thread A stores `x` then loads `y`, thread B
//! stores `y` then loads `x`, and at least one of them must see the other's
//! store — needs a full fence between each thread's store and its load. On
//! x86-64 that fence (`mfence`, or a locked instruction) costs tens of
//! cycles, paid on every pass of the hot side. When one side is rare the
//! cost can be moved there (Dice, Moir and Scherer, "Quickly Reacquirable
//! Locks", and the asymmetric fences of folly's hazard pointers):
//!
//! * the **light** fence is a compiler barrier: the hot thread's own
//!   instructions stay in program order, the CPU may still hold its store
//!   in the store buffer;
//! * the **heavy** fence is `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`
//!   (`membarrier(2)`): every thread of the process that runs at that
//!   moment is interrupted and passes a full barrier before the call
//!   returns, and a thread that does not run has passed one when it was
//!   switched out. So every light fence executed before the call is as if
//!   it had been a full fence, and the pair orders like two SeqCst fences.
//!
//! Both sides of a pair must agree on which kind they use, so the kind is
//! decided once, when an [`AsymmetricFence`] is made (the process is
//! registered then), and the value is copied to both sides. Where
//! `membarrier` is refused (a kernel before 4.14, a seccomp filter, another
//! OS, Miri) both halves are `fence(SeqCst)`: correct, and the hot side
//! costs what it did before. Loom models use that form too, which is the
//! one the model checker understands.

use crate::loom::{fence, Ordering::SeqCst};

/// One agreed kind of asymmetric fence (see the module note): made once,
/// copied to both sides.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AsymmetricFence {
    /// The heavy side is `membarrier`; the light side a compiler barrier.
    expedited: bool,
}

impl AsymmetricFence {
    /// Registers the process for `membarrier` where it can, and says which
    /// kind every copy of the result uses.
    pub(crate) fn new() -> AsymmetricFence {
        // The system call is in the platform layer, which exists in builds
        // with an I/O, time, signal or file feature (it needs `libc`).
        #[cfg(any(feature = "net", feature = "time", feature = "signal", feature = "fs"))]
        return AsymmetricFence {
            expedited: crate::sys::register_process_barrier(),
        };
        #[allow(unreachable_code)]
        AsymmetricFence { expedited: false }
    }

    /// The hot side's fence.
    #[inline]
    pub(crate) fn light(self) {
        if self.expedited {
            std::sync::atomic::compiler_fence(SeqCst);
        } else {
            fence(SeqCst);
        }
    }

    /// The rare side's fence; `false` if it could not be made (the system
    /// call failed after a successful registration, which the kernel does
    /// not do in practice): the caller must then act as if it had not
    /// synchronized with the light side.
    pub(crate) fn heavy(self) -> bool {
        // `expedited` is only ever true where the platform layer exists.
        #[cfg(any(feature = "net", feature = "time", feature = "signal", feature = "fs"))]
        if self.expedited {
            return crate::sys::process_barrier();
        }
        fence(SeqCst);
        true
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    /// On Linux (4.14 and later, which every supported machine runs) the
    /// process registers and the heavy side succeeds; elsewhere, and
    /// under Miri, both sides are full fences and the heavy one succeeds
    /// too.
    #[test]
    fn the_heavy_side_is_made() {
        let pair = AsymmetricFence::new();
        pair.light();
        assert!(pair.heavy());
        #[cfg(all(target_os = "linux", not(miri), not(weft_sys_fallback)))]
        assert!(pair.expedited, "membarrier was refused on Linux");
    }
}
