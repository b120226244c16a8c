//! `conv2d`: a 2-D convolution. Its one-sample pass, [`sample`], is the one
//! forward both the layer (a batch of one, alone or with the max pooling
//! after it) and its view run; larger batches go through `kernels::conv`.

use super::Infer;
use crate::act::Activation;
use crate::kernels::conv_direct;
use crate::kernels::window::Window;
use crate::safetensors::{Error, Prefix, Weights};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::{Activated, Backward, Data, DataMut, FusedPool, Layer, Mode, Pair, Part, Path, Regularizer},
    crate::init::Init,
    crate::kernels::conv::{BackwardPass, Conv, Deltas, Params},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// One sample through a convolution: `F` filters of `KH x KW` over `C`
/// channels of `H x W`, stride `SH x SW`, Keras' same padding when `SAME`,
/// then the activation `A`. `weight` is `[F, C, KH, KW]` (PyTorch's
/// `Conv2d.weight`), `bias` `[F]` (or empty: no bias, the same as zeros),
/// `input` `[C, H, W]` and `output`
/// `[F, OH, OW]`; `preactivations` receives the values before the
/// activation, as many as it holds (none, unless the activation's
/// derivative needs them). Computed directly, without a window matrix
/// (`kernels::conv_direct::one_sample`), so that it needs no memory but its
/// output's: what [`Conv2d`] runs on a batch of one and [`Conv2dView`] on
/// every sample, so the two agree bit for bit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sample<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    A: Activation,
>(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    preactivations: &mut [f32],
) {
    let outputs = F * const { Window::new(C, [H, W], [KH, KW], [SH, SW], SAME).positions() };
    let output = &mut output[..outputs];
    let zeros = [0.0; F];
    let bias = if bias.is_empty() { &zeros[..] } else { bias };
    conv_direct::one_sample::<C, H, W, F, KH, KW, SH, SW, SAME>(weight, bias, input, output);
    let kept = preactivations.len();
    preactivations.copy_from_slice(&output[..kept]);
    A::forward(output, outputs);
}

/// The view of [`Conv2d`], with its const parameters: `F` filters of
/// `KH x KW` over `C` channels of `H x W`, stride `SH x SW`, Keras' `same`
/// padding when `SAME`, then the activation, through the layer's own
/// one-sample pass.
///
/// # Shapes
///
/// `[C, H, W]` in, `[F, OH, OW]` out; the weight is `[F, C, KH, KW]`
/// (PyTorch's `Conv2d.weight`), the bias `[F]`.
///
/// ```
/// use nn::prelude::*;
/// use nn::view::{Conv2dView, Infer, Prefix, Weights};
///
/// network! {
///     pub struct OneConv { input: [1, 6, 6], conv2d(2, 3, relu, padding = same, stride = 2) }
/// }
///
/// // conv2d(2, 3, relu) on [1, 6, 6], same padding, stride 2: [2, 3, 3].
/// type Conv = Conv2dView<1, 6, 6, 2, 3, 3, 2, 2, true, Relu>;
/// assert_eq!(<Conv as Infer>::OUTPUT, 2 * 3 * 3);
/// let net = OneConv::seeded(1);
/// let bytes = net.to_bytes();
/// let mut weights = Weights::parse(&bytes)?;
/// // Module 0 of the network: `0.weight` [2, 1, 3, 3] and `0.bias` [2].
/// let params = Conv::load(&mut weights, &Prefix::ROOT.module(0)?)?;
/// let image: Vec<f32> = (0..36).map(|v| (v as f32 * 0.3).sin()).collect();
/// let mut out = [0.0; 18];
/// Conv::forward(&params, &image, &mut out);
/// assert_eq!(out, *net.forward(<[f32; 36]>::try_from(image).unwrap()).as_slice());
/// # Ok::<(), nn::view::Error>(())
/// ```
pub struct Conv2dView<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    A,
    const BIAS: bool = true,
>(PhantomData<A>);

/// Where a convolution's parameters lie.
#[derive(Debug, Clone, Copy)]
pub struct Conv2dParams<'a> {
    /// `[F, C, KH, KW]`, row-major.
    pub weight: &'a [f32],
    /// `[F]`; empty for a layer without bias (`use_bias = false`).
    pub bias: &'a [f32],
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > Infer for Conv2dView<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = F * Window::new(C, [H, W], [KH, KW], [SH, SW], SAME).positions();
    type Params<'a> = Conv2dParams<'a>;

    /// `weight` `[F, C, KH, KW]` and, when `BIAS`, `bias` `[F]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Conv2dParams<'a>, Error> {
        let weight = weights.f32s(prefix, "weight", &[F, C, KH, KW])?;
        let bias = if BIAS { weights.f32s(prefix, "bias", &[F])? } else { &[] };
        Ok(Conv2dParams { weight, bias })
    }

    fn forward(params: &Conv2dParams<'_>, input: &[f32], output: &mut [f32]) {
        sample::<C, H, W, F, KH, KW, SH, SW, SAME, A>(params.weight, params.bias, input, output, &mut []);
    }
}

