//! `dense`: a fully connected layer. Its one-sample pass, [`affine`], is
//! the one forward both the layer (a batch of one) and its view run.

use super::Infer;
use crate::act::Activation;
use crate::safetensors::{Error, Prefix, Weights};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::{
        boxed_zeroed, ensure_len, Activated, Aligned, Backward, Data, DataMut, Layer, Mode, Part, Path, Regularizer,
        TakesInput,
    },
    crate::gemm::{gemm, MatRef},
    crate::init::Init,
    crate::onnx::{Attr, Graph, Value},
    nalgebra::{SMatrix, SVector},
    rand::Rng,
};

/// `output = weight · input + bias` for one sample: `weight` `[O, I]`
/// row-major (PyTorch's `Linear.weight`), `bias` `[O]` (or empty: no bias,
/// the same as zeros), through [`add_product`](crate::cpu::add_product).
/// What [`Dense`] runs on a batch of one and [`DenseView`] on every sample,
/// so the two agree bit for bit.
pub(crate) fn affine(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    if bias.is_empty() {
        output.fill(0.0);
    } else {
        output.copy_from_slice(bias);
    }
    crate::cpu::add_product(weight, input, output);
}

/// The view of [`Dense`]: `output = A(weight · input + bias)` for one
/// sample, the weights read where they lie in a weight blob, through the
/// layer's own pass.
///
/// # Shapes
///
/// `[I]` in, `[O]` out; the weight is `[O, I]` (PyTorch's `Linear.weight`),
/// the bias `[O]`.
///
/// ```
/// use nn::prelude::*;
/// use nn::view::{DenseView, Infer, Prefix, Weights};
///
/// network! {
///     pub struct OneLayer { input: 3, dense(2, tanh) }
/// }
///
/// let net = OneLayer::seeded(1);
/// let bytes = net.to_bytes();
/// let mut weights = Weights::parse(&bytes)?;
/// // Module 0 of the network: `0.weight` [2, 3] and `0.bias` [2].
/// let params = DenseView::<3, 2, Tanh>::load(&mut weights, &Prefix::ROOT.module(0)?)?;
/// let mut out = [0.0; 2];
/// DenseView::<3, 2, Tanh>::forward(&params, &[1.0, -1.0, 0.5], &mut out);
/// assert_eq!(out, *net.forward([1.0, -1.0, 0.5]).as_slice());
/// # Ok::<(), nn::view::Error>(())
/// ```
pub struct DenseView<const I: usize, const O: usize, A, const BIAS: bool = true>(PhantomData<A>);

/// Where a dense layer's parameters lie.
#[derive(Debug, Clone, Copy)]
pub struct DenseParams<'a> {
    /// `[O, I]`, row-major: output `o`'s weights are values `o · I..(o + 1) · I`.
    pub weight: &'a [f32],
    /// `[O]`; empty for a layer without bias (`use_bias = false`).
    pub bias: &'a [f32],
}

impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Infer for DenseView<I, O, A, BIAS> {
    const INPUT: usize = I;
    const OUTPUT: usize = O;
    type Params<'a> = DenseParams<'a>;

    /// `weight` `[O, I]` and, when `BIAS`, `bias` `[O]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<DenseParams<'a>, Error> {
        let weight = weights.f32s(prefix, "weight", &[O, I])?;
        let bias = if BIAS { weights.f32s(prefix, "bias", &[O])? } else { &[] };
        Ok(DenseParams { weight, bias })
    }

    fn forward(params: &DenseParams<'_>, input: &[f32], output: &mut [f32]) {
        let output = &mut output[..O];
        affine(params.weight, params.bias, &input[..I], output);
        A::forward(output, O);
    }
}

