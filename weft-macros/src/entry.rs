//! The expansion: turning `async fn` + arguments into a plain `fn` that
//! builds a runtime and blocks on the body.
//!
//! ```text
//! #[weft::main]                      fn main() -> Output {
//! async fn main() -> Output {            let body = async { stmts };
//!     stmts                   ==>        let runtime = <builder>.build().expect(..);
//! }                                      runtime.block_on(body)
//!                                    }
//! ```
//!
//! `#[weft::test]` also adds `#[test]`, and erases the body's future type
//! behind `Pin<&mut dyn Future<Output = Output>>`, so that `block_on` is
//! compiled once per output type instead of once per test.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

use crate::builder;
use crate::config::Config;
use crate::errors::Errors;
use crate::item::{AsyncFn, Body};
use crate::kind::{Entry, EntryKind};

/// Expands `#[<kind>(args)] item`.
///
/// Errors come out as `compile_error!`s next to the best code we can give:
/// when the function itself is unusable (it does not parse, is not `async`,
/// takes parameters...), that is the item exactly as written, so rustc and
/// rust-analyzer still see the user's code; when only an argument is wrong,
/// it is the full expansion with that argument left out, so the body is
/// still type-checked and no "`main` function not found" follows.
///
/// `multi_thread`: whether weft has the `multi_thread` flavor (see
/// `builder::runtime`).
pub(crate) fn expand(
    entry: Entry,
    multi_thread: bool,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    let mut errors = Errors::default();
    let config = Config::parse(args, entry.dialect, &mut errors);
    let function = match syn::parse2::<AsyncFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            errors.push(error);
            return with_errors(item, &errors);
        }
    };
    // Checked before the function's shape so that its errors are reported
    // too when the function is unusable.
    let runtime = builder::runtime(entry, &config, multi_thread, &mut errors);
    if !function.check(entry, &mut errors) {
        return with_errors(item, &errors);
    }
    with_errors(generate(entry.kind, function, &runtime), &errors)
}

/// The expansion of an entry point whose crate has no runtime (the tokio
/// drop-in without its `rt` feature): a compile error alone, with tokio's
/// wording.
pub(crate) fn requires_rt(entry: Entry) -> TokenStream {
    let message = format!(
        "The {} macro requires rt or rt-multi-thread.",
        entry.attribute()
    );
    syn::Error::new(Span::call_site(), message).to_compile_error()
}

fn with_errors(mut tokens: TokenStream, errors: &Errors) -> TokenStream {
    tokens.extend(errors.to_compile_errors());
    tokens
}

/// The generated function, for a `function` that passed `AsyncFn::check`.
fn generate(kind: EntryKind, function: AsyncFn, runtime: &TokenStream) -> TokenStream {
    let AsyncFn {
        attrs,
        vis,
        mut sig,
        body,
    } = function;
    let Body {
        brace,
        inner_attrs,
        stmts,
    } = body;

    // The generated code that touches the user's types is placed at the end
    // of the body (its last token, or the closing brace), so that a body
    // whose value does not match the declared return type is reported
    // there rather than at the attribute. `located_at` moves only the
    // position: names still resolve as in the rest of the expansion.
    let end = stmts
        .clone()
        .into_iter()
        .last()
        .map_or_else(|| brace.span.close(), |token| token.span());
    let end = Span::call_site().located_at(end);

    // The statements move into an `async` block that reuses the function's
    // `async` keyword and braces, so diagnostics about the block point at
    // the user's code.
    let asyncness = sig.asyncness.take();
    let mut block = TokenStream::new();
    brace.surround(&mut block, |tokens| stmts.to_tokens(tokens));

    let test_attr = match kind {
        EntryKind::Main => None,
        EntryKind::Test => Some(quote!(#[::core::prelude::v1::test])),
    };
    let erase = match kind {
        EntryKind::Test => erase_future_type(&sig.output, end),
        EntryKind::Main => None,
    };

    // The runtime is bound first, so that only `runtime.block_on(body)`
    // sits at the end of the body: a mismatch between the body's value
    // and the return type is reported on the user's last line, not across
    // the whole builder chain.
    let block_on = quote_spanned!(end=> runtime.block_on(body));

    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            let body = #asyncness #block;
            #erase
            // `expect` is how a runtime that fails to build is reported;
            // keep `clippy::expect_used` in the user's crate quiet about it.
            #[allow(clippy::expect_used)]
            let runtime = #runtime;
            #block_on
        }
    }
}

/// `let body: Pin<&mut dyn Future<Output = T>> = pin!(body);`, or `None`
/// when the output type mentions `impl Trait`, which cannot be named there.
fn erase_future_type(output: &syn::ReturnType, end: Span) -> Option<TokenStream> {
    let output = match output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => {
            if mentions_impl_trait(ty.to_token_stream()) {
                return None;
            }
            ty.to_token_stream()
        }
    };
    Some(quote_spanned! {end=>
        let body: ::core::pin::Pin<
            &mut dyn ::core::future::Future<Output = #output>,
        > = ::core::pin::pin!(body);
    })
}

fn mentions_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "impl",
        proc_macro2::TokenTree::Group(group) => mentions_impl_trait(group.stream()),
        _ => false,
    })
}