#[cfg(feature = "std")]
/// A 2-D convolution: `F` filters of `KH x KW` over `C` channels of
/// `H x W` values, moved by `SH` rows and `SW` columns, with Keras' `"valid"`
/// padding (none) or, when `SAME`, its `"same"` padding (zeros around the
/// image so that the output has `ceil(H / SH)` rows, the extra zero after);
/// then a bias per filter and the activation `A`, applied value by value.
///
/// # Shapes
///
/// `[C, H, W]` in, `[F, OH, OW]` out, each sample's values in that order
/// (PyTorch's NCHW); the weight is `[F, C, KH, KW]` (PyTorch's `Conv2d.weight`)
/// and the bias `[F]`. Valid: `OH = (H - KH) / SH + 1`; same: `OH = ceil(H / SH)`.
///
/// ```
/// use nn_core::layers::{Conv2d, Layer};
/// use nn_core::act::Relu;
///
/// // conv2d(32, 3, relu) on [1, 28, 28]: [32, 26, 26], 32 · 9 + 32 parameters.
/// type First = Conv2d<1, 28, 28, 32, 3, 3, 1, 1, false, Relu>;
/// assert_eq!((First::OH, First::OW), (26, 26));
/// assert_eq!(<First as Layer>::OUTPUT, 32 * 26 * 26);
/// assert_eq!(<First as Layer>::PARAMS, 320);
/// ```
///
/// A batch of one (what a network's `forward` runs) goes through the
/// one-sample pass its [`Conv2dView`] runs, so the two give the same bits.
/// Larger batches go through im2col and the crate's matrix product, one
/// sample's windows at a time, or through Winograd's F(2x2, 3x3) (a 3x3
/// kernel of stride 1 over at least 16 channels or from at least 16
/// filters: results that differ by rounding) or a direct kernel (a first
/// convolution's shallow windows: the same bits), as `kernels::conv`
/// chooses. Samples are shared between threads, and the results are the
/// same on any number of threads.
///
/// A convolution followed by a max pooling runs with it sample by sample
/// ([`Conv2d::forward_pooled`], which `network!` calls for the pair): its
/// output is pooled while in the cache and never stored, with the same
/// results as the two layers' passes.
pub struct Conv2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    A: Activation,
    const BIAS: bool = true,
