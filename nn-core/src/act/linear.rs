use super::Activation;
use crate::init::Init;

/// The identity: the layer's affine output unchanged (Keras' `linear`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Linear;

impl Activation for Linear {
    const NAME: &'static str = "linear";
    const INIT: Init = Init::GlorotUniform;

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
