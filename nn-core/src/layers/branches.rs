//! What the blocks that merge two branches share ([`Add`](super::Add),
//! [`Concat`](super::Concat)), for training: both branches run on the same
//! input into buffers that their backward passes read; each backward pass
//! runs from its own gradient, which the block writes from its output's; the
//! input's gradient is the sum of theirs; the branches' tensors lie under
//! `branches.0.` and `branches.1.`. A block keeps only how it merges the
//! outputs and shares the gradient out.

use super::{ensure_len, Backward, Data, DataMut, Layer, Mode, Part, Path};
use crate::onnx::{Graph, Value};

/// Each branch's memory, its output (which its backward pass reads) and its
/// gradient, and the second branch's gradient to the input.
#[derive(Default)]
pub struct BranchBuffers<BA, BB> {
    first: BA,
    second: BB,
    first_out: Vec<f32>,
    second_out: Vec<f32>,
    first_grad: Vec<f32>,
    second_grad: Vec<f32>,
    second_grad_input: Vec<f32>,
}

/// Two branches over one input, as a block holds them.
pub(crate) struct Branches<'l, A, B>(pub &'l A, pub &'l B);

impl<A: Layer, B: Layer> Branches<'_, A, B> {
    /// Both branches on `batch` samples of `input`: their outputs, which
    /// stay in `b` for the backward pass.
    pub fn forward<'b>(
        &self,
        input: &[f32],
        batch: usize,
        b: &'b mut BranchBuffers<A::Buffers, B::Buffers>,
        mode: &mut Mode<'_>,
    ) -> (&'b [f32], &'b [f32]) {
        let input = &input[..A::INPUT * batch];
        self.0.forward_batch(input, ensure_len(&mut b.first_out, A::OUTPUT * batch), batch, &mut b.first, mode);
        self.1.forward_batch(input, ensure_len(&mut b.second_out, B::OUTPUT * batch), batch, &mut b.second, mode);
        (&b.first_out[..A::OUTPUT * batch], &b.second_out[..B::OUTPUT * batch])
    }

    /// The two branches' gradients, for the block to write from its output's.
    pub fn grads(b: &mut BranchBuffers<A::Buffers, B::Buffers>, batch: usize) -> (&mut [f32], &mut [f32]) {
        (ensure_len(&mut b.first_grad, A::OUTPUT * batch), ensure_len(&mut b.second_grad, B::OUTPUT * batch))
    }

    /// Both backward passes from the gradients [`Branches::grads`] gave
    /// (with respect to the outputs, not pre-activations); the input's
    /// gradient, when asked, the sum of theirs.
    pub fn backward(
        &self,
        input: &[f32],
        mut grad_input: Option<&mut [f32]>,
        batch: usize,
        b: &mut BranchBuffers<A::Buffers, B::Buffers>,
        grads: (&mut A, &mut B),
    ) {
        let input = &input[..A::INPUT * batch];
        let first = Backward {
            input,
            output: &b.first_out[..A::OUTPUT * batch],
            grad: &mut b.first_grad[..A::OUTPUT * batch],
            preactivation: false,
            grad_input: grad_input.as_deref_mut(),
            batch,
            buffers: &mut b.first,
        };
        self.0.backward_batch(first, grads.0);
        let second_grad_input =
            if grad_input.is_some() { Some(ensure_len(&mut b.second_grad_input, input.len())) } else { None };
        let second = Backward {
            input,
            output: &b.second_out[..B::OUTPUT * batch],
            grad: &mut b.second_grad[..B::OUTPUT * batch],
            preactivation: false,
            grad_input: second_grad_input,
            batch,
            buffers: &mut b.second,
        };
        self.1.backward_batch(second, grads.1);
        if let Some(grad_input) = grad_input {
            let second = &b.second_grad_input[..input.len()];
            grad_input[..input.len()].iter_mut().zip(second).for_each(|(d, s)| *d += s);
        }
    }

    /// Both branches' rules: they read the same input.
    pub fn check_input(&self, input: &[f32], batch: usize) -> crate::Result<()> {
        self.0.check_input(input, batch)?;
        self.1.check_input(input, batch)
    }

    /// The first branch's tensors under `branches.0.`, then the second's
    /// under `branches.1.`.
    pub fn parts<'s>(first: &'s A, second: &'s B, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        let branches = path.named("branches");
        first.parts(&branches.module(0), visit);
        second.parts(&branches.module(1), visit);
    }

    /// Both branches' operators from the same input, named `{prefix}branches.0.`
    /// and `{prefix}branches.1.`.
    pub fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<(Value, Value)> {
        let first = self.0.onnx(graph, &format!("{prefix}branches.0."), input.clone())?;
        Ok((first, self.1.onnx(graph, &format!("{prefix}branches.1."), input)?))
    }
}

