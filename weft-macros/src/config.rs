//! Parsing and checking the attribute's arguments, as in
//! `#[weft::main(flavor = "current_thread", start_paused = false, crate = "my::weft")]`.
//!
//! This file only checks that each argument is known, given once, and has a
//! value of the right kind. Whether a combination is supported
//! (`worker_threads` on one thread, a feature weft does not have yet) is
//! decided in `builder.rs`, next to the code it generates.
//!
//! Every problem is reported at the token that caused it (the key or the
//! literal) and parsing carries on, so one build shows all of them.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, Meta, Token};

use crate::errors::Errors;
use crate::flavor::Flavor;
use crate::kind::Dialect;

/// The arguments, once parsed. A field is `None` when the argument was not
/// given, or was given with a value that could not be understood (that
/// problem has been recorded in the `Errors`).
#[derive(Default)]
pub(crate) struct Config {
    /// `flavor = "current_thread" | "multi_thread" | "local"`.
    pub(crate) flavor: Option<Arg<Flavor>>,
    /// Whether `flavor` was given with a value that could not be
    /// understood, so that `builder.rs` does not check the other arguments
    /// against the default flavor, which the user did not ask for.
    pub(crate) flavor_unreadable: bool,
    /// `worker_threads = N`, with `N >= 1`.
    pub(crate) worker_threads: Option<Arg<usize>>,
    /// `start_paused = true | false`.
    pub(crate) start_paused: Option<Arg<bool>>,
    /// `name = "..."`: the runtime's name (`Builder::name`).
    pub(crate) name: Option<syn::LitStr>,
    /// `crate = "path"`: where the `weft` crate is, for re-exports. Its
    /// tokens carry the string literal's span.
    pub(crate) crate_path: Option<syn::Path>,
}

/// A parsed argument value and the span of the literal it came from, so
/// that later errors about the value can point at it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arg<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

impl Config {
    /// Parses the attribute's arguments (the tokens between its
    /// parentheses), recording every problem in `errors`. `dialect` names
    /// the crate in messages.
    pub(crate) fn parse(args: TokenStream, dialect: Dialect, errors: &mut Errors) -> Config {
        let mut config = Config::default();
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(error) => {
                errors.push(error);
                return config;
            }
        };
        let mut seen = Vec::new();
        for meta in &metas {
            if let Err(error) = config.apply(meta, dialect, &mut seen) {
                errors.push(error);
            }
        }
        config
    }

    /// Checks one `key = value` argument and stores its value.
    fn apply(&mut self, meta: &Meta, dialect: Dialect, seen: &mut Vec<Key>) -> syn::Result<()> {
        let path = meta.path();
        if path.is_ident("unhandled_panic") {
            return Err(syn::Error::new_spanned(path, UNHANDLED_PANIC));
        }
        let key = path
            .get_ident()
            .and_then(Key::from_ident)
            .ok_or_else(|| unknown_argument(path))?;
        if seen.contains(&key) {
            let message = format!("`{}` is given more than once", key.name());
            return Err(syn::Error::new_spanned(path, message));
        }
        seen.push(key);
        let Meta::NameValue(name_value) = meta else {
            let message = format!("`{}` needs a value, as in `{}`", key.name(), key.example());
            return Err(syn::Error::new_spanned(meta, message));
        };
        let value = &name_value.value;
        match key {
            Key::Flavor => {
                let flavor = parse_flavor(value);
                self.flavor_unreadable = flavor.is_err();
                self.flavor = Some(flavor?);
            }
            Key::WorkerThreads => self.worker_threads = Some(parse_worker_threads(value)?),
            Key::StartPaused => self.start_paused = Some(parse_start_paused(value)?),
            Key::Name => self.name = Some(parse_name(value)?),
            Key::Crate => self.crate_path = Some(parse_crate_path(value, dialect)?),
        }
        Ok(())
    }
}

/// The argument names the attributes accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Flavor,
    WorkerThreads,
    StartPaused,
    Name,
    Crate,
}

impl Key {
    const ALL: [Key; 5] = [
        Key::Flavor,
        Key::WorkerThreads,
        Key::StartPaused,
        Key::Name,
        Key::Crate,
    ];

