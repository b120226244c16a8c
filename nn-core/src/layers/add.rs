//! `Add`: two branches that read the same input, their outputs added (a
//! block's branches merged by a sum). The view runs the first branch's view
//! into the output and the second's into an array on the stack, then adds
//! them, as the layer does on a batch of one.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::branches::{self, BranchBuffers, Branches},
    super::{Backward, Layer, Mode},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// `output = A(input) + B(input)`: two branches over the same input, each
/// giving `N` values, summed. PyTorch's equivalent is a module holding
/// `self.branches = nn.ModuleList([a, b])` whose forward is
/// `self.branches[0](x) + self.branches[1](x)`; the branches' tensors are
/// named as it names them, `branches.0.` and `branches.1.` (`branches.0.0.weight`
/// for a first branch that is a sequential network).
///
/// More than two branches nest to the right: `Add<B0, Add<B1, B2, N>, N>`
/// sums three, and `B1`'s tensors are then `branches.1.branches.0.`, `B2`'s
/// `branches.1.branches.1.`. A branch that is the input itself (a skip) is
/// [`Identity`](super::Identity).
///
/// With `A` and `B` layers it is a [`Layer`]; with `A` and `B` views
/// ([`Infer`]: layers' view types, or networks declared with `network!`) it
/// is the block's view, its parameters the pair of the branches'.
///
/// # Shapes
///
/// `A::INPUT == B::INPUT` values in; `N` out, shaped as `A`'s output;
/// `A::OUTPUT == B::OUTPUT == N`, checked when the type is used.
///
/// ```
/// use nn_core::act::{Relu, Tanh};
/// use nn_core::layers::{Add, Dense, Identity, Layer, Mode};
///
/// let block = Add::<Dense<3, 3, Tanh>, Identity<3>, 3>(Dense::seeded(1), Identity);
/// let (x, mut out, mut first) = ([0.5, -1.0, 2.0], [0.0; 3], [0.0; 3]);
/// block.forward_batch(&x, &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// block.0.forward_batch(&x, &mut first, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(out, [first[0] + x[0], first[1] + x[1], first[2] + x[2]]);
///
/// type Three = Add<Dense<4, 2, Relu>, Add<Dense<4, 2, Relu>, Dense<4, 2, Tanh>, 2>, 2>;
/// let mut names = Vec::new();
/// Three::seeded(2).tensors("", &mut |t| names.push(t.name));
/// assert_eq!(names[2..4], ["branches.1.branches.0.weight", "branches.1.branches.0.bias"]);
/// assert_eq!(<Three as Layer>::PARAMS, 3 * (4 * 2 + 2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Add<A, B, const N: usize>(
    /// The first branch (`branches.0`).
    pub A,
    /// The second branch (`branches.1`).
    pub B,
);

impl<A: Infer, B: Infer, const N: usize> Add<A, B, N> {
    /// The view's widths: the same input for both, `N` values out of each.
    const VIEW_SHAPES: () = assert!(
        A::INPUT == B::INPUT && A::OUTPUT == N && B::OUTPUT == N,
        "the branches of an addition must read the same input and each give its N values"
    );
}

/// The first branch's view into the output, the second's into `[f32; N]`
/// on the stack, added.
impl<A: Infer, B: Infer, const N: usize> Infer for Add<A, B, N> {
    const INPUT: usize = A::INPUT;
    const OUTPUT: usize = N;
    type Params<'a> = (A::Params<'a>, B::Params<'a>);

    /// Each branch's tensors, under `branches.0.` and `branches.1.`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, Error> {
        let () = Self::VIEW_SHAPES;
        let branches = prefix.named("branches")?;
        Ok((A::load(weights, &branches.module(0)?)?, B::load(weights, &branches.module(1)?)?))
    }

    fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]) {
        let () = Self::VIEW_SHAPES;
        let (input, output) = (&input[..A::INPUT], &mut output[..N]);
        let mut second = [0.0f32; N];
        A::forward(&params.0, input, output);
        B::forward(&params.1, input, &mut second);
        output.iter_mut().zip(&second).for_each(|(y, s)| *y += s);
    }
}

#[cfg(feature = "std")]
impl<A: Layer, B: Layer, const N: usize> Add<A, B, N> {
    /// The layer's widths: the same input for both, `N` values out of each.
    const SHAPES: () = assert!(
        A::INPUT == B::INPUT && A::OUTPUT == N && B::OUTPUT == N,
        "the branches of an addition must read the same input and each give its N values"
    );

    /// Fresh parameters from a seeded generator, the first branch's drawn first.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

#[cfg(feature = "std")]
impl<A: Layer, B: Layer, const N: usize> Layer for Add<A, B, N> {
    const INPUT: usize = A::INPUT;
    const OUTPUT: usize = N;
    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const STATE: usize = A::STATE + B::STATE;
    const WIDEST: usize = super::max_width(&[A::WIDEST, B::WIDEST, N]);
    type Buffers = BranchBuffers<A::Buffers, B::Buffers>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let () = Self::SHAPES;
        let first = A::init(rng);
        Add(first, B::init(rng))
    }

    fn zeroed() -> Self {
        let () = Self::SHAPES;
        Add(A::zeroed(), B::zeroed())
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
        let (first, second) = Branches(&self.0, &self.1).forward(input, batch, b, mode);
        for ((y, f), s) in output[..N * batch].iter_mut().zip(first).zip(second) {
            *y = f + s;
        }
    }

