//! The block composites of `nn::layers` (`Residual`, `Add`, `Concat`,
//! `Repeat`, `Identity`) with networks declared by `network!` as their
//! bodies and branches, as the macro's blocks use them: one type is both
//! the layer and its view, its tensors are named as the matching PyTorch
//! module tree names them, and its view gives the layer's bits.

use nn::io::serialize;
use nn::layers::{Add, Concat, Identity, Mode, Repeat, Residual, Tensor, Values};
use nn::prelude::*;
use nn::rand::SeedableRng;
use nn::view::{Infer, Weights};

network! {
    /// `Sequential(Linear(8, 8), ReLU(), BatchNorm1d(8), Linear(8, 8), Tanh())`: a block's body.
    pub struct Body {
        input: 8,
        dense(8, relu),
        batch_norm,
        dense(8, tanh),
    }

    /// `Sequential(Linear(8, 4), Tanh())`: a narrower branch.
    pub struct Narrow {
        input: 8,
        dense(4, tanh),
    }
}

/// Two residual blocks: `Sequential(R(), R())` with `R.forward(x) = x + self.body(x)`.
type Stack = Repeat<Residual<Body, 8>, 2, 8>;
/// `self.branches[0](x) + self.branches[1](x)`, the second branch the input.
type Sum = Add<Body, Identity<8>, 8>;
/// `torch.cat([self.branches[0](x), self.branches[1](x)], dim=1)`.
type Joined = Concat<Narrow, Add<Narrow, Narrow, 4>, 1, 4, 4>;

/// The names of `Body`'s tensors, as its `Sequential` names them (the
/// `ReLU` is module 1).
const BODY: [&str; 9] = [
    "0.weight",
    "0.bias",
    "2.weight",
    "2.bias",
    "2.running_mean",
    "2.running_var",
    "2.num_batches_tracked",
    "3.weight",
    "3.bias",
];

fn init<L: Layer>(seed: u64) -> L {
    L::init(&mut nn::rand::rngs::StdRng::seed_from_u64(seed))
}

fn names<L: Layer>(layer: &L) -> Vec<String> {
    let mut names = Vec::new();
    layer.tensors("", &mut |t| names.push(t.name));
    names
}

/// A block's tensors are named as PyTorch names the module tree: copies by
/// index, a residual block's body under `body.`, branches under
/// `branches.i.`, a third branch nested under `branches.1.branches.j.`,
/// and a network inside by its own indices.
#[test]
fn blocks_name_their_tensors_as_pytorch_modules() {
    let stack: Vec<String> =
        ["0", "1"].iter().flat_map(|copy| BODY.iter().map(move |name| format!("{copy}.body.{name}"))).collect();
    assert_eq!(names(&init::<Stack>(1)), stack);
    let sum: Vec<String> = BODY.iter().map(|name| format!("branches.0.{name}")).collect();
    assert_eq!(names(&init::<Sum>(2)), sum);
    let joined = [
        "branches.0.0.weight",
        "branches.0.0.bias",
        "branches.1.branches.0.0.weight",
        "branches.1.branches.0.0.bias",
        "branches.1.branches.1.0.weight",
        "branches.1.branches.1.0.bias",
    ];
    assert_eq!(names(&init::<Joined>(3)), joined);
}

/// `L` on one sample from its own weights, and as its view from the bytes
/// of its tensors: the same type both times, the same bits.
fn view_agrees<L: Layer + Infer>(layer: &L, input: &[f32]) {
    let mut tensors: Vec<Tensor<'static>> = Vec::new();
    layer.tensors("", &mut |t| {
        let values = match t.values {
            Values::F32(v) => Values::F32(v.into_owned().into()),
            Values::I64(v) => Values::I64(v.into_owned().into()),
        };
        tensors.push(Tensor { name: t.name, shape: t.shape, values });
    });
    let bytes = serialize(&tensors, &[]).unwrap();
    let params = Weights::parse(&bytes).unwrap().load::<L>().unwrap();
    let mut viewed = vec![f32::NAN; <L as Infer>::OUTPUT];
    <L as Infer>::forward(&params, input, &mut viewed);
    let mut owned = vec![f32::NAN; <L as Layer>::OUTPUT];
    layer.forward_batch(input, &mut owned, 1, &mut Default::default(), &mut Mode::Inference);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&viewed), bits(&owned), "{}", std::any::type_name::<L>());
}

/// Each block's view, with networks as its bodies and branches, gives the
/// block's own output bit for bit (the batch norms' moving statistics moved
/// by a training step first).
#[test]
fn a_blocks_view_gives_its_bits() {
    let input: Vec<f32> = (0..8).map(|i| (i as f32 * 0.7).sin()).collect();
    let batch: Vec<f32> = (0..32).map(|i| (i as f32 * 0.3).cos()).collect();
    let mut stack = init::<Stack>(4);
    let mut buffers = Default::default();
    let mut output = vec![0.0; 32];
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(5);
    stack.forward_batch(&batch, &mut output, 4, &mut buffers, &mut Mode::Training(&mut rng));
    stack.update_state(&buffers);
    view_agrees(&stack, &input);
    view_agrees(&init::<Sum>(6), &input);
    view_agrees(&init::<Joined>(7), &input);
}
