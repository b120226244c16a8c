// `forward` with an `SVector` of the wrong length.
use nn::prelude::*;

network! {
    struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

fn main() {
    let xor = Xor::seeded(0);
    let x = SVector::<f32, 3>::zeros();
    let _ = xor.forward(&x);
}
