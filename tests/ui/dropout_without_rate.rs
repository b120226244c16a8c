// `dropout` without its rate.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dropout,
        dense(1, sigmoid),
    }
}

fn main() {}
