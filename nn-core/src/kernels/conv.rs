//! A convolution's passes over a batch: which kernel computes them, in what
//! scratch memory, and how the samples are shared between threads. The
//! layer (`layers/conv2d.rs`) owns the weights and the buffers and hands
//! them over as slices.
//!
//! The batch goes through im2col and the crate's matrix product one sample
//! at a time: the sample's windows become the rows of a `OH·OW x C·KH·KW`
//! matrix (kept in each thread's scratch memory), which times the weights
//! gives all `F` output channels. Samples are shared between threads; the
//! weight gradient is summed in fixed groups of samples and then over the
//! groups in order, so it is the same on any number of threads.
//!
//! Where they measured faster (`docs/performance.md`), the passes skip the
//! window matrix:
//! - a 3x3 kernel of stride 1 goes through Winograd's F(2x2, 3x3)
//!   (`winograd.rs`), which multiplies 2.25 times less: the forward pass and
//!   the weight gradient over at least 16 channels, the gradient to the
//!   input from at least 16 filters. Its results differ from the window
//!   matrix's by rounding.
//! - a convolution of stride 1 without padding whose windows hold at most
//!   16 values (a first convolution over one channel) is computed directly
//!   in its forward pass (`conv_direct.rs`), each output the same sum in the
//!   same order as the product's, so the same bits.
//!
//! A batch of one's forward pass does not come here: the layer runs the
//! one-sample pass its view runs (`conv_direct::one_sample`).

use super::conv_direct::{self, shallow};
use super::window::Window;
use super::winograd::{Placement, Winograd};
use crate::act::Activation;
use crate::gemm::{gemm, gemm_ld, MatRef, MIN_FLOPS_PER_THREAD};
use crate::parallel::for_each_group;

/// Samples per group of the backward pass: each group's weight gradient is
/// summed on one thread, then the groups' in order.
const GROUP: usize = 8;

/// Samples per group of a forward pass by Winograd's algorithm: their
/// tiles go through each of its matrix products together. Groups of 2 or 4
/// measured no faster than 1 (`docs/performance.md`).
const WINOGRAD_GROUP: usize = 1;

/// A convolution of `F` filters of `KH x KW` over `C` channels of `H x W`
/// values, moved by `SH` rows and `SW` columns, with Keras' valid padding
/// or, when `SAME`, its same padding; then a bias per filter and an
/// activation. Its passes take the parameters as [`Params`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Conv<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>;

/// A convolution's parameters, as its passes read them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params<'a> {
    /// `[F, C, KH, KW]`, row-major (PyTorch's `Conv2d.weight`): as a matrix,
    /// `C·KH·KW x F` column-major.
    pub weight: &'a [f32],
    /// `[F]`.
    pub bias: &'a [f32],
    /// The weights transformed for Winograd's forward pass
    /// ([`Conv::forward_kernels`]), or nothing where it does not apply.
    pub kernels: &'a [f32],
}

/// Where each sample's gradient with respect to a convolution's output
/// comes from in its backward pass.
#[derive(Clone, Copy)]
pub(crate) enum Deltas<'a> {
    /// The gradient as given, in place: with respect to the outputs (the
    /// activation's derivative at `output`, or at `preactivations` when it
    /// needs them, still to apply, when `activate`) or to the pre-activations.
    Output { output: &'a [f32], preactivations: &'a [f32], activate: bool },
    /// A fused max pooling's gradient, `per_sample` values a sample, its
    /// outputs `pooled` and where each maximum was, `argmax`.
    Pooled { pooled: &'a [f32], argmax: &'a [u32], per_sample: usize },
}

