//! The layers a block is made of: activations standing as layers of their
//! own, `use_bias = false`, `reshape` and `layer_norm`, each through
//! `network!`: shapes, tensors, training and agreement with the layers they
//! stand for.

use nn::layers::{Layer, Values};
use nn::nalgebra::{Const, Dyn, OMatrix};
use nn::prelude::*;

network! {
    /// Softmax on the dense layer, fused with the loss.
    pub struct Fused {
        input: 4,
        dense(8, tanh),
        dense(3, softmax),
    }

    /// The same, with each activation a layer of its own.
    pub struct Standalone {
        input: 4,
        dense(8),
        tanh,
        dense(3),
        softmax,
    }

    /// An activation on an image, between a convolution and its pooling.
    pub struct ConvRelu {
        input: [2, 6, 6],
        conv2d(3, 3, relu),
        maxpool2d(2),
        flatten,
        dense(2, sigmoid),
    }

    /// The same, the activation standing alone.
    pub struct ConvThenRelu {
        input: [2, 6, 6],
        conv2d(3, 3),
        relu,
        maxpool2d(2),
        flatten,
        dense(2),
        sigmoid,
    }

    /// A softmax on each step of a sequence: one prediction per step.
    pub struct PerStep {
        input: [4, 3],
        dense(5),
        leaky_relu(0.2),
        dense(2),
        softmax,
    }
}

network! {
    /// A convolution before batch norm without a bias (torchvision's
    /// ResNets), pooled with it; a dense layer without one, on a vector and
    /// on every step of a sequence.
    pub struct Unbiased {
        input: [2, 6, 6],
        conv2d(4, 3, use_bias = false),
        batch_norm,
        relu,
        conv2d(4, 3, relu, padding = same, use_bias = false),
        maxpool2d(2),
        flatten,
        dense(5, tanh, use_bias = false),
        dense(2, softmax),
    }

    /// The same with every bias.
    pub struct Biased {
        input: [2, 6, 6],
        conv2d(4, 3),
        batch_norm,
        relu,
        conv2d(4, 3, relu, padding = same),
        maxpool2d(2),
        flatten,
        dense(5, tanh),
        dense(2, softmax),
    }

    /// A dense layer without bias on every step of a sequence.
    pub struct StepsUnbiased {
        input: [3, 4],
        dense(2, use_bias = false),
    }
}

network! {
    /// A convolution's output flattened.
    pub struct Flattened {
        input: [2, 5, 5],
        conv2d(3, 3, relu),
        flatten,
        dense(2, softmax),
    }

    /// The same, the output reshaped to a vector.
    pub struct ReshapedFlat {
        input: [2, 5, 5],
        conv2d(3, 3, relu),
        reshape([27]),
        dense(2, softmax),
    }

    /// An image read as a sequence of its rows, and a softmax on each step.
    pub struct RowsOfImage {
        input: [1, 4, 3],
        reshape([4, 3]),
        dense(2),
        softmax,
    }

    /// A vector read as an image, convolved, and read as a vector again.
    pub struct VectorToImage {
        input: 3,
        dense(12, tanh),
        reshape([3, 2, 2]),
        conv2d(2, 2, tanh, padding = same),
        reshape([8]),
        dense(2),
    }
}

network! {
    /// Layer norm on each step of a sequence, then on a vector with Keras'
    /// epsilon, between dense layers.
    pub struct Normed {
        input: [3, 4],
        layer_norm,
        flatten,
        dense(6),
        layer_norm(epsilon = 1e-3),
        relu,
        dense(2, softmax),
    }
}

/// `count` samples of `N` values from a fixed pattern.
fn samples<const N: usize>(count: usize, seed: f32) -> Vec<[f32; N]> {
    (0..count).map(|s| std::array::from_fn(|i| ((s * N + i) as f32 * 0.731 + seed).sin())).collect()
}

/// The bits of every tensor a network saves, by name.
fn tensor_bits<N: Layer>(net: &N) -> Vec<(String, Vec<u32>)> {
    let mut tensors = Vec::new();
    net.tensors("", &mut |t| {
        let Values::F32(values) = &t.values else { return };
        tensors.push((t.name.clone(), values.iter().map(|v| v.to_bits()).collect()));
    });
    tensors
}

