//! Checks that an annotated item is a function a migration can use:
//! `fn name(op: &mut Operations)`, nothing more.

use syn::{FnArg, ReturnType, Signature, Type};

use crate::ctxt::Ctxt;

/// Which attribute is being checked, for the wording of the messages.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    Upgrade { transactional: bool },
    Downgrade,
}

impl Role {
    fn example(self) -> &'static str {
        match self {
            Role::Upgrade {
                transactional: true,
            } => "fn upgrade(op: &mut Operations)",
            Role::Upgrade {
                transactional: false,
            } => "fn upgrade(op: &mut NonTransactionalOperations)",
            Role::Downgrade => "fn downgrade(op: &mut Operations)",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Role::Upgrade { .. } => "a migration",
            Role::Downgrade => "a downgrade",
        }
    }
}

pub(crate) fn check(cx: &Ctxt, sig: &Signature, role: Role) {
    let (what, example) = (role.what(), role.example());
    if let Some(t) = &sig.constness {
        cx.error_spanned_by(t, format!("{what} cannot be `const`; write `{example}`"));
    }
    if let Some(t) = &sig.asyncness {
        cx.error_spanned_by(
            t,
            format!("{what} cannot be `async`: it records operations and does not touch the database; write `{example}`"),
        );
    }
    if let syn::Safety::Unsafe(t) = &sig.safety {
        cx.error_spanned_by(t, format!("{what} cannot be `unsafe`; write `{example}`"));
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!("{what} cannot declare an ABI; write `{example}`"),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("{what} cannot be generic; write `{example}`"),
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, format!("{what} cannot be variadic; write `{example}`"));
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
        if !unit {
            cx.error_spanned_by(
                ty,
                format!("{what} returns nothing: it records operations on its argument; write `{example}`"),
            );
        }
    }
    match sig.inputs.len() {
        0 => cx.error_spanned_by(
            &sig.ident,
            format!("{what} takes the operations recorder as its one argument; write `{example}`"),
        ),
        1 => match sig.inputs.first() {
            Some(FnArg::Receiver(r)) => cx.error_spanned_by(
                r,
                format!("{what} is a free function, not a method; write `{example}`"),
            ),
            Some(FnArg::Typed(arg)) => {
                let is_mut_ref = matches!(&*arg.ty, Type::Reference(r) if r.mutability.is_some());
                if !is_mut_ref {
                    cx.error_spanned_by(
                        &arg.ty,
                        format!("the operations recorder is taken by mutable reference; write `{example}`"),
                    );
                }
            }
            None => {}
        },
        _ => cx.error_spanned_by(
            &sig.inputs,
            format!(
                "{what} takes exactly one argument, the operations recorder; write `{example}`"
            ),
        ),
    }
}

/// A function item, parsed only as far as its signature: the body is kept as tokens. Migration
/// bodies can be long, and parsing and re-printing them would dominate build times of long
/// histories; the macros only need the signature.
pub(crate) struct FnItem {
    pub(crate) sig: Signature,
    /// The whole item as written, emitted unchanged.
    pub(crate) tokens: proc_macro2::TokenStream,
}

impl syn::parse::Parse for FnItem {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<FnItem> {
        let tokens = input.fork().parse::<proc_macro2::TokenStream>()?;
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        let sig: Signature = input.parse()?;
        let body: proc_macro2::Group = input.parse()?;
        if body.delimiter() != proc_macro2::Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected a function body"));
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        Ok(FnItem { sig, tokens })
    }
}
