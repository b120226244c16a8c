// An `add` whose branches give different shapes: reported at each branch that
// differs from the first, with both shapes; also inside a `repeat`, and with
// the identity `[]` as a branch.
use nn::prelude::*;

network! {
    struct Images {
        input: [8, 8, 8],
        add { [conv2d(8, 3, padding = same)], [conv2d(8, 3)] },
        flatten,
        dense(10, softmax),
    }

    struct ThreeBranches {
        input: 16,
        add { [dense(8)], [dense(8)], [dense(4)] },
        dense(1, sigmoid),
    }

    struct Nested {
        input: 16,
        repeat(2) { add { [dense(16, relu)], [] }, add { [dense(12)], [] } },
        dense(1, sigmoid),
    }
}

fn main() {}
