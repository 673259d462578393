//! Collects every error of one item before giving up, so a user sees all mistakes at once
//! (serde's `internals/ctxt.rs`).
//!
//! The errors sit in a `RefCell` so that the parsers of several keys can share one `&Ctxt`. A
//! `Ctxt` must be consumed by [`Ctxt::check`]: dropping it unchecked panics, so no collected error
//! can be lost on an early return.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use quote::ToTokens;

pub(crate) struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Ctxt {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// An error spanned on the offending tokens.
    pub(crate) fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    pub(crate) fn push(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("a Ctxt is not used after check()")
            .push(error);
    }

    /// Consumes the context: all the errors collected, combined into one, if there are any.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self
            .errors
            .borrow_mut()
            .take()
            .expect("a Ctxt is checked once");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }

    /// Consumes the context: the message of each error collected, in order (for tests).
    #[cfg(test)]
    pub(crate) fn messages(self) -> Vec<String> {
        self.check()
            .err()
            .into_iter()
            .flatten()
            .map(|e| e.to_string())
            .collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("a Ctxt was dropped without check(): its errors would be lost");
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::Ctxt;

    #[test]
    fn check_combines_every_error_in_order() {
        let cx = Ctxt::new();
        cx.push(syn::Error::new(Span::call_site(), "first"));
        cx.push(syn::Error::new(Span::call_site(), "second"));
        let messages: Vec<String> = cx
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn check_without_errors_is_ok() {
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without check()")]
    fn dropping_an_unchecked_ctxt_panics() {
        let cx = Ctxt::new();
        cx.push(syn::Error::new(Span::call_site(), "lost"));
        drop(cx);
    }
}
