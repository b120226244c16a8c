//! L1 and L2 penalties on a layer's weights.

/// L1 and L2 penalties on a layer's weights, as Keras' `l1_l2(l1, l2)`:
/// `l1 · Σ|w| + l2 · Σw²` is added to the loss, `l1 · sign(w) + 2 · l2 · w` to
/// each weight's gradient. Biases are not penalised.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Regularizer {
    /// The L1 factor.
    pub l1: f32,
    /// The L2 factor.
    pub l2: f32,
}

impl Regularizer {
    /// The penalty of `weights`; when `grads` is given, its gradient is added
    /// to it. Zero, without reading the weights, when both factors are zero.
    pub fn penalty(&self, weights: &[f32], grads: Option<&mut [f32]>) -> f64 {
        let Regularizer { l1, l2 } = *self;
        if l1 == 0.0 && l2 == 0.0 {
            return 0.0;
        }
        if let Some(grads) = grads {
            for (g, w) in grads.iter_mut().zip(weights) {
                *g += l1 * w.signum() * f32::from(u8::from(*w != 0.0)) + 2.0 * l2 * w;
            }
        }
        let (abs, squares) = weights.iter().fold((0.0f64, 0.0f64), |(a, s), w| {
            let w = f64::from(*w);
            (a + w.abs(), s + w * w)
        });
        f64::from(l1) * abs + f64::from(l2) * squares
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_and_its_gradient_match_finite_differences() {
        let regularizer = Regularizer { l1: 0.03, l2: 0.05 };
        let weights: Vec<f32> = (0..12).map(|i| ((i as f32) * 0.9).sin()).collect();
        let mut grads = vec![0.0; 12];
        let penalty = regularizer.penalty(&weights, Some(&mut grads));
        let by_hand: f64 =
            weights.iter().map(|w| 0.03 * f64::from(w.abs()) + 0.05 * f64::from(*w) * f64::from(*w)).sum();
        assert!((penalty - by_hand).abs() < 1e-6 * by_hand, "{penalty} vs {by_hand}");
        let h = 1e-3f32;
        for i in 0..12 {
            let nudged = |delta: f32| {
                let mut w = weights.clone();
                w[i] += delta;
                regularizer.penalty(&w, None)
            };
            let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
            assert!((numeric - f64::from(grads[i])).abs() < 1e-3, "weight {i}: {numeric} vs {}", grads[i]);
        }
        assert_eq!(Regularizer::default().penalty(&weights, None), 0.0);
    }
}
