//! `Residual`: a block whose output is its body's output plus its input, a
//! residual (skip) connection. The view runs the body's view into the
//! output and adds the input, as the layer adds them on a batch of one.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{ensure_len, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// `output = body(input) + input`: a residual connection around `B`, whose
/// input and output are both `N` values. PyTorch's equivalent is a module
/// whose forward is `x + self.body(x)`; its tensors are the body's under
/// `body.` (`body.0.weight` for a body that is a sequential network, as
/// `self.body = nn.Sequential(...)` names them).
///
/// With `B` a layer it is a [`Layer`]; with `B` a view ([`Infer`]: a
/// layer's view type, or a network declared with `network!`) it is the
/// view of that block, so one type serves both.
///
/// # Shapes
///
/// `N` values in (any shape: `[C, H, W]`, `[T, F]`, `[F]`), the same shape
/// out; `B::INPUT == B::OUTPUT == N`, checked when the type is used.
///
/// ```
/// use nn_core::act::Tanh;
/// use nn_core::layers::{Dense, Layer, Mode, Residual};
///
/// let block = Residual::<Dense<3, 3, Tanh>, 3>(Dense::seeded(1));
/// let (x, mut out, mut alone) = ([0.5, -1.0, 2.0], [0.0; 3], [0.0; 3]);
/// block.forward_batch(&x, &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// block.0.forward_batch(&x, &mut alone, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(out, [alone[0] + x[0], alone[1] + x[1], alone[2] + x[2]]);
///
/// let mut names = Vec::new();
/// block.tensors("", &mut |t| names.push(t.name));
/// assert_eq!(names, ["body.weight", "body.bias"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Residual<B, const N: usize>(
    /// The body: what the block adds to its input.
    pub B,
);

impl<B: Infer, const N: usize> Residual<B, N> {
    /// The view's widths: `B::INPUT == B::OUTPUT == N`.
    const VIEW_SHAPES: () =
        assert!(B::INPUT == N && B::OUTPUT == N, "a residual block's body must take and give its N values");
}

/// The body's view into the output, then the input added.
impl<B: Infer, const N: usize> Infer for Residual<B, N> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    type Params<'a> = B::Params<'a>;

    /// The body's tensors, under `body.`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<B::Params<'a>, Error> {
        let () = Self::VIEW_SHAPES;
        B::load(weights, &prefix.named("body")?)
    }

    fn forward(params: &B::Params<'_>, input: &[f32], output: &mut [f32]) {
        let () = Self::VIEW_SHAPES;
        let (input, output) = (&input[..N], &mut output[..N]);
        B::forward(params, input, output);
        output.iter_mut().zip(input).for_each(|(y, x)| *y += x);
    }
}

#[cfg(feature = "std")]
/// The body's memory, its output (which its backward pass reads), and the
/// output's gradient kept for the skip.
#[derive(Default)]
pub struct ResidualBuffers<BB> {
    body: BB,
    body_out: Vec<f32>,
    skip_grad: Vec<f32>,
}

#[cfg(feature = "std")]
impl<B: Layer, const N: usize> Residual<B, N> {
    /// The layer's widths: `B::INPUT == B::OUTPUT == N`.
    const SHAPES: () =
        assert!(B::INPUT == N && B::OUTPUT == N, "a residual block's body must take and give its N values");

