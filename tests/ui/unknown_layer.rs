// A misspelt layer name.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        desne(4, relu),
        dense(1, sigmoid),
    }
}

fn main() {}
