// Mistakes inside a block are reported at the layer, in the shapes flowing
// inside it, as anywhere else; one that is misspelt gets its suggestion.
use nn::prelude::*;

network! {
    struct Inside {
        input: [8, 8, 8],
        residual { conv2d(8, 3, padding = same), dense(8) },
        add { [conv2d(8, 3, padding = same), batch_norn], [] },
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
