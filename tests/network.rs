//! What `network!` generates, tested through the public API: constants, summary,
//! nesting, batched and single-sample agreement, gradients, and run-time errors.

use nn::nalgebra::{Const, Dyn, OMatrix};
use nn::prelude::*;

network! {
    /// A block used as a layer of `Outer`.
    pub struct Encoder {
        input: 4,
        dense(4 => 6, relu),
        dense(3, tanh),
    }

    #[derive(Clone)]
    pub struct Outer {
        input: 4,
        net(Encoder),
        dense(3 => 5, sigmoid),
        dense(2, softmax),
    }
}

network! {
    /// Every activation once, for the gradient check.
    struct AllActivations {
        input: 3,
        dense(5, sigmoid),
        dense(4, relu),
        dense(4, linear),
        dense(3, tanh),
        dense(2, softmax),
    }
}

network! {
    /// The activations with parameters or that need their input, for the gradient check.
    struct MoreActivations {
        input: 3,
        dense(5, leaky_relu(0.2)),
        dense(4, elu),
        dense(4, gelu),
        dense(3, softplus),
        dense(2, swish),
    }
}

network! {
    struct Image {
        input: [1, 2, 3],
        flatten,
        dense(6 => 2, linear),
    }
}

impl Clone for Encoder {
    fn clone(&self) -> Self {
        Encoder { layer0: self.layer0.clone(), layer1: self.layer1.clone() }
    }
}

#[test]
fn constants_give_widths_and_parameter_counts() {
    assert_eq!((Encoder::INPUT, Encoder::OUTPUT, Encoder::PARAMS), (4, 3, (4 * 6 + 6) + (6 * 3 + 3)));
    assert_eq!((Outer::INPUT, Outer::OUTPUT), (4, 2));
    assert_eq!(Outer::PARAMS, Encoder::PARAMS + (3 * 5 + 5) + (5 * 2 + 2));
    assert_eq!((Image::INPUT, Image::OUTPUT, Image::PARAMS), (6, 2, 14));
}

#[test]
fn summary_lists_every_layer_like_keras() {
    let summary = Outer::seeded(0).summary();
    let rows: Vec<_> = summary.rows.iter().map(|r| (r.layer.as_str(), r.output.as_str(), r.params)).collect();
    assert_eq!(rows, [("net (Encoder)", "(3)", 51), ("dense (sigmoid)", "(5)", 20), ("dense (softmax)", "(2)", 12)]);
    assert_eq!(summary.total_params(), Outer::PARAMS);
    let text = summary.to_string();
    assert!(text.starts_with("Network: Outer\n"), "{text}");
    assert!(text.ends_with("Total params: 83"), "{text}");
    let image = Image::seeded(0).summary();
    assert_eq!(image.rows[0].layer, "flatten");
    assert_eq!(image.rows[0].output, "(6)");
}

#[test]
fn single_sample_and_batched_forward_agree() {
    let net = Outer::seeded(3);
    let inputs = OMatrix::<f32, Const<4>, Dyn>::from_fn(5, |i, j| ((i * 5 + j) as f32 * 0.37).sin());
    let batched = net.predict(&inputs).unwrap();
    for j in 0..5 {
        let single = net.forward(inputs.column(j).clone_owned());
        for i in 0..2 {
            assert!((single[i] - batched[(i, j)]).abs() < 1e-6);
        }
        assert!((single.sum() - 1.0).abs() < 1e-5, "softmax output sums to one");
    }
}

#[test]
fn nested_network_computes_what_its_layers_compute() {
    let net = Outer::seeded(9);
    let x = SVector::<f32, 4>::from([0.5, -0.25, 1.0, 2.0]);
    let encoded = net.layer0.forward(x);
    let by_hand = net.layer2.forward(&net.layer1.forward(&encoded));
    assert_eq!(net.forward(x), by_hand);
}

/// The loss `sum(w ⊙ output)` for fixed weights `w`, in f64.
fn weighted_output<N: Network<3, 2>>(net: &N, inputs: &OMatrix<f32, Const<3>, Dyn>, w: &[f32]) -> f64 {
    net.predict(inputs).unwrap().iter().zip(w).map(|(o, w)| f64::from(*o) * f64::from(*w)).sum()
}

