// Networks the macro accepts, and what their users write against them.
use nn::prelude::*;

mod blocks {
    use nn::prelude::*;

    network! {
        /// A block in another module, used by path.
        pub struct Hidden {
            input: 784,
            dense(128, relu),
        }
    }
}

network! {
    /// The tutorials' MNIST MLP, with every size stated.
    #[derive(Clone)]
    pub struct Mnist {
        input: 784,
        dense(784 => 128, relu),
        dense(128 => 10, softmax),
    }

    /// Two networks in one invocation; a nested one, by path.
    pub(crate) struct Composed {
        input: 784,
        net(blocks::Hidden),
        dense(128 => 10, softmax),
    }

    struct Image {
        input: [1, 28, 28],
        flatten,
        dense(784 => 32, tanh),
        dense(1, linear),
    }

    struct TrailingCommaFree { input: 1, dense(1) }

    /// The keras-io MNIST convnet.
    struct MnistCnn {
        input: [1, 28, 28],
        conv2d(32, 3, relu),
        maxpool2d(2),
        conv2d(64, 3, relu),
        maxpool2d(2),
        flatten,
        dropout(0.5),
        dense(10, softmax),
    }

    /// Every image layer and option.
    struct AllImageLayers {
        input: [3, 32, 32],
        conv2d(3 => 16, (3, 5), relu, stride = (1, 2), padding = same, init = he_normal, l2 = 1e-4),
        batch_norm,
        dropout(0.1),
        maxpool2d(2, stride = 1),
        avgpool2d((2, 3), padding = same),
        conv2d(16 => 8, 1, stride = 2, l1 = 1e-5),
        batch_norm(momentum = 0.9, epsilon = 1e-5),
        global_avgpool2d,
        batch_norm,
        dense(8 => 2, sigmoid),
    }

    /// The README's sequence network.
    pub struct Tagger {
        input: 20,                                 // 20 token ids (whole numbers stored as f32)
        embedding(8, 16),                          // vocabulary 8, 16 values per token -> [20, 16]
        gru(32, return_sequences = true),          // every step's output -> [20, 32]
        bidirectional(lstm(16)),                   // both directions' last outputs -> 32
        dense(1, sigmoid),
    }

    /// Every recurrent layer and option.
    struct AllSequenceLayers {
        input: [10, 3],
        lstm(3 => 8, return_sequences = true, init = he_uniform, recurrent_init = orthogonal),
        dropout(0.2),
        bidirectional(simple_rnn(4, relu, return_sequences = true)),
        dense(5, tanh, l2 = 1e-4),
        gru(5 => 6, recurrent_init = glorot_uniform),
        dense(2, softmax),
    }

    /// The guide's image network (docs/guide/03-images.md).
    pub struct Images {
        input: [3, 32, 32],                        // channels, height, width (PyTorch's NCHW)
        conv2d(32, 3, relu),                       // 32 filters of 3x3 -> [32, 30, 30]
        conv2d(32 => 64, (3, 5), relu, stride = 2, padding = same),  // -> [64, 15, 15]
        batch_norm,                                // per channel (per feature after dense)
        maxpool2d(2),                              // 2x2 windows, stride 2 -> [64, 7, 7]
        avgpool2d(3, stride = 1, padding = same),  // -> [64, 7, 7]
        global_avgpool2d,                          // each channel's mean -> 64
        dense(10, softmax),
    }

    /// A sequence flattened into a vector.
    struct Sequence {
        input: [28, 28],
        flatten,
        dense(784 => 10, softmax),
    }

    /// Every per-layer option.
    struct WithOptions {
        input: 784,
        dense(256, relu, init = he_normal, l2 = 1e-4),
        dropout(0.2),
        dense(128, tanh, l1 = 1e-5, l2 = 0),
        dropout(0),
        dense(10, softmax, init = xavier_uniform),
    }

    /// A ResNet's stem and the layers of its blocks: convolutions without
    /// bias before batch norm, activations as layers, `use_bias = true`
    /// said aloud, a reshape into rows, layer norm on each, a softmax last.
    struct Stem {
        input: [1, 28, 28],
        conv2d(16, 3, padding = same, use_bias = false), batch_norm, relu,
        conv2d(16 => 16, 3, stride = 2, padding = same, use_bias = false), batch_norm, relu,
        global_avgpool2d,
        reshape([4, 4]),
        layer_norm(epsilon = 1e-3),
        dense(8, use_bias = true),
        leaky_relu(0.1),
        flatten,
        dense(10),
        softmax,
    }
}

impl Clone for blocks::Hidden {
    fn clone(&self) -> Self {
        blocks::Hidden { layer0: self.layer0.clone() }
    }
}

fn widths<N: Network<I, O>, const I: usize, const O: usize>(_: &N) -> (usize, usize) {
    (I, O)
}

fn main() -> Result<(), nn::Error> {
    let mnist = Mnist::seeded(1).clone();
    let out: SVector<f32, 10> = mnist.forward(&SVector::<f32, 784>::zeros());
    assert_eq!(out.len(), Mnist::OUTPUT);
    assert_eq!(widths(&Composed::seeded(2)), (784, 10));
    assert_eq!(Composed::PARAMS, Mnist::PARAMS);
    assert_eq!(Image::INPUT, 784);
    let _ = TrailingCommaFree::seeded(0).forward([1.0]);
    assert_eq!(WithOptions::OUTPUT, 10);
    assert_eq!((MnistCnn::INPUT, MnistCnn::OUTPUT, MnistCnn::PARAMS), (784, 10, 34_826));
    assert_eq!((AllImageLayers::INPUT, AllImageLayers::OUTPUT), (3 * 32 * 32, 2));
    let _: SVector<f32, 10> = Sequence::seeded(0).forward([0.0; 784]);
    let outputs: Vec<String> = Tagger::seeded(0).summary().rows.into_iter().map(|r| r.output).collect();
    assert_eq!(outputs, ["(20, 16)", "(20, 32)", "(32)", "(1)"]);
    assert_eq!(AllSequenceLayers::OUTPUT, 2);
    let outputs: Vec<String> = Stem::seeded(0).summary().rows.into_iter().map(|r| r.output).collect();
    assert_eq!(outputs[6..9], ["(16)", "(4, 4)", "(4, 4)"]);
    assert_eq!(Stem::PARAMS, 16 * 9 + 32 + 16 * 16 * 9 + 32 + 8 + 4 * 8 + 8 + 32 * 10 + 10);
    let _: Batch<10> = Stem::seeded(0).predict(&Batch::<784>::zeros(2))?;
    let outputs: Vec<String> = Images::seeded(0).summary().rows.into_iter().map(|r| r.output).collect();
    assert_eq!(outputs, ["(32, 30, 30)", "(64, 15, 15)", "(64, 15, 15)", "(64, 7, 7)", "(64, 7, 7)", "(64)", "(10)"]);

    fn build() -> impl Network<2, 1> {
        network! {
            struct Local { input: 2, dense(1, sigmoid) }
        }
        Local::seeded(3)
    }
    let mut local = build();
    let data = Dataset::from_rows(&[[0.0, 1.0]], &[[1.0]])?;
    local.fit(&data, Mse, Sgd::new(0.1), Fit::new().quiet())?;
    let _ = local.evaluate(&data, Mse)?;
    Ok(())
}
