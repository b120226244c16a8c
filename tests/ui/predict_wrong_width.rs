// `predict` on a batch whose samples have another width than the input.
use nn::prelude::*;

network! {
    struct Classifier {
        input: 4,
        dense(3, softmax),
    }
}

fn main() {
    let net = Classifier::seeded(0);
    let batch = Batch::<5>::zeros(10);
    let _ = net.predict(&batch);
}