    /// Fresh parameters for the body from a seeded generator.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

#[cfg(feature = "std")]
impl<B: Layer, const N: usize> Layer for Residual<B, N> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    const PARAMS: usize = B::PARAMS;
    const STATE: usize = B::STATE;
    const WIDEST: usize = super::max_width(&[N, B::WIDEST]);
    type Buffers = ResidualBuffers<B::Buffers>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let () = Self::SHAPES;
        Residual(B::init(rng))
    }

    fn zeroed() -> Self {
        let () = Self::SHAPES;
        Residual(B::zeroed())
    }

    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        b: &mut Self::Buffers,
        mode: &mut Mode<'_>,
    ) {
        let () = Self::SHAPES;
        let body_out = ensure_len(&mut b.body_out, N * batch);
        self.0.forward_batch(&input[..N * batch], body_out, batch, &mut b.body, mode);
        for ((y, f), x) in output[..N * batch].iter_mut().zip(body_out.iter()).zip(&input[..N * batch]) {
            *y = f + x;
        }
    }

    /// The body's backward pass from the output's gradient; the input's
    /// gradient is the body's plus the output's (the skip).
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
        let Backward { input, grad, grad_input, batch, buffers: b, .. } = pass;
        let len = N * batch;
        // The body may use the gradient as scratch: the skip's share is kept first.
        let skip = if grad_input.is_some() {
            let skip = ensure_len(&mut b.skip_grad, len);
            skip.copy_from_slice(&grad[..len]);
            Some(&*skip)
        } else {
            None
        };
        let mut grad_input = grad_input;
        let body_pass = Backward {
            input: &input[..len],
            output: &b.body_out[..len],
            grad: &mut grad[..len],
            preactivation: false,
            grad_input: grad_input.as_deref_mut(),
            batch,
            buffers: &mut b.body,
        };
        self.0.backward_batch(body_pass, &mut grads.0);
        if let (Some(grad_input), Some(skip)) = (grad_input, skip) {
            grad_input[..len].iter_mut().zip(skip).for_each(|(d, g)| *d += g);
        }
    }

    fn check_input(&self, input: &[f32], batch: usize) -> crate::Result<()> {
        self.0.check_input(input, batch)
    }

    fn update_state(&mut self, buffers: &Self::Buffers) {
        self.0.update_state(&buffers.body);
    }

    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
        self.0.visit_params(&grads.0, visit);
    }

    fn penalty(&self, grads: Option<&mut Self>) -> f64 {
        self.0.penalty(grads.map(|g| &mut g.0))
    }

    /// The body's tensors under `body.`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        self.0.parts(&path.named("body"), visit);
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        self.0.parts_mut(&path.named("body"), visit);
    }

    /// The body's operators (named `{prefix}body.`), then an `Add` of their
    /// output and the input.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let body = self.0.onnx(graph, &format!("{prefix}body."), input.clone())?;
        let body = graph.shaped(body, &input.dims)?;
        Ok(graph.node("Add", &format!("{prefix}add"), &[&body.name, &input.name], Vec::new(), &input.dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::Tanh;
    use crate::layers::{testing, BatchNorm, BatchNormView, Dense, DenseView};

    /// The input's gradient is the body's plus the skip's, and the body's
    /// parameters get their gradients, with a batch norm in training mode
    /// (whose backward pass uses the gradient as scratch) as well as a dense body.
    #[test]
    fn gradients_match_finite_differences() {
        let mut norm = BatchNorm::<3, 2>::new();
        norm.weight = testing::values(3, 0.4);
        norm.bias = testing::values(3, 0.9);
        testing::gradient_check(&Residual::<_, 6>(norm), &testing::values(18, 0.2), 3, true, 1e-2, 5e-3);
        let dense = Residual::<Dense<4, 4, Tanh>, 4>(Dense::seeded(2));
        testing::gradient_check(&dense, &testing::values(8, 0.5), 2, false, 1e-2, 3e-3);
    }

    /// The block keeps the body's tensors, named under `body.` as PyTorch's
    /// `self.body` names them, saved and loaded whole, its state updated.
    #[test]
    fn keeps_the_contract_of_its_parts_under_body() {
        let mut block = Residual::<BatchNorm<2, 3>, 6>(BatchNorm::new());
        testing::check_parts(&mut block, &testing::values(12, 0.3), 2);
        let names: Vec<_> = testing::tensors_of(&block).into_iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            ["body.weight", "body.bias", "body.running_mean", "body.running_var", "body.num_batches_tracked"]
        );
    }

    /// The view (the same type over the body's view) gives the layer's
    /// output on one sample bit for bit.
    #[test]
    fn the_view_gives_the_layers_bits() {
        let dense = Residual::<Dense<5, 5, Tanh>, 5>(Dense::seeded(3));
        testing::view_matches_layer::<_, Residual<DenseView<5, 5, Tanh>, 5>>(&dense, &testing::values(5, 0.7));
        let mut norm = BatchNorm::<2, 2>::new();
        norm.running_mean = testing::values(2, 0.1);
        norm.running_var = vec![0.5, 2.0];
        let norm = Residual::<_, 4>(norm);
        testing::view_matches_layer::<_, Residual<BatchNormView<2, 2, { 1e-3f32.to_bits() }>, 4>>(
            &norm,
            &testing::values(4, 0.6),
        );
    }

    /// The ONNX form is the body's operators, named under `body.`, then an
    /// `Add` of their output and the input, shaped as the input.
    #[test]
    fn exports_the_body_then_an_add() {
        let body = Dense::<4, 4, Tanh>::seeded(4);
        let (body_ops, _, _) = testing::onnx_graph(&body, &[4]);
        let (ops, constants, dims) = testing::onnx_graph(&Residual::<_, 4>(body), &[4]);
        assert_eq!(ops, [body_ops, vec!["Add".to_string()]].concat());
        assert_eq!(constants, ["body.weight", "body.bias"]);
        assert_eq!(dims, [4]);
    }
}
