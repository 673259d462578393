use super::*;
use crate::Operations;

fn folded(op: &Operations) -> Schema {
    let mut schema = Schema::default();
    for o in op.operations() {
        schema.apply(o).unwrap();
    }
    schema
}

#[test]
fn mentions_whole_words_only() {
    assert!(mentions("SELECT * FROM film f", "film"));
    assert!(mentions("FROM public.\"film\" f", "film"));
    assert!(!mentions("SELECT film_id FROM x", "film"));
    assert!(!mentions("SELECT * FROM films", "film"));
}
