//! `batch_norm`: normalisation by the batch's statistics in training and
//! by the moving ones in inference. Its arithmetic, [`Channel`], is the one
//! both the layer and its view run.

use super::Infer;
use crate::safetensors::{Dtype, Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{ensure_len, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::onnx::{Attr, Graph, Value},
    rand::Rng,
};

/// One channel's statistics, as batch norm applies them: its mean and
/// `1 / sqrt(var + epsilon)`.
#[derive(Clone, Copy)]
pub(crate) struct Channel {
    mean: f32,
    inv_std: f32,
}

impl Channel {
    /// The statistics of a channel of mean `mean` and variance `var`.
    pub(crate) fn new(mean: f32, var: f32, epsilon: f32) -> Self {
        Channel { mean, inv_std: 1.0 / libm::sqrtf(var + epsilon) }
    }

    /// `y = scale · z + shift` with `z = (x − mean) · inv_std`, for each
    /// value of `x` into `y`, telling `normalized(k, z)` each `z` (which
    /// the layer keeps for its backward pass).
    #[inline(always)]
    pub(crate) fn apply(
        &self,
        x: &[f32],
        y: &mut [f32],
        scale: f32,
        shift: f32,
        mut normalized: impl FnMut(usize, f32),
    ) {
        for (k, (x, y)) in x.iter().zip(y).enumerate() {
            let z = (x - self.mean) * self.inv_std;
            normalized(k, z);
            *y = scale * z + shift;
        }
    }
}

/// The view of [`BatchNorm`] in
/// inference: each of `C` features or channels (of `S` values each) is
/// normalised by the moving statistics the layer kept in training, then
/// scaled and shifted: `y = weight · (x − running_mean) / sqrt(running_var +
/// epsilon) + bias`, with the layer's epsilon as the bits of an `f32`
/// (`EPSILON`, Keras' 1e-3 unless `network!` is told otherwise).
///
/// # Shapes
///
/// `[C]` or `[C, H, W]` in (`C · S` values), the same out; `weight`,
/// `bias`, `running_mean` and `running_var` are `[C]`, and the weights must
/// hold `num_batches_tracked`, PyTorch's `I64` scalar, which inference
/// does not read.
///
/// ```
/// use nn::view::{BatchNormView, Infer};
///
/// type Norm = BatchNormView<64, 49, { 1e-3f32.to_bits() }>;
/// assert_eq!((<Norm as Infer>::INPUT, <Norm as Infer>::OUTPUT), (64 * 49, 64 * 49));
/// ```
pub struct BatchNormView<const C: usize, const S: usize, const EPSILON: u32>;

/// Where batch norm's parameters and moving statistics lie.
#[derive(Debug, Clone, Copy)]
pub struct BatchNormParams<'a> {
    /// γ, `[C]`.
    pub weight: &'a [f32],
    /// β, `[C]`.
    pub bias: &'a [f32],
    /// The moving mean, `[C]`.
    pub running_mean: &'a [f32],
    /// The moving (biased) variance, `[C]`.
    pub running_var: &'a [f32],
}

impl<const C: usize, const S: usize, const EPSILON: u32> Infer for BatchNormView<C, S, EPSILON> {
    const INPUT: usize = C * S;
    const OUTPUT: usize = C * S;
    type Params<'a> = BatchNormParams<'a>;

    /// `weight`, `bias`, `running_mean` and `running_var` `[C]`, and
    /// `num_batches_tracked` (checked, not read).
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<BatchNormParams<'a>, Error> {
        let params = BatchNormParams {
            weight: weights.f32s(prefix, "weight", &[C])?,
            bias: weights.f32s(prefix, "bias", &[C])?,
            running_mean: weights.f32s(prefix, "running_mean", &[C])?,
            running_var: weights.f32s(prefix, "running_var", &[C])?,
        };
        weights.expect(prefix, "num_batches_tracked", &[], Dtype::I64)?;
        Ok(params)
    }

    fn forward(params: &BatchNormParams<'_>, input: &[f32], output: &mut [f32]) {
        let epsilon = f32::from_bits(EPSILON);
        for (c, (x, y)) in input[..C * S].chunks_exact(S).zip(output[..C * S].chunks_exact_mut(S)).enumerate() {
            let channel = Channel::new(params.running_mean[c], params.running_var[c], epsilon);
            channel.apply(x, y, params.weight[c], params.bias[c], |_, _| {});
        }
    }
}

