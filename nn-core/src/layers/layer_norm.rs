//! `layer_norm`: each sample's last dimension normalised by its own mean and
//! variance, then scaled and shifted. [`normalize`] is the one forward of
//! the layer (over a whole batch's rows) and of its view.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{ensure_len, Backward, Data, DataMut, Layer, Mode, Part, Path, TakesInput},
    crate::onnx::{Attr, Graph, Value},
    rand::Rng,
};

/// Each row of `weight.len()` values of `input` (as many rows as `output`
/// holds) normalised by the row's mean and biased variance, then scaled by
/// `weight` (γ) and shifted by `bias` (β): `y = γ · (x − mean) / sqrt(var +
/// epsilon) + β`, into `output`. `keep`, when given, receives each row's
/// normalised values `(x − mean) / sqrt(var + epsilon)` (`output`'s length)
/// and `1 / sqrt(var + epsilon)` (one a row), for the backward pass.
pub(crate) fn normalize(
    input: &[f32],
    output: &mut [f32],
    (weight, bias): (&[f32], &[f32]),
    epsilon: f32,
    mut keep: Option<(&mut [f32], &mut [f32])>,
) {
    let features = weight.len();
    for (row, (x, y)) in input[..output.len()].chunks_exact(features).zip(output.chunks_exact_mut(features)).enumerate()
    {
        let count = features as f32;
        let mean = x.iter().sum::<f32>() / count;
        let var = x.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / count;
        let inv_std = 1.0 / libm::sqrtf(var + epsilon);
        for (k, (x, y)) in x.iter().zip(y.iter_mut()).enumerate() {
            let z = (x - mean) * inv_std;
            *y = weight[k] * z + bias[k];
            if let Some((normalized, _)) = &mut keep {
                normalized[row * features + k] = z;
            }
        }
        if let Some((_, inv_stds)) = &mut keep {
            inv_stds[row] = inv_std;
        }
    }
}

/// The view of [`LayerNorm`]: each row of `F` of the `N` values normalised,
/// scaled and shifted as the layer does, with its epsilon as the bits of an
/// `f32` (`EPSILON`).
///
/// # Shapes
///
/// `[F]` or `[T, F]` in (`N` values), the same out; `weight` and `bias` `[F]`.
///
/// ```
/// use nn::view::{Infer, LayerNormParams, LayerNormView};
///
/// let params = LayerNormParams { weight: &[1.0, 1.0], bias: &[0.0, 0.5] };
/// let mut out = [0.0; 4];
/// LayerNormView::<4, 2, { 1e-5f32.to_bits() }>::forward(&params, &[1.0, 3.0, 5.0, 5.0], &mut out);
/// assert!((out[0] + 1.0).abs() < 1e-4 && (out[1] - 1.5).abs() < 1e-4); // a row's mean 2, deviation 1
/// assert_eq!(&out[2..], [0.0, 0.5]); // a row without variance: only the shift
/// ```
pub struct LayerNormView<const N: usize, const F: usize, const EPSILON: u32>;

/// Where layer norm's parameters lie.
#[derive(Debug, Clone, Copy)]
pub struct LayerNormParams<'a> {
    /// γ, `[F]`.
    pub weight: &'a [f32],
    /// β, `[F]`.
    pub bias: &'a [f32],
}

impl<const N: usize, const F: usize, const EPSILON: u32> Infer for LayerNormView<N, F, EPSILON> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    type Params<'a> = LayerNormParams<'a>;

    /// `weight` and `bias` `[F]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<LayerNormParams<'a>, Error> {
        Ok(LayerNormParams { weight: weights.f32s(prefix, "weight", &[F])?, bias: weights.f32s(prefix, "bias", &[F])? })
    }

    fn forward(params: &LayerNormParams<'_>, input: &[f32], output: &mut [f32]) {
        let params = (&params.weight[..F], &params.bias[..F]);
        normalize(input, &mut output[..N], params, f32::from_bits(EPSILON), None);
    }
}

#[cfg(feature = "std")]
/// Layer normalisation (PyTorch's `LayerNorm(F)`, Keras' `LayerNormalization`
/// over the last axis): each sample's last dimension, a vector's `F` values
/// or each of a sequence's steps, is normalised by its own mean and biased
/// variance, in training and in inference alike, then scaled by `weight` (γ,
/// starting at 1) and shifted by `bias` (β, starting at 0):
///
/// `y = γ · (x − mean) / sqrt(var + epsilon) + β`,
///
/// with `epsilon` the bits of an `f32` in `EPSILON` (`network!` writes
/// PyTorch's 1e-5 unless told otherwise; Keras' default is 1e-3).
///
/// # Shapes
///
/// `[F]` or `[T, F]` in (`N` values, `F` dividing them), the same out;
/// `weight` and `bias` are `[F]`.
///
/// ```
/// use nn_core::layers::{Layer, LayerNorm, Mode};
/// use nn_core::rand::{rngs::StdRng, SeedableRng};
///
/// type Norm = LayerNorm<6, 3, { 1e-5f32.to_bits() }>; // a sequence of two steps of three
/// let norm = Norm::init(&mut StdRng::seed_from_u64(0));
/// let mut out = [0.0; 6];
/// norm.forward_batch(&[1.0, 2.0, 3.0, 10.0, 20.0, 30.0], &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// assert!((out[0] + 1.2247).abs() < 1e-3 && (out[3] + 1.2247).abs() < 1e-3); // each step on its own
/// assert_eq!(<Norm as Layer>::PARAMS, 2 * 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNorm<const N: usize, const F: usize, const EPSILON: u32> {
    /// γ, `F` scales.
    pub weight: Box<[f32]>,
    /// β, `F` shifts.
    pub bias: Box<[f32]>,
}

