// A network with an input and nothing else.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
    }
}

fn main() {}
