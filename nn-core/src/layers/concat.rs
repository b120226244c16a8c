//! `Concat`: two branches that read the same input, their outputs joined
//! (a block's branches merged by concatenation: channels of images,
//! features of each step of a sequence, or vectors). The view runs the
//! branches' views into two arrays on the stack and joins them, as the
//! layer joins its branches' outputs.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::branches::{self, BranchBuffers, Branches},
    super::{Backward, Layer, Mode},
    crate::onnx::{Attr, Graph, Value},
    rand::Rng,
};

/// One sample's output: `steps` chunks, each `first`'s next share
/// (`first.len() / steps` values) then `second`'s.
fn join(first: &[f32], second: &[f32], output: &mut [f32], steps: usize) {
    let (a, b) = (first.len() / steps, second.len() / steps);
    let chunks = output.chunks_exact_mut(a + b).zip(first.chunks_exact(a)).zip(second.chunks_exact(b));
    for ((chunk, x), y) in chunks {
        chunk[..a].copy_from_slice(&x[..a]);
        chunk[a..].copy_from_slice(&y[..b]);
    }
}

/// The inverse of [`join`]: one sample's output gradient split into the
/// two branches' shares.
#[cfg(feature = "std")]
fn split(joined: &[f32], first: &mut [f32], second: &mut [f32], steps: usize) {
    let (a, b) = (first.len() / steps, second.len() / steps);
    let chunks = joined.chunks_exact(a + b).zip(first.chunks_exact_mut(a)).zip(second.chunks_exact_mut(b));
    for ((chunk, x), y) in chunks {
        x[..a].copy_from_slice(&chunk[..a]);
        y[..b].copy_from_slice(&chunk[a..]);
    }
}

/// Two branches over the same input, their outputs joined: per sample,
/// `STEPS` chunks, each the next `NA / STEPS` values of `A`'s output then
/// the next `NB / STEPS` of `B`'s. With `STEPS = 1` that is `A`'s output
/// then `B`'s: vectors joined, or images `[CA, H, W]` and `[CB, H, W]`
/// joined along the channels into `[CA + CB, H, W]`. With `STEPS = T`,
/// sequences `[T, FA]` and `[T, FB]` joined per step into `[T, FA + FB]`.
///
/// PyTorch's equivalent is a module holding `self.branches =
/// nn.ModuleList([a, b])` whose forward is `torch.cat([self.branches[0](x),
/// self.branches[1](x)], dim=1)` (`dim=2` for batch-first sequences); the
/// tensors are named as it names them, `branches.0.` and `branches.1.`.
/// More than two branches nest to the right, as [`Add`](super::Add)'s do:
/// `Concat<B0, Concat<B1, B2, ..>, ..>`, `B1`'s tensors under
/// `branches.1.branches.0.`.
///
/// With `A` and `B` layers it is a [`Layer`]; with `A` and `B` views
/// ([`Infer`]) it is the block's view, its parameters the pair of the
/// branches'.
///
/// # Shapes
///
/// `A::INPUT == B::INPUT` values in; `NA + NB` out. `A::OUTPUT == NA`,
/// `B::OUTPUT == NB`, neither 0, `STEPS` at least 1 and dividing both, checked when
/// the type is used.
///
/// ```
/// use nn_core::act::{Relu, Tanh};
/// use nn_core::layers::{Concat, Dense, Identity, Layer, Mode};
///
/// // Vectors: the dense layer's 2 values, then the input's 3.
/// let block = Concat::<Dense<3, 2, Tanh>, Identity<3>, 1, 2, 3>(Dense::seeded(1), Identity);
/// let (x, mut out, mut first) = ([0.5, -1.0, 2.0], [0.0; 5], [0.0; 2]);
/// block.forward_batch(&x, &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// block.0.forward_batch(&x, &mut first, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(out, [first[0], first[1], 0.5, -1.0, 2.0]);
///
/// // A sequence of 4 steps of 2 features: each step's 2 then its 2 again.
/// let steps = Concat::<Identity<8>, Identity<8>, 4, 8, 8>(Identity, Identity);
/// let mut joined = [0.0; 16];
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
/// steps.forward_batch(&x, &mut joined, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(joined[..8], [1.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 4.0]);
/// # let _ = <Concat<Dense<3, 2, Relu>, Identity<3>, 1, 2, 3> as Layer>::OUTPUT;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Concat<A, B, const STEPS: usize, const NA: usize, const NB: usize>(
    /// The first branch (`branches.0`), its values first in each chunk.
    pub A,
    /// The second branch (`branches.1`).
    pub B,
);

