// An activation that is nothing like a known one: the error lists them.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        dense(1, banana),
    }
}

fn main() {}
