//! The expression that builds the runtime the generated function blocks on:
//! `<crate>::runtime::Builder::new_multi_thread().enable_all().build()...`
//! (or `new_current_thread()`, per the flavor; for the `local` flavor
//! `new_current_thread()...build_local(LocalOptions::default())`, a
//! `LocalRuntime`).
//!
//! This is where the arguments are checked against each other and against
//! what weft can do: `worker_threads` needs the `multi_thread` flavor, and
//! `start_paused = true` the `current_thread` one (the paused test clock
//! drives a single thread; the generated `.start_paused(true)` call needs
//! weft's `test-util` feature, as tokio's needs its own).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::config::{Arg, Config};
use crate::errors::Errors;
use crate::flavor::Flavor;
use crate::kind::Entry;

const START_PAUSED_MULTI_THREAD: &str = "`start_paused = true` requires the `current_thread` \
     flavor: the paused test clock cannot drive several worker threads; add \
     `flavor = \"current_thread\"` or remove `start_paused`";

/// Builds the runtime expression for `config`, a value of type
/// `<crate>::runtime::Runtime`.
///
/// An argument weft cannot honour is recorded in `errors`, and the
/// expression falls back to a plain current-thread runtime so that the rest
/// of the expansion (and the user's body) still type-checks and reports its
/// own errors.
///
/// `multi_thread` says whether weft has the `multi_thread` flavor (its
/// `rt-multi-thread` feature); without it, asking for that flavor (or
/// defaulting to it) is an error naming the feature.
pub(crate) fn runtime(
    entry: Entry,
    config: &Config,
    multi_thread: bool,
    errors: &mut Errors,
) -> TokenStream {
    let krate = config
        .crate_path
        .clone()
        .unwrap_or_else(|| entry.dialect.default_crate_path());
    let fallback = quote!(#krate::runtime::Builder::new_current_thread());
    let builder = match config.flavor {
        // The flavor's error is already recorded; checking `worker_threads`
        // against a flavor the user did not ask for would only add noise.
        None if config.flavor_unreadable => fallback,
        flavor => {
            let (flavor, flavor_span) = match flavor {
                Some(Arg { value, span }) => (value, Some(span)),
                None => (Flavor::default_for(entry.kind), None),
            };
            let call = if flavor == Flavor::MultiThread && !multi_thread {
                Err(multi_thread_missing(entry, flavor_span))
            } else {
                builder_call(entry, &krate, flavor, flavor_span, config.worker_threads)
            };
            call.unwrap_or_else(|error| {
                errors.push(error);
                fallback
            })
        }
    };
    let flavor = config
        .flavor
        .as_ref()
        .map_or(Flavor::default_for(entry.kind), |arg| arg.value);
    let start_paused = start_paused_call(config.start_paused, flavor).unwrap_or_else(|error| {
        errors.push(error);
        None
    });
    let name = config
        .name
        .as_ref()
        .map(|name| quote_spanned!(name.span()=> .name(#name)));
    let build = match flavor {
        Flavor::Local if !config.flavor_unreadable => {
            quote!(.build_local(#krate::runtime::LocalOptions::default()))
        }
        _ => quote!(.build()),
    };
    quote! {
        #builder
            #name
            #start_paused
            .enable_all()
            #build
            .expect("Failed building the Runtime")
    }
}

/// The error for the `multi_thread` flavor when weft is built without its
/// `rt-multi-thread` feature: at the `flavor` argument, or at the
/// attribute when that flavor is the default.
fn multi_thread_missing(entry: Entry, flavor_span: Option<Span>) -> syn::Error {
    let krate = entry.dialect.crate_name();
    match flavor_span {
        Some(span) => syn::Error::new(
            span,
            format!(
                "the `multi_thread` flavor needs {krate}'s `rt-multi-thread` feature; enable \
                 it, or use `flavor = \"current_thread\"`"
            ),
        ),
        None => syn::Error::new(
            Span::call_site(),
            format!(
                "the default flavor of `{}` is `multi_thread`, which needs {krate}'s \
                 `rt-multi-thread` feature; enable it, or use `#[{}(flavor = \"current_thread\")]`",
                entry.attribute(),
                entry.path(),
            ),
        ),
    }
}

/// `Builder::new_current_thread()` or `Builder::new_multi_thread()`, with
/// `.worker_threads(n)` for the latter when `worker_threads = n` is given.
///
/// `flavor_span` is the `flavor = "..."` literal's span, or `None` when the
/// flavor is the default one.
fn builder_call(
    entry: Entry,
    krate: &syn::Path,
    flavor: Flavor,
    flavor_span: Option<Span>,
    worker_threads: Option<Arg<usize>>,
) -> syn::Result<TokenStream> {
    match (flavor, worker_threads) {
        (Flavor::CurrentThread | Flavor::Local, None) => {
            Ok(quote!(#krate::runtime::Builder::new_current_thread()))
        }
        (Flavor::CurrentThread | Flavor::Local, Some(threads)) => {
            let flavor_name = match flavor {
                Flavor::Local => "local",
                _ => "current_thread",
            };
            // As in tokio, an error at the count, naming the flavor that
            // takes it.
            let fix = format!(
                "use `#[{}(flavor = \"multi_thread\", worker_threads = {})]`",
                entry.path(),
                threads.value,
            );
            let message = match flavor_span {
                Some(_) => format!(
                    "`worker_threads` requires the `multi_thread` flavor; the \
                     `{flavor_name}` flavor runs everything on the calling thread, so \
                     {fix} or remove `worker_threads`"
                ),
                // Only `#[weft::test]` defaults to `current_thread`.
                None => format!(
                    "`worker_threads` requires the `multi_thread` flavor, and `{}` \
                     defaults to `current_thread`; {fix}",
                    entry.attribute(),
                ),
            };
            Err(syn::Error::new(threads.span, message))
        }
        (Flavor::MultiThread, worker_threads) => {
            let mut call = quote!(#krate::runtime::Builder::new_multi_thread());
            if let Some(threads) = worker_threads {
                // `config` has checked that the count is at least 1, so the
                // builder's own `worker_threads must be greater than 0`
                // panic cannot happen.
                let count = proc_macro2::Literal::usize_unsuffixed(threads.value);
                call = quote_spanned!(threads.span=> #call.worker_threads(#count));
            }
            Ok(call)
        }
    }
}

/// The `.start_paused(true)` call, if one is wanted.
fn start_paused_call(
    start_paused: Option<Arg<bool>>,
    flavor: Flavor,
) -> syn::Result<Option<TokenStream>> {
    match (start_paused, flavor) {
        (None | Some(Arg { value: false, .. }), _) => Ok(None),
        (Some(Arg { value: true, span }), Flavor::CurrentThread | Flavor::Local) => {
            Ok(Some(quote_spanned!(span=> .start_paused(true))))
        }
        (Some(Arg { value: true, span }), Flavor::MultiThread) => {
            Err(syn::Error::new(span, START_PAUSED_MULTI_THREAD))
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::kind::{Dialect, EntryKind};

    /// The runtime expression for `#[<kind>(args)]`, as a string with the
    /// spacing `TokenStream::to_string` gives, and the errors.
    fn expand(kind: EntryKind, args: TokenStream) -> (String, Vec<String>) {
        let mut errors = Errors::default();
        let config = Config::parse(args, Dialect::Weft, &mut errors);
        let entry = Entry {
            kind,
            dialect: Dialect::Weft,
        };
        let runtime = runtime(entry, &config, true, &mut errors);
        (runtime.to_string(), errors.messages())
    }

    /// As `expand`, for a weft built without `rt-multi-thread`.
    fn expand_without_multi_thread(kind: EntryKind, args: TokenStream) -> (String, Vec<String>) {
        let mut errors = Errors::default();
        let config = Config::parse(args, Dialect::Weft, &mut errors);
        let entry = Entry {
            kind,
            dialect: Dialect::Weft,
        };
        let runtime = runtime(entry, &config, false, &mut errors);
        (runtime.to_string(), errors.messages())
    }

    const MULTI_THREAD: &str = ":: weft :: runtime :: Builder :: new_multi_thread ()";
    const CURRENT_THREAD: &str = ":: weft :: runtime :: Builder :: new_current_thread ()";

    #[test]
    fn main_defaults_to_multi_thread() {
        let (runtime, errors) = expand(EntryKind::Main, quote!());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime.starts_with(&format!("{MULTI_THREAD} . enable_all ()")),
            "{runtime}"
        );
    }

    #[test]
    fn test_defaults_to_current_thread() {
        let (runtime, errors) = expand(EntryKind::Test, quote!());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime.starts_with(&format!("{CURRENT_THREAD} . enable_all ()")),
            "{runtime}"
        );
    }

    #[test]
    fn worker_threads_is_passed_to_the_multi_thread_builder() {
        for kind in [EntryKind::Main, EntryKind::Test] {
            let (runtime, errors) =
                expand(kind, quote!(flavor = "multi_thread", worker_threads = 3));
            assert!(errors.is_empty(), "{errors:?}");
            let expected = format!("{MULTI_THREAD} . worker_threads (3) . enable_all ()");
            assert!(runtime.starts_with(&expected), "{runtime}");
        }
        let (runtime, errors) = expand(EntryKind::Main, quote!(worker_threads = 2));
        assert!(errors.is_empty(), "{errors:?}");
        let expected = format!("{MULTI_THREAD} . worker_threads (2) . enable_all ()");
        assert!(runtime.starts_with(&expected), "{runtime}");
    }

    #[test]
    fn worker_threads_needs_multi_thread() {
        let (runtime, errors) = expand(
            EntryKind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
        );
        assert_eq!(
            errors,
            [
                "`worker_threads` requires the `multi_thread` flavor; the `current_thread` \
                 flavor runs everything on the calling thread, so use \
                 `#[weft::main(flavor = \"multi_thread\", worker_threads = 2)]` or remove \
                 `worker_threads`"
            ]
        );
        // The rest of the expansion still builds a runtime.
        assert!(runtime.starts_with(CURRENT_THREAD), "{runtime}");

        let (_, errors) = expand(EntryKind::Test, quote!(worker_threads = 4));
        assert_eq!(
            errors,
            [
                "`worker_threads` requires the `multi_thread` flavor, and `#[weft::test]` \
                 defaults to `current_thread`; use \
                 `#[weft::test(flavor = \"multi_thread\", worker_threads = 4)]`"
            ]
        );
    }

    #[test]
    fn multi_thread_needs_its_feature() {
        let (runtime, errors) = expand_without_multi_thread(EntryKind::Main, quote!());
        assert_eq!(
            errors,
            [
                "the default flavor of `#[weft::main]` is `multi_thread`, which needs weft's \
                 `rt-multi-thread` feature; enable it, or use \
                 `#[weft::main(flavor = \"current_thread\")]`"
            ]
        );
        // The rest of the expansion still builds a runtime.
        assert!(runtime.starts_with(CURRENT_THREAD), "{runtime}");

        let (_, errors) =
            expand_without_multi_thread(EntryKind::Test, quote!(flavor = "multi_thread"));
        assert_eq!(
            errors,
            [
                "the `multi_thread` flavor needs weft's `rt-multi-thread` feature; enable it, \
                 or use `flavor = \"current_thread\"`"
            ]
        );

        // The `current_thread` flavor needs nothing more.
        for (kind, args) in [
            (EntryKind::Main, quote!(flavor = "current_thread")),
            (EntryKind::Test, quote!()),
        ] {
            let (runtime, errors) = expand_without_multi_thread(kind, args);
            assert!(errors.is_empty(), "{errors:?}");
            assert!(runtime.starts_with(CURRENT_THREAD), "{runtime}");
        }
    }

    #[test]
    fn local_flavor_builds_a_local_runtime() {
        for kind in [EntryKind::Main, EntryKind::Test] {
            let (runtime, errors) = expand(kind, quote!(flavor = "local", start_paused = true));
            assert!(errors.is_empty(), "{errors:?}");
            let expected = format!(
                "{CURRENT_THREAD} . start_paused (true) . enable_all () . build_local \
                 (:: weft :: runtime :: LocalOptions :: default ())"
            );
            assert!(runtime.starts_with(&expected), "{runtime}");
        }
        // Without `rt-multi-thread` too: it is a current-thread runtime.
        let (_, errors) = expand_without_multi_thread(EntryKind::Main, quote!(flavor = "local"));
        assert!(errors.is_empty(), "{errors:?}");
        let (_, errors) = expand(
            EntryKind::Main,
            quote!(flavor = "local", worker_threads = 2),
        );
        assert_eq!(
            errors,
            [
                "`worker_threads` requires the `multi_thread` flavor; the `local` flavor runs \
                 everything on the calling thread, so use \
                 `#[weft::main(flavor = \"multi_thread\", worker_threads = 2)]` or remove \
                 `worker_threads`"
            ]
        );
    }

    #[test]
    fn name_is_passed_to_the_builder() {
        let (runtime, errors) = expand(
            EntryKind::Main,
            quote!(name = "svc", flavor = "current_thread"),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime.starts_with(&format!(
                "{CURRENT_THREAD} . name (\"svc\") . enable_all ()"
            )),
            "{runtime}"
        );
        let (_, errors) = expand(EntryKind::Test, quote!(name = "  "));
        assert_eq!(errors, ["runtime name shouldn't be empty"]);
        let (_, errors) = expand(EntryKind::Test, quote!(name = 3));
        assert_eq!(
            errors,
            ["`name` expects a string literal, as in `name = \"my-runtime\"`"]
        );
    }

    #[test]
    fn an_unknown_flavor_is_the_only_error() {
        let (runtime, errors) = expand(
            EntryKind::Test,
            quote!(flavor = "multi_threaded", worker_threads = 2),
        );
        assert_eq!(
            errors,
            [
                "unknown runtime flavor `multi_threaded`; expected `\"current_thread\"`, \
                 `\"multi_thread\"` or `\"local\"`"
            ]
        );
        assert!(runtime.starts_with(CURRENT_THREAD), "{runtime}");
    }

    /// As `expand`, for the attributes of the tokio drop-in.
    fn expand_tokio(
        kind: EntryKind,
        args: TokenStream,
        multi_thread: bool,
    ) -> (String, Vec<String>) {
        let mut errors = Errors::default();
        let config = Config::parse(args, Dialect::Tokio, &mut errors);
        let entry = Entry {
            kind,
            dialect: Dialect::Tokio,
        };
        let runtime = runtime(entry, &config, multi_thread, &mut errors);
        (runtime.to_string(), errors.messages())
    }

    #[test]
    fn tokio_attributes_name_the_runtime_tokio() {
        let (runtime, errors) = expand_tokio(EntryKind::Main, quote!(), true);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime
                .starts_with("tokio :: runtime :: Builder :: new_multi_thread () . enable_all ()"),
            "{runtime}"
        );
        let (runtime, errors) = expand_tokio(EntryKind::Test, quote!(flavor = "local"), true);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime.starts_with(
                "tokio :: runtime :: Builder :: new_current_thread () . enable_all () . \
                 build_local (tokio :: runtime :: LocalOptions :: default ())"
            ),
            "{runtime}"
        );
        // `crate = "..."` replaces the default path, as with weft.
        let (runtime, errors) = expand_tokio(EntryKind::Test, quote!(crate = "::dep::tokio"), true);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            runtime.starts_with(":: dep :: tokio :: runtime :: Builder :: new_current_thread ()"),
            "{runtime}"
        );
    }

    #[test]
    fn tokio_messages_name_tokio() {
        let (_, errors) = expand_tokio(EntryKind::Main, quote!(), false);
        assert_eq!(
            errors,
            [
                "the default flavor of `#[tokio::main]` is `multi_thread`, which needs tokio's \
                 `rt-multi-thread` feature; enable it, or use \
                 `#[tokio::main(flavor = \"current_thread\")]`"
            ]
        );
        let (_, errors) = expand_tokio(EntryKind::Test, quote!(worker_threads = 4), true);
        assert_eq!(
            errors,
            [
                "`worker_threads` requires the `multi_thread` flavor, and `#[tokio::test]` \
                 defaults to `current_thread`; use \
                 `#[tokio::test(flavor = \"multi_thread\", worker_threads = 4)]`"
            ]
        );
    }
}