impl<A: Infer, B: Infer, const STEPS: usize, const NA: usize, const NB: usize> Concat<A, B, STEPS, NA, NB> {
    /// The view's widths: the same input for both, `NA` and `NB` out, in
    /// `STEPS` equal chunks.
    const VIEW_SHAPES: () = assert!(
        A::INPUT == B::INPUT
            && NA > 0
            && NB > 0
            && A::OUTPUT == NA
            && B::OUTPUT == NB
            && STEPS >= 1
            && NA.is_multiple_of(STEPS)
            && NB.is_multiple_of(STEPS),
        "the branches of a concatenation must read the same input and give NA and NB values (neither 0), in STEPS equal steps"
    );
}

/// Each branch's view into an array on the stack, `[f32; NA]` and
/// `[f32; NB]`, then joined into the output.
impl<A: Infer, B: Infer, const STEPS: usize, const NA: usize, const NB: usize> Infer for Concat<A, B, STEPS, NA, NB> {
    const INPUT: usize = A::INPUT;
    const OUTPUT: usize = NA + NB;
    type Params<'a> = (A::Params<'a>, B::Params<'a>);

    /// Each branch's tensors, under `branches.0.` and `branches.1.`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, Error> {
        let () = Self::VIEW_SHAPES;
        let branches = prefix.named("branches")?;
        Ok((A::load(weights, &branches.module(0)?)?, B::load(weights, &branches.module(1)?)?))
    }

    fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]) {
        let () = Self::VIEW_SHAPES;
        let input = &input[..A::INPUT];
        let (mut first, mut second) = ([0.0f32; NA], [0.0f32; NB]);
        A::forward(&params.0, input, &mut first);
        B::forward(&params.1, input, &mut second);
        join(&first, &second, &mut output[..NA + NB], STEPS);
    }
}

#[cfg(feature = "std")]
impl<A: Layer, B: Layer, const STEPS: usize, const NA: usize, const NB: usize> Concat<A, B, STEPS, NA, NB> {
    /// The layer's widths: the same input for both, `NA` and `NB` out, in
    /// `STEPS` equal chunks.
    const SHAPES: () = assert!(
        A::INPUT == B::INPUT
            && NA > 0
            && NB > 0
            && A::OUTPUT == NA
            && B::OUTPUT == NB
            && STEPS >= 1
            && NA.is_multiple_of(STEPS)
            && NB.is_multiple_of(STEPS),
        "the branches of a concatenation must read the same input and give NA and NB values (neither 0), in STEPS equal steps"
    );

    /// Fresh parameters from a seeded generator, the first branch's drawn first.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

#[cfg(feature = "std")]
impl<A: Layer, B: Layer, const STEPS: usize, const NA: usize, const NB: usize> Layer for Concat<A, B, STEPS, NA, NB> {
    const INPUT: usize = A::INPUT;
    const OUTPUT: usize = NA + NB;
    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const STATE: usize = A::STATE + B::STATE;
    const WIDEST: usize = super::max_width(&[A::WIDEST, B::WIDEST, NA + NB]);
    type Buffers = BranchBuffers<A::Buffers, B::Buffers>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let () = Self::SHAPES;
        let first = A::init(rng);
        Concat(first, B::init(rng))
    }

    fn zeroed() -> Self {
        let () = Self::SHAPES;
        Concat(A::zeroed(), B::zeroed())
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
        for (n, out) in output[..(NA + NB) * batch].chunks_exact_mut(NA + NB).enumerate() {
            join(&first[n * NA..(n + 1) * NA], &second[n * NB..(n + 1) * NB], out, STEPS);
        }
    }

