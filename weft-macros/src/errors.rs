//! Collecting several compile errors before giving up.
//!
//! A user who wrote two bad arguments should hear about both in one build,
//! so the parsers push every problem here and carry on with what they could
//! understand.

use proc_macro2::TokenStream;

/// Every error found so far, combined into one `syn::Error` (which can hold
/// many messages, each with its own span).
#[derive(Debug, Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Records one more error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// One `compile_error!` per recorded error, each at its own span.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.combined
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

#[cfg(test)]
impl Errors {
    /// Every recorded message, in order.
    pub(crate) fn messages(&self) -> Vec<String> {
        self.combined
            .iter()
            .flat_map(|combined| combined.clone().into_iter())
            .map(|error| error.to_string())
            .collect()
    }
}
