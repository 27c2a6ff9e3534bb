//! Which attribute is being expanded.

/// The two entry-point attributes. They share their arguments and most of
/// their expansion; this says where they differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// `#[weft::main]`: the function becomes a plain `fn` that builds a
    /// runtime and blocks on the body.
    Main,
    /// `#[weft::test]`: the same, plus `#[test]`.
    Test,
}

impl EntryKind {
    /// How the attribute is written, for error messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            EntryKind::Main => "#[weft::main]",
            EntryKind::Test => "#[weft::test]",
        }
    }

    /// The attribute's path, for error messages that show it with
    /// arguments, as in `#[weft::test(flavor = "multi_thread")]`.
    pub(crate) fn path(self) -> &'static str {
        match self {
            EntryKind::Main => "weft::main",
            EntryKind::Test => "weft::test",
        }
    }
}