/// `dense(3), softmax` is `dense(3, softmax)`: the same tensors under the
/// same names (the softmax is a module of its own in both), the same
/// outputs, and, the softmax fused with the cross-entropy either way, the
/// same losses and weights after training, bit for bit.
#[test]
fn a_trailing_softmax_layer_trains_as_a_dense_layers_softmax_does() {
    let inputs = samples::<4>(40, 0.3);
    let targets: Vec<[f32; 3]> = (0..40).map(|s| std::array::from_fn(|k| f32::from(u8::from(s % 3 == k)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let (mut fused, mut standalone) = (Fused::seeded(5), Standalone::seeded(5));
    assert_eq!(tensor_bits(&fused), tensor_bits(&standalone));
    let names: Vec<String> = tensor_bits(&standalone).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    let options = || Fit::new().epochs(5).batch_size(8).seed(2).quiet();
    let a = fused.fit(&data, CategoricalCrossentropy, Adam::new(0.01), options()).unwrap();
    let b = standalone.fit(&data, CategoricalCrossentropy, Adam::new(0.01), options()).unwrap();
    let bits = |losses: &[f32]| losses.iter().map(|l| l.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.loss()), bits(&b.loss()));
    assert!(a.loss()[4] < a.loss()[0], "it learns: {:?}", a.loss());
    assert_eq!(tensor_bits(&fused), tensor_bits(&standalone));
    let x = [0.2, -0.5, 0.9, 0.1];
    assert_eq!(fused.forward(x), standalone.forward(x));
}

/// `net`'s tensors alone, without the summary a saved network carries (as
/// PyTorch saves a state dict): another declaration of the same computation,
/// whose summary differs, loads them.
fn tensors_only<L: Layer>(net: &L) -> Vec<u8> {
    let mut tensors = Vec::new();
    net.tensors("", &mut |t| {
        let values = match t.values {
            Values::F32(v) => Values::F32(v.into_owned().into()),
            Values::I64(v) => Values::I64(v.into_owned().into()),
        };
        tensors.push(nn::layers::Tensor { name: t.name, shape: t.shape, values });
    });
    nn::io::serialize(&tensors, &[]).unwrap()
}

/// A sigmoid layer last is fused with the binary cross-entropy, as a dense
/// layer's is; and `conv2d(3, 3), relu` computes what `conv2d(3, 3, relu)`
/// does, from the same tensors.
#[test]
fn an_activation_layer_after_a_convolution_computes_the_convolutions_activation() {
    let with = ConvRelu::seeded(1);
    let alone = ConvThenRelu::from_bytes(&tensors_only(&with)).unwrap();
    for x in samples::<72>(4, 0.1) {
        assert_eq!(with.forward(x), alone.forward(x));
    }
    let labels: Vec<[f32; 2]> =
        (0..16).map(|s| [f32::from(u8::from(s % 2 == 0)), f32::from(u8::from(s % 4 < 2))]).collect();
    let data = Dataset::from_rows(&samples::<72>(16, 0.5), &labels).unwrap();
    let (mut a, mut b) = (with, alone);
    let options = || Fit::new().epochs(3).batch_size(4).seed(3).quiet();
    let ha = a.fit(&data, BinaryCrossentropy, Sgd::new(0.1), options()).unwrap();
    let hb = b.fit(&data, BinaryCrossentropy, Sgd::new(0.1), options()).unwrap();
    assert_eq!(ha.loss(), hb.loss());
    assert_eq!(tensor_bits(&a), tensor_bits(&b));
}

/// An activation layer keeps its shape, holds no parameters, and is listed
/// in the summary by its name; a softmax on a sequence gives each step's
/// probabilities.
#[test]
fn activation_layers_keep_their_shape_and_hold_nothing() {
    let summary = ConvThenRelu::seeded(0).summary();
    let rows: Vec<_> = summary.rows.iter().map(|r| (r.layer.as_str(), r.output.as_str(), r.params)).collect();
    assert_eq!(
        rows,
        [
            ("conv2d (linear)", "(3, 4, 4)", 2 * 3 * 9 + 3),
            ("relu", "(3, 4, 4)", 0),
            ("maxpool2d", "(3, 2, 2)", 0),
            ("flatten", "(12)", 0),
            ("dense (linear)", "(2)", 12 * 2 + 2),
            ("sigmoid", "(2)", 0),
        ]
    );
    assert_eq!(ConvThenRelu::PARAMS, ConvRelu::PARAMS);
    let out = PerStep::seeded(4).forward(samples::<12>(1, 0.7)[0]);
    for step in out.as_slice().chunks(2) {
        assert!((step.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{step:?}");
    }
    assert_eq!(PerStep::seeded(4).summary().rows[1].layer, "leaky_relu(0.2)");
}

/// `use_bias = false`: no bias tensor, in the parameter count, the summary,
/// the file or the ONNX model; the output is the weights' product alone;
/// and the network trains without one (its weights move, its loss falls,
/// and a file without biases loads back).
#[test]
fn a_layer_without_bias_keeps_none() {
    let biases = 4 + 4 + 5;
    assert_eq!(Unbiased::PARAMS, Biased::PARAMS - biases);
    let summary = Unbiased::seeded(1).summary();
    let params: Vec<usize> = summary.rows.iter().map(|r| r.params).collect();
    assert_eq!(params, [2 * 4 * 9, 8, 0, 4 * 4 * 9, 0, 0, 4 * 4 * 5, 5 * 2 + 2]);
    assert_eq!(summary.total_params() - summary.non_trainable_params(), Unbiased::PARAMS);
    let names: Vec<String> = tensor_bits(&Unbiased::seeded(1)).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "0.weight",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "3.weight",
            "7.weight",
            "9.weight",
            "9.bias"
        ]
    );
    assert!(!Unbiased::seeded(1).to_onnx().unwrap().is_empty());

    // A sequence's steps through the same weights, and nothing added.
    let steps = StepsUnbiased::seeded(2);
    assert_eq!(StepsUnbiased::PARAMS, 8);
    let x = samples::<12>(1, 0.2)[0];
    let out = steps.forward(x);
    let weight = &steps.layer0.0.weight;
    for (t, step) in out.as_slice().chunks(2).enumerate() {
        for (o, y) in step.iter().enumerate() {
            let z: f32 = weight[o].iter().zip(&x[4 * t..4 * t + 4]).map(|(w, x)| w * x).sum();
            assert!((y - z).abs() < 1e-6, "step {t}, output {o}: {y} vs {z}");
        }
    }

    let labels: Vec<[f32; 2]> = (0..32).map(|s| if s % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let data = Dataset::from_rows(&samples::<72>(32, 0.9), &labels).unwrap();
    let mut net = Unbiased::seeded(3);
    let before = tensor_bits(&net);
    let options = Fit::new().epochs(8).batch_size(8).seed(1).quiet();
    let history = net.fit(&data, CategoricalCrossentropy, Sgd::new(0.05), options).unwrap();
    assert!(history.loss()[7] < history.loss()[0], "{:?}", history.loss());
    assert_ne!(tensor_bits(&net), before);
    assert!(net.layer0.bias.iter().chain(net.layer6.bias.iter()).all(|b| *b == 0.0), "no bias moved");
    let loaded = Unbiased::from_bytes(&net.to_bytes()).unwrap();
    assert_eq!(tensor_bits(&loaded), tensor_bits(&net));
}

/// Every parameter gradient (a spread of each tensor's values) and every
/// input gradient of `net.backward` against central finite differences of
/// the loss `sum(w ⊙ output)` on a batch of three.
fn check_gradients<N: Network<I, O>, const I: usize, const O: usize>(net: &N) {
    let batch = 3;
    let inputs = OMatrix::<f32, Const<I>, Dyn>::from_fn(batch, |i, j| ((i * 3 + j) as f32 * 0.91).cos());
    let w: Vec<f32> = (0..O * batch).map(|k| (k as f32 * 0.53).sin()).collect();
    let loss = |net: &N, inputs: &OMatrix<f32, Const<I>, Dyn>| -> f64 {
        net.predict(inputs).unwrap().iter().zip(&w).map(|(o, w)| f64::from(*o) * f64::from(*w)).sum()
    };
    let (grads, input_grad) = net.backward(&inputs, &OMatrix::<f32, Const<O>, Dyn>::from_column_slice(&w)).unwrap();
    let mut analytic = Vec::new();
    grads.params(&mut |g| analytic.push(g.to_vec()));
    let mut values = Vec::new();
    net.params(&mut |p| values.push(p.to_vec()));
    let h = 1e-3f32;
    let close = |numeric: f64, analytic: f32, what: &str| {
        assert!(
            (numeric - f64::from(analytic)).abs() < 1e-2 * (1.0 + numeric.abs()),
            "{what}: {numeric} vs {analytic}"
        );
    };
    for (tensor, grad) in analytic.iter().enumerate() {
        for i in (0..grad.len()).step_by(1 + grad.len() / 9) {
            let nudged = |delta: f32| {
                let mut copy = N::zeroed();
                let mut values = values.clone();
                values[tensor][i] += delta;
                let mut slot = 0;
                copy.visit_params(&N::zeroed(), &mut |p, _| {
                    p.copy_from_slice(&values[slot]);
                    slot += 1;
                });
                copy.visit_state(&mut |s| s.fill(1.0));
                loss(&copy, &inputs)
            };
            close((nudged(h) - nudged(-h)) / (2.0 * f64::from(h)), grad[i], &format!("tensor {tensor}[{i}]"));
        }
    }
    for k in 0..I * batch {
        let (mut plus, mut minus) = (inputs.clone(), inputs.clone());
        plus[k] += h;
        minus[k] -= h;
        close((loss(net, &plus) - loss(net, &minus)) / (2.0 * f64::from(h)), input_grad[k], &format!("input {k}"));
    }
}

/// `reshape([27])` is `flatten`: the same modules, tensors and outputs; it
/// shows in the summary with its shape and no parameters.
#[test]
fn reshape_to_a_vector_is_flatten() {
    let flat = Flattened::seeded(1);
    let reshaped = ReshapedFlat::from_bytes(&tensors_only(&flat)).unwrap();
    for x in samples::<50>(4, 0.2) {
        assert_eq!(flat.forward(x), reshaped.forward(x));
    }
    let row = &reshaped.summary().rows[1];
    assert_eq!((row.layer.as_str(), row.output.as_str(), row.params), ("reshape", "(27)", 0));
    assert_eq!(ReshapedFlat::PARAMS, Flattened::PARAMS);
}

/// Reshaped to a sequence, an image's rows are steps: a dense layer and a
/// softmax on each; reshaped to an image, a vector convolves. The values
/// keep their order, so a reshape passes gradients back unchanged: the
/// networks' gradients match finite differences.
#[test]
fn reshape_reads_the_values_as_another_shape() {
    let rows = RowsOfImage::seeded(2);
    let x = samples::<12>(1, 0.4)[0];
    let out = rows.forward(x);
    let dense = &rows.layer1.0;
    for (t, step) in out.as_slice().chunks(2).enumerate() {
        let z: Vec<f32> = (0..2)
            .map(|o| dense.bias[o] + dense.weight[o].iter().zip(&x[3 * t..3 * t + 3]).map(|(w, x)| w * x).sum::<f32>())
            .collect();
        let total: f32 = z.iter().map(|z| z.exp()).sum();
        for (y, z) in step.iter().zip(&z) {
            assert!((y - z.exp() / total).abs() < 1e-6, "step {t}");
        }
    }
    let shapes: Vec<String> = VectorToImage::seeded(0).summary().rows.into_iter().map(|r| r.output).collect();
    assert_eq!(shapes, ["(12)", "(3, 2, 2)", "(2, 2, 2)", "(8)", "(2)"]);
    check_gradients(&RowsOfImage::seeded(3));
    check_gradients(&VectorToImage::seeded(4));
    assert!(!VectorToImage::seeded(4).to_onnx().unwrap().is_empty());
}

/// `layer_norm` normalises each step of a sequence (γ 1 and β 0 to start:
/// mean 0 and deviation 1 per step), keeps `weight` and `bias` of the last
/// dimension's size under PyTorch's `LayerNorm` names, passes the
/// finite-difference check inside a network, and trains.
#[test]
fn layer_norm_normalises_the_last_dimension() {
    let net = Normed::seeded(1);
    let x = samples::<12>(1, 0.3)[0];
    let mut normed = [0.0; 12];
    let mut buffers = Default::default();
    net.layer0.forward_batch(&x, &mut normed, 1, &mut buffers, &mut nn::layers::Mode::Inference);
    for step in normed.chunks(4) {
        let mean = step.iter().sum::<f32>() / 4.0;
        let var = step.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-3, "{step:?}");
    }
    let shapes: Vec<_> = net.summary().rows.into_iter().map(|r| (r.layer, r.output, r.params)).collect();
    assert_eq!(shapes[0], ("layer_norm".to_string(), "(3, 4)".to_string(), 8));
    assert_eq!(shapes[3], ("layer_norm".to_string(), "(6)".to_string(), 12));
    let names: Vec<String> = tensor_bits(&net).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "5.weight", "5.bias"]);
    assert_eq!(Normed::PARAMS, 8 + 12 * 6 + 6 + 12 + 6 * 2 + 2);
    assert!(!net.to_onnx().unwrap().is_empty());

    // γ and β moved from where they start, so that their gradients show.
    let mut moved = Normed::seeded(2);
    moved.layer0.weight.iter_mut().enumerate().for_each(|(k, w)| *w = 1.0 + 0.3 * (k as f32).sin());
    moved.layer3.bias.iter_mut().enumerate().for_each(|(k, b)| *b = 0.2 * (k as f32).cos());
    check_gradients(&moved);

    let labels: Vec<[f32; 2]> = (0..24).map(|s| if s % 3 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let data = Dataset::from_rows(&samples::<12>(24, 1.1), &labels).unwrap();
    let mut net = Normed::seeded(3);
    let options = Fit::new().epochs(10).batch_size(6).seed(1).quiet();
    let history = net.fit(&data, CategoricalCrossentropy, Adam::new(0.01), options).unwrap();
    assert!(history.loss()[9] < history.loss()[0], "{:?}", history.loss());
    assert!(net.layer0.weight.iter().any(|w| *w != 1.0), "γ learns");
}
