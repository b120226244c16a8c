// The same option given twice.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, relu, l2 = 1e-4, l2 = 1e-3),
        dense(1, sigmoid),
    }
}

fn main() {}
