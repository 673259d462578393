//! Source checksums that formatting and comments do not change.
//!
//! Hand-written because no library hashes a token stream by its tokens alone: the `Display` of a
//! `TokenStream` depends on `Spacing`, which follows the source's whitespace (`a =-1` versus
//! `a = -1`), and doc comments arrive as `#[doc]` attributes. Here each token contributes only its
//! kind and text, and `#[doc = ...]` attributes are skipped, so rustfmt and comment edits leave the
//! checksum unchanged while any edit of code changes it.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use sha2::{Digest, Sha256};

pub(crate) fn of_tokens(tokens: TokenStream) -> [u8; 32] {
    let mut hasher = Sha256::new();
    feed(&mut hasher, tokens);
    hasher.finalize().into()
}

fn feed(hasher: &mut Sha256, tokens: TokenStream) {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // `#[doc ...]` or `#![doc ...]`: a doc comment, skipped.
                let mut lookahead = iter.clone();
                if let Some(TokenTree::Punct(bang)) = lookahead.peek()
                    && bang.as_char() == '!'
                {
                    lookahead.next();
                }
                if let Some(TokenTree::Group(g)) = lookahead.next()
                    && g.delimiter() == Delimiter::Bracket
                    && is_doc(&g.stream())
                {
                    iter = lookahead;
                    continue;
                }
                hasher.update(b"p#");
            }
            TokenTree::Punct(p) => {
                let mut buf = [0u8; 4];
                hasher.update(b"p");
                hasher.update(p.as_char().encode_utf8(&mut buf).as_bytes());
            }
            TokenTree::Ident(i) => {
                hasher.update(b"i");
                hasher.update(i.to_string().as_bytes());
                hasher.update(b"\0");
            }
            TokenTree::Literal(l) => {
                hasher.update(b"l");
                hasher.update(l.to_string().as_bytes());
                hasher.update(b"\0");
            }
            TokenTree::Group(g) => {
                let (open, close): (&[u8], &[u8]) = match g.delimiter() {
                    Delimiter::Parenthesis => (b"(", b")"),
                    Delimiter::Brace => (b"{", b"}"),
                    Delimiter::Bracket => (b"[", b"]"),
                    Delimiter::None => (b"<", b">"),
                };
                hasher.update(open);
                feed(hasher, g.stream());
                hasher.update(close);
            }
        }
    }
}

fn is_doc(stream: &TokenStream) -> bool {
    matches!(stream.clone().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
}

#[cfg(test)]
mod tests {
    use super::of_tokens;
    use std::str::FromStr;

    fn sum(src: &str) -> [u8; 32] {
        of_tokens(proc_macro2::TokenStream::from_str(src).unwrap())
    }

    #[test]
    fn formatting_and_comments_do_not_change_the_checksum() {
        let a = sum(
            "fn upgrade(op: &mut Operations) { op.execute(\"UPDATE users SET x = -1\"); let a = -1; }",
        );
        let b = sum(
            "/// Adds things.\nfn upgrade( op : &mut Operations )\n{\n    // a comment\n    op.execute( \"UPDATE users SET x = -1\" ) ;\n let a =-1;\n}",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn any_code_edit_changes_the_checksum() {
        let a = sum("fn upgrade(op: &mut Operations) { op.execute(\"UPDATE users SET x = 1\"); }");
        for edited in [
            "fn upgrade(op: &mut Operations) { op.execute(\"UPDATE users SET x = 2\"); }",
            "fn upgrade(op: &mut Operations) { op.execute(\"UPDATE users SET x = 1\"); op.execute(\"\"); }",
            "fn upgrade(o: &mut Operations) { o.execute(\"UPDATE users SET x = 1\"); }",
            "fn upgrade(op: &mut Operations) { op.execute(\"UPDATE users SET x = 1\") }",
            "fn upgrade(op: &mut Operations) { op.execute([\"UPDATE users SET x = 1\"]); }",
        ] {
            assert_ne!(a, sum(edited), "{edited}");
        }
    }

    #[test]
    fn non_doc_attributes_count() {
        assert_ne!(
            sum("#[allow(unused)] fn f(op: &mut O) {}"),
            sum("fn f(op: &mut O) {}")
        );
        assert_eq!(
            sum("#[doc = \"x\"] fn f(op: &mut O) {}"),
            sum("fn f(op: &mut O) {}")
        );
    }
}
