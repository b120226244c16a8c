use super::{Backward, Layer, Mode};
use crate::onnx::{Graph, Value};
use crate::parallel::{for_each_rows, min_rows};
use rand::Rng;

/// Global average pooling: each channel's mean over all its `H x W` values
/// (Keras' `GlobalAveragePooling2D`; PyTorch's `AdaptiveAvgPool2d(1)`
/// followed by `Flatten`).
///
/// # Shapes
///
/// `[C, H, W]` in, `[C]` out.
///
/// ```
/// use nn_core::layers::{GlobalAvgPool2d, Layer, Mode};
///
/// let image = [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0];
/// let mut out = [0.0; 2];
/// GlobalAvgPool2d::<2, 2, 2>.forward_batch(&image, &mut out, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out, [2.5, 25.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GlobalAvgPool2d<const C: usize, const H: usize, const W: usize>;

impl<const C: usize, const H: usize, const W: usize> Layer for GlobalAvgPool2d<C, H, W> {
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        GlobalAvgPool2d
    }

    fn zeroed() -> Self {
        GlobalAvgPool2d
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        let count = (H * W) as f32;
        for (out, channel) in output[..C * batch].iter_mut().zip(input[..C * H * W * batch].chunks_exact(H * W)) {
            *out = channel.iter().sum::<f32>() / count;
        }
    }

    fn backward_batch(&self, pass: Backward<'_, ()>, _grads: &mut Self) {
        let Backward { grad, grad_input, batch, .. } = pass;
        let Some(grad_input) = grad_input else { return };
        let grad = &grad[..C * batch];
        let count = (H * W) as f32;
        for_each_rows(batch * C, min_rows(H * W), 4, [(grad_input, H * W)], |channels, [dx]| {
            for (g, dx) in grad[channels].iter().zip(dx.chunks_exact_mut(H * W)) {
                dx.fill(g / count);
            }
        });
    }

    crate::no_parts!();

    /// `GlobalAveragePool` (`[C, 1, 1]`), then `Flatten` (`[C]`).
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let pooled = graph.node("GlobalAveragePool", &format!("{prefix}pool"), &[&input.name], Vec::new(), &[C, 1, 1]);
        graph.shaped(pooled, &[C])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    #[test]
    fn gradients_match_finite_differences() {
        let x = testing::values(3 * 4 * 5 * 2, 0.4);
        testing::gradient_check(&GlobalAvgPool2d::<3, 4, 5>, &x, 2, false, 1e-2, 1e-3);
    }
}
