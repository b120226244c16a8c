// Global pooling averages each channel of an image; a vector has none.
use nn::prelude::*;

network! {
    struct Net {
        input: 64,
        dense(32, relu),
        global_avgpool2d,
        dense(10, softmax),
    }
}

fn main() {}
