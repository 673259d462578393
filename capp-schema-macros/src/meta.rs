//! Reading `#[name(key = value, ...)]` lists, for every attribute of every macro.
//!
//! Each key is read into an [`Attr`], the one place where a repeated key is rejected (serde's
//! `Attr::set` in `internals/attr.rs`). A bad value is reported and skipped, so the keys after it
//! are still read and all the mistakes of an attribute are reported at once.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr};

use crate::ctxt::Ctxt;

/// One key of an attribute: given at most once.
pub(crate) struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: &'static str,
    given: bool,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    pub(crate) fn none(cx: &'c Ctxt, name: &'static str) -> Self {
        Attr {
            cx,
            name,
            given: false,
            value: None,
        }
    }

    /// Reads the key's value at `meta` with `read`. A second occurrence of the key is reported on
    /// itself and its value skipped; so is a value that `read` rejects.
    pub(crate) fn read(
        &mut self,
        meta: &ParseNestedMeta<'_>,
        read: impl FnOnce(&ParseNestedMeta<'_>) -> syn::Result<T>,
    ) {
        if self.given {
            self.cx.error_spanned_by(
                &meta.path,
                format!("duplicate `{}` key; give each key once", self.name),
            );
            skip_value(meta);
            return;
        }
        self.given = true;
        match read(meta) {
            Ok(value) => self.value = Some(value),
            Err(error) => {
                self.cx.push(error);
                skip_value(meta);
            }
        }
    }

    /// Whether the key was written, even with a value that was rejected.
    pub(crate) fn given(&self) -> bool {
        self.given
    }

    pub(crate) fn get(self) -> Option<T> {
        self.value
    }
}

/// A key without a value, such as `primary_key`: given at most once.
pub(crate) struct Flag<'c>(Attr<'c, ()>);

impl<'c> Flag<'c> {
    pub(crate) fn none(cx: &'c Ctxt, name: &'static str) -> Self {
        Flag(Attr::none(cx, name))
    }

    pub(crate) fn set(&mut self, meta: &ParseNestedMeta<'_>) {
        self.0.read(meta, |_| Ok(()));
    }

    pub(crate) fn get(self) -> bool {
        self.0.given
    }
}

/// Reads the arguments of an attribute macro (`#[migration(...)]`) key by key.
pub(crate) fn parse_args(cx: &Ctxt, args: TokenStream, mut key: impl FnMut(&ParseNestedMeta<'_>)) {
    let parser = syn::meta::parser(|meta| {
        key(&meta);
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.push(error);
    }
}

/// Reads one helper attribute of a derive (`#[column(...)]`) key by key.
pub(crate) fn parse_attr(
    cx: &Ctxt,
    attr: &syn::Attribute,
    mut key: impl FnMut(&ParseNestedMeta<'_>),
) {
    let result = attr.parse_nested_meta(|meta| {
        key(&meta);
        Ok(())
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// Reads the list of a key such as `check(name = "...", expr = "...")` key by key.
pub(crate) fn parse_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    mut key: impl FnMut(&ParseNestedMeta<'_>),
) {
    let result = meta.parse_nested_meta(|meta| {
        key(&meta);
        Ok(())
    });
    if let Err(error) = result {
        cx.push(error);
    }
}

/// The key as written: `rev`, or `a::b` for a path.
pub(crate) fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    path.get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""))
}

/// Reports a key the attribute does not take, and skips its value.
pub(crate) fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>, expected: &str) {
    cx.error_spanned_by(
        &meta.path,
        format!("unknown key `{}`; expected one of {expected}", key_of(meta)),
    );
    skip_value(meta);
}

/// An expression without the invisible groups a `macro_rules!` fragment (`$rev:literal`) wraps
/// it in.
pub(crate) fn ungrouped(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungrouped(*group.expr),
        other => other,
    }
}

/// `key = "..."`; `example` is a value shown in the error.
pub(crate) fn lit_str(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    let expr: Expr = ungrouped(meta.value()?.parse()?);
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a string literal: `{key} = {example}`"),
        )),
    }
}

/// `key = true` or `key = false`.
pub(crate) fn lit_bool(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<LitBool> {
    let expr: Expr = ungrouped(meta.value()?.parse()?);
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected `{key} = false` or `{key} = true`"),
        )),
    }
}

/// `key = 255`; `example` is a value shown in the error.
pub(crate) fn lit_int<T>(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<T>
where
    T: std::str::FromStr<Err: std::fmt::Display>,
{
    let expr: Expr = ungrouped(meta.value()?.parse()?);
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse(),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected an integer: `{key} = {example}`"),
        )),
    }
}

/// Skips the value of a key that could not be used, so parsing can go on to the next key.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(syn::Token![=]) {
        if let Ok(value) = meta.value() {
            let _ = value.parse::<Expr>();
        }
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|_| Ok(()));
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::LitStr;

    use super::{Attr, Flag, lit_str, parse_args, unknown_key};
    use crate::ctxt::Ctxt;

    #[test]
    fn a_repeated_key_is_reported_once_and_the_first_value_kept() {
        let cx = Ctxt::new();
        let mut name = Attr::<LitStr>::none(&cx, "name");
        let mut skip = Flag::none(&cx, "skip");
        let args = quote!(name = "a", skip, name = "b", skip, name = 3, other = 1);
        parse_args(&cx, args, |meta| {
            if meta.path.is_ident("name") {
                name.read(meta, |m| lit_str(m, "name", "\"a\""));
            } else if meta.path.is_ident("skip") {
                skip.set(meta);
            } else {
                unknown_key(&cx, meta, "`name`, `skip`");
            }
        });
        assert_eq!(name.get().map(|l| l.value()).as_deref(), Some("a"));
        assert!(skip.get());
        assert_eq!(
            cx.messages(),
            [
                "duplicate `name` key; give each key once",
                "duplicate `skip` key; give each key once",
                "duplicate `name` key; give each key once",
                "unknown key `other`; expected one of `name`, `skip`",
            ]
        );
    }

    #[test]
    fn a_bad_value_is_reported_and_the_next_keys_still_read() {
        let cx = Ctxt::new();
        let mut name = Attr::<LitStr>::none(&cx, "name");
        let mut expr = Attr::<LitStr>::none(&cx, "expr");
        parse_args(&cx, quote!(name = 1, expr = "x"), |meta| {
            if meta.path.is_ident("name") {
                name.read(meta, |m| lit_str(m, "name", "\"a\""));
            } else {
                expr.read(meta, |m| lit_str(m, "expr", "\"x\""));
            }
        });
        assert!(name.given());
        assert!(name.get().is_none());
        assert_eq!(expr.get().map(|l| l.value()).as_deref(), Some("x"));
        assert_eq!(cx.messages(), ["expected a string literal: `name = \"a\"`"]);
    }
}
