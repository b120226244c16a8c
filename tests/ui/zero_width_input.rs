// An input of width 0.
use nn::prelude::*;

network! {
    struct Net {
        input: 0,
        dense(1, sigmoid),
    }
}

fn main() {}