#[cfg(feature = "std")]
/// Batch normalisation (Keras' `BatchNormalization`, PyTorch's `BatchNorm1d`
/// and `BatchNorm2d`): each of `C` features (after a dense layer, `S = 1`) or
/// channels (after a convolution, `S = H · W` values each) is normalised by
/// the mean and biased variance of the batch in training, and by moving
/// averages of them in evaluation and prediction, then scaled by `weight`
/// (γ) and shifted by `bias` (β):
///
/// `y = γ · (x − mean) / sqrt(var + epsilon) + β`.
///
/// After each training step the moving statistics move towards the batch's:
/// `moving = momentum · moving + (1 − momentum) · batch`, with Keras'
/// defaults `momentum = 0.99` and `epsilon = 1e-3` (PyTorch's `momentum=0.01,
/// eps=1e-3` in its own terms). They are training state, not parameters:
/// [`Layer::update_state`] changes them, [`Layer::visit_state`] shows them,
/// and weight files hold them as PyTorch names them, with
/// `num_batches_tracked` counting the steps.
///
/// # Shapes
///
/// `[C]` or `[C, H, W]` in (`C · S` values), the same out; `weight`, `bias`,
/// `running_mean` and `running_var` are `[C]`, `num_batches_tracked` a scalar.
///
/// ```
/// use nn_core::layers::{BatchNorm, Layer, Mode};
///
/// // Two channels of two values, one sample, in evaluation: the moving
/// // statistics start at mean 0 and variance 1.
/// let norm = BatchNorm::<2, 2>::new();
/// let mut out = [0.0; 4];
/// norm.forward_batch(&[1.0, 2.0, 3.0, 4.0], &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// assert!((out[0] - 1.0 / 1.001f32.sqrt()).abs() < 1e-6);
/// assert_eq!(<BatchNorm<2, 2> as Layer>::PARAMS, 4);
/// assert_eq!(<BatchNorm<2, 2> as Layer>::STATE, 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm<const C: usize, const S: usize> {
    /// γ, one per channel.
    pub weight: Vec<f32>,
    /// β, one per channel.
    pub bias: Vec<f32>,
    /// The moving mean, one per channel.
    pub running_mean: Vec<f32>,
    /// The moving (biased) variance, one per channel.
    pub running_var: Vec<f32>,
    /// Training steps whose statistics were folded in.
    pub num_batches_tracked: i64,
    /// The weight of the old moving statistics in each update.
    pub momentum: f32,
    /// Added to the variance before its square root.
    pub epsilon: f32,
}

#[cfg(feature = "std")]
/// What batch norm keeps between its passes.
#[derive(Debug, Default)]
pub struct NormBuffers {
    /// Whether the last forward pass used the batch's statistics.
    training: bool,
    /// The statistics of the last batch (training) and `1 / sqrt(var + ε)`
    /// of the statistics used.
    mean: Vec<f32>,
    var: Vec<f32>,
    inv_std: Vec<f32>,
    /// `(x − mean) · inv_std` of the last batch.
    normalized: Vec<f32>,
}

#[cfg(feature = "std")]
impl<const C: usize, const S: usize> Default for BatchNorm<C, S> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl<const C: usize, const S: usize> BatchNorm<C, S> {
    /// γ = 1, β = 0, moving mean 0 and variance 1, Keras' momentum and epsilon.
    pub fn new() -> Self {
        BatchNorm {
            weight: vec![1.0; C],
            bias: vec![0.0; C],
            running_mean: vec![0.0; C],
            running_var: vec![1.0; C],
            num_batches_tracked: 0,
            momentum: 0.99,
            epsilon: 1e-3,
        }
    }

    /// The same layer with another momentum for its moving statistics.
    pub fn with_momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// The same layer with another epsilon.
    pub fn with_epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// The values of channel `c` of each of `batch` samples, sample by sample.
    fn channel<'a>(values: &'a [f32], c: usize, batch: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        (0..batch).map(move |n| &values[(n * C + c) * S..(n * C + c + 1) * S])
    }
}

