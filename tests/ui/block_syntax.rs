// Blocks written the wrong way: a block without its braces, a layer with
// braces, branches where a list of layers belongs and the other way round,
// an empty body, arguments to a block that takes none.
use nn::prelude::*;

network! {
    struct NoBraces {
        input: 16,
        residual,
        dense(1, sigmoid),
    }

    struct LayerWithBraces {
        input: 16,
        dense(16) { relu },
        dense(1, sigmoid),
    }

    struct BranchesInResidual {
        input: 16,
        residual { [dense(16)], [] },
        dense(1, sigmoid),
    }

    struct LayersInAdd {
        input: 16,
        add { dense(16), relu },
        dense(1, sigmoid),
    }

    struct EmptyBody {
        input: 16,
        residual {},
        dense(1, sigmoid),
    }

    struct Arguments {
        input: 16,
        residual(2) { dense(16) },
        dense(1, sigmoid),
    }
}

fn main() {}
