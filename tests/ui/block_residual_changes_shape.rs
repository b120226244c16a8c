// A `residual` whose body gives another shape than it receives: reported at
// the body, with both shapes and the hint to use `add` with a projection.
use nn::prelude::*;

network! {
    struct Strided {
        input: [16, 28, 28],
        residual { conv2d(32, 3, stride = 2, padding = same), batch_norm, relu },
        global_avgpool2d,
        dense(10, softmax),
    }
}

fn main() {}
