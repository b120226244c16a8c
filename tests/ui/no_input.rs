// A network without `input:`.
use nn::prelude::*;

network! {
    struct Net {
        dense(4, relu),
        dense(1, sigmoid),
    }
}

fn main() {}
