// An activation standing as a layer takes a parameter only if it has one,
// one at most, a number, and no options; each mistake is reported.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8),
        relu(0.1),
        leaky_relu(0.1, 0.2),
        elu(fast),
        tanh(alpha = 1.0),
        dense(1, sigmoid),
    }
}

fn main() {}