> {
    /// `F x C x KH x KW` weights, row-major.
    pub weight: Box<[f32]>,
    /// `F` biases (zeros, and not a parameter, without `BIAS`: `use_bias =
    /// false`, PyTorch's `bias=False`; not trained, saved, counted or exported).
    pub bias: Box<[f32]>,
    /// The penalty on the weights (not the biases) added to the loss.
    pub regularizer: Regularizer,
    activation: PhantomData<A>,
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    /// The passes: which kernel, scratch memory, threads.
    const CONV: Conv<C, H, W, F, KH, KW, SH, SW, SAME> = Conv;
    const WINDOW: Window = Conv::<C, H, W, F, KH, KW, SH, SW, SAME>::WINDOW;
    /// Output rows.
    pub const OH: usize = Self::WINDOW.oh;
    /// Output columns.
    pub const OW: usize = Self::WINDOW.ow;
    const WEIGHTS: usize = Conv::<C, H, W, F, KH, KW, SH, SW, SAME>::WEIGHTS;

    /// The parameters as the passes read them, with the kernels of
    /// Winograd's forward pass (nothing where it does not apply), made
    /// again only when the weights changed.
    fn conv_params<'a>(&'a self, made_from: &mut Vec<f32>, kernels: &'a mut Vec<f32>) -> Params<'a> {
        let kernels = Self::CONV.forward_kernels(&self.weight, made_from, |len| super::aligned_len(kernels, len));
        Params { weight: &self.weight, bias: &self.bias, kernels }
    }

    /// Whether [`Conv2d::forward_pooled`] runs the pooling `P` sample by
    /// sample with the convolution: windows that do not overlap, and an
    /// activation whose derivative follows from each output alone.
    const fn fuses<P: FusedPool>() -> bool {
        P::DISJOINT && A::ELEMENTWISE && !A::NEEDS_INPUT && P::INPUT == Self::OUTPUT
    }

    /// The forward pass of this convolution and the max pooling `pool`
    /// after it, as `forward_batch` of the one and then of the other, with
    /// the same results, but sample by sample: the convolution's output (the
    /// MNIST CNN's first: 86 KB a sample, 11 MB a batch of 128) stays in the
    /// cache, and only the pooling's output and `argmax` (its buffers) are
    /// kept. `network!` calls this for a `conv2d` followed by `maxpool2d`.
    /// Where the two cannot be fused (see [`FusedPool::DISJOINT`], and
    /// softmax, GELU and swish, whose derivatives need more than the pooled
    /// values), the two passes run one after the other.
    ///
    /// # Shapes
    ///
    /// `input`: `batch x [C, H, W]`; `output`: the pooling's output.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_pooled<P: FusedPool>(
        &self,
        pool: &P,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut ConvBuffers,
        argmax: &mut Vec<u32>,
        mode: &mut Mode<'_>,
    ) {
        let (o, po) = (Self::OUTPUT, P::OUTPUT);
        if !Self::fuses::<P>() {
            let mut unpooled = std::mem::take(&mut buffers.unpooled);
            let values = super::ensure_len(&mut unpooled, o * batch);
            self.forward_batch(input, values, batch, buffers, mode);
            pool.forward_batch(values, output, batch, argmax, mode);
            buffers.unpooled = unpooled;
            return;
        }
        let ConvBuffers { scratch, kernels, kernels_from, .. } = buffers;
        let argmax = super::ensure_len(argmax, po * batch);
        if batch == 1 {
            // The two layers' one-sample passes, as their views run them.
            let values = super::ensure_len(scratch, o);
            sample::<C, H, W, F, KH, KW, SH, SW, SAME, A>(&self.weight, &self.bias, input, values, &mut []);
            P::pool_sample(values, &mut output[..po], argmax);
            return;
        }
        let params = self.conv_params(kernels_from, kernels);
        Self::CONV.forward_pooled::<A>(params, input, (output, po), argmax, batch, P::pool_sample, scratch);
    }

    /// The backward pass of [`Conv2d::forward_pooled`]: `pass` as the
    /// convolution's, but its `output` and `grad` are the pooling's, and
    /// `argmax` the pooling's buffers. Each sample's gradient goes back
    /// through the pooling and the activation into the cache, and from
    /// there through the convolution: the same numbers as the two layers'
    /// `backward_batch` one after the other.
    pub fn backward_pooled<P: FusedPool>(
        &self,
        pool: &P,
        pass: Backward<'_, ConvBuffers>,
        argmax: &mut Vec<u32>,
        grads: &mut Self,
    ) {
        let Backward { input, output, grad, grad_input, batch, buffers, .. } = pass;
        let (o, po) = (Self::OUTPUT, P::OUTPUT);
        if !Self::fuses::<P>() {
            let (values, mut gradient) =
                (std::mem::take(&mut buffers.unpooled), std::mem::take(&mut buffers.unpooled_grad));
            let unpooled = super::ensure_len(&mut gradient, o * batch);
            let pooling = Backward {
                input: &values[..o * batch],
                output,
                grad,
                preactivation: false,
                grad_input: Some(&mut unpooled[..]),
                batch,
                buffers: argmax,
            };
            pool.backward_batch(pooling, &mut P::zeroed());
            let convolution = Backward {
                input,
                output: &values[..o * batch],
                grad: unpooled,
                preactivation: false,
                grad_input,
                batch,
                buffers: &mut *buffers,
            };
            self.backward_batch(convolution, grads);
            (buffers.unpooled, buffers.unpooled_grad) = (values, gradient);
            return;
        }
        let deltas = Deltas::Pooled { pooled: &output[..po * batch], argmax: &argmax[..po * batch], per_sample: po };
        self.backward_with(input, (&mut grad[..po * batch], po), deltas, grad_input, batch, buffers, grads);
    }

    /// [`Conv2d::backward_pooled`], then plain SGD on the weights with step
    /// `rate`, as [`Layer::backward_sgd`] does for a convolution alone.
    pub fn backward_pooled_sgd<P: FusedPool>(
        &mut self,
        pool: &P,
        pass: Backward<'_, ConvBuffers>,
        argmax: &mut Vec<u32>,
        grads: &mut Self,
        rate: f32,
    ) {
        self.backward_pooled(pool, pass, argmax, grads);
        self.visit_params(grads, &mut |params, grads| crate::optim::sgd_step(params, grads, rate));
    }

    /// The backward pass from each sample's output gradient, as `deltas`
    /// says to make it from `grad` (`grad.1` values a sample).
    #[allow(clippy::too_many_arguments)]
    fn backward_with(
        &self,
        input: &[f32],
        grad: (&mut [f32], usize),
        deltas: Deltas<'_>,
        grad_input: Option<&mut [f32]>,
        batch: usize,
        buffers: &mut ConvBuffers,
        grads: &mut Self,
    ) {
        let ConvBuffers { partial, scratch, turned_kernels, turned_from, .. } = buffers;
        let partial = super::ensure_len(partial, Self::CONV.partial_len(batch));
        let turned = match grad_input {
            Some(_) => {
                Self::CONV.turned_kernels(&self.weight, turned_from, |len| super::aligned_len(turned_kernels, len))
            }
            None => &[],
        };
        let pass = BackwardPass { input, grad, deltas, grad_input, batch, partial, turned, scratch };
        Self::CONV.backward::<A>(&self.weight, pass, &mut grads.weight, &mut grads.bias);
    }

    /// Weights drawn by `init` with fan-in `C·KH·KW` and fan-out `F·KH·KW`
    /// (Keras' for convolutions); biases zero.
    pub fn with_init<R: Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut layer = Self::zeroed();
        init.fill(&mut layer.weight, C * KH * KW, F * KH * KW, rng);
        layer
    }

    /// The same layer with `regularizer` on its weights.
    pub fn regularized(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }

    /// Weights drawn by Keras' default scheme (Glorot uniform) from a seeded generator.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > Clone for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    fn clone(&self) -> Self {
        Conv2d {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
            regularizer: self.regularizer,
            activation: PhantomData,
        }
    }
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > std::fmt::Debug for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let padding = if SAME { "same" } else { "valid" };
        write!(
            f,
            "Conv2d<[{C}, {H}, {W}] -> [{F}, {}, {}], {KH}x{KW}, stride {SH}x{SW}, {padding}, {}{}>",
            Self::OH,
            Self::OW,
            A::NAME,
            if BIAS { "" } else { ", no bias" }
        )
    }
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > Activated for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    type Activation = A;
    const GROUP: usize = <Self as Layer>::OUTPUT;
}

