use super::{ensure_len, Backward, Layer, Mode, TakesInput};
use crate::onnx::{Graph, Value};
use rand::Rng;

/// Dropout: in training, each value is zeroed with probability `rate` and the
/// others scaled by `1 / (1 - rate)`; in evaluation and prediction, the identity.
///
/// The rate is part of the type, as the bits of an `f32` (`network!` writes it
/// from `dropout(0.2)`), so every network of the type drops at the same rate.
///
/// # Shapes
///
/// Any shape of `N` values in, the same out: a vector, or an image's values,
/// each dropped on its own (Keras' `Dropout`, PyTorch's `nn.Dropout`).
///
/// ```
/// use nn_core::layers::{Dropout, Layer, Mode};
///
/// type Half = Dropout<4, { 0.5f32.to_bits() }>;
/// assert_eq!(Half::RATE, 0.5);
/// let x = [1.0, 2.0, 3.0, 4.0];
/// let mut y = [0.0; 4];
/// Half::default().forward_batch(&x, &mut y, 1, &mut Vec::new(), &mut Mode::Inference);
/// assert_eq!(y, x); // the identity outside training
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropout<const N: usize, const RATE_BITS: u32>;

impl<const N: usize, const RATE_BITS: u32> Dropout<N, RATE_BITS> {
    /// The probability of dropping each value.
    pub const RATE: f32 = f32::from_bits(RATE_BITS);
}

impl<const N: usize, const RATE_BITS: u32> TakesInput<N> for Dropout<N, RATE_BITS> {}

impl<const N: usize, const RATE_BITS: u32> Layer for Dropout<N, RATE_BITS> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    /// The scaled mask of the last training batch.
    type Buffers = Vec<f32>;

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        Dropout
    }

    fn zeroed() -> Self {
        Dropout
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, mask: &mut Vec<f32>, mode: &mut Mode<'_>) {
        let (input, output) = (&input[..N * batch], &mut output[..N * batch]);
        match mode {
            Mode::Training(rng) if Self::RATE > 0.0 => {
                let keep = 1.0 - Self::RATE;
                let mask = ensure_len(mask, N * batch);
                // The generator's words in blocks (its fast path), turned into
                // the mask by a loop that vectorises: the same draws, and so
                // the same mask, as `rng.random::<f32>() < keep` value by value.
                let mut words = [0u32; 256];
                for chunk in mask.chunks_mut(words.len()) {
                    let words = &mut words[..chunk.len()];
                    rng.fill(words);
                    fill_mask(chunk, words, keep);
                }
                for ((o, x), m) in output.iter_mut().zip(input).zip(mask.iter()) {
                    *o = x * m;
                }
            }
            _ => {
                mask.clear();
                output.copy_from_slice(input);
            }
        }
    }

    fn backward_batch(&self, pass: Backward<'_, Vec<f32>>, _grads: &mut Self) {
        let Backward { grad, grad_input, batch, buffers: mask, .. } = pass;
        let Some(grad_input) = grad_input else { return };
        let (grad, grad_input) = (&grad[..N * batch], &mut grad_input[..N * batch]);
        if mask.len() >= N * batch {
            for ((gi, g), m) in grad_input.iter_mut().zip(grad).zip(mask.iter()) {
                *gi = g * m;
            }
        } else {
            grad_input.copy_from_slice(grad);
        }
    }

    crate::no_parts!();

    /// The identity, as in inference: no operator.
    fn onnx(&self, _graph: &mut Graph, _prefix: &str, input: Value) -> crate::Result<Value> {
        Ok(input)
    }
}

crate::cpu::with_avx2! {
    /// `mask[i] ← 1/keep` where the uniform draw `u` of `words[i]` is below
    /// `keep`, else 0; `u` is what `rand` makes of a word for a `random::<f32>()`
    /// (its top 24 bits times 2^-24).
    fn fill_mask(mask: &mut [f32], words: &[u32], keep: f32) {
        let scale = 1.0 / keep;
        for (m, w) in mask.iter_mut().zip(words) {
            let u = (1.0 / 16_777_216.0) * (w >> 8) as f32;
            *m = if u < keep { scale } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    type Drop30 = Dropout<5, { 0.3f32.to_bits() }>;

    /// The mask is drawn in blocks of words but is the one that drawing a
    /// `random::<f32>()` per value gives (so seeded runs repeat earlier ones).
    #[test]
    fn the_mask_is_one_uniform_draw_per_value() {
        let batch = 301; // 1,505 values: several blocks of words and a partial one
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let input = vec![1.0; 5 * batch];
        let (mut output, mut mask) = (vec![0.0; 5 * batch], Vec::new());
        Drop30::default().forward_batch(&input, &mut output, batch, &mut mask, &mut Mode::Training(&mut rng));
        let mut reference = rand::rngs::StdRng::seed_from_u64(7);
        let keep = 1.0 - Drop30::RATE;
        for (i, m) in mask.iter().enumerate() {
            let want = if reference.random::<f32>() < keep { 1.0 / keep } else { 0.0 };
            assert_eq!(m.to_bits(), want.to_bits(), "value {i}");
        }
        // The generator is left where drawing value by value leaves it.
        assert_eq!(rng.random::<u64>(), reference.random::<u64>());
    }

    #[test]
    fn training_drops_about_the_rate_and_keeps_the_mean() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let batch = 2000;
        let input = vec![1.0; 5 * batch];
        let mut output = vec![0.0; 5 * batch];
        let mut mask = Vec::new();
        Drop30::default().forward_batch(&input, &mut output, batch, &mut mask, &mut Mode::Training(&mut rng));
        let dropped = output.iter().filter(|v| **v == 0.0).count() as f64 / output.len() as f64;
        assert!((dropped - 0.3).abs() < 0.02, "dropped {dropped}");
        let mean = output.iter().sum::<f32>() / output.len() as f32;
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
        assert!(output.iter().all(|v| *v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6));
    }

    #[test]
    fn inference_is_the_identity() {
        let input: Vec<f32> = (0..10).map(|v| v as f32).collect();
        let mut output = vec![0.0; 10];
        Drop30::default().forward_batch(&input, &mut output, 2, &mut Vec::new(), &mut Mode::Inference);
        assert_eq!(input, output);
    }

    /// With the mask fixed (the check draws it from the same seed for every
    /// forward pass), dropout is linear: d(sum w ⊙ out)/d in = w ⊙ mask.
    #[test]
    fn gradient_with_a_fixed_mask_matches_finite_differences() {
        let input = crate::layers::testing::values(5 * 4, 0.0);
        crate::layers::testing::gradient_check(&Drop30::default(), &input, 4, true, 1e-2, 1e-3);
        let (_, mask) = crate::layers::testing::forward(&Drop30::default(), &input, 4, true);
        assert!(mask.contains(&0.0) && mask.iter().any(|m| *m > 1.0), "this seed drops some values, not all");
    }
}
