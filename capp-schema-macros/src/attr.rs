//! Parses the arguments of `#[migration(...)]` and `#[downgrade(...)]` into typed trees that keep
//! the original literals for spans.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr, Path};

use crate::ctxt::Ctxt;
use crate::revision::RevId;

/// What a migration revises: the base (an empty database) or an earlier revision.
pub(crate) enum DownRev {
    /// `down_rev = None`; the tokens are kept for spans.
    Base(Path),
    Rev(RevId),
}

pub(crate) struct MigrationArgs {
    pub(crate) rev: RevId,
    pub(crate) down_rev: DownRev,
    pub(crate) message: LitStr,
    pub(crate) transactional: bool,
    pub(crate) irreversible: Option<LitStr>,
    pub(crate) chain: Path,
}

/// What could be parsed of a `#[migration]` attribute, for the fallback expansion: with a valid
/// revision, the fallback still declares it so that one mistake does not cascade into "missing
/// parent" errors on the migrations after it.
pub(crate) struct Partial {
    pub(crate) rev: Option<RevId>,
    pub(crate) chain: Path,
}

pub(crate) struct DowngradeArgs {
    pub(crate) rev: RevId,
    pub(crate) chain: Path,
}

const MIGRATION_KEYS: &str =
    "`rev`, `down_rev`, `message`, `transactional`, `irreversible`, `chain`";
const DOWNGRADE_KEYS: &str = "`rev`, `chain`";

/// Remembers which keys were seen, to report repeated ones.
struct Seen(Vec<String>);

impl Seen {
    fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|k| k == key)
    }

    fn first_time(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        if self.0.iter().any(|k| k == key) {
            cx.error_spanned_by(
                &meta.path,
                format!("`{key}` is given twice; each key may appear once"),
            );
            false
        } else {
            self.0.push(key.to_owned());
            true
        }
    }
}

fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    path.get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""))
}

fn lit_str(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    let expr: Expr = meta.value()?.parse()?;
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

fn lit_bool(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<LitBool> {
    let expr: Expr = meta.value()?.parse()?;
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

fn down_rev(meta: &ParseNestedMeta<'_>) -> syn::Result<DownRev> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => RevId::parse(s).map(DownRev::Rev),
        Expr::Path(p) if p.qself.is_none() && p.path.is_ident("None") => Ok(DownRev::Base(p.path)),
        other => Err(syn::Error::new_spanned(
            other,
            "expected `down_rev = \"NNNN\"` (the revision this migration follows) or `down_rev = None` (the first migration)",
        )),
    }
}

/// Skips the value of a key that could not be used, so parsing can go on to the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(syn::Token![=]) {
        if let Ok(value) = meta.value() {
            let _ = value.parse::<Expr>();
        }
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|_| Ok(()));
    }
}

/// `crate::Migrations`: the marker type declared with `#[derive(Chain)]` at the crate root.
fn default_chain() -> Path {
    syn::parse_quote!(crate::Migrations)
}

