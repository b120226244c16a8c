//! `batch_norm`: normalisation by the moving statistics, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::io::Dtype;

/// The view of [`layers::BatchNorm`](crate::layers::BatchNorm) in
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
            let (mean, var) = (params.running_mean[c], params.running_var[c]);
            let (scale, shift) = (params.weight[c], params.bias[c]);
            let inv_std = 1.0 / libm::sqrtf(var + epsilon);
            for (x, y) in x.iter().zip(y) {
                *y = scale * ((x - mean) * inv_std) + shift;
            }
        }
    }
}