#[cfg(feature = "std")]
/// A fully connected layer: `output = A(weight · input + bias)`.
///
/// The weight matrix is `O x I`, row-major (one row per output, as PyTorch's
/// `Linear` stores it), and lives on the heap. Without `BIAS` (`use_bias =
/// false`, PyTorch's `bias=False`) the layer has no bias: its `bias` stays
/// zero and is not a parameter (not trained, saved, counted or exported). A batch of one runs
/// the one-sample pass its [`DenseView`] runs; larger batches go through
/// the matrix product. Between a batched forward and backward pass the layer's
/// buffers keep the pre-activations, but only for an activation whose derivative
/// needs them ([`Activation::NEEDS_INPUT`]: GELU, swish); for the others they stay empty.
///
/// # Shapes
///
/// `[I]` in, `[O]` out; the weight is `[O, I]`, the bias `[O]`.
///
/// ```
/// use nn_core::layers::{Dense, Layer};
/// use nn_core::act::Relu;
/// use nn_core::nalgebra::SVector;
///
/// let layer: Dense<3, 2, Relu> = Dense::seeded(1);
/// let out: SVector<f32, 2> = layer.forward(&SVector::from([1.0, -1.0, 0.5]));
/// assert!(out.iter().all(|v| *v >= 0.0));
/// assert_eq!(<Dense<3, 2, Relu> as Layer>::PARAMS, 3 * 2 + 2);
/// ```
pub struct Dense<const I: usize, const O: usize, A: Activation, const BIAS: bool = true> {
    /// `O` rows of `I` weights, row-major as PyTorch's `Linear.weight`
    /// (`weight[o][i]` is output `o`'s weight on input `i`), starting on a
    /// cache line.
    pub weight: Box<Aligned<[[f32; I]; O]>>,
    /// `O` biases (zeros, and not a parameter, without `BIAS`).
    pub bias: Box<Aligned<SMatrix<f32, O, 1>>>,
    /// The penalty on the weights (not the biases) added to the loss.
    pub regularizer: Regularizer,
    activation: PhantomData<A>,
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Dense<I, O, A, BIAS> {
    /// Weights drawn by `init` (biases zero).
    pub fn with_init<R: Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut layer = Self::zeroed();
        // Drawn in the column-major order of an `O x I` matrix, as before the
        // weights were row-major, so a seed gives the same network.
        let mut drawn = vec![0.0; O * I];
        init.fill(&mut drawn, I, O, rng);
        crate::kernels::transpose_into(&drawn, O, I, layer.weight.as_flattened_mut(), I);
        layer
    }

    /// The same layer with `regularizer` on its weights.
    pub fn regularized(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }

    /// Weights drawn by the activation's default scheme from a seeded generator.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    /// The output for one sample.
    pub fn forward(&self, input: &SVector<f32, I>) -> SVector<f32, O> {
        let mut out = SVector::<f32, O>::zeros();
        affine(self.weight.as_flattened(), self.bias.as_slice(), input.as_slice(), out.as_mut_slice());
        A::forward(out.as_mut_slice(), O);
        out
    }
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Clone for Dense<I, O, A, BIAS> {
    fn clone(&self) -> Self {
        let mut copy = Self::zeroed();
        copy.weight.as_flattened_mut().copy_from_slice(self.weight.as_flattened());
        copy.bias.copy_from(&**self.bias);
        copy.regularizer = self.regularizer;
        copy
    }
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> std::fmt::Debug for Dense<I, O, A, BIAS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dense<{I}, {O}, {}{}>", A::NAME, if BIAS { "" } else { ", no bias" })
    }
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> TakesInput<I> for Dense<I, O, A, BIAS> {}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Activated for Dense<I, O, A, BIAS> {
    type Activation = A;
    const GROUP: usize = O;
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Layer for Dense<I, O, A, BIAS> {
    const INPUT: usize = I;
    const OUTPUT: usize = O;
    const PARAMS: usize = I * O + if BIAS { O } else { 0 };
    const STATE: usize = 0;
    /// The pre-activations of the last batch, when the activation needs them.
    type Buffers = Vec<f32>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::with_init(A::INIT, rng)
    }

    fn zeroed() -> Self {
        Dense {
            weight: boxed_zeroed(),
            bias: boxed_zeroed(),
            regularizer: Regularizer::default(),
            activation: PhantomData,
        }
    }

    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        preactivations: &mut Vec<f32>,
        _: &mut Mode<'_>,
    ) {
        let output = &mut output[..O * batch];
        if batch == 1 {
            affine(self.weight.as_flattened(), self.bias.as_slice(), &input[..I], output);
        } else {
            for column in output.chunks_exact_mut(O) {
                column.copy_from_slice(self.bias.as_slice());
            }
            gemm(1.0, self.weight_ref(), MatRef::col_major(input, I, batch), 1.0, output);
        }
        if A::NEEDS_INPUT {
            ensure_len(preactivations, O * batch).copy_from_slice(output);
        }
        A::forward(output, O);
    }

