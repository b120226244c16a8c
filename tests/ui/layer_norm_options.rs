// Layer norm takes only `epsilon`, a number above 0; each mistake is reported.
use nn::prelude::*;

network! {
    struct Net {
        input: 8,
        layer_norm(8),
        layer_norm(epsilon = 0),
        layer_norm(eps = 1e-5),
        layer_norm(epsilon = small),
        dense(1, sigmoid),
    }
}

fn main() {}
