//! A training step allocates nothing once its buffers exist, and a view
//! (a network run from weight bytes where they lie) allocates nothing at
//! all: the counting allocator below sees every heap allocation of this test
//! binary.
//!
//! The binary has no test harness (`harness = false` in Cargo.toml): the
//! harness's own thread allocates while the first test starts, which the
//! global count would see.

use nn::prelude::*;
use nn::train::TrainStep;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

network! {
    struct Hidden { input: 784, dense(128, relu) }

    struct Mnist {
        input: 784,
        net(Hidden),
        dense(64, tanh),
        dense(10, softmax),
    }
}

network! {
    /// Every image layer, batch norm's training state and dropout's draws;
    /// the first convolution large enough to share its samples between threads.
    struct Cnn {
        input: [1, 28, 28],
        conv2d(16, 3, relu, padding = same),
        batch_norm,
        maxpool2d(2),
        conv2d(6, (3, 2), gelu),
        avgpool2d(2, padding = same),
        dropout(0.2),
        flatten,
        dense(10, softmax),
    }
}

network! {
    /// Every recurrent layer, both directions, a dense layer on every step.
    struct Sequences {
        input: [28, 28],
        bidirectional(gru(8, return_sequences = true)),
        dense(4, relu),
        simple_rnn(6, return_sequences = true),
        lstm(16),
        dense(10, softmax),
    }
}

network! {
    /// The keras-io MNIST CNN, whose trained weights `embedded/mnist` embeds.
    struct MnistCnn {
        input: [1, 28, 28],
        conv2d(32, 3, relu),
        maxpool2d(2),
        conv2d(64, 3, relu),
        maxpool2d(2),
        flatten,
        dropout(0.5),
        dense(10, softmax),
    }
}

network! {
    /// The layers blocks are made of: convolutions without bias, activations
    /// standing alone (GELU's derivative reads its input), a reshape, layer
    /// norm on each step and on a vector, a softmax layer fused with the loss.
    struct Blocks {
        input: [1, 28, 28],
        conv2d(8, 3, stride = 2, use_bias = false),
        batch_norm,
        relu,
        conv2d(4, 3, use_bias = false),
        gelu,
        reshape([4, 121]),
        layer_norm,
        flatten,
        dense(16, use_bias = false),
        layer_norm(epsilon = 1e-3),
        tanh,
        dense(10),
        softmax,
    }
}

network! {
    /// Blocks: a residual body with batch norm, branches summed with a
    /// projection, repeated copies.
    struct Residuals {
        input: [1, 28, 28],
        conv2d(4, 3, stride = 2, padding = same, use_bias = false),
        repeat(2) { residual { conv2d(4, 3, padding = same), batch_norm, relu } },
        add { [conv2d(8, 3, stride = 2, padding = same), relu], [conv2d(8, 1, stride = 2)] },
        global_avgpool2d,
        dense(10, softmax),
    }
}

/// The weights of `embedded/mnist`, embedded here too.
static MNIST_CNN: &[u8] = nn::include_weights!("../embedded/mnist/mnist_cnn.safetensors");

