//! Reads a migration file as text, without compiling it: the `#[migration]` attributes of its
//! functions (`rev`, `down_rev`, `irreversible`), and where every string literal of its
//! `#[migration]` and `#[downgrade]` attributes is, so that revision ids can be rewritten in place
//! and nothing else in the file changes.

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;

/// What a file declares.
#[derive(Debug, Clone, Default)]
pub(super) struct Scanned {
    pub(super) migrations: Vec<Declared>,
    /// Every string literal of the file's `#[migration]` and `#[downgrade]` attributes.
    pub(super) literals: Vec<Located>,
}

/// One `#[migration(...)]`.
#[derive(Debug, Clone)]
pub(super) struct Declared {
    pub(super) rev: String,
    /// `None` for `down_rev = None`, whose `None` is at `base_token`.
    pub(super) down_rev: Option<String>,
    pub(super) base_token: Option<Range<usize>>,
    pub(super) irreversible: bool,
}

/// A string literal and the bytes of the file it takes, quotes included.
#[derive(Debug, Clone)]
pub(super) struct Located {
    pub(super) value: String,
    pub(super) range: Range<usize>,
}

/// Why a file cannot be read as migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScanError {
    pub(super) line: usize,
    pub(super) message: String,
}

/// Reads the attributes of `text`, a Rust source file.
pub(super) fn scan(text: &str) -> Result<Scanned, ScanError> {
    let file: syn::File = syn::parse_str(text).map_err(|error| ScanError {
        line: error.span().start().line,
        message: error.to_string(),
    })?;
    let mut scanned = Scanned::default();
    visit(&file.items, text, &mut scanned)?;
    Ok(scanned)
}

fn visit(items: &[syn::Item], text: &str, out: &mut Scanned) -> Result<(), ScanError> {
    for item in items {
        match item {
            syn::Item::Fn(function) => {
                for attr in &function.attrs {
                    attribute(attr, text, out)?;
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    visit(items, text, out)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn attribute(attr: &syn::Attribute, text: &str, out: &mut Scanned) -> Result<(), ScanError> {
    let Some(name) = attr.path().segments.last().map(|s| s.ident.to_string()) else {
        return Ok(());
    };
    if name != "migration" && name != "downgrade" {
        return Ok(());
    }
    let line = attr.span().start().line;
    let syn::Meta::List(list) = &attr.meta else {
        return Err(ScanError {
            line,
            message: format!("`#[{name}]` has no arguments"),
        });
    };
    literals(list.tokens.clone(), text, line, &mut out.literals)?;
    if name == "migration" {
        out.migrations.push(declared(list.tokens.clone(), line)?);
    }
    Ok(())
}

/// Every string literal in `tokens`, nested groups included.
fn literals(
    tokens: TokenStream,
    text: &str,
    line: usize,
    out: &mut Vec<Located>,
) -> Result<(), ScanError> {
    for token in tokens {
        match token {
            TokenTree::Group(group) => literals(group.stream(), text, line, out)?,
            TokenTree::Literal(literal) => {
                if let syn::Lit::Str(string) = syn::Lit::new(literal.clone()) {
                    let range = located(&TokenTree::Literal(literal), text, line)?;
                    out.push(Located {
                        value: string.value(),
                        range,
                    });
                }
            }
            TokenTree::Ident(_) | TokenTree::Punct(_) => {}
        }
    }
    Ok(())
}

/// The bytes of `text` that `token` was read from; checked, so that a rewrite can never land
/// anywhere else.
fn located(token: &TokenTree, text: &str, line: usize) -> Result<Range<usize>, ScanError> {
    let range = token.span().byte_range();
    if text.get(range.clone()) == Some(token.to_string().as_str()) {
        Ok(range)
    } else {
        Err(ScanError {
            line,
            message: format!("cannot locate `{token}` in the file's text"),
        })
    }
}

/// The keys of one `#[migration(...)]` that the chain is made of.
fn declared(tokens: TokenStream, line: usize) -> Result<Declared, ScanError> {
    let mut rev = None;
    let mut down_rev = None;
    let mut irreversible = false;
    let malformed = |message: String| ScanError { line, message };
    for pair in pairs(tokens) {
        let Some(TokenTree::Ident(key)) = pair.first() else {
            continue;
        };
        let value = match pair.as_slice() {
            [_, TokenTree::Punct(eq), value] if eq.as_char() == '=' => Some(value),
            _ => None,
        };
        match (key.to_string().as_str(), value) {
            ("rev", Some(value)) => rev = Some(revision(value).map_err(malformed)?),
            ("down_rev", Some(TokenTree::Ident(none))) if none == "None" => {
                down_rev = Some((None, Some(none.span().byte_range())));
            }
            ("down_rev", Some(value)) => {
                down_rev = Some((Some(revision(value).map_err(malformed)?), None));
            }
            ("rev" | "down_rev", None) => {
                return Err(malformed(format!("`{key}` has no value")));
            }
            ("irreversible", _) => irreversible = true,
            _ => {}
        }
    }
    let rev = rev.ok_or_else(|| malformed("`#[migration]` has no `rev = \"...\"`".to_owned()))?;
    let (down_rev, base_token) = down_rev
        .ok_or_else(|| malformed(format!("migration {rev} has no `down_rev = \"...\"`")))?;
    Ok(Declared {
        rev,
        down_rev,
        base_token,
        irreversible,
    })
}

/// The comma-separated parts of an attribute's arguments.
fn pairs(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut pairs = vec![Vec::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => pairs.push(Vec::new()),
            _ => {
                if let Some(last) = pairs.last_mut() {
                    last.push(token);
                }
            }
        }
    }
    pairs.retain(|p| !p.is_empty());
    pairs
}

/// A revision id written as a string literal: 1 to 19 decimal digits, not all zero.
fn revision(token: &TokenTree) -> Result<String, String> {
    let TokenTree::Literal(literal) = token else {
        return Err(format!("`{token}` is not a revision id in quotes"));
    };
    let syn::Lit::Str(string) = syn::Lit::new(literal.clone()) else {
        return Err(format!("`{literal}` is not a revision id in quotes"));
    };
    let id = string.value();
    if super::is_revision_id(&id) {
        Ok(id)
    } else {
        Err(format!(
            "`{id}` is not a revision id (1 to 19 decimal digits, not all zero)"
        ))
    }
}