/// Compare every gradient of `net.backward` with central finite differences.
fn check_gradients<N: Network<3, 2>>(net: &N) {
    let batch = 4;
    let inputs = OMatrix::<f32, Const<3>, Dyn>::from_fn(batch, |i, j| ((i * 3 + j) as f32 * 0.91).cos());
    let w: Vec<f32> = (0..2 * batch).map(|k| (k as f32 * 0.53).sin()).collect();
    let output_grad = OMatrix::<f32, Const<2>, Dyn>::from_column_slice(&w);
    let (grads, input_grad) = net.backward(&inputs, &output_grad).unwrap();

    let mut analytic = Vec::new();
    grads.params(&mut |g| analytic.push(g.to_vec()));
    // Small enough not to step across a kink of relu or leaky_relu, large enough for f32.
    let h = 1e-3f32;
    let mut checked = 0;
    for (tensor, grad) in analytic.iter().enumerate() {
        // Every parameter of small tensors, a spread of the larger ones.
        for i in (0..grad.len()).step_by(1 + grad.len() / 7) {
            let nudged = |delta: f32| {
                let mut copy = N::zeroed();
                let mut values = Vec::new();
                net.params(&mut |p| values.push(p.to_vec()));
                values[tensor][i] += delta;
                let mut slot = 0;
                copy.visit_params(&N::zeroed(), &mut |p, _| {
                    p.copy_from_slice(&values[slot]);
                    slot += 1;
                });
                weighted_output(&copy, &inputs, &w)
            };
            let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
            let analytic = f64::from(grad[i]);
            assert!(
                (numeric - analytic).abs() < 2e-2 * (1.0 + numeric.abs()),
                "tensor {tensor}[{i}]: {numeric} vs {analytic}"
            );
            checked += 1;
        }
    }
    assert_eq!(analytic.len(), 10, "weight and bias of five layers");
    assert!(checked > 40);
    for k in 0..3 * batch {
        let (mut plus, mut minus) = (inputs.clone(), inputs.clone());
        plus[k] += h;
        minus[k] -= h;
        let numeric = (weighted_output(net, &plus, &w) - weighted_output(net, &minus, &w)) / (2.0 * f64::from(h));
        assert!(
            (numeric - f64::from(input_grad[k])).abs() < 2e-2 * (1.0 + numeric.abs()),
            "input {k}: {numeric} vs {}",
            input_grad[k]
        );
    }
}

#[test]
fn whole_network_gradients_match_finite_differences() {
    check_gradients(&AllActivations::seeded(5));
    check_gradients(&MoreActivations::seeded(5));
}

