use super::exp::exp_in_place;
#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Attr, Graph, Value};

/// Softmax over each sample's outputs: `exp(z_i - max z) / sum_j exp(z_j - max z)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Softmax;

impl Activation for Softmax {
    const NAME: &'static str = "softmax";
    const INIT: Init = Init::GlorotUniform;
    const ELEMENTWISE: bool = false;

    /// ONNX's `Softmax` along the last axis: each sample's values, or each
    /// step's on a sequence.
    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Softmax", &input, vec![("axis", Attr::Int(-1))]))
    }

    fn forward(values: &mut [f32], rows: usize) {
        let whole = values.len() / rows * rows;
        let values = &mut values[..whole];
        for column in values.chunks_exact_mut(rows) {
            let max = column.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for v in column.iter_mut() {
                *v -= max;
            }
        }
        // One pass over the whole batch, so that the exponentials fill whole
        // vectors whatever the number of rows.
        exp_in_place(values);
        for column in values.chunks_exact_mut(rows) {
            let inv = 1.0 / column.iter().sum::<f32>();
            for v in column.iter_mut() {
                *v *= inv;
            }
        }
    }

    fn backward(out: &[f32], grad: &mut [f32], rows: usize) {
        for (g, a) in grad.chunks_exact_mut(rows).zip(out.chunks_exact(rows)) {
            let dot: f32 = g.iter().zip(a).map(|(g, a)| g * a).sum();
            for (g, a) in g.iter_mut().zip(a) {
                *g = a * (*g - dot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_sum_to_one_even_for_large_inputs() {
        let mut v = [1000.0, 1001.0, 999.0, -3.0, 0.0, 3.0];
        Softmax::forward(&mut v, 3);
        for column in v.chunks(3) {
            assert!((column.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            assert!(column.iter().all(|p| p.is_finite() && *p > 0.0));
        }
        assert!(v[1] > v[0] && v[0] > v[2]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Softmax>(&crate::act::tests::SAMPLE, 3);
    }
}
