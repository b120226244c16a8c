//! Blocks: networks with `residual`, `add`, `concat` and `repeat` compile
//! into nested nn-core composites, train, name their tensors as a plain
//! PyTorch module tree does, show their blocks nested in `summary()`, and
//! run in their view as `forward` does, bit for bit.

use nn::prelude::*;

network! {
    /// A small ResNet: a stem, two basic blocks, a strided block with a
    /// projection shortcut, a classifier.
    pub struct TinyResNet {
        input: [1, 12, 12],
        conv2d(8, 3, padding = same, use_bias = false), batch_norm, relu,
        repeat(2) {
            residual { conv2d(8, 3, padding = same, use_bias = false), batch_norm, relu,
                       conv2d(8, 3, padding = same, use_bias = false), batch_norm },
            relu,
        },
        add { [conv2d(16, 3, stride = 2, padding = same, use_bias = false), batch_norm, relu,
               conv2d(16, 3, padding = same, use_bias = false), batch_norm],
              [conv2d(16, 1, stride = 2, use_bias = false), batch_norm] },
        relu,
        global_avgpool2d,
        dense(3, softmax),
    }

    /// Images joined along their channels: a 1x1 branch, a deeper one,
    /// the identity (2 + 4 + 4 channels), then a residual over all ten.
    pub struct Joined {
        input: [2, 8, 8],
        concat { [conv2d(4, 1, relu)], [conv2d(2, 3, relu, padding = same), conv2d(4, 3, padding = same)], [] },
        residual { conv2d(10, 3, padding = same), batch_norm, relu },
        global_avgpool2d,
        dense(3, softmax),
    }

    /// Sequences joined feature by feature at each step: an LSTM's steps
    /// beside a dense layer on every step.
    pub struct SequenceJoined {
        input: [4, 6],
        concat { [lstm(5, return_sequences = true)], [dense(3, tanh)] },
        lstm(4),
        dense(3, softmax),
    }

    /// Vectors: a residual MLP, three branches summed, an identity branch.
    pub struct Vectors {
        input: 6,
        dense(8, tanh),
        residual { dense(8, relu), dense(8) },
        add { [dense(8, tanh)], [dense(8)], [] },
        dense(3, softmax),
    }
}