    fn from_ident(ident: &Ident) -> Option<Key> {
        Key::ALL.into_iter().find(|key| ident == key.name())
    }

    fn name(self) -> &'static str {
        match self {
            Key::Flavor => "flavor",
            Key::WorkerThreads => "worker_threads",
            Key::StartPaused => "start_paused",
            Key::Name => "name",
            Key::Crate => "crate",
        }
    }

    /// A correct use, shown when the key is given without a value.
    fn example(self) -> &'static str {
        match self {
            Key::Flavor => "flavor = \"current_thread\"",
            Key::WorkerThreads => "worker_threads = 4",
            Key::StartPaused => "start_paused = false",
            Key::Name => "name = \"my-runtime\"",
            Key::Crate => "crate = \"my_reexport::weft\"",
        }
    }
}

/// The error for tokio's `unhandled_panic` argument. tokio's attribute
/// accepts it, but the `Builder::unhandled_panic` call it generates exists
/// only in a tokio built with `--cfg tokio_unstable`.
const UNHANDLED_PANIC: &str = "`unhandled_panic` is not supported: it is an unstable tokio \
     option (it needs `--cfg tokio_unstable`), and weft does not follow tokio's unstable API; \
     a panicking task is reported to whoever awaits its `JoinHandle`";

/// The error for a key that is not one of [`Key::ALL`], at that key.
fn unknown_argument(path: &syn::Path) -> syn::Error {
    let expected = Key::ALL.map(|key| format!("`{}`", key.name())).join(", ");
    let shown = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    let mut message = format!("unknown argument `{shown}`; expected one of: {expected}");
    // tokio 0.2 spelled the flavor as a bare word; point those users at
    // today's spelling.
    if path
        .get_ident()
        .is_some_and(|ident| Flavor::from_name(&ident.to_string()).is_some())
    {
        message.push_str(&format!(
            " (to choose the runtime flavor, write `flavor = \"{shown}\"`)"
        ));
    }
    syn::Error::new_spanned(path, message)
}

/// The literal an argument's value is, looking through the invisible
/// groups `macro_rules!` puts around `$x:literal` fragments.
fn literal(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(expr) if expr.attrs.is_empty() => Some(&expr.lit),
        Expr::Group(group) if group.attrs.is_empty() => literal(&group.expr),
        _ => None,
    }
}

fn parse_flavor(value: &Expr) -> syn::Result<Arg<Flavor>> {
    let Some(Lit::Str(lit)) = literal(value) else {
        let message = format!("`flavor` expects a string literal: {}", Flavor::EXPECTED);
        return Err(syn::Error::new_spanned(value, message));
    };
    let name = lit.value();
    let flavor = Flavor::from_name(&name).ok_or_else(|| {
        let message = format!(
            "unknown runtime flavor `{name}`; expected {}",
            Flavor::EXPECTED
        );
        syn::Error::new(lit.span(), message)
    })?;
    Ok(Arg {
        value: flavor,
        span: lit.span(),
    })
}

fn parse_worker_threads(value: &Expr) -> syn::Result<Arg<usize>> {
    let Some(Lit::Int(lit)) = literal(value) else {
        let message =
            "`worker_threads` expects an integer literal of at least 1, as in `worker_threads = 4`";
        return Err(syn::Error::new_spanned(value, message));
    };
    let count = lit.base10_parse::<usize>().map_err(|error| {
        let message = format!("`worker_threads` is not a valid number of threads: {error}");
        syn::Error::new(lit.span(), message)
    })?;
    if count == 0 {
        return Err(syn::Error::new(
            lit.span(),
            "`worker_threads` must be at least 1",
        ));
    }
    Ok(Arg {
        value: count,
        span: lit.span(),
    })
}

fn parse_start_paused(value: &Expr) -> syn::Result<Arg<bool>> {
    let Some(Lit::Bool(lit)) = literal(value) else {
        return Err(syn::Error::new_spanned(
            value,
            "`start_paused` expects `true` or `false`",
        ));
    };
    Ok(Arg {
        value: lit.value,
        span: lit.span,
    })
}

