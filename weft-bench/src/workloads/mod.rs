//! The workloads, one group per file, each generic over [`Rt`](crate::rt::Rt).

pub mod clients;
pub mod current;
pub mod dropin;
pub mod echo;
pub mod fs;
pub mod http;
pub mod memory;
pub mod multi;
pub mod process;
pub mod sync;
pub mod timers;
