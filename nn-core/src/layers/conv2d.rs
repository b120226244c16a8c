use super::window::Window;
use super::winograd::{Placement, Winograd};
use super::{Activated, Backward, Data, DataMut, FusedPool, Layer, Mode, Part, Path, Regularizer};
use crate::act::Activation;
use crate::gemm::{gemm, gemm_ld, MatRef, MIN_FLOPS_PER_THREAD};
use crate::init::Init;
use crate::onnx::{Graph, Value};
use crate::parallel::for_each_group;
use rand::Rng;
use std::marker::PhantomData;

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
/// The batch goes through im2col and the crate's matrix product one sample
/// at a time: the sample's windows become the rows of a `OH·OW x C·KH·KW`
/// matrix (kept in each thread's scratch memory), which times the weights
/// gives all `F` output channels. Samples are shared between threads; the
/// weight gradient is summed in fixed groups of samples and then over the
/// groups in order, so it is the same on any number of threads.
///
/// Where they measured faster, the passes skip the window matrix:
/// - a 3x3 kernel of stride 1 goes through Winograd's F(2x2, 3x3)
///   (`winograd.rs`), which multiplies 2.25 times less: the forward pass and
///   the weight gradient over at least 16 channels, the gradient to the
///   input from at least 16 filters (the MNIST CNN's second convolution:
///   forward 467 against 577 us for 12 samples, backward 6.5 against 7.0 ms
///   for 128). Its results differ from the window matrix's by rounding.
/// - a convolution of stride 1 without padding whose windows hold at most
///   16 values (a first convolution over one channel) is computed directly
///   in its forward pass, each output the same sum in the same order as the
///   product's, so the same bits.
///
/// A convolution followed by a max pooling runs with it sample by sample
/// ([`Conv2d::forward_pooled`], which `network!` calls for the pair): its
/// output is pooled while in the cache and never stored, with the same
/// results as the two layers' passes (the MNIST CNN's epoch 6.3 to 5.5 s).
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
> {
    /// `F x C x KH x KW` weights, row-major.
    pub weight: Box<[f32]>,
    /// `F` biases.
    pub bias: Box<[f32]>,
    /// The penalty on the weights (not the biases) added to the loss.
    pub regularizer: Regularizer,
    activation: PhantomData<A>,
}

/// Samples per group of the backward pass: each group's weight gradient is
/// summed on one thread, then the groups' in order.
const GROUP: usize = 8;

/// Largest window (`C·KH·KW` values) that [`shallow`] computes: in a
/// product this shallow the kernel loads and stores its tiles of `C` for
/// few multiplications (the MNIST CNN's first convolution, 9 deep, ran at
/// about 40 GFLOP/s a thread through it, against 90-100 for deep products).
const SHALLOW_DEPTH: usize = 16;
/// Outputs of a row that [`shallow`] computes at once, per filter.
const SHALLOW_LANES: usize = 16;
/// Filters that [`shallow`] computes at once.
const SHALLOW_FILTERS: usize = 4;

crate::cpu::with_avx2! {
    /// The pre-activations of one sample of a convolution of stride 1
    /// without padding, directly: [`SHALLOW_FILTERS`] filters and
    /// [`SHALLOW_LANES`] outputs of a row at a time (the row's last block
    /// moved back to end at the row's end), each output the sum the window
    /// matrix's product makes (the window's products added in the same
    /// order, then the bias), without the window matrix.
    fn shallow<const C: usize, const H: usize, const W: usize, const F: usize, const KH: usize, const KW: usize>(
        weight: &[f32],
        bias: &[f32],
        input: &[f32],
        output: &mut [f32],
    ) {
        let (oh, ow, depth) = (H - KH + 1, W - KW + 1, C * KH * KW);
        let (weight, bias, input) = (&weight[..F * depth], &bias[..F], &input[..C * H * W]);
        let output = &mut output[..F * oh * ow];
        for f0 in (0..F).step_by(SHALLOW_FILTERS) {
            for y in 0..oh {
                let mut start = 0;
                loop {
                    let x = start.min(ow - SHALLOW_LANES);
                    let mut acc = [[0.0f32; SHALLOW_LANES]; SHALLOW_FILTERS];
                    for c in 0..C {
                        for i in 0..KH {
                            let line = &input[(c * H + y + i) * W..(c * H + y + i + 1) * W];
                            for j in 0..KW {
                                let values: &[f32; SHALLOW_LANES] =
                                    line[x + j..x + j + SHALLOW_LANES].try_into().expect("a block of a row");
                                let k = (c * KH + i) * KW + j;
                                for (g, acc) in acc.iter_mut().enumerate() {
                                    let w = weight[(f0 + g) * depth + k];
                                    for (a, v) in acc.iter_mut().zip(values) {
                                        *a = w.mul_add(*v, *a);
                                    }
                                }
                            }
                        }
                    }
                    for (g, acc) in acc.iter().enumerate() {
                        let b = bias[f0 + g];
                        let at = ((f0 + g) * oh + y) * ow + x;
                        for (o, a) in output[at..at + SHALLOW_LANES].iter_mut().zip(acc) {
                            *o = a + b;
                        }
                    }
                    if x + SHALLOW_LANES >= ow {
                        break;
                    }
                    start += SHALLOW_LANES;
                }
            }
        }
    }
}

