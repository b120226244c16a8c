// A `concat` whose branches disagree on what it does not join: images of
// other heights and widths, sequences of other lengths, and branches of
// different kinds; each reported at the branch with both shapes.
use nn::prelude::*;

network! {
    struct Images {
        input: [4, 16, 16],
        concat { [conv2d(8, 3, padding = same)], [conv2d(8, 3, stride = 2, padding = same)] },
        flatten,
        dense(10, softmax),
    }

    struct Sequences {
        input: [10, 4],
        concat { [lstm(8, return_sequences = true)], [reshape([20, 2])] },
        flatten,
        dense(1, sigmoid),
    }

    struct Kinds {
        input: [4, 6, 6],
        concat { [conv2d(4, 3, padding = same)], [flatten] },
        flatten,
        dense(1, sigmoid),
    }
}

fn main() {}
