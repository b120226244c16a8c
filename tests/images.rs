//! Image networks through the public API: output shapes and parameter
//! counts against Keras' figures, a small CNN learning a task, gradients of
//! a whole network, batch norm's training state, determinism on any number
//! of threads, and weight files with PyTorch's names for every image layer.

use nn::io::{Dtype, WeightFile};
use nn::layers::{Backward, Layer, Mode};
use nn::prelude::*;

network! {
    /// The keras-io mnist_convnet network.
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv2d(32, 3, relu),
        maxpool2d(2),
        conv2d(64, 3, relu),
        maxpool2d(2),
        flatten,
        dropout(0.5),
        dense(10, softmax),
    }

    /// Strides, same padding, uneven kernels and windows, global pooling.
    struct Shapes {
        input: [3, 28, 28],
        conv2d(8, 3, stride = 2, padding = same),
        conv2d(8, (3, 5)),
        maxpool2d(3, stride = 2),
        avgpool2d(2, padding = same),
        global_avgpool2d,
        dense(4),
    }

    /// Batch norm after a convolution and after a dense layer.
    struct Normed {
        input: [1, 6, 6],
        conv2d(3, 3, tanh),
        batch_norm,
        maxpool2d(2),
        flatten,
        dense(5, tanh),
        batch_norm(momentum = 0.9),
        dense(2, softmax),
    }
}

/// The summary Keras prints for the keras-io network (channels first, as
/// PyTorch lays images out): 26, 13, 11 and 5 pixels a side, 34,826 parameters.
#[test]
fn the_mnist_cnn_has_keras_shapes_and_parameter_counts() {
    let summary = MnistCnn::seeded(0).summary();
    let rows: Vec<(&str, &str, usize)> =
        summary.rows.iter().map(|r| (r.layer.as_str(), r.output.as_str(), r.params)).collect();
    assert_eq!(
        rows,
        [
            ("conv2d (relu)", "(32, 26, 26)", 320),
            ("maxpool2d", "(32, 13, 13)", 0),
            ("conv2d (relu)", "(64, 11, 11)", 18_496),
            ("maxpool2d", "(64, 5, 5)", 0),
            ("flatten", "(1600)", 0),
            ("dropout (0.5)", "(1600)", 0),
            ("dense (softmax)", "(10)", 16_010),
        ]
    );
    assert_eq!(summary.total_params(), 34_826);
    assert_eq!(MnistCnn::PARAMS, 34_826);
    assert_eq!((MnistCnn::INPUT, MnistCnn::OUTPUT), (784, 10));
    assert!(summary.to_string().ends_with("Total params: 34826"), "{summary}");
}

/// Keras' figures for the same layers (`Conv2D(8, 3, strides=2,
/// padding="same")` on 28 gives 14; `Conv2D(8, (3, 5))` on 14 gives (12, 10);
/// `MaxPooling2D(3, strides=2)` on (12, 10) gives (5, 4); `AveragePooling2D(2,
/// padding="same")` on (5, 4) gives (3, 2)).
#[test]
fn strides_paddings_and_uneven_windows_give_keras_shapes() {
    let summary = Shapes::seeded(0).summary();
    let outputs: Vec<&str> = summary.rows.iter().map(|r| r.output.as_str()).collect();
    assert_eq!(outputs, ["(8, 14, 14)", "(8, 12, 10)", "(8, 5, 4)", "(8, 3, 2)", "(8)", "(4)"]);
    let params: Vec<usize> = summary.rows.iter().map(|r| r.params).collect();
    assert_eq!(params, [3 * 9 * 8 + 8, 8 * 15 * 8 + 8, 0, 0, 0, 8 * 4 + 4]);
    type Second = nn::layers::Conv2d<8, 14, 14, 8, 3, 5, 1, 1, false, nn::act::Linear>;
    assert_eq!((Second::OH, Second::OW), (12, 10));
    assert_eq!(<Shapes as Layer>::OUTPUT, 4);
}

