// A recurrent layer with no units has an output of size zero.
use nn::prelude::*;

network! {
    struct Net {
        input: [28, 28],
        simple_rnn(0),
        dense(10, softmax),
    }
}

fn main() {}