    fn backward_batch(&self, pass: Backward<'_, Vec<f32>>, grads: &mut Self) {
        let Backward { input, output, grad, preactivation, grad_input, batch, buffers } = pass;
        let grad = &mut grad[..O * batch];
        self.delta(output, grad, preactivation, buffers, batch);
        let delta = MatRef::col_major(grad, O, batch);
        // dL/dW = delta · inputᵀ, written row-major as its transpose input · deltaᵀ.
        gemm(1.0, MatRef::col_major(input, I, batch), delta.t(), 0.0, grads.weight.as_flattened_mut());
        if BIAS {
            bias_gradient(grad, grads.bias.as_mut_slice());
        }
        // dL/dinput = Wᵀ · delta
        if let Some(grad_input) = grad_input {
            gemm(1.0, self.weight_ref().t(), delta, 0.0, grad_input);
        }
    }

    /// The weight gradient is never stored: `W ← W − rate · delta · inputᵀ` is
    /// one product added into the weights, after the gradient to the input has
    /// been taken with the old weights. The bias gradient goes through `grads`.
    fn backward_sgd(&mut self, pass: Backward<'_, Vec<f32>>, grads: &mut Self, rate: f32) {
        let Backward { input, output, grad, preactivation, grad_input, batch, buffers } = pass;
        let grad = &mut grad[..O * batch];
        self.delta(output, grad, preactivation, buffers, batch);
        let delta = MatRef::col_major(grad, O, batch);
        if let Some(grad_input) = grad_input {
            gemm(1.0, self.weight_ref().t(), delta, 0.0, grad_input);
        }
        gemm(-rate, MatRef::col_major(input, I, batch), delta.t(), 1.0, self.weight.as_flattened_mut());
        if BIAS {
            bias_gradient(grad, grads.bias.as_mut_slice());
            crate::optim::sgd_step(self.bias.as_mut_slice(), grads.bias.as_slice(), rate);
        }
    }

    /// `weight` as `[O, I]` (PyTorch's `Linear.weight`, kept in its layout)
    /// with the layer's penalty, and, when `BIAS`, `bias` as `[O]`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[O, I], self.weight.as_flattened()).regularized(self.regularizer));
        if BIAS {
            visit(Part::param(path, "bias", &[O], self.bias.as_slice()));
        }
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        let regularizer = self.regularizer;
        visit(Part::param(path, "weight", &[O, I], self.weight.as_flattened_mut()).regularized(regularizer));
        if BIAS {
            visit(Part::param(path, "bias", &[O], self.bias.as_mut_slice()));
        }
    }

    /// `Gemm` on a vector (`[I]`, the weight as PyTorch's `[O, I]` with
    /// `transB`); on a sequence (`[T, I]`, the same weights on every step),
    /// `MatMul` by the weight's transpose and `Add` of the bias. Without
    /// `BIAS`, no bias: `Gemm` of two inputs, or the `MatMul` alone. Then the
    /// activation (softmax along the last axis: each step's values).
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let weight = graph.constant(&format!("{prefix}weight"), &[O, I], self.weight.as_flattened());
        let bias = BIAS.then(|| graph.constant(&format!("{prefix}bias"), &[O], self.bias.as_slice()));
        let z = match *input.dims.as_slice() {
            [i] if i == I => {
                let mut inputs = vec![input.name.as_str(), &weight];
                inputs.extend(bias.as_deref());
                graph.node("Gemm", &format!("{prefix}gemm"), &inputs, vec![("transB", Attr::Int(1))], &[O])
            }
            [steps, i] if i == I => {
                let name = format!("{prefix}weight_t");
                let transposed = graph.operator("Transpose", &name, &[&weight], Vec::new(), &[&name]).remove(0);
                let inputs = [input.name.as_str(), &transposed];
                let product = graph.node("MatMul", &format!("{prefix}matmul"), &inputs, Vec::new(), &[steps, O]);
                match &bias {
                    Some(bias) => {
                        graph.node("Add", &format!("{prefix}add"), &[&product.name, bias], Vec::new(), &[steps, O])
                    }
                    None => product,
                }
            }
            _ => {
                let reason = format!("a dense layer of {I} inputs is given a value of shape {:?}", input.dims);
                return Err(crate::Error::export(reason));
            }
        };
        A::onnx(graph, prefix, z)
    }
}