/// Samples per group of a forward pass by Winograd's algorithm: their
/// tiles go through each of its matrix products together. Groups of 2 or 4
/// measured no faster than 1 (`predict` on the MNIST CNN).
const WINOGRAD_GROUP: usize = 1;

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
    > Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    const WINDOW: Window = Window::new(C, [H, W], [KH, KW], [SH, SW], SAME);
    /// Output rows.
    pub const OH: usize = Self::WINDOW.oh;
    /// Output columns.
    pub const OW: usize = Self::WINDOW.ow;
    /// Output positions per channel.
    const POSITIONS: usize = Self::WINDOW.positions();
    /// Values under one window: `C · KH · KW`.
    const DEPTH: usize = C * KH * KW;
    /// Values from one row of the window matrix to the next: the output
    /// positions, padded so that each row starts on a cache line and the
    /// matrix product reads it in place.
    const LD: usize = Self::POSITIONS.next_multiple_of(16);
    const WEIGHTS: usize = F * Self::DEPTH;
    /// The forward pass by [`shallow`], where it applies: stride 1, no
    /// padding, windows of at most [`SHALLOW_DEPTH`] values, output rows of
    /// at least [`SHALLOW_LANES`] values, filters in fours.
    const SHALLOW: bool = SH == 1
        && SW == 1
        && Self::WINDOW.ph == 0
        && Self::WINDOW.pw == 0
        && Self::DEPTH <= SHALLOW_DEPTH
        && Self::WINDOW.ow >= SHALLOW_LANES
        && F.is_multiple_of(SHALLOW_FILTERS);
    /// The gradient to the input as a convolution of the output's gradient:
    /// of stride 1, the kernels turned half a turn, filters and channels
    /// swapped, the padding what the window leaves of the kernel.
    const TURNED: Window = Window {
        c: F,
        h: Self::WINDOW.oh,
        w: Self::WINDOW.ow,
        kh: KH,
        kw: KW,
        sh: 1,
        sw: 1,
        oh: H,
        ow: W,
        ph: (KH - 1).saturating_sub(Self::WINDOW.ph),
        pw: (KW - 1).saturating_sub(Self::WINDOW.pw),
    };
    /// The gradient to the input by Winograd's F(2x2, 3x3), where it
    /// applies: a 3x3 kernel of stride 1 and at least 16 filters.
    const WINOGRAD_TURNED: Option<Winograd> =
        if SH == 1 && SW == 1 && Winograd::applies(&Self::TURNED) { Some(Winograd::new(Self::TURNED)) } else { None };
    /// The forward pass by Winograd's F(2x2, 3x3), where it applies.
    const WINOGRAD: Option<Winograd> =
        if Winograd::applies(&Self::WINDOW) { Some(Winograd::new(Self::WINDOW)) } else { None };

    /// Samples per group of the forward pass.
    const FORWARD_GROUP: usize = if Self::WINOGRAD.is_some() { WINOGRAD_GROUP } else { 1 };

    /// The scratch memory of one thread's forward pass.
    fn forward_scratch_len() -> usize {
        match Self::WINOGRAD {
            Some(winograd) => winograd.scratch_len(F, WINOGRAD_GROUP),
            None => Self::DEPTH * Self::LD,
        }
    }

    /// The kernels of Winograd's forward pass (nothing where it does not
    /// apply), transformed again only when the weights changed.
    fn forward_kernels<'a>(&self, made_from: &mut Vec<f32>, kernels: &'a mut Vec<f32>) -> &'a [f32] {
        if Self::WINOGRAD.is_none() {
            return &[];
        }
        Winograd::kernels::<C, F>(
            |f, c| self.weight[(f * C + c) * 9..][..9].try_into().expect("3x3 kernels"),
            &self.weight,
            made_from,
            kernels,
        )
    }

    /// The forward pass of the samples in `inputs` (one, or Winograd's
    /// group): the activations into `out` and, when the activation needs
    /// them, the pre-activations into `pre` (else empty).
    fn forward_group(&self, kernels: &[f32], inputs: &[f32], out: &mut [f32], pre: &mut [f32], scratch: &mut [f32]) {
        let (i, o, p, depth) = (Self::INPUT, Self::OUTPUT, Self::POSITIONS, Self::DEPTH);
        let samples = inputs.len() / i;
        if let Some(winograd) = Self::WINOGRAD {
            winograd.forward::<C, F>(Placement::Direct, kernels, &self.bias, inputs, samples, out, scratch);
        } else {
            for (sample, out) in inputs.chunks_exact(i).zip(out.chunks_exact_mut(o)) {
                if Self::SHALLOW {
                    shallow::<C, H, W, F, KH, KW>(&self.weight, &self.bias, sample, out);
                } else {
                    Self::WINDOW.im2col(sample, scratch, Self::LD);
                    for (column, bias) in out.chunks_exact_mut(p).zip(self.bias.iter()) {
                        column.fill(*bias);
                    }
                    gemm(1.0, MatRef::col_major_ld(scratch, p, depth, Self::LD), self.weight_ref(), 1.0, out);
                }
            }
        }
        pre.copy_from_slice(&out[..pre.len()]);
        A::forward(&mut out[..samples * o], o);
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
        let (i, o, po) = (Self::INPUT, Self::OUTPUT, P::OUTPUT);
        if !Self::fuses::<P>() {
            let mut unpooled = std::mem::take(&mut buffers.unpooled);
            let values = super::ensure_len(&mut unpooled, o * batch);
            self.forward_batch(input, values, batch, buffers, mode);
            pool.forward_batch(values, output, batch, argmax, mode);
            buffers.unpooled = unpooled;
            return;
        }
        let ConvBuffers { scratch, kernels, kernels_from, .. } = buffers;
        let kernels = self.forward_kernels(kernels_from, kernels);
        let argmax = super::ensure_len(argmax, po * batch);
        let room = o.next_multiple_of(16);
        let group = Self::FORWARD_GROUP;
        for_each_group(
            batch,
            group,
            Self::min_per_thread(group),
            [(&mut output[..po * batch], po)],
            (argmax, group * po),
            (scratch, group * room + Self::forward_scratch_len()),
            |samples, [out], at, scratch| {
                let (values, scratch) = scratch.split_at_mut(samples.len() * room);
                let values = &mut values[..samples.len() * o];
                let inputs = &input[samples.start * i..samples.end * i];
                self.forward_group(kernels, inputs, values, &mut [], scratch);
                for ((values, out), at) in
                    values.chunks_exact(o).zip(out.chunks_exact_mut(po)).zip(at.chunks_exact_mut(po))
                {
                    P::pool_sample(values, out, at);
                }
            },
        );
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
        let (i, o, p, depth) = (Self::INPUT, Self::OUTPUT, Self::POSITIONS, Self::DEPTH);
        let params = Self::PARAMS;
        let groups = batch.div_ceil(GROUP);
        let ConvBuffers { partial, scratch, turned_kernels, turned_from, .. } = buffers;
        let partial = super::ensure_len(partial, groups * params);
        let (grad_input, width) = match grad_input {
            Some(g) => (&mut g[..i * batch], i),
            None => (&mut [][..], 0),
        };
        let turned = match Self::WINOGRAD_TURNED {
            Some(winograd) if width > 0 => {
                let kernel = |c: usize, f: usize| {
                    let mut g: [f32; 9] = self.weight[(f * C + c) * 9..][..9].try_into().expect("3x3 kernels");
                    g.reverse();
                    g
                };
                Some((winograd, Winograd::kernels::<F, C>(kernel, &self.weight, turned_from, turned_kernels)))
            }
            _ => None,
        };
        let dcol_len = match turned {
            Some((winograd, _)) => winograd.scratch_len(C, 1),
            None => depth * Self::LD,
        };
        // The window matrix, or what Winograd's weight gradient keeps.
        let rows_len = match Self::WINOGRAD {
            Some(winograd) => winograd.gradient_scratch_len(F).next_multiple_of(16),
            None => (p * depth).next_multiple_of(16),
        };
        // A sample's output gradient, where it is not `grad` in place.
        let delta_len = match deltas {
            Deltas::Output { .. } => 0,
            Deltas::Pooled { .. } => o.next_multiple_of(16),
        };
        let (grad, grad_width) = grad;
        for_each_group(
            batch,
            GROUP,
            Self::min_per_thread(GROUP),
            [(grad, grad_width), (grad_input, width)],
            (partial, params),
            (scratch, delta_len + rows_len + dcol_len),
            |samples, [grad, dx], own, scratch| {
                let (own_delta, scratch) = scratch.split_at_mut(delta_len);
                let (rows, dcol) = scratch.split_at_mut(rows_len);
                let (dw, db) = own.split_at_mut(Self::WEIGHTS);
                db.fill(0.0);
                for (k, n) in samples.enumerate() {
                    let delta = match deltas {
                        Deltas::Output { output, preactivations, activate } => {
                            let delta = &mut grad[k * o..(k + 1) * o];
                            if activate {
                                if A::NEEDS_INPUT {
                                    A::backward_from_input(&preactivations[n * o..(n + 1) * o], delta, o);
                                } else {
                                    A::backward(&output[n * o..(n + 1) * o], delta, o);
                                }
                            }
                            delta
                        }
                        Deltas::Pooled { pooled, argmax, per_sample } => {
                            // Each pooled output's gradient through the
                            // activation at its value (the output's where its
                            // maximum was), then to that place (no place gets
                            // two: the windows are disjoint).
                            let delta = &mut own_delta[..o];
                            delta.fill(0.0);
                            let at = n * per_sample..(n + 1) * per_sample;
                            let g = &mut grad[k * per_sample..(k + 1) * per_sample];
                            A::backward(&pooled[at.clone()], g, per_sample);
                            for (g, at) in g.iter().zip(&argmax[at]) {
                                delta[*at as usize] += g;
                            }
                            delta
                        }
                    };
                    let delta_ref = MatRef::col_major(delta, p, F);
                    if let Some(winograd) = Self::WINOGRAD {
                        winograd.add_weight_gradient::<C, F>(&input[n * i..(n + 1) * i], delta, k == 0, rows);
                    } else {
                        Self::WINDOW.im2row::<KW>(&input[n * i..(n + 1) * i], rows);
                        // dL/dW += windowsᵀ · delta, as C·KH·KW x F column-major: [F, C, KH, KW].
                        let beta = if k == 0 { 0.0 } else { 1.0 };
                        gemm(1.0, MatRef::col_major(rows, depth, p), delta_ref, beta, dw);
                    }
                    for (b, column) in db.iter_mut().zip(delta.chunks_exact(p)) {
                        *b += crate::cpu::sum(column);
                    }
                    if let Some((winograd, kernels)) = turned {
                        let dx = &mut dx[k * i..(k + 1) * i];
                        winograd.forward::<F, C>(Placement::Grid, kernels, &[0.0; C], delta, 1, dx, dcol);
                    } else if width > 0 {
                        // dL/dwindows = delta · Wᵀ, then each window value back to its pixel.
                        gemm_ld(1.0, delta_ref, self.weight_ref().t(), 0.0, dcol, Self::LD);
                        Self::WINDOW.col2im(dcol, Self::LD, &mut dx[k * i..(k + 1) * i]);
                    }
                }
                if let Some(winograd) = Self::WINOGRAD {
                    winograd.weight_gradient::<C, F>(rows, dw);
                }
            },
        );
        let (first, rest) = partial.split_at(params);
        let (dw, db) = first.split_at(Self::WEIGHTS);
        grads.weight.copy_from_slice(dw);
        grads.bias.copy_from_slice(db);
        for group in rest.chunks_exact(params) {
            let (dw, db) = group.split_at(Self::WEIGHTS);
            for (g, v) in grads.weight.iter_mut().zip(dw) {
                *g += v;
            }
            for (g, v) in grads.bias.iter_mut().zip(db) {
                *g += v;
            }
        }
    }

    /// Weights drawn by `init` with fan-in `C·KH·KW` and fan-out `F·KH·KW`
    /// (Keras' for convolutions); biases zero.
    pub fn with_init<R: Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut layer = Self::zeroed();
        init.fill(&mut layer.weight, Self::DEPTH, F * KH * KW, rng);
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

    /// The weights as the `C·KH·KW x F` column-major matrix they are.
    fn weight_ref(&self) -> MatRef<'_> {
        MatRef::col_major(&self.weight, Self::DEPTH, F)
    }

    /// Fewest samples (or groups of them) worth a thread of their own: a
    /// matrix product's worth of work.
    fn min_per_thread(samples: usize) -> usize {
        let flops = 2 * Self::POSITIONS * Self::DEPTH * F * samples;
        MIN_FLOPS_PER_THREAD.div_ceil(flops.max(1))
    }
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
    > Clone for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>
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
    > std::fmt::Debug for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let padding = if SAME { "same" } else { "valid" };
        write!(
            f,
            "Conv2d<[{C}, {H}, {W}] -> [{F}, {}, {}], {KH}x{KW}, stride {SH}x{SW}, {padding}, {}>",
            Self::OH,
            Self::OW,
            A::NAME
        )
    }
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
    > Activated for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    type Activation = A;
    const GROUP: usize = <Self as Layer>::OUTPUT;
}

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