/// Tensor names as PyTorch's module tree would give them: a repeat's copies
/// by index, a residual's body under `body`, an add's branches under
/// `branches`, the layers inside each by their index.
#[test]
fn block_tensors_are_named_as_a_pytorch_module_tree() {
    let bytes = TinyResNet::seeded(1).to_bytes();
    let file = nn::io::WeightFile::parse(&bytes, "tiny").unwrap();
    let names: Vec<&str> = file.tensors().iter().map(|t| t.name()).collect();
    for name in [
        "0.weight",
        "1.running_mean",
        "3.0.0.body.0.weight",
        "3.0.0.body.1.weight",
        "3.1.0.body.3.weight",
        "3.1.0.body.4.running_var",
        "4.branches.0.0.weight",
        "4.branches.0.4.bias",
        "4.branches.1.0.weight",
        "4.branches.1.1.num_batches_tracked",
        "8.weight",
        "8.bias",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(!names.contains(&"0.bias"), "a convolution without bias saves none: {names:?}");
    let state = |name: &str| name.contains("running_") || name.contains("num_batches");
    let saved: usize = names.iter().filter(|name| !state(name)).map(|name| file.values(name).unwrap().len()).sum();
    assert_eq!(TinyResNet::PARAMS, saved, "every parameter of every block is saved");
}

/// `summary()` shows each block's branches and layers indented under it,
/// each with its output shape and parameters, and counts each parameter
/// once in the totals.
#[test]
fn the_summary_shows_blocks_nested() {
    let summary = TinyResNet::seeded(1).summary();
    let rows: Vec<(usize, &str, &str)> =
        summary.rows.iter().map(|r| (r.depth, r.layer.as_str(), r.output.as_str())).collect();
    assert_eq!(rows[3], (0, "repeat (2)", "(8, 12, 12)"));
    assert_eq!(rows[4], (1, "copy 1", "(8, 12, 12)"));
    assert_eq!(rows[5], (2, "residual", "(8, 12, 12)"));
    assert_eq!(rows[6], (3, "conv2d (linear)", "(8, 12, 12)"));
    let add = rows.iter().position(|r| r.1 == "add").unwrap();
    assert_eq!(rows[add + 1], (1, "branch 1", "(16, 6, 6)"));
    assert_eq!(rows[add + 2], (2, "conv2d (linear)", "(16, 6, 6)"));
    let top: usize = summary.rows.iter().filter(|r| r.depth == 0).map(|r| r.params).sum();
    assert_eq!((summary.trainable_params(), top), (TinyResNet::PARAMS, TinyResNet::PARAMS));
    let printed = summary.to_string();
    assert!(printed.contains("\n  copy 1 "), "{printed}");
    assert!(printed.contains("\n      conv2d (linear) "), "{printed}");
    assert!(printed.contains(&format!("Trainable params: {}", TinyResNet::PARAMS)), "{printed}");
}

/// Three Gaussian blobs in 6 dimensions (and as 1x12x12 images), labelled
/// by blob.
fn blobs<const I: usize>(samples: usize) -> Dataset<I, 3> {
    let inputs: Vec<[f32; I]> = (0..samples)
        .map(|s| {
            std::array::from_fn(|i| {
                ((s % 3) as f32 - 1.0) * (1.0 + (i % 3) as f32 * 0.3) + 0.4 * ((s * 31 + i * 7) as f32).sin()
            })
        })
        .collect();
    let targets: Vec<[f32; 3]> =
        (0..samples).map(|s| std::array::from_fn(|k| f32::from(u8::from(k == s % 3)))).collect();
    Dataset::from_rows(&inputs, &targets).unwrap()
}

/// Block networks train: the loss falls and the classes are learned, with
/// batch norm inside residual bodies and branches in training mode.
#[test]
fn block_networks_learn() {
    let data = blobs::<144>(96);
    let mut net = TinyResNet::seeded(2);
    let options = Fit::new().epochs(8).batch_size(16).seed(1).quiet();
    let history = net.fit(&data, CategoricalCrossentropy, Adam::new(0.01), options).unwrap();
    let (first, last) = (history.epochs[0].loss, history.epochs.last().unwrap().loss);
    assert!(last < first * 0.5, "loss {first} -> {last}");
    assert!(net.evaluate(&data, CategoricalCrossentropy).unwrap().accuracy > 0.9);

    let data = blobs::<6>(96);
    let mut net = Vectors::seeded(3);
    let history = net
        .fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(30).batch_size(16).seed(1).quiet())
        .unwrap();
    assert!(history.epochs.last().unwrap().loss < history.epochs[0].loss * 0.5);
    assert!(net.evaluate(&data, CategoricalCrossentropy).unwrap().accuracy > 0.9);
}

/// Training a block network on one thread and on two gives the same bits.
#[test]
fn block_networks_train_to_the_same_bits_on_one_and_two_threads() {
    let data = blobs::<144>(64);
    let train = |threads| {
        nn::gemm::set_threads(threads);
        let mut net = TinyResNet::seeded(4);
        net.fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(2).batch_size(32).seed(1).quiet())
            .unwrap();
        net.to_bytes()
    };
    let (one, two) = (train(1), train(2));
    nn::gemm::set_threads(2);
    assert!(one == two, "the weights after training differ between 1 and 2 threads");
}

/// A block network's view gives what its `forward` gives, bit for bit,
/// after training (batch norm's moving statistics away from their start).
#[test]
fn a_block_networks_view_gives_what_forward_gives() {
    let data = blobs::<144>(48);
    let mut net = TinyResNet::seeded(5);
    net.fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(2).batch_size(16).seed(1).quiet())
        .unwrap();
    let bytes = net.to_bytes();
    let view = TinyResNet::view(&bytes).unwrap();
    for s in 0..6 {
        let x: [f32; 144] = std::array::from_fn(|i| ((s * 144 + i) as f32 * 0.37).sin());
        let (owned, viewed) = (net.forward(x), view.forward(&x));
        for (k, (a, b)) in owned.iter().zip(&viewed).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "sample {s}, output {k}: forward {a}, view {b}");
        }
    }
    let net = Vectors::seeded(6);
    let bytes = net.to_bytes();
    let view = Vectors::view(&bytes).unwrap();
    let x = [0.3, -0.2, 0.9, 0.1, -0.7, 0.5];
    assert_eq!(net.forward(x).as_slice(), view.forward(&x));
}

