//! Procedural macros for weft.
use proc_macro::TokenStream;

/// Marks an async `main` to run on a weft runtime.
#[proc_macro_attribute]
pub fn main(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Marks an async test to run on a weft runtime.
#[proc_macro_attribute]
pub fn test(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