/// Batch norm's moving statistics are Keras' non-trainable parameters: in
/// the `Param #` column and in their own total line.
#[test]
fn batch_norm_counts_its_statistics_as_non_trainable_parameters() {
    let summary = Normed::seeded(0).summary();
    assert_eq!(summary.rows[1].params + summary.rows[1].state, 4 * 3);
    assert_eq!(summary.rows[5].state, 2 * 5);
    assert_eq!(summary.non_trainable_params(), 2 * 3 + 2 * 5);
    assert_eq!(summary.trainable_params(), Normed::PARAMS);
    let text = summary.to_string();
    assert!(text.contains(&format!("Non-trainable params: {}", 2 * 3 + 2 * 5)), "{text}");
    assert_eq!(<Normed as Layer>::STATE, 16);
}

/// 8x8 images holding one bright bar, horizontal (class 0) or vertical
/// (class 1), at every place, with noise.
fn bars(samples: usize, seed: u64) -> Dataset<64, 2> {
    use nn::rand::{Rng, SeedableRng};
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(seed);
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..samples {
        let vertical = rng.random_bool(0.5);
        let at = rng.random_range(0..8);
        let image: [f32; 64] = std::array::from_fn(|i| {
            let (y, x) = (i / 8, i % 8);
            let on = if vertical { x == at } else { y == at };
            f32::from(u8::from(on)) + rng.random_range(-0.2..0.2)
        });
        inputs.push(image);
        targets.push(if vertical { [0.0, 1.0] } else { [1.0, 0.0] });
    }
    Dataset::from_rows(&inputs, &targets).unwrap()
}

network! {
    struct Bars {
        input: [1, 8, 8],
        conv2d(4, 3, relu),
        maxpool2d(2),
        flatten,
        dense(2, softmax),
    }
}

#[test]
fn a_small_cnn_learns_to_tell_horizontal_from_vertical_bars() {
    let (train, test) = (bars(400, 1), bars(200, 2));
    let mut net = Bars::seeded(3);
    let before = net.evaluate(&test, CategoricalCrossentropy).unwrap();
    let options = Fit::new().epochs(15).batch_size(16).seed(4).quiet();
    net.fit(&train, CategoricalCrossentropy, Adam::new(0.01), options).unwrap();
    let after = net.evaluate(&test, CategoricalCrossentropy).unwrap();
    assert!(after.accuracy >= 0.97, "test accuracy {} (before training {})", after.accuracy, before.accuracy);
    assert!(after.loss < before.loss / 4.0, "loss {} from {}", after.loss, before.loss);
}

/// Every gradient of a whole network (convolution, batch norm, pooling,
/// flatten, dense), through `Network::backward`, against finite differences
/// of its outputs in evaluation.
#[test]
fn a_whole_image_network_differentiates_like_finite_differences() {
    let mut net = Normed::seeded(5);
    // Statistics away from 0 and 1, so the evaluation pass uses them.
    let mut k = 0.0;
    net.visit_state(&mut |state| {
        for v in state.iter_mut() {
            k += 0.1;
            *v = 0.5 + 0.3 * (k as f32).sin().abs();
        }
    });
    let inputs = Batch::<36>::from_fn(3, |i, j| ((i * 7 + j * 11) % 13) as f32 / 6.0 - 1.0);
    let weights: Vec<f32> = (0..6).map(|i| (i as f32 * 0.7).cos()).collect();
    let loss = |net: &Normed, inputs: &Batch<36>| -> f64 {
        net.predict(inputs).unwrap().iter().zip(&weights).map(|(o, w)| f64::from(*o) * f64::from(*w)).sum()
    };
    let output_grad = Batch::<2>::from_column_slice(&weights);
    let (grads, input_grad) = net.backward(&inputs, &output_grad).unwrap();
    let mut analytic = Vec::new();
    grads.params(&mut |g| analytic.extend_from_slice(g));
    let h = 1e-2f32;
    let mut index = 0;
    let total = analytic.len();
    while index < total {
        let nudged = |delta: f32| {
            let mut copy = Normed::zeroed();
            copy.load_bytes(&net.to_bytes()).unwrap();
            let mut at = 0;
            copy.visit_params(&Normed::zeroed(), &mut |p, _| {
                if (at..at + p.len()).contains(&index) {
                    p[index - at] += delta;
                }
                at += p.len();
            });
            loss(&copy, &inputs)
        };
        let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
        let got = f64::from(analytic[index]);
        assert!((numeric - got).abs() <= 3e-3 * (1.0 + numeric.abs()), "parameter {index}: {numeric} vs {got}");
        index += 1;
    }
    for (i, analytic) in input_grad.iter().enumerate() {
        let (mut plus, mut minus) = (inputs.clone(), inputs.clone());
        plus.as_mut_slice()[i] += h;
        minus.as_mut_slice()[i] -= h;
        let numeric = (loss(&net, &plus) - loss(&net, &minus)) / (2.0 * f64::from(h));
        assert!((numeric - f64::from(*analytic)).abs() <= 3e-3 * (1.0 + numeric.abs()), "input {i}");
    }
}

