//! `Repeat`: copies of one layer, each with its own weights, run one after
//! another (a block written once and stacked). The view runs the copies'
//! views through two arrays on the stack, taken in turn.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{ensure_len, Activated, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// `COPIES` layers of type `L`, each with its own weights, the output of
/// one the input of the next: PyTorch's `nn.Sequential(*[make() for _ in
/// range(COPIES)])`. Copy `i`'s tensors are named under `i.` (`1.body.weight`
/// for the second copy of a [`Residual`](super::Residual) around a dense
/// layer), as that `Sequential` names them.
///
/// With `L` a layer it is a [`Layer`]; with `L` a view ([`Infer`]: a
/// layer's view type, or a network declared with `network!`) it is the
/// view of the stack, its parameters an array of the copies'.
///
/// # Shapes
///
/// `L::INPUT` in, `L::OUTPUT` out. With more than one copy, each copy's
/// output is the next one's input, so `L::INPUT == L::OUTPUT == N`, checked
/// when the type is used; with one copy it is `L` alone (under `0.`) and `N`
/// is not read. `COPIES` is at least 1.
///
/// ```
/// use nn_core::act::Tanh;
/// use nn_core::layers::{Dense, Layer, Mode, Repeat};
///
/// let stack = Repeat::<Dense<3, 3, Tanh>, 2, 3>([Dense::seeded(1), Dense::seeded(2)]);
/// let (x, mut out, mut between, mut by_hand) = ([0.5, -1.0, 2.0], [0.0; 3], [0.0; 3], [0.0; 3]);
/// stack.forward_batch(&x, &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// stack.0[0].forward_batch(&x, &mut between, 1, &mut Default::default(), &mut Mode::Inference);
/// stack.0[1].forward_batch(&between, &mut by_hand, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(out, by_hand);
/// assert_eq!(<Repeat<Dense<3, 3, Tanh>, 2, 3> as Layer>::PARAMS, 2 * (3 * 3 + 3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat<L, const COPIES: usize, const N: usize>(
    /// The copies, in the order they run (copy `i` under `i.`).
    pub [L; COPIES],
);

impl<L: Infer, const COPIES: usize, const N: usize> Repeat<L, COPIES, N> {
    /// The view's widths: at least one copy, and copies that chain.
    const VIEW_SHAPES: () = assert!(
        COPIES >= 1 && (COPIES == 1 || (L::INPUT == N && L::OUTPUT == N)),
        "a repeated layer needs at least one copy, and copies that take and give its N values"
    );
}

/// Copy 0 reads the input; copies in between write two arrays `[f32; N]`
/// on the stack in turn; the last writes the output.
impl<L: Infer, const COPIES: usize, const N: usize> Infer for Repeat<L, COPIES, N> {
    const INPUT: usize = L::INPUT;
    const OUTPUT: usize = L::OUTPUT;
    type Params<'a> = [L::Params<'a>; COPIES];

    /// Copy `i`'s tensors, under `i.`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, Error> {
        let () = Self::VIEW_SHAPES;
        let first = L::load(weights, &prefix.module(0)?)?;
        let mut params = [first; COPIES];
        for (i, copy) in params.iter_mut().enumerate().skip(1) {
            *copy = L::load(weights, &prefix.module(i)?)?;
        }
        Ok(params)
    }

    fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]) {
        let () = Self::VIEW_SHAPES;
        let last = COPIES - 1;
        if last == 0 {
            L::forward(&params[0], input, output);
            return;
        }
        // Copy i writes `a` when i is even, `b` when it is odd.
        let (mut a, mut b) = ([0.0f32; N], [0.0f32; N]);
        L::forward(&params[0], &input[..N], &mut a);
        for (i, copy) in params.iter().enumerate().take(last).skip(1) {
            if i % 2 == 1 {
                L::forward(copy, &a, &mut b);
            } else {
                L::forward(copy, &b, &mut a);
            }
        }
        let before_last = if (last - 1).is_multiple_of(2) { &a } else { &b };
        L::forward(&params[last], before_last, &mut output[..N]);
    }
}

#[cfg(feature = "std")]
/// Each copy's memory, the values between copies (which the backward pass
/// reads), and two gradients taken in turn on the way back.
pub struct RepeatBuffers<LB> {
    copies: Vec<LB>,
    between: Vec<f32>,
    grads: [Vec<f32>; 2],
}