pub(crate) fn parse_migration(cx: &mut Ctxt, args: TokenStream) -> Result<MigrationArgs, Partial> {
    let mut seen = Seen(Vec::new());
    let (mut rev, mut down, mut message, mut transactional, mut irreversible, mut chain) =
        (None, None, None, None, None, None);
    let parser = syn::meta::parser(|meta| {
        let key = key_of(&meta);
        let result = match key.as_str() {
            "rev" | "down_rev" | "message" | "transactional" | "irreversible" | "chain"
                if !seen.first_time(cx, &meta, &key) =>
            {
                skip_value(&meta);
                return Ok(());
            }
            "rev" => lit_str(&meta, "rev", "\"0002\"").and_then(RevId::parse).map(|r| rev = Some(r)),
            "down_rev" => down_rev(&meta).map(|d| down = Some(d)),
            "message" => lit_str(&meta, "message", "\"add kyc_verified_at timestamp to users\"")
                .map(|m| message = Some(m)),
            "transactional" => lit_bool(&meta, "transactional").map(|b| transactional = Some(b)),
            "irreversible" => lit_str(&meta, "irreversible", "\"why it cannot be undone\"").and_then(|r| {
                if r.value().trim().is_empty() {
                    Err(syn::Error::new_spanned(&r, "`irreversible` needs a reason: `irreversible = \"why it cannot be undone\"`"))
                } else {
                    irreversible = Some(r);
                    Ok(())
                }
            }),
            "chain" => meta.value().and_then(|v| v.parse::<Path>()).map(|p| chain = Some(p)),
            _ => {
                cx.error_spanned_by(&meta.path, format!("unknown key `{key}`; expected one of {MIGRATION_KEYS}"));
                skip_value(&meta);
                return Ok(());
            }
        };
        if let Err(e) = result {
            cx.push(e);
            skip_value(&meta);
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.push(e);
    }
    let call_site = Span::call_site();
    if !seen.contains("rev") {
        cx.push(syn::Error::new(call_site, "missing `rev`: write `#[migration(rev = \"0002\", down_rev = \"0001\", message = \"...\")]`"));
    }
    if !seen.contains("down_rev") {
        cx.push(syn::Error::new(
            call_site,
            "missing `down_rev`: write `down_rev = \"NNNN\"` (the revision this migration follows) or `down_rev = None` for the first migration",
        ));
    }
    if !seen.contains("message") {
        cx.push(syn::Error::new(call_site, "missing `message`: say what the migration does, e.g. `message = \"add kyc_verified_at timestamp to users\"`"));
    }
    let chain = chain.unwrap_or_else(default_chain);
    let (rev, down_rev, message) = match (rev, down, message) {
        (Some(rev), Some(down), Some(message)) => (rev, down, message),
        (rev, _, _) => return Err(Partial { rev, chain }),
    };
    if let DownRev::Rev(parent) = &down_rev {
        if parent.value == rev.value {
            cx.error_spanned_by(
                &parent.lit,
                format!(
                    "a migration cannot revise itself: `down_rev` must name the revision before {}",
                    rev.text
                ),
            );
        } else if parent.value > rev.value {
            cx.error_spanned_by(
                &parent.lit,
                format!(
                    "`down_rev` must be older than `rev`: {} cannot follow {}; give this migration a revision after {}",
                    rev.text, parent.text, parent.text
                ),
            );
        }
    }
    Ok(MigrationArgs {
        rev,
        down_rev,
        message,
        transactional: transactional.is_none_or(|b: LitBool| b.value),
        irreversible,
        chain,
    })
}

pub(crate) fn parse_downgrade(cx: &mut Ctxt, args: TokenStream) -> Option<DowngradeArgs> {
    let mut seen = Seen(Vec::new());
    let (mut rev, mut chain) = (None, None);
    let parser = syn::meta::parser(|meta| {
        let key = key_of(&meta);
        let result = match key.as_str() {
            "rev" | "chain" if !seen.first_time(cx, &meta, &key) => {
                skip_value(&meta);
                return Ok(());
            }
            "rev" => lit_str(&meta, "rev", "\"0002\"")
                .and_then(RevId::parse)
                .map(|r| rev = Some(r)),
            "chain" => meta
                .value()
                .and_then(|v| v.parse::<Path>())
                .map(|p| chain = Some(p)),
            "down_rev" | "message" | "transactional" | "irreversible" => {
                cx.error_spanned_by(
                    &meta.path,
                    format!("`{key}` belongs on the `#[migration]` attribute; a downgrade takes only {DOWNGRADE_KEYS}"),
                );
                skip_value(&meta);
                return Ok(());
            }
            _ => {
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown key `{key}`; expected one of {DOWNGRADE_KEYS}"),
                );
                skip_value(&meta);
                return Ok(());
            }
        };
        if let Err(e) = result {
            cx.push(e);
            skip_value(&meta);
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.push(e);
        return None;
    }
    if !seen.contains("rev") {
        cx.push(syn::Error::new(
            Span::call_site(),
            "missing `rev`: write `#[downgrade(rev = \"0002\")]` with the revision of the migration this undoes",
        ));
    }
    Some(DowngradeArgs {
        rev: rev?,
        chain: chain.unwrap_or_else(default_chain),
    })
}