/// Training moves the moving statistics once per step (evaluation never);
/// `evaluate` and `predict` use them, so the same inputs give other outputs
/// than in training.
#[test]
fn batch_norm_learns_its_statistics_in_fit_and_uses_them_after() {
    let inputs: Vec<[f32; 36]> =
        (0..48).map(|s| std::array::from_fn(|i| ((s * 36 + i) % 17) as f32 * 0.3 + 2.0)).collect();
    let targets: Vec<[f32; 2]> = (0..48).map(|s| if s % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let shifted = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Normed::seeded(1);
    assert_eq!((net.layer1.num_batches_tracked, net.layer1.running_mean[0]), (0, 0.0));
    let options = Fit::new().epochs(2).batch_size(16).seed(2).quiet().validation(&shifted);
    net.fit(&shifted, CategoricalCrossentropy, Sgd::new(0.01), options).unwrap();
    assert_eq!(net.layer1.num_batches_tracked, 6, "two epochs of three steps, and no update from validation");
    assert_eq!(net.layer5.num_batches_tracked, 6);
    // The inputs' mean is far from 0: the moving mean has moved towards it,
    // 1% per step (Keras' momentum), 10% per step for the second.
    assert!(net.layer1.running_mean.iter().all(|m| *m != 0.0));
    assert!(net.layer5.running_var.iter().all(|v| *v != 1.0));
    let before = net.layer1.running_mean.clone();
    net.evaluate(&shifted, CategoricalCrossentropy).unwrap();
    net.predict(&Batch::<36>::from_element(4, 1.0)).unwrap();
    assert_eq!(net.layer1.running_mean, before, "evaluation does not move the statistics");
}

/// Early stopping that restores the best epoch restores batch norm's moving
/// statistics with the weights, as Keras' `restore_best_weights` does.
#[test]
fn restoring_the_best_epoch_restores_the_moving_statistics_too() {
    let inputs: Vec<[f32; 36]> =
        (0..64).map(|s| std::array::from_fn(|i| ((s * 5 + i * 3) % 11) as f32 * 0.2)).collect();
    let targets: Vec<[f32; 2]> = (0..64).map(|s| if (s / 3) % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let train = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Normed::seeded(6);
    let stop = EarlyStopping::new(Monitor::Loss).patience(100).restore_best_weights(true);
    let options = Fit::new().epochs(6).batch_size(16).seed(1).quiet().early_stopping(stop);
    // A learning rate so large that the loss goes up after the first epochs.
    let history = net.fit(&train, CategoricalCrossentropy, Sgd::new(3.0), options).unwrap();
    let best = history.best_epoch.unwrap();
    assert!(best < history.epochs.len(), "the best epoch {best} is not the last, so restoring changes something");
    let mut replay = Normed::seeded(6);
    let options = Fit::new().epochs(best).batch_size(16).seed(1).quiet();
    replay.fit(&train, CategoricalCrossentropy, Sgd::new(3.0), options).unwrap();
    assert_eq!(net.layer1.running_mean, replay.layer1.running_mean, "best epoch {best} of {}", history.epochs.len());
    assert_eq!(net.layer5.running_var, replay.layer5.running_var);
}

network! {
    struct Deterministic {
        input: [2, 12, 12],
        conv2d(6, 3, relu, padding = same),
        batch_norm,
        maxpool2d(2),
        conv2d(8, (3, 2), tanh, stride = (1, 2)),
        avgpool2d(2, padding = same),
        flatten,
        dropout(0.3),
        dense(3, softmax),
    }
}

/// Training gives the same weights and statistics, bit for bit, on one, two
/// or three threads: the samples of a batch are shared between threads, and
/// the weight gradient is summed per fixed group of samples, then over the
/// groups in order.
#[test]
fn image_training_gives_the_same_weights_on_any_number_of_threads() {
    let inputs: Vec<[f32; 288]> =
        (0..90).map(|s| std::array::from_fn(|i| ((s * 288 + i * 7) % 31) as f32 / 31.0)).collect();
    let targets: Vec<[f32; 3]> = (0..90).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s % 3)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let run = |threads: usize| {
        nn::gemm::set_threads(threads);
        let mut net = Deterministic::seeded(3);
        let options = Fit::new().epochs(2).batch_size(40).seed(1).quiet();
        net.fit(&data, CategoricalCrossentropy, Adam::default(), options).unwrap();
        let mut bits: Vec<u32> = Vec::new();
        net.params(&mut |p| bits.extend(p.iter().map(|v| v.to_bits())));
        net.visit_state(&mut |s| bits.extend(s.iter().map(|v| v.to_bits())));
        let outputs = net.predict(&Batch::<288>::from_fn(50, |i, j| ((i + j) % 9) as f32 / 9.0)).unwrap();
        bits.extend(outputs.iter().map(|v| v.to_bits()));
        bits
    };
    let one = run(1);
    for threads in [2, 3] {
        let differing = run(threads).iter().zip(&one).position(|(a, b)| a != b);
        assert_eq!(differing, None, "first value that differs on {threads} threads");
    }
    nn::gemm::set_threads(0);
}

/// The tensors of the matching `torch.nn.Sequential`: `Conv2d` weights as
/// `[out, in, kh, kw]`, each activation, pooling, flatten and dropout a
/// module of its own, batch norm's five tensors with an `I64` count.
#[test]
fn image_layers_save_pytorch_names_and_load_back() {
    // Normed = Sequential(Conv2d(1, 3, 3), Tanh(), BatchNorm2d(3), MaxPool2d(2), Flatten(),
    //                     Linear(12, 5), Tanh(), BatchNorm1d(5), Linear(5, 2), Softmax(dim=1))
    let mut net = Normed::seeded(2);
    let inputs: Vec<[f32; 36]> = (0..8).map(|s| std::array::from_fn(|i| ((s + i) % 5) as f32)).collect();
    let targets: Vec<[f32; 2]> =
        (0..8).map(|s| [f32::from(u8::from(s % 2 == 0)), f32::from(u8::from(s % 2 == 1))]).collect();
    let train = Dataset::from_rows(&inputs, &targets).unwrap();
    net.fit(&train, CategoricalCrossentropy, Adam::default(), Fit::new().epochs(3).batch_size(4).quiet()).unwrap();
    let bytes = net.to_bytes();
    let file = WeightFile::parse(&bytes, "normed").unwrap();
    let tensors: Vec<(String, Dtype, Vec<usize>)> =
        file.tensors().iter().map(|t| (t.name().to_string(), t.dtype(), t.shape().to_vec())).collect();
    let expect = |name: &str, dtype: Dtype, shape: &[usize]| (name.to_string(), dtype, shape.to_vec());
    assert_eq!(
        tensors,
        [
            expect("0.weight", Dtype::F32, &[3, 1, 3, 3]),
            expect("0.bias", Dtype::F32, &[3]),
            expect("2.weight", Dtype::F32, &[3]),
            expect("2.bias", Dtype::F32, &[3]),
            expect("2.running_mean", Dtype::F32, &[3]),
            expect("2.running_var", Dtype::F32, &[3]),
            expect("2.num_batches_tracked", Dtype::I64, &[]),
            expect("5.weight", Dtype::F32, &[5, 12]),
            expect("5.bias", Dtype::F32, &[5]),
            expect("7.weight", Dtype::F32, &[5]),
            expect("7.bias", Dtype::F32, &[5]),
            expect("7.running_mean", Dtype::F32, &[5]),
            expect("7.running_var", Dtype::F32, &[5]),
            expect("7.num_batches_tracked", Dtype::I64, &[]),
            expect("8.weight", Dtype::F32, &[2, 5]),
            expect("8.bias", Dtype::F32, &[2]),
        ]
    );
    assert_eq!(file.tensor("2.num_batches_tracked").unwrap().data(), 6i64.to_le_bytes());
    // Conv2d's weight is [out, in, kh, kw] row-major: the layer's own order.
    assert_eq!(file.values("0.weight").unwrap(), &net.layer0.weight[..]);

    let copy = Normed::from_bytes(&bytes).unwrap();
    assert_eq!(copy.layer1.num_batches_tracked, 6);
    assert_eq!(copy.layer1.running_var, net.layer1.running_var);
    let probe = Batch::<36>::from_fn(5, |i, j| ((i * 3 + j) % 7) as f32);
    assert_eq!(copy.predict(&probe).unwrap(), net.predict(&probe).unwrap());
}

/// A count stored as a float, or a convolution of other channels, is an
/// error naming the tensor, and the network is left as it was.
#[test]
fn a_mismatched_image_weight_file_is_an_error_naming_the_tensor() {
    use nn::layers::{Tensor, Values};
    let net = Normed::seeded(4);
    let mut tensors = Vec::new();
    net.tensors("", &mut |t| {
        tensors.push(Tensor {
            name: t.name,
            shape: t.shape,
            values: match t.values {
                Values::F32(v) => Values::F32(v.into_owned().into()),
                Values::I64(v) => Values::I64(v.into_owned().into()),
            },
        })
    });
    let with = |name: &str, replacement: Tensor<'static>| {
        let edited: Vec<Tensor<'_>> =
            tensors.iter().map(|t| if t.name == name { replacement.clone() } else { t.clone() }).collect();
        nn::io::serialize(&edited, &[]).unwrap()
    };
    let mut target = Normed::seeded(9);
    let before = target.to_bytes();

    let float_count = Tensor { name: "2.num_batches_tracked".into(), shape: vec![], values: vec![0.0f32].into() };
    let error = target.load_bytes(&with("2.num_batches_tracked", float_count)).unwrap_err().to_string();
    assert!(error.contains("tensor `2.num_batches_tracked`: expected I64 values, found F32 values"), "{error}");
    let wrong = Tensor { name: "0.weight".into(), shape: vec![3, 2, 3, 3], values: vec![0.0f32; 54].into() };
    let error = target.load_bytes(&with("0.weight", wrong)).unwrap_err().to_string();
    assert!(error.contains("tensor `0.weight`: expected shape [3, 1, 3, 3], found shape [3, 2, 3, 3]"), "{error}");
    assert_eq!(target.to_bytes(), before, "a failed load changes nothing");
}