#[cfg(feature = "std")]
impl<const N: usize, const F: usize, const EPSILON: u32> LayerNorm<N, F, EPSILON> {
    /// The epsilon added to each row's variance.
    pub const EPSILON: f32 = f32::from_bits(EPSILON);
    /// Rows of `F` values in a sample; fails the build unless `F` divides `N`.
    const ROWS: usize = {
        assert!(F > 0 && N.is_multiple_of(F), "LayerNorm: F must divide N");
        N / F
    };
}

#[cfg(feature = "std")]
/// What layer norm keeps between its passes: each value normalised, and
/// each row's `1 / sqrt(var + epsilon)`.
#[derive(Debug, Default)]
pub struct LayerNormBuffers {
    normalized: Vec<f32>,
    inv_std: Vec<f32>,
}

#[cfg(feature = "std")]
impl<const N: usize, const F: usize, const EPSILON: u32> TakesInput<N> for LayerNorm<N, F, EPSILON> {}

#[cfg(feature = "std")]
impl<const N: usize, const F: usize, const EPSILON: u32> Layer for LayerNorm<N, F, EPSILON> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    const PARAMS: usize = 2 * F;
    const STATE: usize = 0;
    type Buffers = LayerNormBuffers;

    /// γ 1 and β 0, as PyTorch and Keras start them.
    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        LayerNorm { weight: vec![1.0; F].into(), ..Self::zeroed() }
    }

    fn zeroed() -> Self {
        let _ = Self::ROWS;
        LayerNorm { weight: vec![0.0; F].into(), bias: vec![0.0; F].into() }
    }

    /// Every row through the one-sample pass (rows are independent, so a
    /// batch gives each sample the bits its view gives), keeping what the
    /// backward pass reads.
    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut LayerNormBuffers,
        _: &mut Mode<'_>,
    ) {
        let normalized = ensure_len(&mut buffers.normalized, N * batch);
        let inv_std = ensure_len(&mut buffers.inv_std, Self::ROWS * batch);
        let params = (&self.weight[..], &self.bias[..]);
        normalize(input, &mut output[..N * batch], params, Self::EPSILON, Some((normalized, inv_std)));
    }

    /// With `z` a row's normalised values and `g` its output gradient:
    /// `dγ = Σ g·z`, `dβ = Σ g` over every row of the batch, and the input
    /// gradient `inv_std · (g·γ − mean(g·γ) − z · mean(g·γ·z))`.
    fn backward_batch(&self, pass: Backward<'_, LayerNormBuffers>, grads: &mut Self) {
        let Backward { grad, grad_input, batch, buffers, .. } = pass;
        let (grad, normalized) = (&grad[..N * batch], &buffers.normalized[..N * batch]);
        grads.weight.fill(0.0);
        grads.bias.fill(0.0);
        for (g, z) in grad.chunks_exact(F).zip(normalized.chunks_exact(F)) {
            for k in 0..F {
                grads.weight[k] += g[k] * z[k];
                grads.bias[k] += g[k];
            }
        }
        let Some(grad_input) = grad_input else { return };
        let rows = grad.chunks_exact(F).zip(normalized.chunks_exact(F)).zip(&buffers.inv_std[..Self::ROWS * batch]);
        for (((g, z), inv_std), dx) in rows.zip(grad_input[..N * batch].chunks_exact_mut(F)) {
            let count = F as f32;
            let mean_dz = g.iter().zip(self.weight.iter()).map(|(g, w)| g * w).sum::<f32>() / count;
            let mean_dz_z = g.iter().zip(self.weight.iter()).zip(z).map(|((g, w), z)| g * w * z).sum::<f32>() / count;
            for k in 0..F {
                dx[k] = inv_std * (g[k] * self.weight[k] - mean_dz - z[k] * mean_dz_z);
            }
        }
    }

    /// `weight` and `bias` as `[F]`, PyTorch's `LayerNorm` names.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[F], &self.weight[..]));
        visit(Part::param(path, "bias", &[F], &self.bias[..]));
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        visit(Part::param(path, "weight", &[F], &mut self.weight[..]));
        visit(Part::param(path, "bias", &[F], &mut self.bias[..]));
    }

    /// `LayerNormalization` (opset 17) over the last axis, with the epsilon.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        if input.dims.last() != Some(&F) || input.len() != N {
            let reason = format!("a layer norm over {F} features is given a value of shape {:?}", input.dims);
            return Err(crate::Error::export(reason));
        }
        let weight = graph.constant(&format!("{prefix}weight"), &[F], &self.weight);
        let bias = graph.constant(&format!("{prefix}bias"), &[F], &self.bias);
        let inputs = [input.name.as_str(), &weight, &bias];
        let attributes = vec![("axis", Attr::Int(-1)), ("epsilon", Attr::Float(Self::EPSILON))];
        Ok(graph.node("LayerNormalization", &format!("{prefix}layer_norm"), &inputs, attributes, &input.dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    type Steps = LayerNorm<12, 4, { 1e-5f32.to_bits() }>;

    /// A layer as it starts: γ 1, β 0.
    fn fresh<L: Layer>() -> L {
        L::init(&mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0))
    }

    /// A layer with γ and β moved from where they start, so that both show.
    fn moved<const N: usize, const F: usize, const E: u32>(seed: f32) -> LayerNorm<N, F, E> {
        let mut layer: LayerNorm<N, F, E> = fresh();
        layer.weight.copy_from_slice(&testing::values(F, seed).iter().map(|v| 1.0 + 0.5 * v).collect::<Vec<_>>());
        layer.bias.copy_from_slice(&testing::values(F, seed + 1.0));
        layer
    }

    #[test]
    fn gradients_match_finite_differences() {
        testing::gradient_check(
            &moved::<12, 4, { 1e-5f32.to_bits() }>(0.2),
            &testing::values(12 * 3, 0.5),
            3,
            false,
            1e-2,
            3e-3,
        );
        testing::gradient_check(
            &moved::<5, 5, { 1e-3f32.to_bits() }>(0.4),
            &testing::values(5 * 2, 0.9),
            2,
            true,
            1e-2,
            3e-3,
        );
    }

    /// Each row comes out with mean β and, for γ 1, deviation 1: PyTorch's
    /// biased variance, with the epsilon inside the square root.
    #[test]
    fn each_row_is_normalised_on_its_own() {
        let input: Vec<f32> =
            testing::values(12, 0.1).iter().enumerate().map(|(i, v)| v * (1 + i / 4) as f32).collect();
        let (out, _) = testing::forward(&fresh::<Steps>(), &input, 1, false);
        for (x, y) in input.chunks(4).zip(out.chunks(4)) {
            let mean = x.iter().sum::<f32>() / 4.0;
            let var = x.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / 4.0;
            for (x, y) in x.iter().zip(y) {
                assert!((y - (x - mean) / (var + 1e-5).sqrt()).abs() < 1e-5);
            }
            assert!(y.iter().sum::<f32>().abs() < 1e-5);
        }
        // Keras' epsilon of 1e-3 gives other values on a row of small variance.
        let small = [0.0, 0.01, 0.02, 0.03];
        let torch = testing::forward(&fresh::<LayerNorm<4, 4, { 1e-5f32.to_bits() }>>(), &small, 1, false).0;
        let keras = testing::forward(&fresh::<LayerNorm<4, 4, { 1e-3f32.to_bits() }>>(), &small, 1, false).0;
        assert!(torch[0] < keras[0] - 0.1, "{torch:?} vs {keras:?}");
    }

    /// A batch through the layer against its view, sample by sample: the
    /// same bits.
    #[test]
    fn every_sample_of_a_batch_gives_the_bits_of_the_view() {
        let layer = moved::<12, 4, { 1e-5f32.to_bits() }>(0.3);
        let input = testing::values(12 * 3, 0.7);
        let (owned, _) = testing::forward(&layer, &input, 3, false);
        let params = LayerNormParams { weight: &layer.weight, bias: &layer.bias };
        for (x, y) in input.chunks(12).zip(owned.chunks(12)) {
            let mut viewed = [f32::NAN; 12];
            LayerNormView::<12, 4, { 1e-5f32.to_bits() }>::forward(&params, x, &mut viewed);
            assert_eq!(y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), viewed.map(f32::to_bits));
        }
    }

    /// `weight` and `bias` `[F]`, γ 1 and β 0 to start; in ONNX a
    /// `LayerNormalization` over the last axis with the layer's epsilon.
    #[test]
    fn tensors_start_as_pytorchs_and_export_as_layer_normalization() {
        let layer: Steps = fresh();
        let tensors = testing::tensors_of(&layer);
        let shapes: Vec<_> = tensors.iter().map(|t| (t.name.as_str(), t.shape.clone())).collect();
        assert_eq!(shapes, [("weight", vec![4]), ("bias", vec![4])]);
        assert!(layer.weight.iter().all(|w| *w == 1.0) && layer.bias.iter().all(|b| *b == 0.0));
        let mut graph = Graph::new();
        let out = layer.onnx(&mut graph, "2.", Value { name: "x".into(), dims: vec![3, 4] }).unwrap();
        assert_eq!(graph.operators(), [("LayerNormalization", vec!["x", "2.weight", "2.bias"])]);
        assert_eq!(out.dims, [3, 4]);
        let error = layer.onnx(&mut Graph::new(), "2.", Value { name: "x".into(), dims: vec![4, 3] }).unwrap_err();
        assert!(error.to_string().contains("over 4 features is given a value of shape [4, 3]"), "{error}");
    }
}