#[test]
fn training_a_nested_network_reduces_its_loss() {
    let inputs: Vec<[f32; 4]> =
        (0..64).map(|i| [(i % 2) as f32, (i / 2 % 2) as f32, (i / 4 % 2) as f32, 1.0]).collect();
    let targets: Vec<[f32; 2]> =
        inputs.iter().map(|x| if x[0] + x[1] > 0.5 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Outer::seeded(1);
    let before = net.evaluate(&data, CategoricalCrossentropy).unwrap();
    let history =
        net.fit(&data, CategoricalCrossentropy, Sgd::new(0.5), Fit::new().epochs(200).batch_size(8).quiet()).unwrap();
    let after = net.evaluate(&data, CategoricalCrossentropy).unwrap();
    assert!(after.loss < before.loss / 4.0, "loss {} -> {}", before.loss, after.loss);
    assert_eq!(after.accuracy, 1.0);
    assert_eq!(history.epochs.len(), 200);
}

#[test]
fn validation_data_is_evaluated_every_epoch() {
    let data = Dataset::from_rows(&[[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]], &[[0.0, 1.0], [1.0, 0.0]]).unwrap();
    let mut net = Outer::seeded(1);
    let history =
        net.fit(&data, CategoricalCrossentropy, Sgd::new(0.1), Fit::new().epochs(3).validation(&data).quiet()).unwrap();
    let last = history.last().unwrap();
    let evaluation = net.evaluate(&data, CategoricalCrossentropy).unwrap();
    assert_eq!(last.validation, Some(evaluation));
}

network! {
    struct Line { input: 1, dense(1, linear) }
}

/// Every parameter of `net`, in the order `Layer::params` visits them.
fn all_params<N: Layer>(net: &N) -> Vec<f32> {
    let mut values = Vec::new();
    net.params(&mut |p| values.extend_from_slice(p));
    values
}

#[test]
fn a_diverging_loss_is_an_error_naming_epoch_and_batch() {
    let data = Dataset::from_rows(&[[1.0], [2.0], [3.0], [4.0]], &[[1e20], [2e20], [3e20], [4e20]]).unwrap();
    let mut net = Line::seeded(0);
    let error = net
        .fit(&data, Mse, Sgd::new(1e10), Fit::new().epochs(10).batch_size(1).shuffle(false).quiet())
        .expect_err("a learning rate of 1e10 diverges");
    let nn::Error::NonFiniteLoss { epoch, batch, .. } = error else { panic!("unexpected error {error}") };
    assert_eq!((epoch, batch), (1, 3), "the weights overflow in step 2, so step 3's loss is the first non-finite one");
    assert!(error.to_string().starts_with("loss became inf at epoch 1, batch 3"), "{error}");
}

#[test]
fn a_nan_in_the_data_stops_training_before_it_reaches_the_weights() {
    let data = Dataset::from_rows(&[[1.0], [2.0], [f32::NAN], [4.0]], &[[1.0], [2.0], [3.0], [4.0]]).unwrap();
    let mut net = Line::seeded(0);
    let error = net.fit(&data, Mse, Sgd::new(0.01), Fit::new().batch_size(1).shuffle(false).quiet()).unwrap_err();
    assert!(matches!(error, nn::Error::NonFiniteLoss { epoch: 1, batch: 3, .. }), "{error}");

    // The same two steps that preceded the failing batch, run on their own.
    let first_two = Dataset::from_rows(&[[1.0], [2.0]], &[[1.0], [2.0]]).unwrap();
    let mut reference = Line::seeded(0);
    reference.fit(&first_two, Mse, Sgd::new(0.01), Fit::new().batch_size(1).shuffle(false).quiet()).unwrap();
    assert_eq!(all_params(&net), all_params(&reference));
}

network! {
    struct ReluNet { input: 1, dense(3, relu), dense(1, linear) }
}

#[test]
fn a_nan_weight_behind_a_relu_reaches_the_loss_and_stops_training() {
    let data = Dataset::from_rows(&[[1.0], [2.0]], &[[1.0], [2.0]]).unwrap();
    let mut net = ReluNet::seeded(0);
    // The first hidden unit's weight: its pre-activation is NaN for every input.
    let mut first = true;
    net.visit_params(&ReluNet::zeroed(), &mut |params, _| {
        if std::mem::take(&mut first) {
            params[0] = f32::NAN;
        }
    });
    let error = net.fit(&data, Mse, Sgd::new(0.01), Fit::new().batch_size(1).shuffle(false).quiet()).unwrap_err();
    assert!(matches!(error, nn::Error::NonFiniteLoss { epoch: 1, batch: 1, .. }), "{error}");
}

#[test]
fn bad_training_arguments_are_errors() {
    let mut net = Line::seeded(0);
    let empty = Dataset::<1, 1>::from_rows(&[], &[]).unwrap();
    let error = net.fit(&empty, Mse, Sgd::new(0.1), Fit::new().quiet()).unwrap_err();
    assert_eq!(error.to_string(), "cannot train on an empty dataset");
    let one = Dataset::from_rows(&[[1.0]], &[[1.0]]).unwrap();
    let error = net.fit(&one, Mse, Sgd::new(0.1), Fit::new().batch_size(0).quiet()).unwrap_err();
    assert_eq!(error.to_string(), "batch size must be at least 1");
    assert!(net.evaluate(&empty, Mse).is_err());
}

#[test]
fn tensors_are_named_as_in_the_matching_pytorch_sequential() {
    // Outer = Sequential(Sequential(Linear, ReLU, Linear, Tanh), Linear, Sigmoid, Linear, Softmax)
    let mut names = Vec::new();
    Outer::seeded(0).tensors("", &mut |t| names.push((t.name, t.shape)));
    let expected = [
        ("0.0.weight", vec![6, 4]),
        ("0.0.bias", vec![6]),
        ("0.2.weight", vec![3, 6]),
        ("0.2.bias", vec![3]),
        ("1.weight", vec![5, 3]),
        ("1.bias", vec![5]),
        ("3.weight", vec![2, 5]),
        ("3.bias", vec![2]),
    ];
    assert_eq!(names, expected.map(|(n, s)| (n.to_string(), s)));
    // Image = Sequential(Flatten, Linear): flatten keeps index 0.
    let mut names = Vec::new();
    Image::seeded(0).tensors("", &mut |t| names.push(t.name));
    assert_eq!(names, ["1.weight", "1.bias"]);
}

#[test]
fn loading_tensors_reproduces_the_network() {
    let source = Outer::seeded(5);
    let mut tensors = Vec::new();
    source.tensors("", &mut |t| tensors.push((t.name, t.values.as_f32().unwrap().to_vec())));
    let mut copy = Outer::zeroed();
    copy.load_tensors("", &mut |name, _, slot| {
        let nn::layers::Slot::F32(out) = slot else { panic!("{name} is not f32") };
        out.copy_from_slice(&tensors.iter().find(|t| t.0 == name).unwrap().1);
        Ok(())
    })
    .unwrap();
    let x = [0.1, 0.2, -0.3, 0.4];
    assert_eq!(copy.forward(x), source.forward(x));
}

/// SGD with its update applied through `Optimizer::update` after the
/// backward pass, never fused into it.
struct SeparateUpdate(Sgd);

impl Optimizer for SeparateUpdate {
    fn begin_step(&mut self) {
        self.0.begin_step();
    }

    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        self.0.update(slot, params, grads);
    }
}