/// Where each sample's gradient with respect to a convolution's output
/// comes from in its backward pass.
#[derive(Clone, Copy)]
enum Deltas<'a> {
    /// The gradient as given, in place: with respect to the outputs (the
    /// activation's derivative at `output`, or at `preactivations` when it
    /// needs them, still to apply, when `activate`) or to the pre-activations.
    Output { output: &'a [f32], preactivations: &'a [f32], activate: bool },
    /// A fused max pooling's gradient, `per_sample` values a sample, its
    /// outputs `pooled` and where each maximum was, `argmax`.
    Pooled { pooled: &'a [f32], argmax: &'a [u32], per_sample: usize },
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
    > Layer for Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = F * Self::OH * Self::OW;
    const PARAMS: usize = Self::WEIGHTS + F;
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
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        let output = &mut output[..o * batch];
        let ConvBuffers { preactivations, scratch, kernels, kernels_from, .. } = buffers;
        let preactivations = if A::NEEDS_INPUT { super::ensure_len(preactivations, o * batch) } else { &mut [] };
        let kept = if A::NEEDS_INPUT { o } else { 0 };
        let kernels = self.forward_kernels(kernels_from, kernels);
        let group = Self::FORWARD_GROUP;
        for_each_group(
            batch,
            group,
            Self::min_per_thread(group),
            [(output, o), (preactivations, kept)],
            (&mut [0.0f32; 0], 0),
            (scratch, Self::forward_scratch_len()),
            |samples, [out, pre], _, scratch| {
                let inputs = &input[samples.start * i..samples.end * i];
                self.forward_group(kernels, inputs, out, pre, scratch);
            },
        );
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
    /// layer's penalty, and `bias` as `[F]`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[F, C, KH, KW], &self.weight[..]).regularized(self.regularizer));
        visit(Part::param(path, "bias", &[F], &self.bias[..]));
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        let regularizer = self.regularizer;
        visit(Part::param(path, "weight", &[F, C, KH, KW], &mut self.weight[..]).regularized(regularizer));
        visit(Part::param(path, "bias", &[F], &mut self.bias[..]));
    }

    /// `Conv` with explicit `pads` (Keras' `same` padding, the extra zero
    /// after), then the activation.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let weight = graph.constant(&format!("{prefix}weight"), &[F, C, KH, KW], &self.weight);
        let bias = graph.constant(&format!("{prefix}bias"), &[F], &self.bias);
        let inputs = [input.name.as_str(), &weight, &bias];
        let attributes = Self::WINDOW.onnx_attributes();
        let conv = graph.node("Conv", &format!("{prefix}conv"), &inputs, attributes, &[F, Self::OH, Self::OW]);
        A::onnx(graph, prefix, conv)
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
        // group and a partial one: `winograd_gradients_match_their_definitions`).
        check(&Conv2d::<16, 4, 5, 4, 3, 3, 1, 1, true, Tanh>::seeded(16), 2);
        assert!(Conv2d::<2, 5, 6, 16, 3, 3, 1, 1, false, Tanh>::WINOGRAD_TURNED.is_some());
        assert!(Conv2d::<2, 7, 7, 16, 3, 3, 2, 2, false, Tanh>::WINOGRAD_TURNED.is_none());
    }

    /// The forward pass of a ReLU convolution against the definition, summed in f64.
    fn check_forward<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    >(
        seed: u64,
        batch: usize,
    ) {
        type L<
            const C: usize,
            const H: usize,
            const W: usize,
            const F: usize,
            const KH: usize,
            const KW: usize,
            const SH: usize,
            const SW: usize,
            const SAME: bool,
        > = Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, Relu>;
        let layer = L::<C, H, W, F, KH, KW, SH, SW, SAME>::seeded(seed);
        let input = testing::values(C * H * W * batch, 0.9);
        let (output, _) = testing::forward(&layer, &input, batch, false);
        let window = L::<C, H, W, F, KH, KW, SH, SW, SAME>::WINDOW;
        let (oh, ow, ph, pw) = (window.oh, window.ow, window.ph, window.pw);
        for n in 0..batch {
            for f in 0..F {
                for y in 0..oh {
                    for x in 0..ow {
                        let mut sum = f64::from(layer.bias[f]);
                        for c in 0..C {
                            for i in 0..KH {
                                for j in 0..KW {
                                    let (iy, ix) =
                                        ((y * SH + i) as isize - ph as isize, (x * SW + j) as isize - pw as isize);
                                    if (0..H as isize).contains(&iy) && (0..W as isize).contains(&ix) {
                                        let v = input[n * C * H * W + (c * H + iy as usize) * W + ix as usize];
                                        let w = layer.weight[((f * C + c) * KH + i) * KW + j];
                                        sum += f64::from(v) * f64::from(w);
                                    }
                                }
                            }
                        }
                        let got = output[n * F * oh * ow + (f * oh + y) * ow + x];
                        assert!(
                            (f64::from(got) - sum.max(0.0)).abs() < 1e-5,
                            "n {n} f {f} y {y} x {x}: {got} vs {sum}"
                        );
                    }
                }
            }
        }
    }

    /// The forward pass through the window matrix (a strided, padded 3x2
    /// kernel) against the definition.
    #[test]
    fn forward_matches_the_definition() {
        assert_eq!(
            (Conv2d::<2, 5, 6, 3, 3, 2, 2, 1, true, Relu>::OH, Conv2d::<2, 5, 6, 3, 3, 2, 2, 1, true, Relu>::OW),
            (3, 6)
        );
        assert!(Conv2d::<2, 5, 6, 3, 3, 2, 2, 1, true, Relu>::WINOGRAD.is_none());
        check_forward::<2, 5, 6, 3, 3, 2, 2, 1, true>(7, 2);
    }

    /// The forward pass of a shallow convolution (one or two channels,
    /// rows of 18 and 16 outputs) against the definition, and bit for bit
    /// against the window matrix's product it stands in for.
    #[test]
    fn shallow_forward_matches_the_definition_and_the_window_matrix() {
        type L = Conv2d<1, 6, 20, 8, 3, 3, 1, 1, false, Relu>;
        assert!(L::SHALLOW && L::WINOGRAD.is_none());
        const { assert!(Conv2d::<2, 5, 18, 4, 2, 2, 1, 1, false, Relu>::SHALLOW) };
        check_forward::<1, 6, 20, 8, 3, 3, 1, 1, false>(13, 2);
        check_forward::<2, 5, 18, 4, 2, 2, 1, 1, false>(14, 3);

        let layer = L::seeded(15);
        let input = testing::values(L::INPUT, 0.9);
        let (output, _) = testing::forward(&layer, &input, 1, false);
        let mut col = vec![0.0; L::DEPTH * L::LD];
        L::WINDOW.im2col(&input, &mut col, L::LD);
        let mut product = vec![0.0; L::OUTPUT];
        for (column, bias) in product.chunks_exact_mut(L::POSITIONS).zip(layer.bias.iter()) {
            column.fill(*bias);
        }
        gemm(1.0, MatRef::col_major_ld(&col, L::POSITIONS, L::DEPTH, L::LD), layer.weight_ref(), 1.0, &mut product);
        for (got, want) in output.iter().zip(&product) {
            assert_eq!(got.to_bits(), want.max(0.0).to_bits(), "{got} against {want}");
        }
    }

    /// Winograd's weight gradient and gradient to the input against their
    /// definitions, summed in f64: same padding (every tile reads zeros), a
    /// batch of a full group of samples and a partial one.
    #[test]
    fn winograd_gradients_match_their_definitions() {
        const C: usize = 16;
        const F: usize = 16;
        const H: usize = 4;
        const W: usize = 5;
        type L = Conv2d<C, H, W, F, 3, 3, 1, 1, true, Linear>;
        assert!(L::WINOGRAD.is_some() && L::WINOGRAD_TURNED.is_some());
        let (layer, batch) = (L::seeded(17), 10);
        let input = testing::values(L::INPUT * batch, 0.7);
        let (output, mut buffers) = testing::forward(&layer, &input, batch, true);
        let delta = testing::values(L::OUTPUT * batch, 0.4);
        let (grads, grad_input) = testing::backward(&layer, &input, &output, delta.clone(), batch, &mut buffers);
        // Same padding: (H, W) out, one zero around.
        let x = |n: usize, c: usize, y: isize, x: isize| {
            if (0..H as isize).contains(&y) && (0..W as isize).contains(&x) {
                f64::from(input[n * C * H * W + (c * H + y as usize) * W + x as usize])
            } else {
                0.0
            }
        };
        let d = |n: usize, f: usize, y: usize, x: usize| f64::from(delta[n * F * H * W + (f * H + y) * W + x]);
        let close = |want: f64, got: f32, what: &str| {
            assert!((want - f64::from(got)).abs() < 1e-5 * (1.0 + want.abs()), "{what}: {got} against {want}");
        };
        for f in 0..F {
            for c in 0..C {
                for (i, j) in (0..3).flat_map(|i| (0..3).map(move |j| (i, j))) {
                    let mut sum = 0.0;
                    for n in 0..batch {
                        for (y, xx) in (0..H).flat_map(|y| (0..W).map(move |xx| (y, xx))) {
                            sum += d(n, f, y, xx) * x(n, c, (y + i) as isize - 1, (xx + j) as isize - 1);
                        }
                    }
                    close(sum, grads.weight[((f * C + c) * 3 + i) * 3 + j], &format!("dW[{f}][{c}][{i}][{j}]"));
                }
            }
        }
        for n in 0..batch {
            for (c, y, xx) in (0..C).flat_map(|c| (0..H).flat_map(move |y| (0..W).map(move |xx| (c, y, xx)))) {
                let mut sum = 0.0;
                for (f, i, j) in (0..F).flat_map(|f| (0..3).flat_map(move |i| (0..3).map(move |j| (f, i, j)))) {
                    let (oy, ox) = (y as isize + 1 - i as isize, xx as isize + 1 - j as isize);
                    if (0..H as isize).contains(&oy) && (0..W as isize).contains(&ox) {
                        let w = f64::from(layer.weight[((f * C + c) * 3 + i) * 3 + j]);
                        sum += w * d(n, f, oy as usize, ox as usize);
                    }
                }
                close(sum, grad_input[n * C * H * W + (c * H + y) * W + xx], &format!("dx[{n}][{c}][{y}][{xx}]"));
            }
        }
    }

    /// The forward pass by Winograd's algorithm against the definition:
    /// valid and same padding, output sizes odd and even (a last tile half
    /// outside the output), more filters than a panel of the product.
    #[test]
    fn winograd_forward_matches_the_definition() {
        assert!(Conv2d::<16, 7, 8, 5, 3, 3, 1, 1, false, Relu>::WINOGRAD.is_some());
        check_forward::<16, 7, 8, 5, 3, 3, 1, 1, false>(9, 3);
        check_forward::<16, 5, 6, 20, 3, 3, 1, 1, true>(10, 2);
        check_forward::<32, 13, 13, 64, 3, 3, 1, 1, false>(11, 2);
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
