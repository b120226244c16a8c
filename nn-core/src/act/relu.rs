#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

/// Rectified linear unit: `max(0, z)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relu;

impl Activation for Relu {
    const NAME: &'static str = "relu";
    const INIT: Init = Init::HeUniform;

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Relu", &input, Vec::new()))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Relu", alpha: None, beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        for v in values {
            // Not `v.max(0.0)`, which turns NaN into 0: a layer whose weights
            // have diverged must show in the loss, not vanish here. Every value
            // is stored (a select, not a branch), so the loop vectorises; a
            // conditional store would stay scalar and mispredict on every
            // other sign change.
            *v = if *v < 0.0 { 0.0 } else { *v };
        }
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g = if *a <= 0.0 { 0.0 } else { *g };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_negatives_to_zero() {
        let mut v = [-1.0, 0.0, 2.5];
        Relu::forward(&mut v, 3);
        assert_eq!(v, [0.0, 0.0, 2.5]);
    }

    #[test]
    fn passes_nan_through() {
        let mut v = [f32::NAN, -1.0];
        Relu::forward(&mut v, 2);
        assert!(v[0].is_nan(), "NaN must reach the loss, where a training step reports it");
        assert_eq!(v[1], 0.0);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Relu>(&crate::act::tests::SAMPLE, 3);
    }
}