    /// Each branch's backward pass from its own copy of the output's
    /// gradient; the input's gradient is the sum of theirs.
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
        let Backward { input, grad, grad_input, batch, buffers: b, .. } = pass;
        let (first, second) = Branches::<A, B>::grads(b, batch);
        first.copy_from_slice(&grad[..N * batch]);
        second.copy_from_slice(&grad[..N * batch]);
        Branches(&self.0, &self.1).backward(input, grad_input, batch, b, (&mut grads.0, &mut grads.1));
    }

    branches::two_branch_layer!();

    /// Both branches' operators from the same input (named `{prefix}branches.0.`
    /// and `{prefix}branches.1.`), then an `Add` of their outputs, shaped as
    /// the first branch's.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let (first, second) = Branches(&self.0, &self.1).onnx(graph, prefix, input)?;
        let second = graph.shaped(second, &first.dims)?;
        Ok(graph.node("Add", &format!("{prefix}add"), &[&first.name, &second.name], Vec::new(), &first.dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Relu, Tanh};
    use crate::layers::{testing, BatchNorm, Conv2d, Conv2dView, Dense, DenseView, Identity};

    type Conv = Conv2d<1, 3, 3, 2, 3, 3, 1, 1, true, Tanh>;
    type ConvView = Conv2dView<1, 3, 3, 2, 3, 3, 1, 1, true, Tanh>;

    /// Each branch gets the whole output's gradient and the input's
    /// gradient is the sum of the branches': a dense branch with a
    /// convolution, with the input itself, and three branches nested.
    #[test]
    fn gradients_match_finite_differences() {
        let conv = Add::<Dense<9, 18, Tanh>, Conv, 18>::seeded(1);
        testing::gradient_check(&conv, &testing::values(18, 0.3), 2, false, 1e-2, 3e-3);
        let skip = Add::<Dense<4, 4, Tanh>, Identity<4>, 4>::seeded(2);
        testing::gradient_check(&skip, &testing::values(8, 0.6), 2, false, 1e-2, 3e-3);
        let three = Add::<Dense<3, 2, Tanh>, Add<Dense<3, 2, Tanh>, Dense<3, 2, Tanh>, 2>, 2>::seeded(3);
        testing::gradient_check(&three, &testing::values(6, 0.9), 2, false, 1e-2, 3e-3);
    }

    /// The block keeps both branches' tensors, state and its updates too.
    #[test]
    fn keeps_the_contract_of_its_parts() {
        let mut block = Add::<Dense<4, 4, Relu>, BatchNorm<2, 2>, 4>::seeded(4);
        testing::check_parts(&mut block, &testing::values(8, 0.2), 2);
    }

    /// Tensors are named as a PyTorch module's `branches` list names them;
    /// a third branch nests as `branches.1.branches.1.`.
    #[test]
    fn names_its_tensors_as_pytorch_branches() {
        let block = Add::<Dense<2, 2, Relu>, Add<Identity<2>, BatchNorm<2, 1>, 2>, 2>::seeded(5);
        let names: Vec<_> = testing::tensors_of(&block).into_iter().map(|t| t.name).collect();
        let norm = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
        let expected: Vec<String> = ["branches.0.weight".to_string(), "branches.0.bias".to_string()]
            .into_iter()
            .chain(norm.iter().map(|n| format!("branches.1.branches.1.{n}")))
            .collect();
        assert_eq!(names, expected);
    }

    /// The view (the same type over the branches' views) gives the layer's
    /// output on one sample bit for bit.
    #[test]
    fn the_view_gives_the_layers_bits() {
        let block = Add::<Dense<9, 18, Tanh>, Conv, 18>::seeded(6);
        testing::view_matches_layer::<_, Add<DenseView<9, 18, Tanh>, ConvView, 18>>(&block, &testing::values(9, 0.4));
        let nested = Add::<Dense<3, 3, Relu>, Add<Identity<3>, Dense<3, 3, Tanh>, 3>, 3>::seeded(7);
        testing::view_matches_layer::<_, Add<DenseView<3, 3, Relu>, Add<Identity<3>, DenseView<3, 3, Tanh>, 3>, 3>>(
            &nested,
            &testing::values(3, 0.5),
        );
    }

    /// The ONNX form is both branches' operators from the same input, named
    /// under `branches.0.` and `branches.1.`, then an `Add`.
    #[test]
    fn exports_both_branches_then_an_add() {
        let block = Add::<Dense<4, 3, Relu>, Dense<4, 3, Tanh>, 3>::seeded(8);
        let (first, _, _) = testing::onnx_graph(&block.0, &[4]);
        let (second, _, _) = testing::onnx_graph(&block.1, &[4]);
        let (ops, constants, dims) = testing::onnx_graph(&block, &[4]);
        assert_eq!(ops, [first, second, vec!["Add".to_string()]].concat());
        assert_eq!(constants, ["branches.0.weight", "branches.0.bias", "branches.1.weight", "branches.1.bias"]);
        assert_eq!(dims, [3]);
    }

    /// The branches' products split between threads give the outputs and
    /// gradients of one thread, bit for bit.
    #[test]
    fn one_and_two_threads_agree() {
        let block = Add::<Dense<256, 128, Relu>, Dense<256, 128, Tanh>, 128>::seeded(9);
        let input = testing::values(256 * 64, 0.1);
        let one = testing::step_on_threads(&block, &input, 64, 1);
        let two = testing::step_on_threads(&block, &input, 64, 2);
        assert!(one == two, "the outputs or gradients on two threads differ from one thread's");
    }
}
