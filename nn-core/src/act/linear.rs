use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

/// The identity: the layer's affine output unchanged (Keras' `linear`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Linear;

impl Activation for Linear {
    const NAME: &'static str = "linear";
    const INIT: Init = Init::GlorotUniform;

    /// Nothing to write: the value itself.
    #[cfg(feature = "std")]
    fn onnx(_graph: &mut Graph, _prefix: &str, input: Value) -> Result<Value> {
        Ok(input)
    }

    /// ONNX's `Affine` with alpha 1 and beta 0.
    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Affine", alpha: Some(1.0), beta: Some(0.0) })
    }

    fn forward(_values: &mut [f32], _rows: usize) {}

    fn backward(_out: &[f32], _grad: &mut [f32], _rows: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Linear>(&crate::act::tests::SAMPLE, 3);
    }
}
