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
    pub(crate) timeouts: Timeouts,
    /// `allow_lint(rule = "reason", ...)`: the lint's findings this migration accepts, and why.
    pub(crate) allow_lint: Vec<(LitStr, LitStr)>,
}

/// The migration's own timeouts, in milliseconds, checked here: each wins over the command
/// line and the runner's `Config`.
#[derive(Default)]
pub(crate) struct Timeouts {
    pub(crate) lock_timeout: Option<u64>,
    pub(crate) lock_retry_budget: Option<u64>,
    pub(crate) statement_timeout: Option<u64>,
}

/// A duration as the command line writes it: `500ms`, `2s`, `1m`.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1000),
        "m" => number.checked_mul(60_000),
        _ => None,
    }
}

/// `key = "2s"`: a duration; `zero` says what a zero would mean, when that is refused.
fn duration(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    zero: Option<&str>,
) -> syn::Result<(LitStr, u64)> {
    let lit = meta::lit_str(meta, key, "\"2s\"")?;
    let Some(ms) = parse_duration(&lit.value()) else {
        return Err(syn::Error::new_spanned(
            &lit,
            format!(
                "`{key} = \"{}\"` is not a duration: write it as \"500ms\", \"2s\" or \"1m\"",
                lit.value()
            ),
        ));
    };
    if let (0, Some(zero)) = (ms, zero) {
        return Err(syn::Error::new_spanned(
            &lit,
            format!("`{key}` cannot be 0: to PostgreSQL that means {zero}"),
        ));
    }
    Ok((lit, ms))
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

const MIGRATION_KEYS: &str = "`rev`, `down_rev`, `message`, `transactional`, `irreversible`, `lock_timeout`, `lock_retry_budget`, `statement_timeout`, `allow_lint(...)`, `chain`";

/// The lint's rules, as `allow_lint(...)` names them.
const LINT_RULES: &[&str] = include!("lint_rules.rs");
const DOWNGRADE_KEYS: &str = "`rev`, `chain`";

fn rev(meta: &ParseNestedMeta<'_>) -> syn::Result<RevId> {
    meta::lit_str(meta, "rev", "\"0002\"").and_then(RevId::parse)
}

fn down_rev(meta: &ParseNestedMeta<'_>) -> syn::Result<DownRev> {
    let expr: Expr = meta::ungrouped(meta.value()?.parse()?);
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

/// `allow_lint(adding_not_nullable_field = "the table is empty here", ...)`: each a rule the lint
/// knows, with a reason. Every mistake in the list is reported, not only the first.
fn allow_lint(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<(LitStr, LitStr)>> {
    let mut allowed = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut report = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    meta.parse_nested_meta(|m| {
        let ident = m
            .path
            .get_ident()
            .cloned()
            .ok_or_else(|| m.error("expected a rule name"))?;
        let name = ident.to_string();
        let reason: Option<LitStr> = m.value().and_then(|v| v.parse()).ok();
        if !LINT_RULES.contains(&name.as_str()) {
            let nearest = LINT_RULES
                .iter()
                .min_by_key(|rule| distance(rule, &name))
                .filter(|rule| distance(rule, &name) <= 3)
                .map(|rule| format!("; did you mean `{rule}`?"))
                .unwrap_or_default();
            report(syn::Error::new_spanned(
                &ident,
                format!("unknown lint rule `{name}`{nearest} (`capp-migrate lint` names the rule of each finding; docs/safety.md lists them all)"),
            ));
        }
        match reason {
            Some(reason) if !reason.value().trim().is_empty() => {
                allowed.push((LitStr::new(&name, ident.span()), reason));
            }
            Some(reason) => report(syn::Error::new_spanned(
                &reason,
                format!("`allow_lint({name} = ...)` needs a reason: why it is safe here"),
            )),
            None => report(syn::Error::new_spanned(
                &ident,
                format!("give the reason: `allow_lint({name} = \"why it is safe here\")`"),
            )),
        }
        Ok(())
    })?;
    match errors {
        Some(errors) => Err(errors),
        None => Ok(allowed),
    }
}

/// The edit distance of two names, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
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
    lock_timeout: Attr<'c, (LitStr, u64)>,
    lock_retry_budget: Attr<'c, (LitStr, u64)>,
    statement_timeout: Attr<'c, (LitStr, u64)>,
    allow_lint: Attr<'c, Vec<(LitStr, LitStr)>>,
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
            lock_timeout: Attr::none(cx, "lock_timeout"),
            lock_retry_budget: Attr::none(cx, "lock_retry_budget"),
            statement_timeout: Attr::none(cx, "statement_timeout"),
            allow_lint: Attr::none(cx, "allow_lint"),
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
            "lock_timeout" => keys.lock_timeout.read(meta, |m| {
                duration(m, "lock_timeout", Some("waiting for table locks forever"))
            }),
            "lock_retry_budget" => keys
                .lock_retry_budget
                .read(meta, |m| duration(m, "lock_retry_budget", None)),
            "statement_timeout" => keys
                .statement_timeout
                .read(meta, |m| duration(m, "statement_timeout", Some("no limit"))),
            "chain" => keys.chain.read(meta, chain),
            "allow_lint" => keys.allow_lint.read(meta, allow_lint),
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
        lock_timeout,
        lock_retry_budget,
        statement_timeout,
        allow_lint,
        chain,
    } = keys;
    let chain = chain.get().unwrap_or_else(default_chain);
    let transactional = transactional.get().is_none_or(|b| b.value);
    let timeouts = [
        ("lock_timeout", lock_timeout.get()),
        ("lock_retry_budget", lock_retry_budget.get()),
        ("statement_timeout", statement_timeout.get()),
    ];
    if !transactional {
        for (key, value) in &timeouts {
            if let Some((lit, _)) = value {
                cx.error_spanned_by(
                    lit,
                    format!("`{key}` applies to a migration's transaction, and this one runs outside a transaction (`transactional = false`); remove it"),
                );
            }
        }
    }
    let [lock_timeout, lock_retry_budget, statement_timeout] =
        timeouts.map(|(_, value)| value.map(|(_, ms)| ms));
    let timeouts = Timeouts {
        lock_timeout,
        lock_retry_budget,
        statement_timeout,
    };
    let (rev, down_rev, message) = match (rev.get(), down_rev.get(), message.get()) {
        (Some(rev), Some(down_rev), Some(message)) => (rev, down_rev, message),
        (rev, _, _) => return Err(Partial { rev, chain }),
    };
    check_order(cx, &rev, &down_rev);
    Ok(MigrationArgs {
        rev,
        down_rev,
        message,
        transactional,
        irreversible: irreversible.get(),
        chain,
        timeouts,
        allow_lint: allow_lint.get().unwrap_or_default(),
    })
}

pub(crate) fn parse_downgrade(cx: &Ctxt, args: TokenStream) -> Option<DowngradeArgs> {
    let mut rev_key = Attr::none(cx, "rev");
    let mut chain_key = Attr::none(cx, "chain");
    meta::parse_args(cx, args, |meta| match meta::key_of(meta).as_str() {
        "rev" => rev_key.read(meta, rev),
        "chain" => chain_key.read(meta, chain),
        key @ ("down_rev" | "message" | "transactional" | "irreversible" | "lock_timeout"
        | "lock_retry_budget" | "statement_timeout") => {
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
