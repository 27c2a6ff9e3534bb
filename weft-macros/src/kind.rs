//! Which attribute is being expanded, and for which crate.

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

/// The crate the user writes the attribute under: weft itself, or the
/// tokio drop-in (the crate named `tokio` that re-exports weft under
/// tokio's paths). The expansion is the same; the dialect decides the
/// default `crate` path, the names in error messages, and, for tokio,
/// the few function shapes tokio accepts and weft does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `#[weft::main]`, `#[weft::test]`: the runtime is at `::weft`.
    Weft,
    /// `#[tokio::main]`, `#[tokio::test]`: the runtime is at `tokio`.
    Tokio,
}

impl Dialect {
    /// The crate's name, as users write it.
    pub(crate) fn crate_name(self) -> &'static str {
        match self {
            Dialect::Weft => "weft",
            Dialect::Tokio => "tokio",
        }
    }

    /// The path the expansion names the runtime by when the attribute has
    /// no `crate = "..."` argument.
    ///
    /// weft's is `::weft`, which only the crate weft can be. tokio's is a
    /// plain `tokio`, as tokio's own macros write it: resolved where the
    /// attribute is used, so it also finds a `tokio` brought into scope by
    /// a `use` (a re-export of the crate), as it does with tokio.
    pub(crate) fn default_crate_path(self) -> syn::Path {
        match self {
            Dialect::Weft => syn::parse_quote!(::weft),
            Dialect::Tokio => syn::parse_quote!(tokio),
        }
    }
}

/// One attribute: which of the two, written for which crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) kind: EntryKind,
    pub(crate) dialect: Dialect,
}

impl Entry {
    /// How the attribute is written, for error messages: `#[weft::main]`.
    pub(crate) fn attribute(self) -> String {
        format!("#[{}]", self.path())
    }

    /// The attribute's path, for error messages that show it with
    /// arguments, as in `#[weft::test(flavor = "multi_thread")]`.
    pub(crate) fn path(self) -> String {
        let name = match self.kind {
            EntryKind::Main => "main",
            EntryKind::Test => "test",
        };
        format!("{}::{name}", self.dialect.crate_name())
    }
}