/// The MNIST CNN's widest layer is its first convolution's output (32
/// channels of 26 x 26), which sets the batches `predict` runs.
#[test]
fn the_cnn_is_as_wide_as_its_first_convolution() {
    assert_eq!(<MnistCnn as Layer>::WIDEST, 32 * 26 * 26);
}

network! {
    /// Convolutions each followed by a max pooling, which `network!` runs
    /// sample by sample as pairs: first, in the middle, and last.
    #[derive(Clone)]
    pub struct Pooled {
        input: [2, 12, 12],
        conv2d(4, 3, relu),
        maxpool2d(2),
        conv2d(16, 2, tanh),
        maxpool2d(2),
        flatten,
        dense(6, relu),
    }
}

network! {
    #[derive(Clone)]
    pub struct PooledLast {
        input: [1, 9, 9],
        conv2d(3, 2, relu),
        maxpool2d(2),
    }
}

/// One layer's forward pass in training mode.
fn forward_of<L: Layer>(layer: &L, input: &[f32], batch: usize) -> (Vec<f32>, L::Buffers) {
    let (mut output, mut buffers) = (vec![0.0; L::OUTPUT * batch], L::Buffers::default());
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(1);
    layer.forward_batch(input, &mut output, batch, &mut buffers, &mut Mode::Training(&mut rng));
    (output, buffers)
}