/// What [`Conv::backward`] works on.
pub(crate) struct BackwardPass<'a> {
    /// `batch x [C, H, W]`, as the forward pass read it.
    pub input: &'a [f32],
    /// Each sample's gradient, `grad.1` values a sample, made into the
    /// gradient of its pre-activations as `deltas` says (in place, where
    /// it is the output's).
    pub grad: (&'a mut [f32], usize),
    /// Where the gradient of the pre-activations comes from.
    pub deltas: Deltas<'a>,
    /// Receives the gradient to the input, `batch x [C, H, W]`, if wanted.
    pub grad_input: Option<&'a mut [f32]>,
    /// Samples.
    pub batch: usize,
    /// Each group's weight and bias gradient, before they are summed:
    /// [`Conv::partial_len`] values.
    pub partial: &'a mut [f32],
    /// The kernels of Winograd's gradient to the input
    /// ([`Conv::turned_kernels`]), or nothing.
    pub turned: &'a [f32],
    /// Each thread's scratch memory.
    pub scratch: &'a mut Vec<f32>,
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
    > Conv<C, H, W, F, KH, KW, SH, SW, SAME>
{
    /// The window over one sample.
    pub const WINDOW: Window = Window::new(C, [H, W], [KH, KW], [SH, SW], SAME);
    /// Values of one sample.
    const INPUT: usize = C * H * W;
    /// Output positions per channel.
    const POSITIONS: usize = Self::WINDOW.positions();
    /// Values of one sample's output.
    const OUTPUT: usize = F * Self::POSITIONS;
    /// Values under one window: `C · KH · KW`.
    const DEPTH: usize = C * KH * KW;
    /// Values from one row of the window matrix to the next: the output
    /// positions, padded so that each row starts on a cache line and the
    /// matrix product reads it in place.
    const LD: usize = Self::POSITIONS.next_multiple_of(16);
    /// Weights: `F · C · KH · KW`.
    pub const WEIGHTS: usize = F * Self::DEPTH;
    /// Weights and biases.
    const PARAMS: usize = Self::WEIGHTS + F;
    /// The forward pass by [`shallow`], where it applies
    /// ([`conv_direct::applies`]).
    pub const SHALLOW: bool = conv_direct::applies(&Self::WINDOW, F);
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
    pub const WINOGRAD_TURNED: Option<Winograd> =
        if SH == 1 && SW == 1 && Winograd::applies(&Self::TURNED) { Some(Winograd::new(Self::TURNED)) } else { None };
    /// The forward pass by Winograd's F(2x2, 3x3), where it applies.
    pub const WINOGRAD: Option<Winograd> =
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

    /// Values of [`BackwardPass::partial`] for `batch` samples.
    pub const fn partial_len(self, batch: usize) -> usize {
        batch.div_ceil(GROUP) * Self::PARAMS
    }

    /// The kernels of Winograd's forward pass, made of `weight` into the
    /// `memory(len)` that the caller keeps, or nothing where it does not
    /// apply; transformed again only when the weights differ from `made_from`.
    pub fn forward_kernels<'a>(
        self,
        weight: &[f32],
        made_from: &mut Vec<f32>,
        memory: impl FnOnce(usize) -> &'a mut [f32],
    ) -> &'a [f32] {
        if Self::WINOGRAD.is_none() {
            return &[];
        }
        Winograd::kernels::<C, F>(
            |f, c| weight[(f * C + c) * 9..][..9].try_into().expect("3x3 kernels"),
            weight,
            made_from,
            memory(Winograd::kernels_len(C, F)),
        )
    }

    /// The kernels of Winograd's gradient to the input, as
    /// [`Conv::forward_kernels`]: each turned half a turn, filters and
    /// channels swapped.
    pub fn turned_kernels<'a>(
        self,
        weight: &[f32],
        made_from: &mut Vec<f32>,
        memory: impl FnOnce(usize) -> &'a mut [f32],
    ) -> &'a [f32] {
        if Self::WINOGRAD_TURNED.is_none() {
            return &[];
        }
        let kernel = |c: usize, f: usize| {
            let mut g: [f32; 9] = weight[(f * C + c) * 9..][..9].try_into().expect("3x3 kernels");
            g.reverse();
            g
        };
        Winograd::kernels::<F, C>(kernel, weight, made_from, memory(Winograd::kernels_len(F, C)))
    }

    /// The forward pass of the samples in `inputs` (one, or Winograd's
    /// group): the activations into `out` and, when the activation needs
    /// them, the pre-activations into `pre` (else empty).
    fn forward_group<A: Activation>(
        params: Params<'_>,
        inputs: &[f32],
        out: &mut [f32],
        pre: &mut [f32],
        scratch: &mut [f32],
    ) {
        let (i, o, p, depth) = (Self::INPUT, Self::OUTPUT, Self::POSITIONS, Self::DEPTH);
        let samples = inputs.len() / i;
        if let Some(winograd) = Self::WINOGRAD {
            winograd.forward::<C, F>(Placement::Direct, params.kernels, params.bias, inputs, samples, out, scratch);
        } else {
            for (sample, out) in inputs.chunks_exact(i).zip(out.chunks_exact_mut(o)) {
                if Self::SHALLOW {
                    shallow::<C, H, W, F, KH, KW>(params.weight, params.bias, sample, out);
                } else {
                    Self::WINDOW.im2col(sample, scratch, Self::LD);
                    for (column, bias) in out.chunks_exact_mut(p).zip(params.bias.iter()) {
                        column.fill(*bias);
                    }
                    gemm(
                        1.0,
                        MatRef::col_major_ld(scratch, p, depth, Self::LD),
                        Self::weight_ref(params.weight),
                        1.0,
                        out,
                    );
                }
            }
        }
        pre.copy_from_slice(&out[..pre.len()]);
        A::forward(&mut out[..samples * o], o);
    }

    /// The forward pass, then the activation `A`, of `batch` samples of
    /// `input` into `output`, and, when `A` needs them
    /// ([`Activation::NEEDS_INPUT`]), the pre-activations into `pre` (else
    /// empty).
    ///
    /// # Shapes
    ///
    /// `input`: `batch x [C, H, W]`; `output` (and `pre`): `batch x [F, OH, OW]`.
    pub fn forward<A: Activation>(
        self,
        params: Params<'_>,
        input: &[f32],
        output: &mut [f32],
        pre: &mut [f32],
        batch: usize,
        scratch: &mut Vec<f32>,
    ) {
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        let output = &mut output[..o * batch];
        let kept = if A::NEEDS_INPUT { o } else { 0 };
        let group = Self::FORWARD_GROUP;
        for_each_group(
            batch,
            group,
            Self::min_per_thread(group),
            [(output, o), (pre, kept)],
            (&mut [0.0f32; 0], 0),
            (scratch, Self::forward_scratch_len()),
            |samples, [out, pre], _, scratch| {
                let inputs = &input[samples.start * i..samples.end * i];
                Self::forward_group::<A>(params, inputs, out, pre, scratch);
            },
        );
    }

    /// The forward pass, then the activation `A` and `pool`, sample by
    /// sample: each sample's output stays in the cache, and only what
    /// `pool(values, out, at)` makes of it is kept, its `pooled.1` values
    /// into `pooled.0` and their places into `argmax`.
    ///
    /// # Shapes
    ///
    /// `input`: `batch x [C, H, W]`; `pooled.0` and `argmax`: `batch x pooled.1`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_pooled<A: Activation>(
        self,
        params: Params<'_>,
        input: &[f32],
        pooled: (&mut [f32], usize),
        argmax: &mut [u32],
        batch: usize,
        pool: impl Fn(&[f32], &mut [f32], &mut [u32]) + Sync,
        scratch: &mut Vec<f32>,
    ) {
        let (i, o, (output, po)) = (Self::INPUT, Self::OUTPUT, pooled);
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
                Self::forward_group::<A>(params, inputs, values, &mut [], scratch);
                for ((values, out), at) in
                    values.chunks_exact(o).zip(out.chunks_exact_mut(po)).zip(at.chunks_exact_mut(po))
                {
                    pool(values, out, at);
                }
            },
        );
    }

    /// The backward pass through the activation `A` and the convolution of
    /// `weight`: the gradients of the weights and the biases into
    /// `weight_grad` and `bias_grad`, and the gradient to the input, from
    /// each sample's output gradient as `pass.deltas` says to make it.
    pub fn backward<A: Activation>(
        self,
        weight: &[f32],
        pass: BackwardPass<'_>,
        weight_grad: &mut [f32],
        bias_grad: &mut [f32],
    ) {
        let BackwardPass { input, grad, deltas, grad_input, batch, partial, turned, scratch } = pass;
        let (i, o, p, depth) = (Self::INPUT, Self::OUTPUT, Self::POSITIONS, Self::DEPTH);
        let params = Self::PARAMS;
        let partial = &mut partial[..self.partial_len(batch)];
        let (grad_input, width) = match grad_input {
            Some(g) => (&mut g[..i * batch], i),
            None => (&mut [][..], 0),
        };
        let turned = match Self::WINOGRAD_TURNED {
            Some(winograd) if width > 0 => Some((winograd, turned)),
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
                        gemm_ld(1.0, delta_ref, Self::weight_ref(weight).t(), 0.0, dcol, Self::LD);
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
        weight_grad.copy_from_slice(dw);
        bias_grad.copy_from_slice(db);
        for group in rest.chunks_exact(params) {
            let (dw, db) = group.split_at(Self::WEIGHTS);
            for (g, v) in weight_grad.iter_mut().zip(dw) {
                *g += v;
            }
            for (g, v) in bias_grad.iter_mut().zip(db) {
                *g += v;
            }
        }
    }

    /// The weights as the `C·KH·KW x F` column-major matrix they are.
    fn weight_ref(weight: &[f32]) -> MatRef<'_> {
        MatRef::col_major(weight, Self::DEPTH, F)
    }

    /// Fewest samples (or groups of them) worth a thread of their own: a
    /// matrix product's worth of work.
    fn min_per_thread(samples: usize) -> usize {
        let flops = 2 * Self::POSITIONS * Self::DEPTH * F * samples;
        MIN_FLOPS_PER_THREAD.div_ceil(flops.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Linear, Relu};

    /// `(k · 0.37 + phase).sin() · scale`, values of both signs and sizes.
    fn values(n: usize, scale: f32, phase: f32) -> Vec<f32> {
        (0..n).map(|k| (k as f32 * 0.37 + phase).sin() * scale).collect()
    }

    /// Weights about as large as Keras' Glorot uniform draws them, and biases.
    fn parameters<const C: usize, const F: usize, const KH: usize, const KW: usize>() -> (Vec<f32>, Vec<f32>) {
        let bound = (6.0 / ((C + F) * KH * KW) as f32).sqrt();
        (values(F * C * KH * KW, bound, 0.1), values(F, 0.2, 0.7))
    }

    /// Memory for Winograd's kernels, as a layer keeps it.
    fn memory<'a>(buffer: &'a mut Vec<f32>) -> impl FnOnce(usize) -> &'a mut [f32] {
        |len| {
            buffer.resize(len, 0.0);
            &mut buffer[..]
        }
    }

    fn close(want: f64, got: f32, what: &str) {
        assert!((want - f64::from(got)).abs() < 1e-5 * (1.0 + want.abs()), "{what}: {got} against {want}");
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
        batch: usize,
    ) {
        let conv = Conv::<C, H, W, F, KH, KW, SH, SW, SAME>;
        let (weight, bias) = parameters::<C, F, KH, KW>();
        let input = values(C * H * W * batch, 0.9, 0.3);
        let (mut made_from, mut kernels) = (Vec::new(), Vec::new());
        let kernels = conv.forward_kernels(&weight, &mut made_from, memory(&mut kernels));
        let window = Conv::<C, H, W, F, KH, KW, SH, SW, SAME>::WINDOW;
        let (oh, ow, ph, pw) = (window.oh, window.ow, window.ph, window.pw);
        let mut output = vec![f32::NAN; F * oh * ow * batch];
        let params = Params { weight: &weight, bias: &bias, kernels };
        conv.forward::<Relu>(params, &input, &mut output, &mut [], batch, &mut Vec::new());
        for n in 0..batch {
            for (f, y, x) in (0..F).flat_map(|f| (0..oh).flat_map(move |y| (0..ow).map(move |x| (f, y, x)))) {
                let mut sum = f64::from(bias[f]);
                for (c, i, j) in (0..C).flat_map(|c| (0..KH).flat_map(move |i| (0..KW).map(move |j| (c, i, j)))) {
                    let (iy, ix) = ((y * SH + i) as isize - ph as isize, (x * SW + j) as isize - pw as isize);
                    if (0..H as isize).contains(&iy) && (0..W as isize).contains(&ix) {
                        let v = input[n * C * H * W + (c * H + iy as usize) * W + ix as usize];
                        sum += f64::from(v) * f64::from(weight[((f * C + c) * KH + i) * KW + j]);
                    }
                }
                close(
                    sum.max(0.0),
                    output[n * F * oh * ow + (f * oh + y) * ow + x],
                    &format!("n {n} f {f} y {y} x {x}"),
                );
            }
        }
    }

    /// The forward pass through the window matrix (a strided, padded 3x2
    /// kernel) against the definition.
    #[test]
    fn forward_matches_the_definition() {
        type K = Conv<2, 5, 6, 3, 3, 2, 2, 1, true>;
        assert_eq!((K::WINDOW.oh, K::WINDOW.ow), (3, 6));
        assert!(K::WINOGRAD.is_none() && !K::SHALLOW);
        check_forward::<2, 5, 6, 3, 3, 2, 2, 1, true>(2);
    }

    /// The forward pass of a shallow convolution (one or two channels,
    /// rows of 18 and 16 outputs) against the definition (the same bits as
    /// the window matrix's: `conv_direct.rs`).
    #[test]
    fn shallow_forward_matches_the_definition() {
        const { assert!(Conv::<1, 6, 20, 8, 3, 3, 1, 1, false>::SHALLOW) };
        assert!(Conv::<1, 6, 20, 8, 3, 3, 1, 1, false>::WINOGRAD.is_none());
        const { assert!(Conv::<2, 5, 18, 4, 2, 2, 1, 1, false>::SHALLOW) };
        check_forward::<1, 6, 20, 8, 3, 3, 1, 1, false>(2);
        check_forward::<2, 5, 18, 4, 2, 2, 1, 1, false>(3);
    }

    /// The forward pass by Winograd's algorithm against the definition:
    /// valid and same padding, output sizes odd and even (a last tile half
    /// outside the output), more filters than a panel of the product.
    #[test]
    fn winograd_forward_matches_the_definition() {
        assert!(Conv::<16, 7, 8, 5, 3, 3, 1, 1, false>::WINOGRAD.is_some());
        check_forward::<16, 7, 8, 5, 3, 3, 1, 1, false>(3);
        check_forward::<16, 5, 6, 20, 3, 3, 1, 1, true>(2);
        check_forward::<32, 13, 13, 64, 3, 3, 1, 1, false>(2);
    }

    /// Which passes go through Winograd's gradient to the input: a 3x3
    /// kernel of stride 1 from at least 16 filters.
    #[test]
    fn winograd_turns_the_gradient_to_the_input_of_stride_one_only() {
        assert!(Conv::<2, 5, 6, 16, 3, 3, 1, 1, false>::WINOGRAD_TURNED.is_some());
        assert!(Conv::<2, 7, 7, 16, 3, 3, 2, 2, false>::WINOGRAD_TURNED.is_none());
        assert!(Conv::<2, 5, 6, 15, 3, 3, 1, 1, false>::WINOGRAD_TURNED.is_none());
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
        type K = Conv<C, H, W, F, 3, 3, 1, 1, true>;
        assert!(K::WINOGRAD.is_some() && K::WINOGRAD_TURNED.is_some());
        let (conv, batch) = (K::default(), 10);
        let (weight, _) = parameters::<C, F, 3, 3>();
        let input = values(C * H * W * batch, 0.7, 0.2);
        let delta = values(F * H * W * batch, 0.4, 1.3);
        let (mut made_from, mut kernels) = (Vec::new(), Vec::new());
        let turned = conv.turned_kernels(&weight, &mut made_from, memory(&mut kernels));
        let mut partial = vec![0.0; conv.partial_len(batch)];
        let (mut grad, mut grad_input) = (delta.clone(), vec![f32::NAN; C * H * W * batch]);
        let pass = BackwardPass {
            input: &input,
            grad: (&mut grad, F * H * W),
            deltas: Deltas::Output { output: &[], preactivations: &[], activate: false },
            grad_input: Some(&mut grad_input),
            batch,
            partial: &mut partial,
            turned,
            scratch: &mut Vec::new(),
        };
        let (mut weight_grad, mut bias_grad) = (vec![f32::NAN; K::WEIGHTS], vec![f32::NAN; F]);
        conv.backward::<Linear>(&weight, pass, &mut weight_grad, &mut bias_grad);
        // Same padding: (H, W) out, one zero around.
        let x = |n: usize, c: usize, y: isize, x: isize| {
            if (0..H as isize).contains(&y) && (0..W as isize).contains(&x) {
                f64::from(input[n * C * H * W + (c * H + y as usize) * W + x as usize])
            } else {
                0.0
            }
        };
        let d = |n: usize, f: usize, y: usize, x: usize| f64::from(delta[n * F * H * W + (f * H + y) * W + x]);
        for f in 0..F {
            let sum: f64 = (0..batch).flat_map(|n| (0..H * W).map(move |p| d(n, f, p / W, p % W))).sum();
            close(sum, bias_grad[f], &format!("db[{f}]"));
            for c in 0..C {
                for (i, j) in (0..3).flat_map(|i| (0..3).map(move |j| (i, j))) {
                    let mut sum = 0.0;
                    for n in 0..batch {
                        for (y, xx) in (0..H).flat_map(|y| (0..W).map(move |xx| (y, xx))) {
                            sum += d(n, f, y, xx) * x(n, c, (y + i) as isize - 1, (xx + j) as isize - 1);
                        }
                    }
                    close(sum, weight_grad[((f * C + c) * 3 + i) * 3 + j], &format!("dW[{f}][{c}][{i}][{j}]"));
                }
            }
        }
        for n in 0..batch {
            for (c, y, xx) in (0..C).flat_map(|c| (0..H).flat_map(move |y| (0..W).map(move |xx| (c, y, xx)))) {
                let mut sum = 0.0;
                for (f, i, j) in (0..F).flat_map(|f| (0..3).flat_map(move |i| (0..3).map(move |j| (f, i, j)))) {
                    let (oy, ox) = (y as isize + 1 - i as isize, xx as isize + 1 - j as isize);
                    if (0..H as isize).contains(&oy) && (0..W as isize).contains(&ox) {
                        let w = f64::from(weight[((f * C + c) * 3 + i) * 3 + j]);
                        sum += w * d(n, f, oy as usize, ox as usize);
                    }
                }
                close(sum, grad_input[n * C * H * W + (c * H + y) * W + xx], &format!("dx[{n}][{c}][{y}][{xx}]"));
            }
        }
    }
}