#[cfg(feature = "std")]
impl<LB> Default for RepeatBuffers<LB> {
    fn default() -> Self {
        RepeatBuffers { copies: Vec::new(), between: Vec::new(), grads: [Vec::new(), Vec::new()] }
    }
}

#[cfg(feature = "std")]
impl<L: Layer, const COPIES: usize, const N: usize> Repeat<L, COPIES, N> {
    /// The layer's widths: at least one copy, and copies that chain.
    const SHAPES: () = assert!(
        COPIES >= 1 && (COPIES == 1 || (L::INPUT == N && L::OUTPUT == N)),
        "a repeated layer needs at least one copy, and copies that take and give its N values"
    );

    /// Fresh parameters from a seeded generator, copy 0's drawn first.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }
}

#[cfg(feature = "std")]
/// The block's output is its last copy's, so its last activation is the
/// layer's: a loss fused with it reaches the last copy (`preactivation`).
impl<L: Activated, const COPIES: usize, const N: usize> Activated for Repeat<L, COPIES, N> {
    type Activation = L::Activation;
    const GROUP: usize = L::GROUP;
}

#[cfg(feature = "std")]
impl<L: Layer, const COPIES: usize, const N: usize> Layer for Repeat<L, COPIES, N> {
    const INPUT: usize = L::INPUT;
    const OUTPUT: usize = L::OUTPUT;
    const PARAMS: usize = COPIES * L::PARAMS;
    const STATE: usize = COPIES * L::STATE;
    const WIDEST: usize = L::WIDEST;
    type Buffers = RepeatBuffers<L::Buffers>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let () = Self::SHAPES;
        Repeat(core::array::from_fn(|_| L::init(rng)))
    }

    fn zeroed() -> Self {
        let () = Self::SHAPES;
        Repeat(core::array::from_fn(|_| L::zeroed()))
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
        if b.copies.len() < COPIES {
            b.copies.resize_with(COPIES, Default::default);
        }
        if COPIES == 1 {
            self.0[0].forward_batch(input, output, batch, &mut b.copies[0], mode);
            return;
        }
        let len = N * batch;
        let between = ensure_len(&mut b.between, (COPIES - 1) * len);
        for (i, (copy, buffers)) in self.0.iter().zip(b.copies.iter_mut()).enumerate() {
            // `done` holds the outputs of copies 0..i; `rest` the others'.
            let (done, rest) = between.split_at_mut(i * len);
            let x = if i == 0 { &input[..len] } else { &done[(i - 1) * len..] };
            let y = if i == COPIES - 1 { &mut output[..len] } else { &mut rest[..len] };
            copy.forward_batch(x, y, batch, buffers, mode);
        }
    }

    /// Each copy's backward pass, the last first (given `preactivation`, as
    /// the block's activation is its), the gradient to one copy's input the
    /// next one back's output gradient.
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
        let Backward { input, output, grad, preactivation, grad_input, batch, buffers } = pass;
        let RepeatBuffers { copies, between, grads: [current, next] } = buffers;
        if COPIES == 1 {
            let pass = Backward { input, output, grad, preactivation, grad_input, batch, buffers: &mut copies[0] };
            self.0[0].backward_batch(pass, &mut grads.0[0]);
            return;
        }
        let (len, last) = (N * batch, COPIES - 1);
        let between = &between[..last * len];
        let value = |i: usize| &between[i * len..(i + 1) * len];
        let (mut current, mut next) = (ensure_len(current, len), ensure_len(next, len));
        let pass = Backward {
            input: value(last - 1),
            output: &output[..len],
            grad: &mut grad[..len],
            preactivation,
            grad_input: Some(&mut *current),
            batch,
            buffers: &mut copies[last],
        };
        self.0[last].backward_batch(pass, &mut grads.0[last]);
        for i in (1..last).rev() {
            let pass = Backward {
                input: value(i - 1),
                output: value(i),
                grad: &mut *current,
                preactivation: false,
                grad_input: Some(&mut *next),
                batch,
                buffers: &mut copies[i],
            };
            self.0[i].backward_batch(pass, &mut grads.0[i]);
            core::mem::swap(&mut current, &mut next);
        }
        let pass = Backward {
            input: &input[..len],
            output: value(0),
            grad: current,
            preactivation: false,
            grad_input,
            batch,
            buffers: &mut copies[0],
        };
        self.0[0].backward_batch(pass, &mut grads.0[0]);
    }

    /// The first copy's rules: it reads the block's input.
    fn check_input(&self, input: &[f32], batch: usize) -> crate::Result<()> {
        self.0[0].check_input(input, batch)
    }

    fn update_state(&mut self, buffers: &Self::Buffers) {
        for (copy, buffers) in self.0.iter_mut().zip(&buffers.copies) {
            copy.update_state(buffers);
        }
    }

    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
        for (copy, grads) in self.0.iter_mut().zip(&grads.0) {
            copy.visit_params(grads, visit);
        }
    }

    fn penalty(&self, grads: Option<&mut Self>) -> f64 {
        match grads {
            None => self.0.iter().map(|copy| copy.penalty(None)).sum(),
            Some(grads) => self.0.iter().zip(grads.0.iter_mut()).map(|(copy, g)| copy.penalty(Some(g))).sum(),
        }
    }

    /// Copy `i`'s tensors under `i.`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        for (i, copy) in self.0.iter().enumerate() {
            copy.parts(&path.module(i), visit);
        }
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        for (i, copy) in self.0.iter_mut().enumerate() {
            copy.parts_mut(&path.module(i), visit);
        }
    }

    /// The copies' operators chained, copy `i`'s named `{prefix}i.`.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let mut x = input;
        for (i, copy) in self.0.iter().enumerate() {
            x = copy.onnx(graph, &format!("{prefix}{i}."), x)?;
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Relu, Tanh};
    use crate::layers::{testing, Add, BatchNorm, BatchNormView, Dense, DenseView, Identity, Residual};

    /// Each copy's parameters get their own gradients and the input's
    /// gradient passes back through every copy: three dense copies, three
    /// batch norms in training mode, and residual blocks stacked (a
    /// composite inside a composite).
    #[test]
    fn gradients_match_finite_differences() {
        let dense = Repeat::<Dense<3, 3, Tanh>, 3, 3>::seeded(1);
        testing::gradient_check(&dense, &testing::values(6, 0.2), 2, false, 1e-2, 3e-3);
        let mut norms = Repeat::<BatchNorm<2, 2>, 3, 4>::seeded(2);
        for (k, norm) in norms.0.iter_mut().enumerate() {
            norm.weight = testing::values(2, 0.3 + k as f32);
        }
        testing::gradient_check(&norms, &testing::values(12, 0.4), 3, true, 1e-2, 5e-3);
        let residual = Repeat::<Residual<Dense<3, 3, Tanh>, 3>, 3, 3>::seeded(3);
        testing::gradient_check(&residual, &testing::values(6, 0.5), 2, false, 1e-2, 3e-3);
        let branches = Repeat::<Add<Dense<3, 3, Tanh>, Identity<3>, 3>, 2, 3>::seeded(4);
        testing::gradient_check(&branches, &testing::values(6, 0.6), 2, false, 1e-2, 3e-3);
    }

    /// Every copy keeps its tensors, and each copy's state is updated.
    #[test]
    fn keeps_the_contract_of_its_parts() {
        let mut norms = Repeat::<BatchNorm<2, 2>, 3, 4>::seeded(5);
        testing::check_parts(&mut norms, &testing::values(8, 0.7), 2);
        let before: Vec<f32> = norms.0.iter().map(|n| n.running_mean[0]).collect();
        let (_, buffers) = testing::forward(&norms, &testing::values(8, 0.8), 2, true);
        norms.update_state(&buffers);
        for (k, norm) in norms.0.iter().enumerate() {
            assert_ne!(norm.running_mean[0], before[k], "copy {k}'s statistics were not updated");
        }
    }

    /// Copy `i`'s tensors are named under `i.`, a nested block's under its
    /// own names, as `nn.Sequential` of residual modules names them.
    #[test]
    fn names_each_copy_by_its_index() {
        let stack = Repeat::<Residual<Dense<2, 2, Relu>, 2>, 2, 2>::seeded(6);
        let names: Vec<_> = testing::tensors_of(&stack).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["0.body.weight", "0.body.bias", "1.body.weight", "1.body.bias"]);
    }

    /// With one copy the block is its layer (any widths), under `0.`.
    #[test]
    fn one_copy_is_the_layer_itself() {
        let one = Repeat::<Dense<4, 2, Relu>, 1, 2>::seeded(7);
        let x = testing::values(8, 0.9);
        assert_eq!(testing::forward(&one, &x, 2, false).0, testing::forward(&one.0[0], &x, 2, false).0);
        let names: Vec<_> = testing::tensors_of(&one).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["0.weight", "0.bias"]);
        testing::gradient_check(&one, &x, 2, false, 1e-2, 3e-3);
    }

    /// The view (the same type over the copies' views, its values between
    /// copies in two stack arrays) gives the layer's output bit for bit,
    /// for an odd and an even number of copies and for one.
    #[test]
    fn the_view_gives_the_layers_bits() {
        let x = testing::values(4, 0.1);
        let three = Repeat::<Dense<4, 4, Tanh>, 3, 4>::seeded(8);
        testing::view_matches_layer::<_, Repeat<DenseView<4, 4, Tanh>, 3, 4>>(&three, &x);
        let four = Repeat::<Residual<Dense<4, 4, Tanh>, 4>, 4, 4>::seeded(9);
        testing::view_matches_layer::<_, Repeat<Residual<DenseView<4, 4, Tanh>, 4>, 4, 4>>(&four, &x);
        let one = Repeat::<Dense<4, 2, Relu>, 1, 2>::seeded(10);
        testing::view_matches_layer::<_, Repeat<DenseView<4, 2, Relu>, 1, 2>>(&one, &x);
        let mut norms = Repeat::<BatchNorm<2, 2>, 2, 4>::seeded(11);
        norms.0[1].running_mean = vec![0.5, -0.25];
        testing::view_matches_layer::<_, Repeat<BatchNormView<2, 2, { 1e-3f32.to_bits() }>, 2, 4>>(&norms, &x);
    }

    /// The ONNX form is the copies' operators one after another, copy `i`'s
    /// constants named under `i.`.
    #[test]
    fn exports_the_copies_chained() {
        let stack = Repeat::<Dense<3, 3, Tanh>, 3, 3>::seeded(12);
        let (one, _, _) = testing::onnx_graph(&stack.0[0], &[3]);
        let (ops, constants, dims) = testing::onnx_graph(&stack, &[3]);
        assert_eq!(ops, [one.clone(), one.clone(), one].concat());
        assert_eq!(constants, ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
        assert_eq!(dims, [3]);
    }

    /// A gradient with respect to the values before the last activation
    /// (a loss fused with it) goes to the last copy as such: the block's
    /// gradients are those of its copies run by hand, the last one told so.
    #[test]
    fn a_fused_loss_reaches_the_last_copy() {
        let stack = Repeat::<Dense<3, 3, Tanh>, 2, 3>::seeded(13);
        let x = testing::values(6, 0.3);
        let g = testing::values(6, 0.8);
        let run = |layer: &Repeat<Dense<3, 3, Tanh>, 2, 3>| {
            let (out, mut buffers) = testing::forward(layer, &x, 2, false);
            let (mut grad, mut grads, mut grad_input) = (g.clone(), Repeat::zeroed(), vec![0.0; 6]);
            let pass = Backward {
                input: &x,
                output: &out,
                grad: &mut grad,
                preactivation: true,
                grad_input: Some(&mut grad_input),
                batch: 2,
                buffers: &mut buffers,
            };
            layer.backward_batch(pass, &mut grads);
            (grads, grad_input)
        };
        let (grads, grad_input) = run(&stack);
        let (between, mut first_buffers) = testing::forward(&stack.0[0], &x, 2, false);
        let (out, mut last_buffers) = testing::forward(&stack.0[1], &between, 2, false);
        let (mut grad, mut last_grads, mut to_between) = (g.clone(), Dense::zeroed(), vec![0.0; 6]);
        let pass = Backward {
            input: &between,
            output: &out,
            grad: &mut grad,
            preactivation: true,
            grad_input: Some(&mut to_between),
            batch: 2,
            buffers: &mut last_buffers,
        };
        stack.0[1].backward_batch(pass, &mut last_grads);
        let (first_grads, by_hand) = testing::backward(&stack.0[0], &x, &between, to_between, 2, &mut first_buffers);
        let values = |layer: &Dense<3, 3, Tanh>| testing::tensors_of(layer);
        assert_eq!(values(&grads.0[1]), values(&last_grads));
        assert_eq!(values(&grads.0[0]), values(&first_grads));
        assert_eq!(grad_input, by_hand);
        assert_eq!(<Repeat<Dense<3, 3, Tanh>, 2, 3> as Activated>::GROUP, 3);
    }
}
