//! Code generation for `#[migration]` and `#[downgrade]`.
//!
//! Per migration `R` revising `P`, on the chain's marker type `C`:
//! - `impl rules::Revision<R> for C` (a second one is a duplicate revision, E0119);
//! - `impl rules::OnlyOneMigrationMayRevise<P> for C`, or `impl rules::OnlyOneBaseMigration for C`
//!   for a base (a second one is a branch or a second base, E0119);
//! - a requirement `C: rules::Revision<P>` (missing parent, E0277) and `C: rules::DowngradeOf<R>`
//!   (missing downgrade, E0277);
//! - a downgrade requires `C: rules::UpgradeOf<R>`, implemented for every `Revision<R>`
//!   (E0277 without it);
//! - an `inventory` registration read by `capp_schema::MigrationChain::load`.
//!
//! Every rule item is spanned on the attribute argument it is about, so rustc reports the error on
//! the user's `down_rev = "0001"`, not on the macro.

use proc_macro2::{Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{self, DownRev};
use crate::checksum;
use crate::ctxt::Ctxt;
use crate::names;
use crate::signature::{self, FnItem, Role};

pub(crate) fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let parsed_args = attr::parse_migration(&cx, args);
    let func = match syn::parse2::<FnItem>(item.clone()) {
        Ok(func) => func,
        Err(_) => return not_a_function(cx, item, "#[migration]"),
    };
    let transactional = parsed_args.as_ref().is_ok_and(|a| a.transactional) || parsed_args.is_err();
    signature::check(&cx, &func.sig, Role::Upgrade { transactional });
    names::check(&cx, func.tokens.clone());
    match (cx.check(), parsed_args) {
        (Ok(()), Ok(args)) => expand_migration(&args, &func),
        (Err(errors), Ok(args)) => {
            let partial = attr::Partial {
                rev: Some(args.rev),
                chain: args.chain,
            };
            migration_fallback(errors, &func, &partial)
        }
        (Err(errors), Err(partial)) => migration_fallback(errors, &func, &partial),
        (Ok(()), Err(partial)) => migration_fallback(
            syn::Error::new(Span::call_site(), "invalid #[migration] attribute"),
            &func,
            &partial,
        ),
    }
}

pub(crate) fn downgrade(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let parsed_args = attr::parse_downgrade(&cx, args);
    let func = match syn::parse2::<FnItem>(item.clone()) {
        Ok(func) => func,
        Err(_) => return not_a_function(cx, item, "#[downgrade]"),
    };
    signature::check(&cx, &func.sig, Role::Downgrade);
    names::check(&cx, func.tokens.clone());
    match (cx.check(), parsed_args) {
        (Ok(()), Some(args)) => expand_downgrade(&args, &func),
        (Err(errors), _) => fallback(errors, &func),
        (Ok(()), None) => fallback(
            syn::Error::new(Span::call_site(), "invalid #[downgrade] attribute"),
            &func,
        ),
    }
}

/// The errors, plus the function unchanged (marked as used), so one mistake does not cascade into
/// "unused function" warnings or unresolved names elsewhere.
fn fallback(errors: syn::Error, func: &FnItem) -> TokenStream {
    let errors = errors.into_compile_error();
    let func = &func.tokens;
    quote! {
        #errors
        #[allow(dead_code)]
        #func
    }
}

/// The fallback of a migration whose attribute or signature is wrong: its revision is still
/// declared, so that its children and its downgrade do not report it missing.
fn migration_fallback(errors: syn::Error, func: &FnItem, partial: &attr::Partial) -> TokenStream {
    let mut tokens = fallback(errors, func);
    if let Some(rev) = &partial.rev {
        let span = rev.lit.span();
        let chain = respan(quote!(__Chain), span);
        let rev_n = number(rev.value, span);
        let chain_alias = chain_alias(&partial.chain);
        tokens.extend(quote_spanned! {span=>
            const _: () = {
                #chain_alias
                impl ::capp_schema::rules::Revision<#rev_n> for #chain {}
            };
        });
    }
    tokens
}

