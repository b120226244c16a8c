// `input:` given twice.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        input: 3,
        dense(1, sigmoid),
    }
}

fn main() {}
