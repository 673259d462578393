use super::*;
use crate::Operations;

fn folded(op: &Operations) -> Schema {
    let mut schema = Schema::default();
    for o in op.operations() {
        schema.apply(o).unwrap();
    }
    schema
}
