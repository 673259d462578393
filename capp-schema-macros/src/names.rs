//! Names over PostgreSQL's 63-byte limit, caught where they are literals in a migration's
//! operations: PostgreSQL would silently cut them (`NAMEDATALEN`), and `check` would then report
//! drift forever. Names built at run time are refused by the fold instead.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::ctxt::Ctxt;

/// PostgreSQL's longest identifier, in bytes.
const MAX_NAME_BYTES: usize = 63;

/// The operations whose string arguments are names, with how many leading arguments are (the
/// rest, such as a check's expression, are SQL).
const NAMED: &[(&str, usize)] = &[
    ("create_table", usize::MAX),
    ("drop_table", usize::MAX),
    ("rename_table", usize::MAX),
    ("add_column", usize::MAX),
    ("drop_column", usize::MAX),
    ("rename_column", usize::MAX),
    ("alter_column", usize::MAX),
    ("column", 1),
    ("primary_key", usize::MAX),
    ("create_index", usize::MAX),
    ("create_index_concurrently", usize::MAX),
    ("drop_index", usize::MAX),
    ("drop_index_concurrently", usize::MAX),
    ("create_unique", usize::MAX),
    ("create_foreign_key", usize::MAX),
    ("create_check", 2),
    ("drop_constraint", usize::MAX),
    ("create_enum", usize::MAX),
    ("drop_enum", usize::MAX),
    ("add_enum_value", usize::MAX),
    ("drop_enum_value", usize::MAX),
    ("set_primary_key", usize::MAX),
    ("set_primary_key_named", usize::MAX),
    ("primary_key_named", usize::MAX),
    ("rename_constraint", usize::MAX),
    ("validate_constraint", usize::MAX),
    ("create_unique_concurrently", usize::MAX),
    ("make_not_null", usize::MAX),
];

/// Reports every literal name over the limit in `tokens` (a migration function).
pub(crate) fn check(cx: &Ctxt, tokens: TokenStream) {
    let mut previous: Option<String> = None;
    for tree in tokens {
        match &tree {
            TokenTree::Group(group) => {
                if group.delimiter() == Delimiter::Parenthesis
                    && let Some(names) = previous
                        .as_deref()
                        .and_then(|called| NAMED.iter().find(|(n, _)| *n == called))
                        .map(|(_, names)| *names)
                {
                    check_arguments(cx, group.stream(), names);
                }
                check(cx, group.stream());
                previous = None;
            }
            TokenTree::Ident(ident) => previous = Some(ident.to_string()),
            _ => previous = None,
        }
    }
}

/// The literals among the first `names` arguments of a call, and in the arrays among them.
fn check_arguments(cx: &Ctxt, arguments: TokenStream, names: usize) {
    let mut index = 0;
    for tree in arguments {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => index += 1,
            _ if index >= names => {}
            TokenTree::Literal(literal) => check_literal(cx, literal),
            TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {
                for inner in group.stream() {
                    if let TokenTree::Literal(literal) = inner {
                        check_literal(cx, &literal);
                    }
                }
            }
            _ => {}
        }
    }
}

fn check_literal(cx: &Ctxt, literal: &proc_macro2::Literal) {
    let syn::Lit::Str(name) = syn::Lit::new(literal.clone()) else {
        return;
    };
    let value = name.value();
    if value.len() <= MAX_NAME_BYTES {
        return;
    }
    let mut cut = MAX_NAME_BYTES;
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    cx.error_spanned_by(
        &name,
        format!(
            "`{value}` is {} bytes long; PostgreSQL keeps at most {MAX_NAME_BYTES} bytes of a name and would silently store `{}`, so `check` would report drift forever: shorten it",
            value.len(),
            &value[..cut]
        ),
    );
}
