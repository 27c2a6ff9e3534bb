//! Small internal helpers shared by several modules.

#[cfg(feature = "rt")]
pub(crate) mod asymmetric_fence;
#[cfg(feature = "rt")]
pub(crate) mod cache_padded;
#[cfg(all(test, weft_loom))]
pub(crate) mod loom_model;
pub(crate) mod rand;
#[cfg(all(test, feature = "fs"))]
#[allow(dead_code)] // its tests exist only where io_uring does (`sys::cfg_io_uring!`)
pub(crate) mod temp_dir;
#[cfg(test)]
pub(crate) mod test_waker;
// `Sleep` and the sync primitives are resources.
#[cfg(all(feature = "tracing", any(feature = "time", feature = "sync")))]
pub(crate) mod trace;