#[test]
fn plain_sgd_fused_into_backward_gives_the_weights_of_the_separate_update() {
    let inputs: Vec<[f32; 4]> = (0..40).map(|i| std::array::from_fn(|j| ((i * 4 + j) as f32 * 0.37).sin())).collect();
    let targets: Vec<[f32; 2]> = (0..40).map(|i| if i % 3 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let options = || Fit::new().epochs(3).batch_size(8).seed(5).quiet();
    // Plain SGD reports its step, so `fit` takes the fused path.
    assert_eq!(Sgd::new(0.3).plain_step(), None, "no rate before the first step");
    let mut sgd = Sgd::new(0.3);
    sgd.begin_step();
    assert_eq!(sgd.plain_step(), Some(0.3));
    assert_eq!(Sgd::new(0.3).momentum(0.9).plain_step(), None);

    let mut fused = Outer::seeded(4);
    let mut separate = fused.clone();
    let fused_history = fused.fit(&data, CategoricalCrossentropy, Sgd::new(0.3), options()).unwrap();
    let separate_history =
        separate.fit(&data, CategoricalCrossentropy, SeparateUpdate(Sgd::new(0.3)), options()).unwrap();
    assert_ne!(all_params(&fused), all_params(&Outer::seeded(4)), "training moved the weights");
    assert_eq!(all_params(&fused), all_params(&separate));
    assert_eq!(fused_history, separate_history);
}

network! {
    struct Mlp { input: 784, dense(128, relu), dense(10, softmax) }
}

/// Training on one, two or three threads gives the same weights, bit for bit:
/// the products split their columns (or rows) between threads, but each value
/// of a product is summed in the same order whichever thread computes it.
#[test]
fn training_gives_the_same_weights_on_any_number_of_threads() {
    let inputs: Vec<[f32; 784]> =
        (0..100).map(|s| std::array::from_fn(|i| ((s * 784 + i) % 251) as f32 / 251.0)).collect();
    let targets: Vec<[f32; 10]> = (0..100).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s % 10)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let weights = |threads: usize, adam: bool| {
        nn::gemm::set_threads(threads);
        let mut net = Mlp::seeded(3);
        let options = Fit::new().epochs(2).batch_size(32).seed(1).quiet();
        if adam {
            net.fit(&data, CategoricalCrossentropy, Adam::default(), options).unwrap();
        } else {
            net.fit(&data, CategoricalCrossentropy, Sgd::new(0.1), options).unwrap();
        }
        all_params(&net).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    };
    for adam in [false, true] {
        let one = weights(1, adam);
        for threads in [2, 3] {
            let differing = weights(threads, adam).iter().zip(&one).position(|(a, b)| a != b);
            assert_eq!(differing, None, "first parameter that differs on {threads} threads (adam: {adam})");
        }
    }
    nn::gemm::set_threads(0);
}
