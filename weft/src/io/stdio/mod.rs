//! The process's standard streams: [`stdin`](super::stdin),
//! [`stdout`](super::stdout), [`stderr`](super::stderr).
//!
//! The OS offers no readiness for them in general (a terminal, a file or a
//! pipe), so each operation runs on the blocking pool through [`Pooled`],
//! the adapter that owns the blocking handle and its buffer. `stdin.rs` is
//! the reader; `writer.rs` is one generic writer for both output streams.

mod pooled;
mod stdin;
mod writer;

pub use stdin::{stdin, Stdin};
pub use writer::{stderr, stdout, OutputStream, StdWriter, Stderr, Stdout};
