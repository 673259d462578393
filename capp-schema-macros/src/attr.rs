//! Parses the arguments of `#[migration(...)]` and `#[downgrade(...)]` into typed trees that keep
//! the original literals for spans.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr, Path};

use crate::ctxt::Ctxt;
use crate::meta::{self, Attr};
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

fn rev(meta: &ParseNestedMeta<'_>) -> syn::Result<RevId> {
    meta::lit_str(meta, "rev", "\"0002\"").and_then(RevId::parse)
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

fn irreversible(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let reason = meta::lit_str(meta, "irreversible", "\"why it cannot be undone\"")?;
    if reason.value().trim().is_empty() {
        return Err(syn::Error::new_spanned(
            &reason,
            "`irreversible` needs a reason: `irreversible = \"why it cannot be undone\"`",
        ));
    }
    Ok(reason)
}

fn chain(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    meta.value()?.parse()
}

/// `crate::Migrations`: the marker type declared with `#[derive(Chain)]` at the crate root.
fn default_chain() -> Path {
    syn::parse_quote!(crate::Migrations)
}

/// The keys of `#[migration(...)]`, as read.
struct MigrationKeys<'c> {
    rev: Attr<'c, RevId>,
    down_rev: Attr<'c, DownRev>,
    message: Attr<'c, LitStr>,
    transactional: Attr<'c, LitBool>,
    irreversible: Attr<'c, LitStr>,
    chain: Attr<'c, Path>,
}

impl<'c> MigrationKeys<'c> {
    fn read(cx: &'c Ctxt, args: TokenStream) -> Self {
        let mut keys = MigrationKeys {
            rev: Attr::none(cx, "rev"),
            down_rev: Attr::none(cx, "down_rev"),
            message: Attr::none(cx, "message"),
            transactional: Attr::none(cx, "transactional"),
            irreversible: Attr::none(cx, "irreversible"),
            chain: Attr::none(cx, "chain"),
        };
        meta::parse_args(cx, args, |meta| match meta::key_of(meta).as_str() {
            "rev" => keys.rev.read(meta, rev),
            "down_rev" => keys.down_rev.read(meta, down_rev),
            "message" => keys.message.read(meta, |m| {
                meta::lit_str(m, "message", "\"add kyc_verified_at timestamp to users\"")
            }),
            "transactional" => keys
                .transactional
                .read(meta, |m| meta::lit_bool(m, "transactional")),
            "irreversible" => keys.irreversible.read(meta, irreversible),
            "chain" => keys.chain.read(meta, chain),
            _ => meta::unknown_key(cx, meta, MIGRATION_KEYS),
        });
        keys
    }

    /// Reports the required keys that were not written at all; a key written with a bad value
    /// was reported already.
    fn report_missing(&self, cx: &Ctxt) {
        let call_site = Span::call_site();
        if !self.rev.given() {
            cx.push(syn::Error::new(
                call_site,
                "missing `rev`: write `#[migration(rev = \"0002\", down_rev = \"0001\", message = \"...\")]`",
            ));
        }
        if !self.down_rev.given() {
            cx.push(syn::Error::new(
                call_site,
                "missing `down_rev`: write `down_rev = \"NNNN\"` (the revision this migration follows) or `down_rev = None` for the first migration",
            ));
        }
        if !self.message.given() {
            cx.push(syn::Error::new(
                call_site,
                "missing `message`: say what the migration does, e.g. `message = \"add kyc_verified_at timestamp to users\"`",
            ));
        }
    }
}

/// A migration revises an older revision, never itself or a newer one.
fn check_order(cx: &Ctxt, rev: &RevId, down_rev: &DownRev) {
    let DownRev::Rev(parent) = down_rev else {
        return;
    };
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

pub(crate) fn parse_migration(cx: &Ctxt, args: TokenStream) -> Result<MigrationArgs, Partial> {
    let keys = MigrationKeys::read(cx, args);
    keys.report_missing(cx);
    let MigrationKeys {
        rev,
        down_rev,
        message,
        transactional,
        irreversible,
        chain,
    } = keys;
    let chain = chain.get().unwrap_or_else(default_chain);
    let (rev, down_rev, message) = match (rev.get(), down_rev.get(), message.get()) {
        (Some(rev), Some(down_rev), Some(message)) => (rev, down_rev, message),
        (rev, _, _) => return Err(Partial { rev, chain }),
    };
    check_order(cx, &rev, &down_rev);
    Ok(MigrationArgs {
        rev,
        down_rev,
        message,
        transactional: transactional.get().is_none_or(|b| b.value),
        irreversible: irreversible.get(),
        chain,
    })
}

pub(crate) fn parse_downgrade(cx: &Ctxt, args: TokenStream) -> Option<DowngradeArgs> {
    let mut rev_key = Attr::none(cx, "rev");
    let mut chain_key = Attr::none(cx, "chain");
    meta::parse_args(cx, args, |meta| match meta::key_of(meta).as_str() {
        "rev" => rev_key.read(meta, rev),
        "chain" => chain_key.read(meta, chain),
        key @ ("down_rev" | "message" | "transactional" | "irreversible") => {
            cx.error_spanned_by(
                &meta.path,
                format!("`{key}` belongs on the `#[migration]` attribute; a downgrade takes only {DOWNGRADE_KEYS}"),
            );
            meta::skip_value(meta);
        }
        _ => meta::unknown_key(cx, meta, DOWNGRADE_KEYS),
    });
    if !rev_key.given() {
        cx.push(syn::Error::new(
            Span::call_site(),
            "missing `rev`: write `#[downgrade(rev = \"0002\")]` with the revision of the migration this undoes",
        ));
    }
    Some(DowngradeArgs {
        rev: rev_key.get()?,
        chain: chain_key.get().unwrap_or_else(default_chain),
    })
}
