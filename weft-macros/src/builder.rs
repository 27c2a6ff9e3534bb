//! The expression that builds the runtime the generated function blocks on:
//! `<crate>::runtime::Builder::new_current_thread().enable_all().build()...`.
//!
//! This is where the arguments are checked against what weft can do today.
//! Two features the arguments can ask for are not built yet: the
//! multi-thread scheduler and the paused test clock. Each is rejected in one
//! function below, with a comment showing the code that replaces the error
//! once the feature lands.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::config::{Arg, Config};
use crate::errors::Errors;
use crate::flavor::Flavor;
use crate::kind::EntryKind;

const MULTI_THREAD_UNAVAILABLE: &str = "the `multi_thread` flavor is not available yet in this \
     version of weft; use `flavor = \"current_thread\"`";

const START_PAUSED_UNAVAILABLE: &str = "`start_paused = true` needs the paused test clock, which \
     is not available yet in this version of weft; remove it or use `start_paused = false`";

/// Builds the runtime expression for `config`, a value of type
/// `<crate>::runtime::Runtime`.
///
/// An argument weft cannot honour is recorded in `errors`, and the
/// expression falls back to a plain current-thread runtime so that the rest
/// of the expansion (and the user's body) still type-checks and reports its
/// own errors.
pub(crate) fn runtime(kind: EntryKind, config: &Config, errors: &mut Errors) -> TokenStream {
    let krate = config
        .crate_path
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::weft));
    let (flavor, flavor_span) = match config.flavor {
        Some(Arg { value, span }) => (value, Some(span)),
        None => (Flavor::default_for(kind), None),
    };
    let builder =
        builder_call(&krate, flavor, flavor_span, config.worker_threads).unwrap_or_else(|error| {
            errors.push(error);
            quote!(#krate::runtime::Builder::new_current_thread())
        });
    let start_paused = start_paused_call(config.start_paused).unwrap_or_else(|error| {
        errors.push(error);
        None
    });
    quote! {
        #builder
            #start_paused
            .enable_all()
            .build()
            .expect("Failed building the Runtime")
    }
}

/// `Builder::new_current_thread()` or `Builder::new_multi_thread()`, with
/// `.worker_threads(n)` for the latter.
///
/// `flavor_span` is the `flavor = "..."` literal's span, or `None` when the
/// flavor is the default one.
fn builder_call(
    krate: &syn::Path,
    flavor: Flavor,
    flavor_span: Option<Span>,
    worker_threads: Option<Arg<usize>>,
) -> syn::Result<TokenStream> {
    match (flavor, worker_threads) {
        (Flavor::CurrentThread, None) => Ok(quote!(#krate::runtime::Builder::new_current_thread())),
        (Flavor::CurrentThread, Some(threads)) => {
            let message = match flavor_span {
                Some(_) => {
                    "`worker_threads` only applies to the `multi_thread` flavor; the \
                     `current_thread` flavor runs everything on the calling thread, so \
                     remove `worker_threads`"
                }
                // The flavor is the default one, which is `current_thread`
                // only because `multi_thread` does not exist yet. Once it
                // does, say here what tokio says: "`worker_threads` requires
                // `flavor = "multi_thread"`".
                None => {
                    "`worker_threads` needs the `multi_thread` flavor, which is not \
                     available yet in this version of weft; remove `worker_threads`"
                }
            };
            Err(syn::Error::new(threads.span, message))
        }
        (Flavor::MultiThread, _) => {
            // The multi-thread scheduler does not exist yet. When it lands,
            // this arm becomes the following (and `Flavor::default_for`
            // makes `#[weft::main]` default to it):
            //
            //     let mut call = quote!(#krate::runtime::Builder::new_multi_thread());
            //     if let Some(threads) = worker_threads {
            //         let count = proc_macro2::Literal::usize_unsuffixed(threads.value);
            //         call = quote_spanned!(threads.span=> #call.worker_threads(#count));
            //     }
            //     Ok(call)
            let span = flavor_span
                .or(worker_threads.map(|threads| threads.span))
                .unwrap_or_else(Span::call_site);
            Err(syn::Error::new(span, MULTI_THREAD_UNAVAILABLE))
        }
    }
}

/// The `.start_paused(true)` call, if one is wanted.
fn start_paused_call(start_paused: Option<Arg<bool>>) -> syn::Result<Option<TokenStream>> {
    match start_paused {
        None | Some(Arg { value: false, .. }) => Ok(None),
        // The paused clock needs `weft::time`'s test clock, which does not
        // exist yet. When it does, this arm returns
        // `Ok(Some(quote!(.start_paused(true))))`, and, as in tokio,
        // `runtime` rejects it on the `multi_thread` flavor.
        Some(Arg { value: true, span }) => Err(syn::Error::new(span, START_PAUSED_UNAVAILABLE)),
    }
}
