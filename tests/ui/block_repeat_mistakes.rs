// A `repeat` whose layers change the shape (each copy would take another
// shape than the one before gives), `repeat(0)`, and a repeat without its
// count; `repeat(1)` may change the shape.
use nn::prelude::*;

network! {
    struct Widening {
        input: 16,
        repeat(3) { dense(32, relu) },
        dense(1, sigmoid),
    }

    struct NoCopies {
        input: 16,
        repeat(0) { dense(16, relu) },
        dense(1, sigmoid),
    }

    struct NoCount {
        input: 16,
        repeat { dense(16, relu) },
        dense(1, sigmoid),
    }

    struct OneCopy {
        input: 16,
        repeat(1) { dense(32, relu) },
        dense(1, sigmoid),
    }
}

fn main() {}
