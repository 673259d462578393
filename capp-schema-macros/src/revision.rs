//! Revision ids: strings of decimal digits whose numeric value orders the chain.

use syn::LitStr;

/// The longest id whose value always fits in a `u64` (10^19 - 1 < 2^64).
const MAX_DIGITS: usize = 19;

/// A revision id as written by the user, with its numeric value.
pub(crate) struct RevId {
    pub(crate) lit: LitStr,
    pub(crate) text: String,
    pub(crate) value: u64,
}

impl RevId {
    pub(crate) fn parse(lit: LitStr) -> syn::Result<RevId> {
        let text = lit.value();
        if text.is_empty() {
            return Err(syn::Error::new_spanned(
                &lit,
                "revision id is empty; expected digits such as \"0002\" or a timestamp such as \"20261124120000\"",
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "`{text}` is not a revision id; revision ids are decimal digits such as \"0002\" or a timestamp such as \"20261124120000\""
                ),
            ));
        }
        if text.len() > MAX_DIGITS {
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "revision id `{text}` has {} digits; at most {MAX_DIGITS} are allowed",
                    text.len()
                ),
            ));
        }
        let value: u64 = text
            .parse()
            .map_err(|_| syn::Error::new_spanned(&lit, "revision id out of range"))?;
        if value == 0 {
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "revision `{text}` is reserved for base (the empty database); number migrations from \"0001\""
                ),
            ));
        }
        Ok(RevId { lit, text, value })
    }
}
