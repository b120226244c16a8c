// Two poolings shrink 6x6 to 3x3, too small for the third's 4x4 window.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 12, 12],
        maxpool2d(2),
        avgpool2d(2),
        maxpool2d(4),
        flatten,
        dense(2, softmax),
    }
}

fn main() {}
