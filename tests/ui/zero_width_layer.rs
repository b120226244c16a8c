// A layer with no outputs.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        dense(0, relu),
        dense(1, sigmoid),
    }
}

fn main() {}