#[cfg(feature = "std")]
impl<const C: usize, const S: usize> Layer for BatchNorm<C, S> {
    const INPUT: usize = C * S;
    const OUTPUT: usize = C * S;
    const PARAMS: usize = 2 * C;
    const STATE: usize = 2 * C;
    type Buffers = NormBuffers;

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        Self::new()
    }

    fn zeroed() -> Self {
        BatchNorm { weight: vec![0.0; C], bias: vec![0.0; C], running_var: vec![0.0; C], ..Self::new() }
    }

    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut NormBuffers,
        mode: &mut Mode<'_>,
    ) {
        let len = C * S * batch;
        let (input, output) = (&input[..len], &mut output[..len]);
        buffers.training = mode.is_training();
        let mean = ensure_len(&mut buffers.mean, C);
        let var = ensure_len(&mut buffers.var, C);
        let inv_std = ensure_len(&mut buffers.inv_std, C);
        let count = (S * batch) as f64;
        for c in 0..C {
            let (m, v) = if buffers.training {
                let m = Self::channel(input, c, batch).flatten().map(|x| f64::from(*x)).sum::<f64>() / count;
                let v =
                    Self::channel(input, c, batch).flatten().map(|x| (f64::from(*x) - m).powi(2)).sum::<f64>() / count;
                (m as f32, v as f32)
            } else {
                (self.running_mean[c], self.running_var[c])
            };
            mean[c] = m;
            var[c] = v;
            inv_std[c] = Channel::new(m, v, self.epsilon).inv_std;
        }
        let normalized = ensure_len(&mut buffers.normalized, len);
        for (k, ((x, y), z)) in
            input.chunks_exact(S).zip(output.chunks_exact_mut(S)).zip(normalized.chunks_exact_mut(S)).enumerate()
        {
            let c = k % C;
            let channel = Channel { mean: mean[c], inv_std: inv_std[c] };
            channel.apply(x, y, self.weight[c], self.bias[c], |k, normal| z[k] = normal);
        }
    }

    fn update_state(&mut self, buffers: &NormBuffers) {
        if !buffers.training || buffers.mean.len() < C {
            return;
        }
        let keep = self.momentum;
        for c in 0..C {
            self.running_mean[c] = keep * self.running_mean[c] + (1.0 - keep) * buffers.mean[c];
            self.running_var[c] = keep * self.running_var[c] + (1.0 - keep) * buffers.var[c];
        }
        self.num_batches_tracked += 1;
    }

    fn backward_batch(&self, pass: Backward<'_, NormBuffers>, grads: &mut Self) {
        let Backward { grad, grad_input, batch, buffers, .. } = pass;
        let len = C * S * batch;
        let (dy, z) = (&grad[..len], &buffers.normalized[..len]);
        for c in 0..C {
            let (mut sum, mut dot) = (0.0f64, 0.0f64);
            for (g, z) in Self::channel(dy, c, batch).zip(Self::channel(z, c, batch)) {
                for (g, z) in g.iter().zip(z) {
                    sum += f64::from(*g);
                    dot += f64::from(*g) * f64::from(*z);
                }
            }
            grads.weight[c] = dot as f32;
            grads.bias[c] = sum as f32;
        }
        let Some(dx) = grad_input else { return };
        let count = (S * batch) as f32;
        for (k, ((dx, g), z)) in
            dx[..len].chunks_exact_mut(S).zip(dy.chunks_exact(S)).zip(z.chunks_exact(S)).enumerate()
        {
            let c = k % C;
            let scale = self.weight[c] * buffers.inv_std[c];
            if buffers.training {
                // dx = γ·s/M · (M·dy − Σdy − z·Σ(dy·z)), the batch's statistics depending on x.
                let (sum, dot) = (grads.bias[c] / count, grads.weight[c] / count);
                for ((dx, g), z) in dx.iter_mut().zip(g).zip(z) {
                    *dx = scale * (g - sum - z * dot);
                }
            } else {
                for (dx, g) in dx.iter_mut().zip(g) {
                    *dx = scale * g;
                }
            }
        }
    }

    /// `weight` and `bias` (parameters), `running_mean` and `running_var`
    /// (state) as `[C]`, and `num_batches_tracked` as an `I64` scalar
    /// (state), as PyTorch's `BatchNorm`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[C], &self.weight[..]));
        visit(Part::param(path, "bias", &[C], &self.bias[..]));
        visit(Part::state(path, "running_mean", &[C], &self.running_mean[..]));
        visit(Part::state(path, "running_var", &[C], &self.running_var[..]));
        let count = Data::I64(std::slice::from_ref(&self.num_batches_tracked));
        visit(Part::state(path, "num_batches_tracked", &[], count));
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        visit(Part::param(path, "weight", &[C], &mut self.weight[..]));
        visit(Part::param(path, "bias", &[C], &mut self.bias[..]));
        visit(Part::state(path, "running_mean", &[C], &mut self.running_mean[..]));
        visit(Part::state(path, "running_var", &[C], &mut self.running_var[..]));
        let count = DataMut::I64(std::slice::from_mut(&mut self.num_batches_tracked));
        visit(Part::state(path, "num_batches_tracked", &[], count));
    }

    /// `BatchNormalization` with the moving statistics and the layer's
    /// epsilon, on `[C]` or `[C, H, W]` as it comes.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        if input.dims.first() != Some(&C) || input.len() != C * S {
            let reason = format!("batch norm of {C} channels of {S} values is given a value of shape {:?}", input.dims);
            return Err(crate::Error::export(reason));
        }
        let mut inputs = vec![input.name.clone()];
        for (name, values) in [
            ("weight", &self.weight),
            ("bias", &self.bias),
            ("running_mean", &self.running_mean),
            ("running_var", &self.running_var),
        ] {
            inputs.push(graph.constant(&format!("{prefix}{name}"), &[C], values));
        }
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let attributes = vec![("epsilon", Attr::Float(self.epsilon))];
        Ok(graph.node("BatchNormalization", &format!("{prefix}batch_norm"), &inputs, attributes, &input.dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    /// A layer with γ and β away from 1 and 0, so that every term shows.
    fn layer<const C: usize, const S: usize>() -> BatchNorm<C, S> {
        let mut layer = BatchNorm::new();
        for (c, (g, b)) in layer.weight.iter_mut().zip(layer.bias.iter_mut()).enumerate() {
            *g = 0.5 + 0.3 * c as f32;
            *b = 0.1 * c as f32 - 0.2;
        }
        layer.running_mean.iter_mut().enumerate().for_each(|(c, m)| *m = 0.05 * c as f32);
        layer.running_var.iter_mut().enumerate().for_each(|(c, v)| *v = 0.7 + 0.1 * c as f32);
        layer
    }

    /// In training the gradient goes through the batch's statistics too.
    #[test]
    fn gradients_match_finite_differences_in_training_and_in_evaluation() {
        for training in [true, false] {
            let x = testing::values(3 * 4 * 5, 0.6);
            testing::gradient_check(&layer::<3, 4>(), &x, 5, training, 1e-2, 3e-3);
            testing::gradient_check(&layer::<4, 1>(), &x[..4 * 6], 6, training, 1e-2, 3e-3);
        }
    }

    /// Training normalises each channel to mean 0 and variance 1 (before γ, β);
    /// the update moves the moving statistics 1% of the way, as Keras does.
    #[test]
    fn training_uses_the_batch_and_updates_the_moving_statistics() {
        let mut norm = BatchNorm::<2, 3>::new();
        let x: Vec<f32> = (0..2 * 3 * 4).map(|v| (v as f32 * 0.37).sin() * 3.0 + 1.0).collect();
        let (y, buffers) = testing::forward(&norm, &x, 4, true);
        for c in 0..2 {
            let values: Vec<f64> = BatchNorm::<2, 3>::channel(&y, c, 4).flatten().map(|v| f64::from(*v)).collect();
            let mean = values.iter().sum::<f64>() / 12.0;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0;
            let xs: Vec<f64> = BatchNorm::<2, 3>::channel(&x, c, 4).flatten().map(|v| f64::from(*v)).collect();
            let x_mean = xs.iter().sum::<f64>() / 12.0;
            let x_var = xs.iter().map(|v| (v - x_mean).powi(2)).sum::<f64>() / 12.0;
            assert!(mean.abs() < 1e-6, "{mean}");
            assert!((var - x_var / (x_var + 1e-3)).abs() < 1e-5, "{var}");
            norm.update_state(&buffers);
            assert!((f64::from(norm.running_mean[c]) - 0.01 * x_mean).abs() < 1e-6);
            assert!((f64::from(norm.running_var[c]) - (0.99 + 0.01 * x_var)).abs() < 1e-5);
            norm = BatchNorm::new();
        }
        norm.update_state(&buffers);
        assert_eq!(norm.num_batches_tracked, 1);
        let (_, inference) = testing::forward(&norm, &x, 4, false);
        norm.update_state(&inference);
        assert_eq!(norm.num_batches_tracked, 1, "evaluation leaves the statistics alone");
    }

    #[test]
    fn tensors_name_the_statistics_as_pytorch_and_load_back() {
        let mut norm = layer::<3, 1>();
        norm.num_batches_tracked = 42;
        let tensors = testing::tensors_of(&norm);
        let names: Vec<_> = tensors.iter().map(|t| (t.name.as_str(), t.shape.clone())).collect();
        assert_eq!(
            names,
            [
                ("weight", vec![3]),
                ("bias", vec![3]),
                ("running_mean", vec![3]),
                ("running_var", vec![3]),
                ("num_batches_tracked", vec![])
            ]
        );
        assert_eq!(tensors[4].values, vec![42i64].into());
        assert_eq!(testing::loaded_copy(&norm), norm);
    }
}