#[cfg(feature = "std")]
/// What a convolution keeps between its passes.
#[derive(Default)]
pub struct ConvBuffers {
    /// The pre-activations of the last batch, when the activation needs them.
    preactivations: Vec<f32>,
    /// Each group's weight and bias gradient, before they are summed.
    partial: Vec<f32>,
    /// Each thread's window matrices.
    scratch: Vec<f32>,
    /// The kernels transformed for Winograd's algorithm, and the weights
    /// they were made from; the same for the gradient to the input.
    kernels: Vec<f32>,
    kernels_from: Vec<f32>,
    turned_kernels: Vec<f32>,
    turned_from: Vec<f32>,
    /// The output and its gradient where a pooling after the layer is not
    /// fused with it (see [`Conv2d::forward_pooled`]).
    unpooled: Vec<f32>,
    unpooled_grad: Vec<f32>,
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
    > Layer for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = F * Self::OH * Self::OW;
    const PARAMS: usize = Self::WEIGHTS + if BIAS { F } else { 0 };
    const STATE: usize = 0;
    type Buffers = ConvBuffers;

    /// Glorot uniform whatever the activation, as Keras' `Conv2D`
    /// (`kernel_initializer="glorot_uniform"`); biases zero.
    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::with_init(Init::GlorotUniform, rng)
    }

    fn zeroed() -> Self {
        Conv2d {
            weight: vec![0.0; Self::WEIGHTS].into(),
            bias: vec![0.0; F].into(),
            regularizer: Regularizer::default(),
            activation: PhantomData,
        }
    }

    /// A batch of one through the one-sample pass ([`Conv2dView`]'s).
    ///
    /// # Shapes
    ///
    /// `input`: `batch x [C, H, W]`; `output`: `batch x [F, OH, OW]`.
    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut ConvBuffers,
        _: &mut Mode<'_>,
    ) {
        let o = Self::OUTPUT;
        let ConvBuffers { preactivations, scratch, kernels, kernels_from, .. } = buffers;
        let preactivations = if A::NEEDS_INPUT { super::ensure_len(preactivations, o * batch) } else { &mut [] };
        if batch == 1 {
            sample::<C, H, W, F, KH, KW, SH, SW, SAME, A>(&self.weight, &self.bias, input, output, preactivations);
            return;
        }
        let params = self.conv_params(kernels_from, kernels);
        Self::CONV.forward::<A>(params, input, output, preactivations, batch, scratch);
    }

    fn backward_batch(&self, pass: Backward<'_, ConvBuffers>, grads: &mut Self) {
        let Backward { input, output, grad, preactivation, grad_input, batch, buffers } = pass;
        let o = Self::OUTPUT;
        let preactivations = std::mem::take(&mut buffers.preactivations);
        let deltas = Deltas::Output { output, preactivations: &preactivations, activate: !preactivation };
        self.backward_with(input, (&mut grad[..o * batch], o), deltas, grad_input, batch, buffers, grads);
        buffers.preactivations = preactivations;
    }

    /// `weight` as `[F, C, KH, KW]` (PyTorch's `Conv2d.weight`) with the
    /// layer's penalty, and, when `BIAS`, `bias` as `[F]`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[F, C, KH, KW], &self.weight[..]).regularized(self.regularizer));
        if BIAS {
            visit(Part::param(path, "bias", &[F], &self.bias[..]));
        }
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        let regularizer = self.regularizer;
        visit(Part::param(path, "weight", &[F, C, KH, KW], &mut self.weight[..]).regularized(regularizer));
        if BIAS {
            visit(Part::param(path, "bias", &[F], &mut self.bias[..]));
        }
    }

    /// `Conv` with explicit `pads` (Keras' `same` padding, the extra zero
    /// after; without `BIAS`, no bias input), then the activation.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let weight = graph.constant(&format!("{prefix}weight"), &[F, C, KH, KW], &self.weight);
        let bias = BIAS.then(|| graph.constant(&format!("{prefix}bias"), &[F], &self.bias));
        let mut inputs = vec![input.name.as_str(), &weight];
        inputs.extend(bias.as_deref());
        let attributes = crate::onnx::window_attributes([KH, KW], [SH, SW], Self::WINDOW.pads());
        let conv = graph.node("Conv", &format!("{prefix}conv"), &inputs, attributes, &[F, Self::OH, Self::OW]);
        A::onnx(graph, prefix, conv)
    }
}

