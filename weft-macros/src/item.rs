//! The function an attribute is applied to, and the checks on its shape.
//!
//! Only the attributes and the signature are parsed into a syntax tree. The
//! body is kept as raw tokens: a syntax error inside it is then reported by
//! rustc, at its true position, after expansion, and the macro does not pay
//! for parsing a large body it only moves.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{braced, token, Attribute, Meta, Signature, Token, Visibility};

use crate::errors::Errors;
use crate::kind::{Dialect, Entry, EntryKind};

/// `#[attrs] vis async fn name() -> Output { #![inner_attrs] stmts }`.
pub(crate) struct AsyncFn {
    /// The outer attributes left after ours (`#[weft::main]` itself is not
    /// among them).
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

/// A function body, unparsed except for its inner attributes.
pub(crate) struct Body {
    /// The braces, kept for their span.
    pub(crate) brace: token::Brace,
    /// `#![...]` attributes at the top of the body. They apply to the
    /// function, so they stay on the generated function rather than moving
    /// into the `async` block with the statements.
    pub(crate) inner_attrs: Vec<Attribute>,
    pub(crate) stmts: TokenStream,
}

impl Parse for AsyncFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<AsyncFn> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let starts_fn = input.peek(Token![fn])
            || input.peek(Token![async])
            || input.peek(Token![const])
            || input.peek(Token![unsafe])
            || input.peek(Token![extern]);
        if !starts_fn {
            return Err(
                input.error("expected an `async fn`; this attribute only applies to functions")
            );
        }
        let sig = input.parse()?;
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let stmts = content.parse()?;
        Ok(AsyncFn {
            attrs,
            vis,
            sig,
            body: Body {
                brace,
                inner_attrs,
                stmts,
            },
        })
    }
}

impl AsyncFn {
    /// Records in `errors` every reason the function cannot be expanded as
    /// `entry`, each at the offending tokens. Returns whether there was none.
    ///
    /// `#[tokio::main]` accepts two shapes `#[weft::main]` rejects, because
    /// tokio's attribute accepts them and code written for tokio uses them:
    /// parameters on a function not named `main` (a helper that blocks,
    /// `#[tokio::main] async fn run(config: Config)`), and generic
    /// parameters or a `where` clause. The body is an `async` block in the
    /// generated function, so it borrows the parameters like any closure.
    pub(crate) fn check(&self, entry: Entry, errors: &mut Errors) -> bool {
        let problems = self.problems(entry);
        let ok = problems.is_empty();
        for problem in problems {
            errors.push(problem);
        }
        ok
    }

    fn problems(&self, entry: Entry) -> Vec<syn::Error> {
        let mut problems = Vec::new();
        let sig = &self.sig;
        let tokio_main = entry.kind == EntryKind::Main && entry.dialect == Dialect::Tokio;
        if sig.asyncness.is_none() {
            problems.push(syn::Error::new_spanned(
                sig.fn_token,
                "the `async` keyword is missing from the function declaration",
            ));
        }
        let has_parameters = !sig.inputs.is_empty() || sig.variadic.is_some();
        if has_parameters && tokio_main && sig.ident == "main" {
            problems.push(syn::Error::new_spanned(
                &sig.ident,
                "the main function cannot accept arguments",
            ));
        } else if has_parameters && !tokio_main {
            let message = format!("a `{}` function cannot take parameters", entry.attribute());
            problems.push(match &sig.variadic {
                Some(variadic) if sig.inputs.is_empty() => {
                    syn::Error::new_spanned(variadic, message)
                }
                _ => syn::Error::new_spanned(&sig.inputs, message),
            });
        }
        if tokio_main {
            // Generics are fine too (see above).
        } else if !sig.generics.params.is_empty() {
            let message = format!("a `{}` function cannot be generic", entry.attribute());
            problems.push(syn::Error::new_spanned(&sig.generics, message));
        } else if let Some(where_clause) = &sig.generics.where_clause {
            let message = format!(
                "a `{}` function cannot have a `where` clause",
                entry.attribute()
            );
            problems.push(syn::Error::new_spanned(where_clause, message));
        }
        if entry.kind == EntryKind::Test {
            for attr in self.attrs.iter().filter(|attr| is_test_attribute(attr)) {
                let message = format!(
                    "redundant test attribute: `{}` already marks the function as a test; \
                     remove this one",
                    entry.attribute(),
                );
                problems.push(syn::Error::new_spanned(attr, message));
            }
        }
        problems
    }
}

/// Whether `attr` is the built-in `#[test]`, under any of its paths:
/// `test`, `core::prelude::v1::test`, `::std::prelude::rust_2021::test`...
fn is_test_attribute(attr: &Attribute) -> bool {
    let Meta::Path(path) = &attr.meta else {
        return false;
    };
    if path
        .segments
        .iter()
        .any(|segment| !segment.arguments.is_none())
    {
        return false;
    }
    let names: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match names.as_slice() {
        [test] => path.leading_colon.is_none() && test == "test",
        [krate, prelude, _edition, test] => {
            (krate == "core" || krate == "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn recognises_the_builtin_test_attribute_under_its_paths() {
        let tests: [Attribute; 4] = [
            parse_quote!(#[test]),
            parse_quote!(#[core::prelude::v1::test]),
            parse_quote!(#[::std::prelude::rust_2021::test]),
            parse_quote!(#[::core::prelude::rust_2024::test]),
        ];
        assert!(tests.iter().all(is_test_attribute));

        let others: [Attribute; 5] = [
            parse_quote!(#[weft::test]),
            parse_quote!(#[::test]),
            parse_quote!(#[test = "x"]),
            parse_quote!(#[test(x)]),
            parse_quote!(#[my::prelude::v1::test]),
        ];
        assert!(!others.iter().any(is_test_attribute));
    }

    #[test]
    fn keeps_inner_attributes_apart_from_the_statements() {
        let function: AsyncFn = parse_quote! {
            async fn main() {
                #![allow(unused)]
                let x = 1;
            }
        };
        assert_eq!(function.body.inner_attrs.len(), 1);
        assert_eq!(function.body.stmts.to_string(), "let x = 1 ;");
    }

    fn problems_of(function: &AsyncFn, kind: EntryKind, dialect: Dialect) -> Vec<String> {
        let entry = Entry { kind, dialect };
        function
            .problems(entry)
            .into_iter()
            .map(|error| error.to_string())
            .collect()
    }

    #[test]
    fn tokio_main_accepts_parameters_and_generics_except_on_main() {
        let helper: AsyncFn = parse_quote! {
            async fn run<T: Into<u32>>(value: T) -> u32 where T: Copy { value.into() }
        };
        assert!(problems_of(&helper, EntryKind::Main, Dialect::Tokio).is_empty());
        assert_eq!(
            problems_of(&helper, EntryKind::Main, Dialect::Weft),
            [
                "a `#[weft::main]` function cannot take parameters",
                "a `#[weft::main]` function cannot be generic",
            ]
        );
        // Tests run without arguments, whatever the dialect.
        assert_eq!(
            problems_of(&helper, EntryKind::Test, Dialect::Tokio),
            [
                "a `#[tokio::test]` function cannot take parameters",
                "a `#[tokio::test]` function cannot be generic",
            ]
        );
        let main: AsyncFn = parse_quote! {
            async fn main(args: Vec<String>) {}
        };
        assert_eq!(
            problems_of(&main, EntryKind::Main, Dialect::Tokio),
            ["the main function cannot accept arguments"]
        );
    }
}