fn parse_name(value: &Expr) -> syn::Result<syn::LitStr> {
    let Some(Lit::Str(lit)) = literal(value) else {
        return Err(syn::Error::new_spanned(
            value,
            "`name` expects a string literal, as in `name = \"my-runtime\"`",
        ));
    };
    // `Builder::name` would panic at run time; say so at compile time.
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            "runtime name shouldn't be empty",
        ));
    }
    Ok(lit.clone())
}

fn parse_crate_path(value: &Expr, dialect: Dialect) -> syn::Result<syn::Path> {
    let krate = dialect.crate_name();
    let example = format!("as in `crate = \"my_reexport::{krate}\"`");
    let Some(Lit::Str(lit)) = literal(value) else {
        let message = format!("`crate` expects a string literal holding a path, {example}");
        return Err(syn::Error::new_spanned(value, message));
    };
    // The parsed path's tokens take the literal's span, so a path that does
    // not resolve is reported at the string the user wrote.
    lit.parse_with(syn::Path::parse_mod_style).map_err(|_| {
        let message = format!("`crate` must be a path to the {krate} crate, {example}");
        syn::Error::new(lit.span(), message)
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse(args: TokenStream) -> (Config, Vec<String>) {
        let mut errors = Errors::default();
        let config = Config::parse(args, Dialect::Weft, &mut errors);
        (config, errors.messages())
    }

    #[test]
    fn no_arguments_is_all_defaults() {
        let (config, errors) = parse(quote!());
        assert!(errors.is_empty());
        assert!(config.flavor.is_none());
        assert!(!config.flavor_unreadable);
        assert!(config.worker_threads.is_none());
        assert!(config.start_paused.is_none());
        assert!(config.crate_path.is_none());
    }

    #[test]
    fn every_argument_is_read() {
        let (config, errors) = parse(quote!(
            flavor = "multi_thread",
            worker_threads = 3,
            start_paused = true,
            crate = "::my::weft",
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            config.flavor.map(|arg| arg.value),
            Some(Flavor::MultiThread)
        );
        assert_eq!(config.worker_threads.map(|arg| arg.value), Some(3));
        assert_eq!(config.start_paused.map(|arg| arg.value), Some(true));
        let path = config.crate_path.map(|path| quote!(#path).to_string());
        assert_eq!(path.as_deref(), Some(":: my :: weft"));
    }

    #[test]
    fn every_bad_argument_is_reported() {
        let (config, errors) = parse(quote!(
            flavor = "fast",
            worker_threads = 0,
            start_paused = 1,
            crate = "not a path",
            retries = 3,
            flavor = "current_thread",
        ));
        assert_eq!(
            errors,
            [
                "unknown runtime flavor `fast`; expected `\"current_thread\"`, `\"multi_thread\"` or \
                 `\"local\"`",
                "`worker_threads` must be at least 1",
                "`start_paused` expects `true` or `false`",
                "`crate` must be a path to the weft crate, as in `crate = \"my_reexport::weft\"`",
                "unknown argument `retries`; expected one of: `flavor`, `worker_threads`, \
                 `start_paused`, `name`, `crate`",
                "`flavor` is given more than once",
            ]
        );
        assert!(config.flavor.is_none());
        assert!(config.flavor_unreadable);
    }

    #[test]
    fn values_from_macro_rules_fragments_are_literals() {
        // `$flavor:literal` reaches the attribute inside an invisible group.
        let group = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!("current_thread"));
        let (config, errors) = parse(quote!(flavor = #group));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            config.flavor.map(|arg| arg.value),
            Some(Flavor::CurrentThread)
        );
    }

    #[test]
    fn unhandled_panic_is_refused_with_the_reason() {
        let (_, errors) = parse(quote!(
            flavor = "current_thread",
            unhandled_panic = "ignore"
        ));
        assert_eq!(errors, [UNHANDLED_PANIC]);
    }

    #[test]
    fn tokio_messages_name_tokio() {
        let mut errors = Errors::default();
        Config::parse(quote!(crate = "not a path"), Dialect::Tokio, &mut errors);
        assert_eq!(
            errors.messages(),
            ["`crate` must be a path to the tokio crate, as in `crate = \"my_reexport::tokio\"`"]
        );
    }
}
