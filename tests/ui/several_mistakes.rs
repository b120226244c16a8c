// Every mistake is reported at once, each at its own place.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, rleu),
        dense(3 => 2, tanh),
        dense(0, sigmoid),
    }
}

fn main() {}