    /// Each branch's backward pass from its share of the output's
    /// gradient; the input's gradient is the sum of theirs.
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
        let Backward { input, grad, grad_input, batch, buffers: b, .. } = pass;
        let (first_grad, second_grad) = Branches::<A, B>::grads(b, batch);
        for (n, joined) in grad[..(NA + NB) * batch].chunks_exact(NA + NB).enumerate() {
            let (first, second) = (&mut first_grad[n * NA..(n + 1) * NA], &mut second_grad[n * NB..(n + 1) * NB]);
            split(joined, first, second, STEPS);
        }
        Branches(&self.0, &self.1).backward(input, grad_input, batch, b, (&mut grads.0, &mut grads.1));
    }

    branches::two_branch_layer!();

    /// Both branches' operators from the same input (named `{prefix}branches.0.`
    /// and `{prefix}branches.1.`), then a `Concat`: along axis 2 of
    /// sequences `[N, T, F]` when `STEPS > 1`; along axis 1 otherwise, of
    /// the branches' shapes when they differ only in their first dimension
    /// (`[N, C, H, W]` or `[N, F]`), else of both flattened.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let (first, second) = Branches(&self.0, &self.1).onnx(graph, prefix, input)?;
        let (first, second, axis, dims) = if STEPS > 1 {
            let first = graph.shaped(first, &[STEPS, NA / STEPS])?;
            let second = graph.shaped(second, &[STEPS, NB / STEPS])?;
            (first, second, 2, vec![STEPS, (NA + NB) / STEPS])
        } else if !first.dims.is_empty() && first.dims.len() == second.dims.len() && first.dims[1..] == second.dims[1..]
        {
            let mut dims = first.dims.clone();
            dims[0] += second.dims[0];
            (first, second, 1, dims)
        } else {
            (graph.shaped(first, &[NA])?, graph.shaped(second, &[NB])?, 1, vec![NA + NB])
        };
        let inputs = [first.name.as_str(), second.name.as_str()];
        Ok(graph.node("Concat", &format!("{prefix}concat"), &inputs, vec![("axis", Attr::Int(axis))], &dims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Relu, Tanh};
    use crate::layers::{testing, BatchNorm, Conv2d, Dense, DenseView, Identity, PerStep, PerStepView};

    type Steps = Concat<PerStep<Dense<2, 3, Tanh>, 4>, PerStep<Dense<2, 1, Tanh>, 4>, 4, 12, 4>;

    /// Each branch gets its share of the output's gradient and the input's
    /// gradient is the sum of the branches': vectors, sequences joined per
    /// step, and three branches nested.
    #[test]
    fn gradients_match_finite_differences() {
        let vectors = Concat::<Dense<3, 2, Tanh>, Dense<3, 4, Tanh>, 1, 2, 4>::seeded(1);
        testing::gradient_check(&vectors, &testing::values(6, 0.2), 2, false, 1e-2, 3e-3);
        testing::gradient_check(&Steps::seeded(2), &testing::values(16, 0.3), 2, false, 1e-2, 3e-3);
        let three = Concat::<Dense<3, 2, Tanh>, Concat<Identity<3>, Dense<3, 1, Tanh>, 1, 3, 1>, 1, 2, 4>::seeded(3);
        testing::gradient_check(&three, &testing::values(6, 0.4), 2, false, 1e-2, 3e-3);
    }

    /// Step `t` of the output is the first branch's step `t`, then the
    /// second's; with one step, the first branch's values, then the second's.
    #[test]
    fn joins_each_step_of_the_branches() {
        let block = Steps::seeded(4);
        let x = testing::values(16, 0.5);
        let (out, _) = testing::forward(&block, &x, 2, false);
        let (first, _) = testing::forward(&block.0, &x, 2, false);
        let (second, _) = testing::forward(&block.1, &x, 2, false);
        for n in 0..2 {
            for t in 0..4 {
                let step = &out[n * 16 + t * 4..n * 16 + (t + 1) * 4];
                assert_eq!(step[..3], first[n * 12 + t * 3..n * 12 + (t + 1) * 3], "sample {n}, step {t}");
                assert_eq!(step[3], second[n * 4 + t], "sample {n}, step {t}");
            }
        }
        let vectors = Concat::<Dense<3, 2, Tanh>, Identity<3>, 1, 2, 3>::seeded(5);
        let (out, _) = testing::forward(&vectors, &x[..6], 2, false);
        let (first, _) = testing::forward(&vectors.0, &x[..6], 2, false);
        assert_eq!(out, [&first[..2], &x[..3], &first[2..], &x[3..6]].concat());
    }

    /// The block keeps both branches' tensors under `branches.0.` and
    /// `branches.1.`, state and its updates too.
    #[test]
    fn keeps_the_contract_of_its_parts() {
        let mut block = Concat::<Dense<4, 2, Relu>, BatchNorm<2, 2>, 1, 2, 4>::seeded(6);
        testing::check_parts(&mut block, &testing::values(8, 0.6), 2);
        let names: Vec<_> = testing::tensors_of(&block).into_iter().map(|t| t.name).collect();
        assert_eq!(names[..3], ["branches.0.weight", "branches.0.bias", "branches.1.weight"]);
    }

    /// The view (the same type over the branches' views) gives the layer's
    /// output on one sample bit for bit, for vectors and sequences.
    #[test]
    fn the_view_gives_the_layers_bits() {
        let vectors = Concat::<Dense<3, 2, Tanh>, Dense<3, 4, Relu>, 1, 2, 4>::seeded(7);
        type VectorsView = Concat<DenseView<3, 2, Tanh>, DenseView<3, 4, Relu>, 1, 2, 4>;
        testing::view_matches_layer::<_, VectorsView>(&vectors, &testing::values(3, 0.7));
        type StepsView = Concat<PerStepView<DenseView<2, 3, Tanh>, 4>, PerStepView<DenseView<2, 1, Tanh>, 4>, 4, 12, 4>;
        testing::view_matches_layer::<_, StepsView>(&Steps::seeded(8), &testing::values(8, 0.8));
    }

    /// The axis of the ONNX `Concat`: 1 for images (channels) and vectors,
    /// 2 for sequences (features), after both branches' operators.
    #[test]
    fn exports_both_branches_then_a_concat_on_the_right_axis() {
        let axis_and_dims = |ops: &[String], dims: Vec<usize>, layer: &dyn Fn(&mut Graph) -> Value| {
            let mut graph = Graph::new();
            let output = layer(&mut graph);
            assert_eq!(output.dims, dims);
            let model = graph.into_model("test", &Value { name: "input".into(), dims: vec![] }, output);
            let nodes = model.graph.unwrap().node;
            assert_eq!(nodes.iter().filter_map(|n| n.op_type.clone()).collect::<Vec<_>>(), ops);
            let concat = nodes.last().unwrap();
            concat.attribute.iter().find(|a| a.name.as_deref() == Some("axis")).and_then(|a| a.i).unwrap()
        };
        let concat = |before: Vec<String>| [before, vec!["Concat".to_string()]].concat();

        type Image = Conv2d<2, 3, 3, 2, 3, 3, 1, 1, true, Relu>;
        let images = Concat::<Image, Identity<18>, 1, 18, 18>::seeded(9);
        let (conv, _, _) = testing::onnx_graph(&images.0, &[2, 3, 3]);
        let input = Value { name: "input".into(), dims: vec![2, 3, 3] };
        let axis = axis_and_dims(&concat(conv), vec![4, 3, 3], &|g| images.onnx(g, "", input.clone()).unwrap());
        assert_eq!(axis, 1);

        let vectors = Concat::<Dense<3, 2, Tanh>, Identity<3>, 1, 2, 3>::seeded(10);
        let (dense, _, _) = testing::onnx_graph(&vectors.0, &[3]);
        let input = Value { name: "input".into(), dims: vec![3] };
        let axis = axis_and_dims(&concat(dense), vec![5], &|g| vectors.onnx(g, "", input.clone()).unwrap());
        assert_eq!(axis, 1);

        let steps = Steps::seeded(11);
        let (first, _, _) = testing::onnx_graph(&steps.0, &[4, 2]);
        let (second, constants, _) = testing::onnx_graph(&steps.1, &[4, 2]);
        let input = Value { name: "input".into(), dims: vec![4, 2] };
        let axis = axis_and_dims(&concat([first, second].concat()), vec![4, 4], &|g| {
            steps.onnx(g, "", input.clone()).unwrap()
        });
        assert_eq!(axis, 2);
        let (_, names, _) = testing::onnx_graph(&steps, &[4, 2]);
        assert_eq!(names[names.len() - constants.len()..], ["branches.1.weight", "branches.1.bias"]);
    }
}