/// One layer's backward pass (with SGD at `rate`, when given, which
/// updates `layer`): its gradients and the gradient to its input.
fn backward_of<L: Layer>(
    layer: &mut L,
    [input, output]: [&[f32]; 2],
    mut grad: Vec<f32>,
    batch: usize,
    buffers: &mut L::Buffers,
    sgd: Option<f32>,
) -> (L, Vec<f32>) {
    let (mut grads, mut grad_input) = (L::zeroed(), vec![0.0; L::INPUT * batch]);
    let pass = Backward {
        input,
        output,
        grad: &mut grad,
        preactivation: false,
        grad_input: Some(&mut grad_input),
        batch,
        buffers,
    };
    match sgd {
        Some(rate) => layer.backward_sgd(pass, &mut grads, rate),
        None => layer.backward_batch(pass, &mut grads),
    }
    (grads, grad_input)
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// A network's passes, with SGD at `rate` when given: its output, its
/// gradients (or, with SGD, its updated parameters) and the gradient to its
/// input, as bits.
fn passes_of<N: Layer + Clone>(net: &N, input: &[f32], grad: &[f32], batch: usize, sgd: Option<f32>) -> [Vec<u32>; 3] {
    let mut net = net.clone();
    let (output, mut buffers) = forward_of(&net, input, batch);
    let (grads, grad_input) = backward_of(&mut net, [input, &output], grad.to_vec(), batch, &mut buffers, sgd);
    let params = params_of(if sgd.is_some() { &net } else { &grads });
    [bits(&output), bits(&params), bits(&grad_input)]
}

/// `network!` runs a `conv2d` and the `maxpool2d` after it sample by sample
/// (the convolution's output never leaves the cache); the results are the
/// layers' own, bit for bit: output, gradients, gradient to the input, and
/// the weights after an SGD step, for pairs first, in the middle and last.
#[test]
fn a_convolution_and_the_max_pooling_after_it_run_as_the_two_layers_do() {
    let batch = 5;
    let input: Vec<f32> = (0..288 * batch).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
    let grad: Vec<f32> = (0..6 * batch).map(|i| (i as f32 * 0.37).sin()).collect();
    let net = Pooled::seeded(7);
    for sgd in [None, Some(0.1)] {
        let mut layers = net.clone();
        let (a0, mut b0) = forward_of(&layers.layer0, &input, batch);
        let (a1, mut b1) = forward_of(&layers.layer1, &a0, batch);
        let (a2, mut b2) = forward_of(&layers.layer2, &a1, batch);
        let (a3, mut b3) = forward_of(&layers.layer3, &a2, batch);
        let (a5, mut b5) = forward_of(&layers.layer5, &a3, batch);
        let (g5, d5) = backward_of(&mut layers.layer5, [&a3, &a5], grad.clone(), batch, &mut b5, sgd);
        let (_, d3) = backward_of(&mut layers.layer3, [&a2, &a3], d5, batch, &mut b3, sgd);
        let (g2, d2) = backward_of(&mut layers.layer2, [&a1, &a2], d3, batch, &mut b2, sgd);
        let (_, d1) = backward_of(&mut layers.layer1, [&a0, &a1], d2, batch, &mut b1, sgd);
        let (g0, d0) = backward_of(&mut layers.layer0, [&input, &a0], d1, batch, &mut b0, sgd);
        let params = match sgd {
            Some(_) => params_of(&layers),
            None => [params_of(&g0), params_of(&g2), params_of(&g5)].concat(),
        };
        let [output, got, grad_input] = passes_of(&net, &input, &grad, batch, sgd);
        assert_eq!(output, bits(&a5), "output");
        assert_eq!(got, bits(&params), "{}", if sgd.is_some() { "weights after SGD" } else { "gradients" });
        assert_eq!(grad_input, bits(&d0), "gradient to the input");
    }

    let net = PooledLast::seeded(8);
    let input: Vec<f32> = (0..81 * batch).map(|i| ((i * 29) % 43) as f32 / 21.0 - 1.0).collect();
    let grad: Vec<f32> = (0..48 * batch).map(|i| (i as f32 * 0.23).cos()).collect();
    let mut layers = net.clone();
    let (a0, mut b0) = forward_of(&layers.layer0, &input, batch);
    let (a1, mut b1) = forward_of(&layers.layer1, &a0, batch);
    let (_, d1) = backward_of(&mut layers.layer1, [&a0, &a1], grad.clone(), batch, &mut b1, None);
    let (g0, d0) = backward_of(&mut layers.layer0, [&input, &a0], d1, batch, &mut b0, None);
    assert_eq!(passes_of(&net, &input, &grad, batch, None), [bits(&a1), bits(&params_of(&g0)), bits(&d0)]);
}

/// Every parameter of a layer, in order, as one vector.
fn params_of<L: Layer>(layer: &L) -> Vec<f32> {
    let mut all = Vec::new();
    layer.params(&mut |p| all.extend_from_slice(p));
    all
}
