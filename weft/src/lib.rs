//! weft: an asynchronous runtime for Rust.
#![warn(clippy::undocumented_unsafe_blocks)]

mod loom;
mod util;

#[doc(hidden)]
pub mod macros;

#[cfg(feature = "macros")]
pub use weft_macros::{main, test};