/// Batch norm inside a block updates its moving statistics in training, as
/// it does outside one: after `fit`, the running means inside a residual
/// body and an add's branch have moved from their start of zero.
#[test]
fn batch_norm_inside_blocks_keeps_its_moving_statistics() {
    let data = blobs::<144>(48);
    let mut net = TinyResNet::seeded(7);
    net.fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(2).batch_size(16).seed(1).quiet())
        .unwrap();
    let bytes = net.to_bytes();
    let file = nn::io::WeightFile::parse(&bytes, "tiny").unwrap();
    for name in [
        "1.running_mean",
        "3.0.0.body.1.running_mean",
        "3.1.0.body.4.running_mean",
        "4.branches.0.1.running_mean",
        "4.branches.1.1.running_mean",
    ] {
        let values = file.values(name).unwrap();
        assert!(values.iter().any(|v| *v != 0.0), "{name}: {values:?}");
    }
}

/// A concat's output holds its branches' channels (or features per step)
/// one after the other: the widths add up, the network trains, and its view
/// gives its bits.
#[test]
fn concat_joins_channels_and_steps() {
    assert_eq!(Joined::OUTPUT, 3);
    let summary = Joined::seeded(1).summary();
    assert_eq!((summary.rows[0].layer.as_str(), summary.rows[0].output.as_str()), ("concat", "(10, 8, 8)"));
    let summary = SequenceJoined::seeded(1).summary();
    assert_eq!((summary.rows[0].layer.as_str(), summary.rows[0].output.as_str()), ("concat", "(4, 8)"));

    let data = blobs::<128>(48);
    let mut net = Joined::seeded(8);
    let history = net
        .fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(6).batch_size(16).seed(1).quiet())
        .unwrap();
    assert!(
        history.epochs.last().unwrap().loss < history.epochs[0].loss,
        "{:?}",
        history.epochs.iter().map(|e| e.loss).collect::<Vec<_>>()
    );
    let bytes = net.to_bytes();
    let view = Joined::view(&bytes).unwrap();
    let x: [f32; 128] = std::array::from_fn(|i| (i as f32 * 0.3).cos());
    assert_eq!(net.forward(x).as_slice(), view.forward(&x));

    let data = blobs::<24>(48);
    let mut net = SequenceJoined::seeded(9);
    let history = net
        .fit(&data, CategoricalCrossentropy, Adam::new(0.01), Fit::new().epochs(6).batch_size(16).seed(1).quiet())
        .unwrap();
    assert!(history.epochs.last().unwrap().loss < history.epochs[0].loss);
    let bytes = net.to_bytes();
    let view = SequenceJoined::view(&bytes).unwrap();
    let x: [f32; 24] = std::array::from_fn(|i| (i as f32 * 0.3).sin());
    assert_eq!(net.forward(x).as_slice(), view.forward(&x));
}

network! {
    /// `repeat(1)` may change the shape: its one copy is not fed to another.
    pub struct OneCopy {
        input: 6,
        repeat(1) { dense(4, relu), dense(3) },
        dense(2, softmax),
    }
}

/// A repeat of one copy that changes the shape builds, trains and names its
/// copy's tensors under `0.`, as `repeat(2)` does.
#[test]
fn a_repeat_of_one_copy_may_change_the_shape() {
    assert_eq!((OneCopy::INPUT, OneCopy::OUTPUT), (6, 2));
    let net = OneCopy::seeded(1);
    let bytes = net.to_bytes();
    let file = nn::io::WeightFile::parse(&bytes, "one").unwrap();
    let names: Vec<&str> = file.tensors().iter().map(|t| t.name()).collect();
    assert_eq!(names, ["0.0.0.weight", "0.0.0.bias", "0.0.2.weight", "0.0.2.bias", "1.weight", "1.bias"]);
    let view = OneCopy::view(&bytes).unwrap();
    let x = [0.1, -0.4, 0.3, 0.9, -0.2, 0.5];
    assert_eq!(net.forward(x).as_slice(), view.forward(&x));
}