/// The item unchanged, after the error that it is not a function and those of the attribute.
fn not_a_function(cx: Ctxt, item: TokenStream, attribute: &str) -> TokenStream {
    let mut error = syn::Error::new_spanned(
        &item,
        format!("{attribute} goes on a function: `fn upgrade(op: &mut Operations) {{ ... }}`"),
    );
    if let Err(errors) = cx.check() {
        error.combine(errors);
    }
    let error = error.into_compile_error();
    quote! { #error #item }
}

/// An unsuffixed integer literal carrying `span`, so rustc prints `Revision<2>` and points at the
/// user's literal.
fn number(value: u64, span: Span) -> Literal {
    let mut lit = Literal::u64_unsuffixed(value);
    lit.set_span(span);
    lit
}

/// The same tokens with every span replaced, so that a whole generated item points at one
/// attribute argument.
fn respan(tokens: impl ToTokens, span: Span) -> TokenStream {
    tokens
        .into_token_stream()
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `type __Chain = crate::Migrations;`: every generated item names the chain through this alias,
/// so a missing or misspelt marker type is one error on the attribute instead of one per rule.
fn chain_alias(chain: &syn::Path) -> TokenStream {
    quote! {
        #[allow(non_camel_case_types)]
        type __Chain = #chain;
    }
}

fn checksum_tokens(func: &FnItem) -> TokenStream {
    // One byte-string literal rather than 32 integer literals: less for rustc to check.
    let bytes = Literal::byte_string(&checksum::of_tokens(func.tokens.clone()));
    quote!(*#bytes)
}

fn expand_migration(args: &attr::MigrationArgs, func: &FnItem) -> TokenStream {
    let rev = &args.rev;
    let rev_span = rev.lit.span();
    let chain_at_rev = respan(quote!(__Chain), rev_span);
    let rev_n = number(rev.value, rev_span);
    let revision_rule = quote_spanned! {rev_span=>
        impl ::capp_schema::rules::Revision<#rev_n> for #chain_at_rev {}
    };
    let (parent_rule, down_rev) = parent(&args.down_rev);
    let irreversible_rule = irreversible_rule(args);
    let registration = registration(args, func, &down_rev);
    let chain_alias = chain_alias(&args.chain);
    let item = &func.tokens;
    quote! {
        #item

        const _: () = {
            #chain_alias
            #revision_rule
            #parent_rule
            #irreversible_rule
            #registration
        };
    }
}

/// The rule that only one migration revises the parent (or only one is the base), and the
/// registration's `down_rev`, which requires the parent to exist.
fn parent(down_rev: &DownRev) -> (TokenStream, TokenStream) {
    match down_rev {
        DownRev::Base(none) => {
            let span = none.span();
            let chain = respan(quote!(__Chain), span);
            let rule = quote_spanned! {span=>
                impl ::capp_schema::rules::OnlyOneBaseMigration for #chain {}
            };
            (rule, quote!(::core::option::Option::None))
        }
        DownRev::Rev(parent) => {
            let span = parent.lit.span();
            let chain = respan(quote!(__Chain), span);
            let parent_n = number(parent.value, span);
            let parent_text = &parent.text;
            let rule = quote_spanned! {span=>
                impl ::capp_schema::rules::OnlyOneMigrationMayRevise<#parent_n> for #chain {}
            };
            // Evaluated as part of the registration, so the check needs no item of its own.
            let down_rev = quote_spanned! {span=>
                ::capp_schema::__private::parent::<#chain, #parent_n>(#parent_text)
            };
            (rule, down_rev)
        }
    }
}

/// `irreversible = "reason"` stands for the downgrade: the `DowngradeOf` a downgrade function
/// would implement, spanned on the reason.
fn irreversible_rule(args: &attr::MigrationArgs) -> Option<TokenStream> {
    let reason = args.irreversible.as_ref()?;
    let span = reason.span();
    let chain = respan(quote!(__Chain), span);
    let rev_n = number(args.rev.value, span);
    let transactional = args.transactional;
    Some(quote_spanned! {span=>
        impl ::capp_schema::rules::DowngradeOf<#rev_n> for #chain {
            const TRANSACTIONAL: bool = #transactional;
            const DOWNGRADE: ::capp_schema::__private::Downgrade =
                ::capp_schema::__private::Downgrade::Irreversible { reason: #reason };
        }
    })
}

/// The `inventory` registration read by `MigrationChain::load`; it requires the downgrade.
fn registration(args: &attr::MigrationArgs, func: &FnItem, down_rev: &TokenStream) -> TokenStream {
    let rev = &args.rev;
    let rev_span = rev.lit.span();
    let chain_at_rev = respan(quote!(__Chain), rev_span);
    let rev_n = number(rev.value, rev_span);
    let rev_text = &rev.text;
    let message = &args.message;
    let checksum = checksum_tokens(func);
    let timeouts = timeouts_tokens(&args.timeouts);
    let allow_rules = args.allow_lint.iter().map(|(rule, _)| rule);
    let allow_reasons = args.allow_lint.iter().map(|(_, reason)| reason);
    let transactional = args.transactional;
    let recorder = if transactional {
        quote!(::capp_schema::Operations)
    } else {
        quote!(::capp_schema::NonTransactionalOperations)
    };
    // Naming the recorder type makes a wrong parameter type one E0308 on the function's name:
    // "expected fn pointer `fn(&mut Operations)`".
    let ident = &func.sig.ident;
    let record_upgrade = quote_spanned! {ident.span()=>
        ::capp_schema::__private::function::<#recorder>(#ident)
    };
    let downgrade = quote_spanned! {rev_span=>
        ::capp_schema::__private::downgrade_of::<#chain_at_rev, #rev_n, #transactional>()
    };
    quote! {
        ::capp_schema::__private::inventory::submit! {
            ::capp_schema::__private::Registration {
                chain: ::core::any::TypeId::of::<#chain_at_rev>,
                rev: #rev_text,
                down_rev: #down_rev,
                message: #message,
                transactional: #transactional,
                location: ::capp_schema::__private::Location {
                    file: ::core::file!(),
                    line: ::core::line!(),
                    module_path: ::core::module_path!(),
                },
                upgrade: ::capp_schema::__private::Step {
                    record: &#record_upgrade,
                    checksum: #checksum,
                },
                downgrade: #downgrade,
                timeouts: #timeouts,
                allow_lint: &[#((#allow_rules, #allow_reasons)),*],
            }
        }
    }
}

/// The migration's own timeouts, as the registration holds them.
fn timeouts_tokens(timeouts: &attr::Timeouts) -> TokenStream {
    let ms = |value: Option<u64>| match value {
        Some(ms) => quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let (lock, budget, statement) = (
        ms(timeouts.lock_timeout),
        ms(timeouts.lock_retry_budget),
        ms(timeouts.statement_timeout),
    );
    quote! {
        ::capp_schema::__private::MigrationTimeouts {
            lock_timeout: #lock,
            lock_retry_budget: #budget,
            statement_timeout: #statement,
        }
    }
}

fn expand_downgrade(args: &attr::DowngradeArgs, func: &FnItem) -> TokenStream {
    let rev = &args.rev;
    let span = rev.lit.span();
    let chain = respan(quote!(__Chain), span);
    let rev_n = number(rev.value, span);
    let ident = &func.sig.ident;
    let checksum = checksum_tokens(func);
    // The signature check guarantees `&mut Recorder`.
    let recorder = match func.sig.inputs.first() {
        Some(syn::FnArg::Typed(arg)) => match &*arg.ty {
            syn::Type::Reference(r) => r.elem.to_token_stream(),
            other => other.to_token_stream(),
        },
        _ => quote!(::capp_schema::Operations),
    };
    let rule = quote_spanned! {span=>
        impl ::capp_schema::rules::DowngradeOf<#rev_n> for #chain {
            const TRANSACTIONAL: bool = <#recorder as ::capp_schema::Recorder>::TRANSACTIONAL;
            const DOWNGRADE: ::capp_schema::__private::Downgrade =
                ::capp_schema::__private::Downgrade::Reversible(::capp_schema::__private::Step {
                    record: &::capp_schema::__private::function::<#recorder>(#ident),
                    checksum: #checksum,
                });
        }
    };
    let chain_alias = chain_alias(&args.chain);
    let item = &func.tokens;
    quote! {
        #item

        const _: () = {
            #chain_alias
            #rule
            const _: () = {
                ::capp_schema::__private::require_upgrade::<#chain, #rev_n>();
            };
        };
    }
}
