//! The runtime flavors an attribute can ask for, and which one it gets when
//! it asks for none.

use crate::kind::EntryKind;

/// A runtime flavor, as named by `flavor = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `"current_thread"`: one thread runs the body and every task.
    CurrentThread,
    /// `"multi_thread"`: a pool of worker threads.
    MultiThread,
    /// `"local"`: a `LocalRuntime`, a `current_thread` runtime on which
    /// `spawn_local` works without a `LocalSet`.
    Local,
}

impl Flavor {
    /// The accepted spellings, for error messages.
    pub(crate) const EXPECTED: &'static str =
        "`\"current_thread\"`, `\"multi_thread\"` or `\"local\"`";

    /// The flavor spelled `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Flavor> {
        match name {
            "current_thread" => Some(Flavor::CurrentThread),
            "multi_thread" => Some(Flavor::MultiThread),
            "local" => Some(Flavor::Local),
            _ => None,
        }
    }

    /// The flavor used when the attribute does not name one: as in tokio,
    /// `multi_thread` for `#[weft::main]` (a program gets a worker per CPU)
    /// and `current_thread` for `#[weft::test]` (a test gets one thread,
    /// for cheap and deterministic runs).
    pub(crate) fn default_for(kind: EntryKind) -> Flavor {
        match kind {
            EntryKind::Main => Flavor::MultiThread,
            EntryKind::Test => Flavor::CurrentThread,
        }
    }
}