/// [`Branches::parts`], writable.
pub(crate) fn parts_mut<'s, A: Layer, B: Layer>(
    first: &'s mut A,
    second: &'s mut B,
    path: &Path<'_>,
    visit: &mut dyn FnMut(Part<'_, DataMut<'s>>),
) {
    let branches = path.named("branches");
    first.parts_mut(&branches.module(0), visit);
    second.parts_mut(&branches.module(1), visit);
}

/// Both branches' training state, from their buffers.
pub(crate) fn update_state<A: Layer, B: Layer>(
    first: &mut A,
    second: &mut B,
    buffers: &BranchBuffers<A::Buffers, B::Buffers>,
) {
    first.update_state(&buffers.first);
    second.update_state(&buffers.second);
}

/// Both branches' parameters with their gradients, the first's first.
pub(crate) fn visit_params<A: Layer, B: Layer>(
    (first, second): (&mut A, &mut B),
    grads: (&A, &B),
    visit: &mut dyn FnMut(&mut [f32], &[f32]),
) {
    first.visit_params(grads.0, visit);
    second.visit_params(grads.1, visit);
}

/// Both branches' penalties, their gradients added to `grads` when given.
pub(crate) fn penalty<A: Layer, B: Layer>(first: &A, second: &B, grads: Option<(&mut A, &mut B)>) -> f64 {
    match grads {
        Some((g0, g1)) => first.penalty(Some(g0)) + second.penalty(Some(g1)),
        None => first.penalty(None) + second.penalty(None),
    }
}

/// The `Layer` methods of a block that holds two branches as its fields `.0`
/// and `.1` and keeps [`BranchBuffers`]: both branches' input rules,
/// training state, parameters, penalties and tensors (under `branches.0.`
/// and `branches.1.`).
macro_rules! two_branch_layer {
    () => {
        /// Both branches' rules: they read the same input.
        fn check_input(&self, input: &[f32], batch: usize) -> crate::Result<()> {
            $crate::layers::branches::Branches(&self.0, &self.1).check_input(input, batch)
        }

        fn update_state(&mut self, buffers: &Self::Buffers) {
            $crate::layers::branches::update_state(&mut self.0, &mut self.1, buffers);
        }

        fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
            $crate::layers::branches::visit_params((&mut self.0, &mut self.1), (&grads.0, &grads.1), visit);
        }

        fn penalty(&self, grads: Option<&mut Self>) -> f64 {
            $crate::layers::branches::penalty(&self.0, &self.1, grads.map(|g| (&mut g.0, &mut g.1)))
        }

        /// The first branch's tensors under `branches.0.`, then the second's
        /// under `branches.1.`.
        fn parts<'s>(
            &'s self,
            path: &$crate::layers::Path<'_>,
            visit: &mut dyn FnMut($crate::layers::Part<'_, $crate::layers::Data<'s>>),
        ) {
            $crate::layers::branches::Branches::parts(&self.0, &self.1, path, visit);
        }

        fn parts_mut<'s>(
            &'s mut self,
            path: &$crate::layers::Path<'_>,
            visit: &mut dyn FnMut($crate::layers::Part<'_, $crate::layers::DataMut<'s>>),
        ) {
            $crate::layers::branches::parts_mut(&mut self.0, &mut self.1, path, visit);
        }
    };
}
pub(crate) use two_branch_layer;