/// Allocations made by 9 training steps (3 epochs of 32 + 32 + 6 samples)
/// after a warm-up step on a full batch.
fn allocations_after_warm_up<N, L, Opt, const I: usize>(
    net: &mut N,
    data: &Dataset<I, 10>,
    loss: L,
    mut optimizer: Opt,
) -> usize
where
    N: Layer + nn::layers::Activated,
    L: nn::loss::Loss<N::Activation>,
    Opt: nn::optim::Optimizer,
{
    let mut step = TrainStep::<N, I, 10>::new(32, 0);
    let order: Vec<usize> = (0..data.len()).rev().collect();

    // Warm-up: the first full batch sizes every buffer and the optimiser's state.
    step.run(net, data, &order[..32], &loss, &mut optimizer).unwrap();

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for epoch in 0..3 {
        let mut loss_sum = 0.0;
        for indices in order.chunks(32) {
            loss_sum += step.run(net, data, indices, &loss, &mut optimizer).unwrap().loss_sum;
        }
        assert!(loss_sum.is_finite(), "epoch {epoch}");
    }
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

fn main() {
    a_view_allocates_nothing_not_even_the_first_time();
    println!("a view from embedded weights and its forward passes allocate nothing: ok");
    a_training_step_after_warm_up_allocates_nothing();
    println!("a training step after warm-up allocates nothing: ok");
    a_single_forward_pass_allocates_only_the_first_time();
    println!("a single-sample forward pass allocates only on its first call: ok");
    blocks_allocate_nothing_after_their_first_step();
    println!("blocks' training passes after the first and their views allocate nothing: ok");
}

/// Residual blocks stacked, branches added and joined (batch norm's
/// statistics, dense layers on every step).
type Stacked = nn::layers::Repeat<
    nn::layers::Residual<nn::layers::Add<nn::layers::Dense<16, 16, Tanh>, nn::layers::BatchNorm<16, 1>, 16>, 16>,
    3,
    16,
>;
type Joined =
    nn::layers::Concat<nn::layers::PerStep<nn::layers::Dense<4, 2, Relu>, 4>, nn::layers::Identity<16>, 4, 8, 16>;
type StackedView = nn::layers::Repeat<
    nn::layers::Residual<
        nn::layers::Add<nn::view::DenseView<16, 16, Tanh>, nn::view::BatchNormView<16, 1, { 1e-3f32.to_bits() }>, 16>,
        16,
    >,
    3,
    16,
>;
type JoinedView =
    nn::layers::Concat<nn::view::PerStepView<nn::view::DenseView<4, 2, Relu>, 4>, nn::layers::Identity<16>, 4, 8, 16>;

/// Allocations of training passes (forward, state update, backward) of
/// `block` on batches of 8 and 3 after one on 8 has grown its buffers.
fn block_allocations_after_warm_up<L: Layer>(block: &mut L) -> usize {
    use nn::rand::SeedableRng;
    let input: Vec<f32> = (0..L::INPUT * 8).map(|i| (i as f32 * 0.37).sin()).collect();
    let (mut output, mut grad, mut grad_input) =
        (vec![0.0; L::OUTPUT * 8], vec![0.0; L::OUTPUT * 8], vec![0.0; L::INPUT * 8]);
    let (mut grads, mut buffers) = (L::zeroed(), L::Buffers::default());
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(1);
    let mut before = ALLOCATIONS.load(Ordering::SeqCst);
    for (round, batch) in [8, 8, 3, 8].into_iter().enumerate() {
        if round == 1 {
            before = ALLOCATIONS.load(Ordering::SeqCst);
        }
        let (n_in, n_out) = (L::INPUT * batch, L::OUTPUT * batch);
        block.forward_batch(
            &input[..n_in],
            &mut output[..n_out],
            batch,
            &mut buffers,
            &mut nn::layers::Mode::Training(&mut rng),
        );
        block.update_state(&buffers);
        grad[..n_out].fill(0.5);
        let pass = nn::layers::Backward {
            input: &input[..n_in],
            output: &output[..n_out],
            grad: &mut grad[..n_out],
            preactivation: false,
            grad_input: Some(&mut grad_input[..n_in]),
            batch,
            buffers: &mut buffers,
        };
        block.backward_batch(pass, &mut grads);
    }
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// The bytes of `layer`'s tensors, as a weight file holds them.
fn blob<L: Layer>(layer: &L) -> Vec<u8> {
    let mut tensors = Vec::new();
    layer.tensors("", &mut |t| {
        let values = match t.values {
            nn::layers::Values::F32(v) => nn::layers::Values::F32(v.into_owned().into()),
            nn::layers::Values::I64(v) => nn::layers::Values::I64(v.into_owned().into()),
        };
        tensors.push(nn::layers::Tensor { name: t.name, shape: t.shape, values });
    });
    nn::io::serialize(&tensors, &[]).unwrap()
}

/// A block keeps its branches' outputs, the values between its copies and
/// the gradients it splits in buffers grown on the first pass: the passes
/// after it allocate nothing. Its view allocates nothing at all.
fn blocks_allocate_nothing_after_their_first_step() {
    use nn::rand::SeedableRng;
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(2);
    let (mut stacked, mut joined) = (Stacked::init(&mut rng), Joined::init(&mut rng));
    let allocated = block_allocations_after_warm_up(&mut stacked);
    assert_eq!(allocated, 0, "{allocated} allocations in 3 training passes of stacked residual blocks after the first");
    let allocated = block_allocations_after_warm_up(&mut joined);
    assert_eq!(allocated, 0, "{allocated} allocations in 3 training passes of a concatenation after the first");

    let (stacked, joined) = (blob(&stacked), blob(&joined));
    let x = [0.25f32; 16];
    let (mut a, mut b) = ([0.0f32; 16], [0.0f32; 24]);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let stacked = nn::view::Weights::parse(&stacked).unwrap().load::<StackedView>().unwrap();
    let joined = nn::view::Weights::parse(&joined).unwrap().load::<JoinedView>().unwrap();
    for _ in 0..3 {
        <StackedView as nn::view::Infer>::forward(&stacked, &x, &mut a);
        <JoinedView as nn::view::Infer>::forward(&joined, &x, &mut b);
        std::hint::black_box((&a, &b));
    }
    let allocated = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(allocated, 0, "{allocated} allocations in making 2 blocks' views and 6 forward passes");
}

/// A view reads its weights where they lie and keeps the values between
/// layers on the stack: making one (the embedded CNN's, and those of the
/// networks above: nested dense layers, every image layer, every recurrent
/// layer, the layers of blocks, blocks) and running it allocate nothing, from the
/// first call on.
fn a_view_allocates_nothing_not_even_the_first_time() {
    let (mlp, cnn, rnn) = (Mnist::seeded(1).to_bytes(), Cnn::seeded(1).to_bytes(), Sequences::seeded(1).to_bytes());
    let (blocks, residuals) = (Blocks::seeded(1).to_bytes(), Residuals::seeded(1).to_bytes());
    let (x, image) = ([0.5f32; 784], [0.25f32; 784]);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let embedded = MnistCnn::view(MNIST_CNN).unwrap();
    let (mlp, cnn, rnn) = (Mnist::view(&mlp).unwrap(), Cnn::view(&cnn).unwrap(), Sequences::view(&rnn).unwrap());
    let (blocks, residuals) = (Blocks::view(&blocks).unwrap(), Residuals::view(&residuals).unwrap());
    for _ in 0..3 {
        std::hint::black_box((embedded.forward(&image), mlp.forward(&x), cnn.forward(&image), rnn.forward(&image)));
        std::hint::black_box((blocks.forward(&image), residuals.forward(&image)));
    }
    let allocated = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(allocated, 0, "{allocated} allocations in making 6 views and 18 forward passes");
}

/// `forward` keeps its scratch memory per thread and network type.
fn a_single_forward_pass_allocates_only_the_first_time() {
    let (mlp, cnn, rnn) = (Mnist::seeded(1), Cnn::seeded(1), Sequences::seeded(1));
    let (x, image) = ([0.5f32; 784], [0.25f32; 784]);
    std::hint::black_box((mlp.forward(x), cnn.forward(image), rnn.forward(image)));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..5 {
        std::hint::black_box((mlp.forward(x), cnn.forward(image), rnn.forward(image)));
    }
    let allocated = ALLOCATIONS.load(Ordering::SeqCst) - before;
    assert_eq!(allocated, 0, "{allocated} allocations in 15 single-sample forward passes after the first three");
}

fn a_training_step_after_warm_up_allocates_nothing() {
    let samples = 70;
    let inputs: Vec<[f32; 784]> =
        (0..samples).map(|s| std::array::from_fn(|i| ((s * 784 + i) % 255) as f32 / 255.0)).collect();
    let targets: Vec<[f32; 10]> =
        (0..samples).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s % 10)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let schedule = PiecewiseConstantDecay::new([4], [0.05, 0.01]).unwrap();

    // Two threads first, so that the matrix products' worker pool exists; then one (no pool).
    for threads in [2, 1] {
        nn::gemm::set_threads(threads);
        let check = |name: &str, allocated: usize| {
            assert_eq!(
                allocated, 0,
                "{name}, {threads} threads: {allocated} allocations in 9 training steps after warm-up"
            );
        };
        let cce = CategoricalCrossentropy;
        let sgd = Sgd::new(0.01).decay(1e-6).momentum(0.9).nesterov(true);
        let rmsprop = RmsProp::new(0.001).momentum(0.9).centered(true);
        let schedule = schedule.clone();
        check("sgd", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, Sgd::new(0.05)));
        check("nesterov sgd with decay", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, sgd));
        check("scheduled sgd", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, Sgd::new(schedule)));
        check("adam", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, Adam::default()));
        check("rmsprop", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, RmsProp::default()));
        check("centered rmsprop with momentum", allocations_after_warm_up(&mut Mnist::seeded(1), &data, cce, rmsprop));

        // A layer whose activation needs its pre-activations keeps them in its buffers.
        let mut gelu: nn::layers::Dense<784, 10, Gelu> = nn::layers::Dense::seeded(1);
        check("gelu layer", allocations_after_warm_up(&mut gelu, &data, Mse, Adam::default()));

        // Convolutions' windows, pooling's maxima, batch norm's statistics.
        check("cnn, sgd", allocations_after_warm_up(&mut Cnn::seeded(1), &data, cce, Sgd::new(0.05)));
        check("cnn, adam", allocations_after_warm_up(&mut Cnn::seeded(1), &data, cce, Adam::default()));

        // Layer norm's statistics, activations and reshapes between layers.
        check("blocks, sgd", allocations_after_warm_up(&mut Blocks::seeded(1), &data, cce, Sgd::new(0.05)));
        check("blocks, adam", allocations_after_warm_up(&mut Blocks::seeded(1), &data, cce, Adam::default()));

        // Residual bodies, summed branches and repeated copies.
        check("residuals, sgd", allocations_after_warm_up(&mut Residuals::seeded(1), &data, cce, Sgd::new(0.05)));
        check("residuals, adam", allocations_after_warm_up(&mut Residuals::seeded(1), &data, cce, Adam::default()));

        // Recurrent layers' gates, states and gradients through time.
        check("recurrent, adam", allocations_after_warm_up(&mut Sequences::seeded(1), &data, cce, Adam::default()));
    }

    // The counter does see allocations: one fresh `Vec` is one more.
    let probe = ALLOCATIONS.load(Ordering::SeqCst);
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), probe + 1);
    drop(v);
}