#[cfg(feature = "std")]
/// A convolution and the max pooling after it: [`Conv2d::forward_pooled`]
/// and its backward passes.
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        const BIAS: bool,
        P: FusedPool,
    > Pair<P> for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A, BIAS>
{
    fn forward_pair(
        &self,
        pool: &P,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut ConvBuffers,
        argmax: &mut Vec<u32>,
        mode: &mut Mode<'_>,
    ) {
        self.forward_pooled(pool, input, output, batch, buffers, argmax, mode);
    }

    fn backward_pair(&self, pool: &P, pass: Backward<'_, ConvBuffers>, argmax: &mut Vec<u32>, grads: &mut Self) {
        self.backward_pooled(pool, pass, argmax, grads);
    }

    fn backward_pair_sgd(
        &mut self,
        pool: &P,
        pass: Backward<'_, ConvBuffers>,
        argmax: &mut Vec<u32>,
        grads: &mut Self,
        rate: f32,
    ) {
        self.backward_pooled_sgd(pool, pass, argmax, grads, rate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Gelu, Linear, Relu, Tanh};
    use crate::layers::testing::{self, gradient_check};

    fn check<L: Layer + Clone>(layer: &L, batch: usize) {
        gradient_check(layer, &testing::values(L::INPUT * batch, 0.3), batch, false, 1e-2, 3e-3);
    }

    /// Every gradient of stride 1 and 2, valid and same padding and a 3x5
    /// kernel, against finite differences; batches that leave a partial
    /// group of samples.
    #[test]
    fn gradients_match_finite_differences() {
        check(&Conv2d::<2, 5, 6, 3, 3, 3, 1, 1, false, Tanh>::seeded(1), 3);
        check(&Conv2d::<2, 5, 6, 3, 3, 3, 1, 1, true, Tanh>::seeded(2), 2);
        check(&Conv2d::<2, 7, 7, 2, 3, 3, 2, 2, false, Linear>::seeded(3), 2);
        check(&Conv2d::<1, 7, 8, 2, 3, 3, 2, 2, true, Tanh>::seeded(4), 9);
        check(&Conv2d::<2, 6, 9, 2, 3, 5, 1, 2, true, Gelu>::seeded(5), 2);
        check(&Conv2d::<3, 6, 7, 2, 3, 5, 1, 1, false, Tanh>::seeded(6), 1);
        // Winograd's forward pass and weight gradient; Winograd's gradient to
        // the input (valid and same padding); all three.
        check(&Conv2d::<16, 5, 4, 3, 3, 3, 1, 1, false, Tanh>::seeded(12), 2);
        check(&Conv2d::<2, 5, 6, 16, 3, 3, 1, 1, false, Tanh>::seeded(13), 2);
        check(&Conv2d::<3, 4, 5, 16, 3, 3, 1, 1, true, Tanh>::seeded(14), 1);
        check(&Conv2d::<16, 6, 5, 16, 3, 3, 1, 1, false, Tanh>::seeded(15), 1);
        // Winograd's weight gradient with same padding (a batch of a full
        // group and a partial one: `kernels/conv.rs` checks its definition).
        check(&Conv2d::<16, 4, 5, 4, 3, 3, 1, 1, true, Tanh>::seeded(16), 2);
    }

    /// A convolution and the max pooling `P` after it through
    /// `forward_pooled` and `backward_pooled`, against the two layers'
    /// passes one after the other: the same bits in every output and
    /// gradient. `fused` says which path the pair takes.
    fn check_pooled<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
        P: FusedPool + Default,
    >(
        seed: u64,
        batch: usize,
        fused: bool,
    ) {
        assert_eq!(Conv2d::<C, H, W, F, KH, KW, SH, SW, SAME, A>::fuses::<P>(), fused);
        let mut conv = Conv2d::<C, H, W, F, KH, KW, SH, SW, SAME, A>::seeded(seed);
        // Biases that leave some windows with nothing above zero.
        for (k, b) in conv.bias.iter_mut().enumerate() {
            *b = 0.4 * (k as f32 * 0.9).sin() - 0.2;
        }
        let pool = P::default();
        let input = testing::values(C * H * W * batch, 0.4);
        let (values, mut conv_buffers) = testing::forward(&conv, &input, batch, true);
        let (pooled, mut argmax) = testing::forward(&pool, &values, batch, true);
        let grad = testing::values(P::OUTPUT * batch, 0.7);
        let (_, grad_values) = testing::backward(&pool, &values, &pooled, grad.clone(), batch, &mut argmax);
        let (grads, grad_input) = testing::backward(&conv, &input, &values, grad_values, batch, &mut conv_buffers);

        let mut out = vec![f32::NAN; P::OUTPUT * batch];
        let (mut buffers, mut at) = (ConvBuffers::default(), Vec::new());
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
        conv.forward_pooled(&pool, &input, &mut out, batch, &mut buffers, &mut at, &mut Mode::Training(&mut rng));
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&out), bits(&pooled), "pooled outputs");
        assert_eq!(at[..P::OUTPUT * batch], argmax[..P::OUTPUT * batch], "where the maxima were");
        let (mut fused_grads, mut fused_input) = (conv.clone(), vec![f32::NAN; C * H * W * batch]);
        let pass = Backward {
            input: &input,
            output: &out,
            grad: &mut grad.clone(),
            preactivation: false,
            grad_input: Some(&mut fused_input),
            batch,
            buffers: &mut buffers,
        };
        conv.backward_pooled(&pool, pass, &mut at, &mut fused_grads);
        assert_eq!(bits(&fused_grads.weight), bits(&grads.weight), "weight gradient");
        assert_eq!(bits(&fused_grads.bias), bits(&grads.bias), "bias gradient");
        assert_eq!(bits(&fused_input), bits(&grad_input), "gradient to the input");
    }

    /// The fused pair through each way of computing the convolution (the
    /// direct shallow kernel, Winograd both ways, the window matrix with
    /// same padding, a 3x5 kernel and a same pooling; batches that leave a
    /// partial group), and the fallback where a pair cannot be fused.
    #[test]
    fn a_pooled_convolution_matches_the_two_layers() {
        use crate::layers::MaxPool2d;
        check_pooled::<1, 12, 20, 8, 3, 3, 1, 1, false, Relu, MaxPool2d<8, 10, 18, 2, 2, 2, 2, false>>(1, 10, true);
        check_pooled::<16, 7, 8, 16, 3, 3, 1, 1, false, Relu, MaxPool2d<16, 5, 6, 2, 2, 2, 2, false>>(2, 9, true);
        check_pooled::<2, 9, 9, 3, 3, 5, 1, 1, true, Tanh, MaxPool2d<3, 9, 9, 2, 2, 2, 2, true>>(3, 3, true);
        check_pooled::<2, 9, 9, 3, 3, 3, 2, 2, false, Relu, MaxPool2d<3, 4, 4, 2, 2, 2, 2, false>>(4, 2, true);
        // Overlapping windows, and an activation that needs the pre-activations.
        check_pooled::<1, 12, 20, 8, 3, 3, 1, 1, false, Relu, MaxPool2d<8, 10, 18, 3, 3, 1, 1, false>>(5, 3, false);
        check_pooled::<2, 9, 9, 4, 3, 3, 1, 1, false, Gelu, MaxPool2d<4, 7, 7, 2, 2, 2, 2, false>>(6, 2, false);
        // A batch of one, through the one-sample passes, fused and not.
        check_pooled::<16, 7, 8, 16, 3, 3, 1, 1, false, Relu, MaxPool2d<16, 5, 6, 2, 2, 2, 2, false>>(7, 1, true);
        check_pooled::<1, 12, 20, 8, 3, 3, 1, 1, false, Relu, MaxPool2d<8, 10, 18, 3, 3, 1, 1, false>>(8, 1, false);
    }

    /// `len` values drawn uniformly from -1..1.
    fn random(len: usize, seed: u64) -> Vec<f32> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    fn bits(values: &[f32]) -> Vec<u32> {
        values.iter().map(|v| v.to_bits()).collect()
    }

    /// A batch of one through the layer's `forward_batch` (as a network's
    /// `forward` runs it) against its view's `forward` on random input and
    /// biases: the same bits; and within rounding of the batched pass (the
    /// sample twice), which computes it another way.
    fn check_view<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
    >(
        seed: u64,
    ) {
        let mut layer = Conv2d::<C, H, W, F, KH, KW, SH, SW, SAME, A>::seeded(seed);
        layer.bias.copy_from_slice(&random(F, seed + 100));
        let (i, o) = (C * H * W, <Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A> as Layer>::OUTPUT);
        assert_eq!(<Conv2dView<C, H, W, F, KH, KW, SH, SW, SAME, A> as Infer>::OUTPUT, o);
        let input = random(i, seed + 200);
        let (owned, _) = testing::forward(&layer, &input, 1, false);
        let mut viewed = vec![f32::NAN; o];
        let params = Conv2dParams { weight: &layer.weight, bias: &layer.bias };
        Conv2dView::<C, H, W, F, KH, KW, SH, SW, SAME, A>::forward(&params, &input, &mut viewed);
        assert_eq!(bits(&owned), bits(&viewed), "{layer:?}");
        let (batched, _) = testing::forward(&layer, &[&input[..], &input[..]].concat(), 2, false);
        for (k, (a, b)) in owned.iter().zip(&batched[o..]).enumerate() {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{layer:?}, output {k}: {a} against {b}");
        }
    }

    /// Valid and same padding, strides 1 and 2, rows narrower and wider
    /// than a block of outputs, filters in and out of the kernel's groups,
    /// a shallow first convolution and one that goes through Winograd in
    /// batches, an activation that keeps its pre-activations.
    #[test]
    fn a_batch_of_one_gives_the_bits_of_the_view() {
        check_view::<2, 7, 9, 3, 3, 3, 1, 1, false, Tanh>(1);
        check_view::<2, 7, 9, 3, 3, 3, 1, 1, true, Tanh>(2);
        check_view::<3, 6, 20, 5, 3, 5, 1, 1, true, Relu>(3);
        check_view::<2, 9, 9, 4, 3, 3, 2, 2, false, Linear>(4);
        check_view::<2, 9, 36, 4, 3, 3, 2, 2, true, Tanh>(5);
        check_view::<2, 8, 7, 9, 3, 2, 2, 1, true, Relu>(6);
        check_view::<1, 8, 20, 8, 3, 3, 1, 1, false, Relu>(7);
        check_view::<16, 6, 5, 16, 3, 3, 1, 1, false, Gelu>(8);
        check_view::<32, 13, 13, 64, 3, 3, 1, 1, false, Relu>(9);
        check_view::<2, 3, 3, 2, 3, 3, 1, 1, false, Tanh>(10);
    }

    /// A convolution and the max pooling after it, a batch of one through
    /// the pair (`forward_pooled`, as `network!` runs it) against the two
    /// views one after the other: the same bits, fused or not.
    fn check_pooled_view<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const SAME: bool,
        const PH: usize,
        const PW: usize,
        const PS: usize,
        const PH_OUT: usize,
        const PW_OUT: usize,
        A: Activation,
    >(
        seed: u64,
        fused: bool,
    ) {
        use crate::layers::{MaxPool2d, MaxPool2dView};
        type Pool<const F: usize, const H: usize, const W: usize, const P: usize, const Q: usize, const S: usize> =
            MaxPool2d<F, H, W, P, Q, S, S, false>;
        let mut conv = Conv2d::<C, H, W, F, 3, 3, 1, 1, SAME, A>::seeded(seed);
        conv.bias.copy_from_slice(&random(F, seed + 100));
        let (oh, ow) = (Conv2d::<C, H, W, F, 3, 3, 1, 1, SAME, A>::OH, Conv2d::<C, H, W, F, 3, 3, 1, 1, SAME, A>::OW);
        assert_eq!((oh, ow), (PH_OUT, PW_OUT), "the pooling's input");
        assert_eq!(Conv2d::<C, H, W, F, 3, 3, 1, 1, SAME, A>::fuses::<Pool<F, PH_OUT, PW_OUT, PH, PW, PS>>(), fused);
        let pool = Pool::<F, PH_OUT, PW_OUT, PH, PW, PS>::default();
        let input = random(C * H * W, seed + 200);
        let po = <Pool<F, PH_OUT, PW_OUT, PH, PW, PS> as Layer>::OUTPUT;
        let mut paired = vec![f32::NAN; po];
        let (mut buffers, mut argmax) = (ConvBuffers::default(), Vec::new());
        conv.forward_pooled(&pool, &input, &mut paired, 1, &mut buffers, &mut argmax, &mut Mode::Inference);
        let mut values = vec![f32::NAN; F * oh * ow];
        let params = Conv2dParams { weight: &conv.weight, bias: &conv.bias };
        Conv2dView::<C, H, W, F, 3, 3, 1, 1, SAME, A>::forward(&params, &input, &mut values);
        let mut viewed = vec![f32::NAN; po];
        MaxPool2dView::<F, PH_OUT, PW_OUT, PH, PW, PS, PS, false>::forward(&(), &values, &mut viewed);
        assert_eq!(bits(&paired), bits(&viewed), "{conv:?}");
    }

    #[test]
    fn a_pair_with_a_batch_of_one_gives_the_bits_of_the_two_views() {
        // The MNIST CNN's pairs; same padding; overlapping windows and an
        // activation that needs its pre-activations (not fused).
        check_pooled_view::<1, 28, 28, 32, false, 2, 2, 2, 26, 26, Relu>(1, true);
        check_pooled_view::<32, 13, 13, 64, false, 2, 2, 2, 11, 11, Relu>(2, true);
        check_pooled_view::<2, 9, 9, 3, true, 2, 2, 2, 9, 9, Tanh>(3, true);
        check_pooled_view::<1, 12, 20, 8, false, 3, 3, 1, 10, 18, Relu>(4, false);
        check_pooled_view::<2, 9, 9, 4, false, 2, 2, 2, 7, 7, Gelu>(5, false);
    }

    #[test]
    fn tensors_are_pytorch_layout_and_load_back() {
        let layer = Conv2d::<2, 5, 5, 4, 3, 2, 1, 1, false, Relu>::seeded(8);
        let tensors = testing::tensors_of(&layer);
        assert_eq!(
            tensors.iter().map(|t| (t.name.as_str(), t.shape.clone())).collect::<Vec<_>>(),
            [("weight", vec![4, 2, 3, 2]), ("bias", vec![4])]
        );
        let copy = testing::loaded_copy(&layer);
        assert_eq!(copy.weight, layer.weight);
    }

    /// Without a bias (`use_bias = false`): gradients against finite
    /// differences on the batched and the one-sample passes, only the
    /// weight as a tensor and a parameter, the view reading only it and
    /// giving the layer's bits, training leaving the bias at zero, and
    /// `Conv` of two inputs in ONNX.
    #[test]
    fn a_convolution_without_bias_has_none() {
        type NoBias = Conv2d<2, 5, 6, 3, 3, 3, 1, 1, true, Tanh, false>;
        check(&NoBias::seeded(1), 3);
        check(&NoBias::seeded(2), 1);
        assert_eq!(<NoBias as Layer>::PARAMS, 3 * 2 * 9);
        let mut layer = NoBias::seeded(3);
        let names: Vec<String> = testing::tensors_of(&layer).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["weight"]);
        testing::check_parts(&mut layer, &testing::values(60, 0.1), 1);

        let input = testing::values(60, 0.2);
        let (owned, _) = testing::forward(&layer, &input, 1, false);
        let mut viewed = vec![f32::NAN; owned.len()];
        let params = Conv2dParams { weight: &layer.weight, bias: &[] };
        Conv2dView::<2, 5, 6, 3, 3, 3, 1, 1, true, Tanh, false>::forward(&params, &input, &mut viewed);
        assert_eq!(bits(&owned), bits(&viewed));

        let batch = testing::values(60 * 4, 0.4);
        let (output, mut buffers) = testing::forward(&layer, &batch, 4, true);
        let mut grad = testing::values(output.len(), 0.5);
        let pass = Backward {
            input: &batch,
            output: &output,
            grad: &mut grad,
            preactivation: false,
            grad_input: None,
            batch: 4,
            buffers: &mut buffers,
        };
        let before = layer.weight.clone();
        layer.backward_sgd(pass, &mut NoBias::zeroed(), 0.1);
        assert_ne!(layer.weight, before, "the weights learn");
        assert!(layer.bias.iter().all(|b| *b == 0.0), "the bias stays zero");

        let mut graph = Graph::new();
        layer.onnx(&mut graph, "0.", Value { name: "x".into(), dims: vec![2, 5, 6] }).unwrap();
        assert_eq!(graph.operators()[0], ("Conv", vec!["x", "0.weight"]));
    }

    /// Keras' Glorot uniform, even before a ReLU, bounds by
    /// `sqrt(6 / (fan_in + fan_out))` with fan-in `C·KH·KW` and fan-out `F·KH·KW`.
    #[test]
    fn initialisation_counts_the_window_in_the_fans() {
        let layer = Conv2d::<4, 8, 8, 16, 3, 3, 1, 1, false, Relu>::seeded(1);
        let max = layer.weight.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let bound = (6.0f32 / (36.0 + 144.0)).sqrt();
        assert!(max <= bound && max > 0.9 * bound, "{max} vs {bound}");
        assert!(layer.bias.iter().all(|b| *b == 0.0));
    }
}