#[cfg(feature = "std")]
impl<const I: usize, const O: usize, A: Activation, const BIAS: bool> Dense<I, O, A, BIAS> {
    /// The weights as the `O x I` matrix they are.
    fn weight_ref(&self) -> MatRef<'_> {
        MatRef::col_major(self.weight.as_flattened(), I, O).t()
    }

    /// Turn `grad`, the gradient with respect to the outputs, into `delta`, the
    /// gradient with respect to the pre-activations (unless it already is).
    fn delta(&self, output: &[f32], grad: &mut [f32], preactivation: bool, preactivations: &[f32], batch: usize) {
        if !preactivation {
            if A::NEEDS_INPUT {
                A::backward_from_input(&preactivations[..O * batch], grad, O);
            } else {
                A::backward(&output[..O * batch], grad, O);
            }
        }
    }
}

#[cfg(feature = "std")]
/// dL/db: the sum of the columns of `delta` (`bias_grad.len()` rows each).
fn bias_gradient(delta: &[f32], bias_grad: &mut [f32]) {
    super::sum_columns(delta, bias_grad.len(), 0, bias_grad);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
    use crate::layers::testing::{self, gradient_check};

    fn check<A: Activation>() {
        let layer: Dense<4, 3, A> = Dense::seeded(11);
        gradient_check(&layer, &testing::values(4 * 3, 0.5), 3, false, 1e-2, 3e-3);
        let (_, buffers) = testing::forward(&layer, &testing::values(4 * 3, 0.5), 3, false);
        assert_eq!(buffers.len(), if A::NEEDS_INPUT { 3 * 3 } else { 0 }, "{}", A::NAME);
    }

    #[test]
    fn gradients_match_finite_differences_for_every_activation() {
        check::<Linear>();
        check::<Sigmoid>();
        check::<Tanh>();
        check::<Softmax>();
        check::<Relu>();
        check::<LeakyRelu>();
        check::<Elu>();
        check::<Softplus>();
        check::<Swish>();
        check::<Gelu>();
        check::<Gelu<true>>();
    }

    /// Without a bias (`use_bias = false`): gradients against finite
    /// differences, the output `A(weight · input)`, only the weight as a
    /// tensor and a parameter, the view reading only it and giving the
    /// layer's bits, plain SGD leaving the bias at zero, and ONNX without a
    /// bias: `Gemm` of two inputs on a vector, the `MatMul` alone on a sequence.
    #[test]
    fn a_dense_layer_without_bias_has_none() {
        type NoBias = Dense<4, 3, Tanh, false>;
        gradient_check(&NoBias::seeded(11), &testing::values(4 * 3, 0.5), 3, false, 1e-2, 3e-3);
        assert_eq!(<NoBias as Layer>::PARAMS, 12);
        let mut layer = NoBias::seeded(2);
        let names: Vec<String> = testing::tensors_of(&layer).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["weight"]);
        testing::check_parts(&mut layer, &testing::values(8, 0.1), 2);

        let x = [0.5, -1.0, 2.0, 0.25];
        let out = layer.forward(&SVector::from(x));
        for (o, row) in out.iter().zip(layer.weight.iter()) {
            let z: f32 = row.iter().zip(&x).map(|(w, x)| w * x).sum();
            assert!((o - z.tanh()).abs() < 1e-6);
        }
        let (owned, _) = testing::forward(&layer, &x, 1, false);
        let mut viewed = [f32::NAN; 3];
        let params = DenseParams { weight: layer.weight.as_flattened(), bias: &[] };
        DenseView::<4, 3, Tanh, false>::forward(&params, &x, &mut viewed);
        assert_eq!(owned.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), viewed.map(f32::to_bits));

        let batch = testing::values(4 * 5, 0.3);
        let (output, mut buffers) = testing::forward(&layer, &batch, 5, false);
        let mut grad = testing::values(15, 0.6);
        let pass = Backward {
            input: &batch,
            output: &output,
            grad: &mut grad,
            preactivation: false,
            grad_input: None,
            batch: 5,
            buffers: &mut buffers,
        };
        let before = layer.weight.clone();
        layer.backward_sgd(pass, &mut NoBias::zeroed(), 0.1);
        assert_ne!(layer.weight, before, "the weights learn");
        assert!(layer.bias.iter().all(|b| *b == 0.0), "the bias stays zero");

        let mut graph = Graph::new();
        layer.onnx(&mut graph, "0.", Value { name: "x".into(), dims: vec![4] }).unwrap();
        assert_eq!(graph.operators()[0], ("Gemm", vec!["x", "0.weight"]));
        let mut graph = Graph::new();
        layer.onnx(&mut graph, "0.", Value { name: "x".into(), dims: vec![2, 4] }).unwrap();
        let ops: Vec<&str> = graph.operators().into_iter().map(|(op, _)| op).collect();
        assert_eq!(ops, ["Transpose", "MatMul", "Tanh"]);
    }

    #[test]
    fn batched_and_single_forward_agree() {
        let layer: Dense<3, 2, Tanh> = Dense::seeded(5);
        let x = [0.5, -1.0, 2.0, 1.5, 0.0, -0.25];
        let mut out = [0.0; 4];
        layer.forward_batch(&x, &mut out, 2, &mut Vec::new(), &mut Mode::Inference);
        for j in 0..2 {
            let single = layer.forward(&SVector::from_column_slice(&x[3 * j..3 * j + 3]));
            assert!((single[0] - out[2 * j]).abs() < 1e-6 && (single[1] - out[2 * j + 1]).abs() < 1e-6);
        }
    }

    #[test]
    fn the_penalty_is_the_regularizers_on_the_weights_only() {
        let regularizer = Regularizer { l1: 0.03, l2: 0.05 };
        let layer: Dense<4, 3, Tanh> = Dense::seeded(2).regularized(regularizer);
        let mut grads = Dense::<4, 3, Tanh>::zeroed();
        let penalty = layer.penalty(Some(&mut grads));
        let mut expected = vec![0.0; 12];
        assert_eq!(penalty, regularizer.penalty(layer.weight.as_flattened(), Some(&mut expected)));
        assert_eq!(grads.weight.as_flattened(), expected.as_slice());
        assert!(grads.bias.iter().all(|g| *g == 0.0), "biases are not penalised");
        assert_eq!(Dense::<4, 3, Tanh>::seeded(2).penalty(None), 0.0);
    }

    #[test]
    fn tensors_are_pytorch_layout_and_load_back() {
        let layer: Dense<3, 2, Relu> = Dense::seeded(4);
        let tensors = testing::tensors_of(&layer);
        assert_eq!(tensors[0].name, "weight");
        assert_eq!(tensors[0].shape, [2, 3]);
        // Row-major [out, in]: element (o, i) at o * 3 + i.
        assert_eq!(tensors[0].values.as_f32().unwrap()[3 + 2], layer.weight[1][2]);
        assert_eq!((tensors[1].name.as_str(), tensors[1].shape.as_slice()), ("bias", &[2][..]));

        let copy = testing::loaded_copy(&layer);
        assert_eq!(copy.weight, layer.weight);
        assert_eq!(copy.bias, layer.bias);
    }

    #[test]
    fn initialisation_follows_the_activation() {
        // He uniform bounds by sqrt(6/fan_in); Glorot by sqrt(6/(fan_in+fan_out)).
        let relu: Dense<100, 300, Relu> = Dense::seeded(1);
        let tanh: Dense<100, 300, Tanh> = Dense::seeded(1);
        let max = |w: &[f32]| w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(max(relu.weight.as_flattened()) > (6.0f32 / 400.0).sqrt());
        assert!(max(relu.weight.as_flattened()) <= (6.0f32 / 100.0).sqrt());
        assert!(max(tanh.weight.as_flattened()) <= (6.0f32 / 400.0).sqrt());
        assert!(relu.bias.iter().all(|b| *b == 0.0));
    }
}
