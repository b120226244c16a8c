//! ONNX export checked by the real runtime: networks of every layer kind and
//! activation, and of blocks (nn-core's composites, nested with `net(...)`),
//! exported with `save_onnx`, run in Python's onnxruntime on the inputs nn
//! predicted for (random values, token ids, and MNIST test images
//! for networks trained on MNIST a little), at batches of 1 and 37, and
//! checked with `onnx.checker`; onnxruntime's outputs must be within 1e-5 of
//! nn's `predict` (`check_onnx.py`).
//!
//! Needs numpy, safetensors, onnx and onnxruntime (`.ci/run` installs them):
//! without them the tests that run Python fail when the `CI` variable is
//! set, and say they are skipped otherwise.

use super::{image_inputs, scratch, token_inputs, trained};
use nn::data::idx::Mnist;
use nn::io::serialize;
use nn::layers::{Activated, Backward, Data, DataMut, Dense, Layer, Mode, Part, TakesInput, Tensor, Widths};
use nn::onnx::{Graph, Value};
use nn::prelude::*;
use nn::rand::Rng;
use nn::view::{DenseView, Infer, Prefix, Weights};
use std::path::{Path, PathBuf};
use std::process::Command;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_onnx.py");
/// Samples in each io file: onnxruntime runs the first one alone, then all.
const SAMPLES: usize = 37;

/// `dense(16 => 16)` with the tanh approximation of GELU (`Gelu<true>`),
/// which `network!` does not name: a layer of nn-core used through `net`.
pub struct ApproxGelu(Dense<16, 16, Gelu<true>>);

impl Layer for ApproxGelu {
    const INPUT: usize = 16;
    const OUTPUT: usize = 16;
    const PARAMS: usize = <Dense<16, 16, Gelu<true>> as Layer>::PARAMS;
    const STATE: usize = 0;
    type Buffers = Vec<f32>;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        ApproxGelu(Dense::init(rng))
    }

    fn zeroed() -> Self {
        ApproxGelu(Dense::zeroed())
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, b: &mut Vec<f32>, mode: &mut Mode<'_>) {
        self.0.forward_batch(input, output, batch, b, mode);
    }

    fn backward_batch(&self, pass: Backward<'_, Vec<f32>>, grads: &mut Self) {
        self.0.backward_batch(pass, &mut grads.0);
    }

    fn parts<'s>(&'s self, path: &nn::layers::Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        self.0.parts(path, visit);
    }

    fn parts_mut<'s>(&'s mut self, path: &nn::layers::Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        self.0.parts_mut(path, visit);
    }

    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> nn::Result<Value> {
        self.0.onnx(graph, prefix, input)
    }
}

impl Widths for ApproxGelu {
    const INPUT: usize = 16;
    const OUTPUT: usize = 16;
}

impl TakesInput<16> for ApproxGelu {}

impl Activated for ApproxGelu {
    type Activation = Gelu<true>;
    const GROUP: usize = 16;
}

/// Its view is the dense layer's (what `net(...)` asks of a nested layer).
impl Infer for ApproxGelu {
    const INPUT: usize = 16;
    const OUTPUT: usize = 16;
    type Params<'a> = <DenseView<16, 16, Gelu<true>> as Infer>::Params<'a>;

    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, nn::view::Error> {
        <DenseView<16, 16, Gelu<true>> as Infer>::load(weights, prefix)
    }

    fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]) {
        <DenseView<16, 16, Gelu<true>> as Infer>::forward(params, input, output);
    }
}

/// A layer of its own that halves its input, without an ONNX form.
pub struct Halve;

impl Layer for Halve {
    const INPUT: usize = 4;
    const OUTPUT: usize = 4;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_: &mut R) -> Self {
        Halve
    }

    fn zeroed() -> Self {
        Halve
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        for (o, i) in output[..4 * batch].iter_mut().zip(input) {
            *o = 0.5 * i;
        }
    }

    fn backward_batch(&self, pass: Backward<'_, ()>, _: &mut Self) {
        if let Some(grad_input) = pass.grad_input {
            for (gi, g) in grad_input[..4 * pass.batch].iter_mut().zip(pass.grad.iter()) {
                *gi = 0.5 * g;
            }
        }
    }

    nn::no_parts!();

    fn onnx(&self, _: &mut Graph, _: &str, _: Value) -> nn::Result<Value> {
        Err(nn::Error::export("`Halve` has no ONNX form"))
    }
}

impl Widths for Halve {
    const INPUT: usize = 4;
    const OUTPUT: usize = 4;
}

impl TakesInput<4> for Halve {}

impl Activated for Halve {
    type Activation = Linear;
    const GROUP: usize = 4;
}

/// Halving without parameters, in a view too.
impl Infer for Halve {
    const INPUT: usize = 4;
    const OUTPUT: usize = 4;
    type Params<'a> = ();

    fn load<'a>(_: &mut Weights<'a>, _: &Prefix) -> Result<(), nn::view::Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        for (o, i) in output[..4].iter_mut().zip(input) {
            *o = 0.5 * i;
        }
    }
}

network! {
    /// The README's MNIST network.
    pub struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }

    /// A network used as a layer of `Activations`, inlined in its graph.
    pub struct Inner {
        input: 16,
        dense(16, elu(0.7)),
        dense(16, gelu),
    }

    /// Every activation `dense` takes (ELU and exact GELU in `Inner`, GELU's
    /// tanh approximation in `ApproxGelu`), dropout, and batch norm on a vector.
    pub struct Activations {
        input: 12,
        dense(16, relu),
        dense(16, sigmoid),
        dense(16, tanh),
        dense(16, leaky_relu(0.2)),
        net(Inner),
        dropout(0.25),
        dense(16, softplus),
        dense(16, swish),
        net(ApproxGelu),
        dense(16),
        batch_norm,
        dense(5, softmax),
    }

    /// An MNIST CNN with same padding, batch norm, a stride of 2, a (3, 5)
    /// kernel, max and average pooling with same padding (a window over the
    /// edge averaging only the image), a (2, 3) kernel of stride (1, 2).
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv2d(6, 3, relu, padding = same),                              // [6, 28, 28]
        batch_norm,
        conv2d(8, (3, 5), leaky_relu(0.1), stride = 2, padding = same),  // [8, 14, 14]
        maxpool2d(3, stride = 2, padding = same),                        // [8, 7, 7]
        avgpool2d(2, padding = same),                                    // [8, 4, 4]
        conv2d(12, (2, 3), elu, stride = (1, 2)),                        // [12, 3, 1]
        flatten,
        dropout(0.3),
        dense(16, gelu),
        batch_norm,
        dense(10, softmax),
    }

    /// Global average pooling, after average pooling of stride 1.
    pub struct Global {
        input: [3, 9, 11],
        conv2d(4, 3, tanh, stride = 2, padding = same),  // [4, 5, 6]
        avgpool2d(3, stride = 1, padding = same),        // [4, 5, 6]
        global_avgpool2d,
        dense(2, sigmoid),
    }

    /// An image out: `[batch, 3, 3, 3]`.
    pub struct Features {
        input: [2, 6, 6],
        conv2d(3, 3, swish, padding = same),
        maxpool2d(2),
    }

    /// Every activation as a layer of its own, on an image and on a vector.
    pub struct ActivationLayers {
        input: [2, 5, 5],
        conv2d(3, 3),
        relu,
        elu(0.5),
        gelu,
        flatten,
        dense(12),
        sigmoid,
        tanh,
        leaky_relu(0.1),
        softplus,
        swish,
        linear,
        dense(4),
        softmax,
    }

    /// `use_bias = false` on a convolution before batch norm, on one pooled
    /// with its max pooling, and on a dense layer.
    pub struct Unbiased {
        input: [2, 6, 6],
        conv2d(4, 3, use_bias = false),
        batch_norm,
        relu,
        conv2d(4, 3, relu, padding = same, use_bias = false),
        maxpool2d(2),
        flatten,
        dense(5, tanh, use_bias = false),
        dense(2, softmax),
    }

    /// `reshape`: a vector read as an image, convolved, and read as a vector again.
    pub struct VectorToImage {
        input: 3,
        dense(12, tanh),
        reshape([3, 2, 2]),
        conv2d(2, 2, tanh, padding = same),
        reshape([8]),
        dense(2),
    }

    /// Layer norm on each step of a sequence, then on a vector with Keras' epsilon.
    pub struct Normed {
        input: [3, 4],
        layer_norm,
        flatten,
        dense(6),
        layer_norm(epsilon = 1e-3),
        relu,
        dense(2, softmax),
    }

    /// A sequence flattened first, and dropout last.
    pub struct Flat {
        input: [5, 4],
        flatten,
        dense(3, relu),
        dropout(0.5),
    }
}

network! {
    /// An LSTM and a GRU over every step, a dense layer on every step, a
    /// simple RNN of ELU units to its last step.
    pub struct Steps {
        input: [7, 5],
        lstm(6, return_sequences = true),
        gru(5, return_sequences = true),
        dense(4, tanh),
        simple_rnn(3, elu(0.5)),
        dense(2, softmax),
    }

    /// Each cell in both directions, with and without `return_sequences`.
    pub struct Both {
        input: [6, 4],
        bidirectional(lstm(5, return_sequences = true)),
        bidirectional(simple_rnn(3, return_sequences = true)),
        bidirectional(gru(4)),
        dense(3, softmax),
    }

    /// Token ids: an embedding, a bidirectional simple RNN of leaky ReLU
    /// units over every step, a GRU to its last step.
    pub struct Tokens {
        input: 9,
        embedding(7, 6),
        bidirectional(simple_rnn(4, leaky_relu(0.2), return_sequences = true)),
        gru(5),
        dense(1, sigmoid),
    }

    /// The other activations ONNX's `RNN` knows, and a sequence out: a
    /// bidirectional GRU's every step, softmax on each.
    pub struct RnnActivations {
        input: [5, 3],
        simple_rnn(4, relu, return_sequences = true),
        simple_rnn(4, sigmoid, return_sequences = true),
        simple_rnn(4, softplus, return_sequences = true),
        simple_rnn(4, linear, return_sequences = true),
        bidirectional(gru(3, return_sequences = true)),
        dense(2, softmax),
    }

    /// Each MNIST image as 28 rows of 28 pixels.
    pub struct RowLstm {
        input: [28, 28],
        lstm(32),
        dense(10, softmax),
    }
}

network! {
    /// A simple RNN of GELU units: ONNX's `RNN` has no GELU.
    pub struct GeluRnn {
        input: [4, 2],
        simple_rnn(3, gelu),
        dense(1),
    }

    /// A layer without an ONNX form, in a network in a network.
    pub struct HalfInner {
        input: 4,
        dense(4, relu),
        net(Halve),
    }

    pub struct HalfOuter {
        input: 4,
        net(HalfInner),
        dense(2),
    }
}

network! {
    /// Blocks on MNIST: a residual body, branches summed with a strided
    /// projection, repeated copies of a residual block (batch norm with
    /// PyTorch's momentum, whose moving statistics keep up with two short
    /// epochs).
    pub struct MnistBlocks {
        input: [1, 28, 28],
        conv2d(8, 3, stride = 2, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
        repeat(2) {
            residual { conv2d(8, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu },
            relu,
        },
        add { [conv2d(16, 3, stride = 2, padding = same), batch_norm(momentum = 0.9), relu], [conv2d(16, 1, stride = 2)] },
        relu,
        global_avgpool2d,
        dense(10, softmax),
    }

    /// Vector blocks: three branches summed (one the identity), a residual,
    /// vectors joined end to end.
    pub struct VectorBlocks {
        input: 12,
        dense(8, tanh),
        add { [dense(8, relu)], [dense(8)], [] },
        residual { dense(8, tanh), dense(8) },
        concat { [dense(4, relu)], [] },
        dense(3, softmax),
    }

    /// Images joined along their channels, sequences feature by feature.
    pub struct JoinedBlocks {
        input: [2, 6, 6],
        concat { [conv2d(3, 1, relu)], [conv2d(2, 3, tanh, padding = same)], [] },
        reshape([7, 36]),
        concat { [lstm(4, return_sequences = true)], [dense(2, tanh)] },
        flatten,
        dense(2, softmax),
    }
}

/// Whether Python has what the check needs; when it has not, fail under CI
/// and return false (after saying why) elsewhere.
fn onnx_ready() -> bool {
    let probe = Command::new("python3").args(["-c", "import numpy, safetensors, onnx, onnxruntime"]).output();
    let why = match probe {
        Ok(output) if output.status.success() => return true,
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            format!("a Python package is missing: {}", stderr.trim().lines().last().unwrap_or(""))
        }
        Err(error) => format!("python3 did not start: {error}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run this test (`.ci/run` installs numpy, safetensors, onnx and onnxruntime)");
    }
    let note =
        format!("skipped: {why} (install them with `python3 -m pip install numpy safetensors onnx onnxruntime`)\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    false
}

/// What the model of a network must hold besides its numbers.
struct Expect<'a> {
    /// One output sample's dimensions.
    output: &'a [usize],
    /// Operators it must have (comma separated).
    operators: &'a str,
    /// Its recurrent operators in order, as `OP:direction` (comma separated).
    recurrent: &'a str,
}

/// Export `net` to `dir/NAME.onnx` and write `dir/NAME_io.safetensors`:
/// `inputs` (`SAMPLES` of them, shaped as the network declares its input),
/// nn's outputs for the first alone (`outputs_1`) and for all
/// (`outputs_37`), each `[batch, output dims...]`, `labels` if given, and
/// what `expect` says of the model as metadata.
fn export<N: Network<I, O>, const I: usize, const O: usize>(
    dir: &Path,
    net: &N,
    inputs: &Batch<I>,
    expect: Expect<'_>,
    labels: Option<&[u8]>,
) {
    let output_dims = expect.output;
    assert_eq!(inputs.ncols(), SAMPLES);
    assert_eq!(output_dims.iter().product::<usize>(), O);
    let name = net.summary().name;
    net.save_onnx(dir.join(format!("{name}.onnx"))).unwrap();
    let first = Batch::<I>::from_column_slice(&inputs.as_slice()[..I]);
    let (one, all) = (net.predict(&first).unwrap(), net.predict(inputs).unwrap());
    let shape = |batch: usize, dims: &[usize]| [&[batch][..], dims].concat();
    let mut io = vec![
        Tensor { name: "inputs".into(), shape: shape(SAMPLES, N::INPUT_SHAPE), values: inputs.as_slice().into() },
        Tensor { name: "outputs_1".into(), shape: shape(1, output_dims), values: one.as_slice().into() },
        Tensor { name: "outputs_37".into(), shape: shape(SAMPLES, output_dims), values: all.as_slice().into() },
    ];
    if let Some(labels) = labels {
        let labels: Vec<i64> = labels[..SAMPLES].iter().map(|l| i64::from(*l)).collect();
        io.push(Tensor { name: "labels".into(), shape: vec![SAMPLES], values: labels.into() });
    }
    let metadata = [("network", name.as_str()), ("operators", expect.operators), ("recurrent", expect.recurrent)];
    let bytes = serialize(&io, &metadata).unwrap();
    std::fs::write(dir.join(format!("{name}_io.safetensors")), bytes).unwrap();
}

/// Run check_onnx.py on `dir`, failing with its output if it fails.
fn check(dir: &Path) {
    let output = Command::new("python3").arg(SCRIPT).arg(dir).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "check_onnx.py failed:\n{stdout}{stderr}");
    println!("{stdout}");
}

fn mnist() -> Mnist {
    Mnist::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap()
}

/// `net` after two epochs on 6,000 MNIST training images (376 steps, after
/// which batch norm's moving statistics are the batches' own).
fn mnist_trained<N: Network<784, 10>>(mut net: N, mnist: &Mnist) -> N
where
    CategoricalCrossentropy: nn::loss::Loss<N::Activation>,
{
    let (few, _) = mnist.train_set().unwrap().split(0.9).unwrap();
    let options = Fit::new().epochs(2).batch_size(32).seed(1).quiet();
    net.fit(&few, CategoricalCrossentropy, Adam::new(1e-3), options).unwrap();
    net
}

#[test]
fn onnxruntime_computes_what_nn_predicts_with_vector_and_image_networks() {
    if !onnx_ready() {
        return;
    }
    let dir = scratch("onnx-images");
    let mnist = mnist();
    let test = mnist.test_set().unwrap();
    let (digits, labels) = (test.inputs_of(0..SAMPLES), &test.labels()[..SAMPLES]);
    let expect = |output, operators| Expect { output, operators, recurrent: "" };
    let mlp = mnist_trained(MnistMlp::seeded(1), &mnist);
    export(&dir, &mlp, &digits, expect(&[10], "Gemm,Relu,Softmax"), Some(labels));
    let cnn = mnist_trained(MnistCnn::seeded(2), &mnist);
    let operators = "Conv,Relu,BatchNormalization,LeakyRelu,MaxPool,AveragePool,Elu,Flatten,Erf,Gemm,Softmax";
    export(&dir, &cnn, &digits, expect(&[10], operators), Some(labels));
    let operators = "Gemm,Relu,Sigmoid,Tanh,LeakyRelu,Elu,Erf,Softplus,Mul,BatchNormalization,Softmax";
    export(&dir, &trained(Activations::seeded(3)), &image_inputs::<12>(SAMPLES, 1), expect(&[5], operators), None);
    let operators = "Conv,Tanh,AveragePool,GlobalAveragePool,Flatten,Gemm,Sigmoid";
    export(&dir, &trained(Global::seeded(4)), &image_inputs::<297>(SAMPLES, 2), expect(&[2], operators), None);
    let operators = "Conv,Sigmoid,Mul,MaxPool";
    export(&dir, &Features::seeded(5), &image_inputs::<72>(SAMPLES, 3), expect(&[3, 3, 3], operators), None);
    export(&dir, &Flat::seeded(6), &image_inputs::<20>(SAMPLES, 4), expect(&[3], "Flatten,Gemm,Relu"), None);
    let operators = "Conv,Relu,Elu,Erf,Flatten,Gemm,Sigmoid,Tanh,LeakyRelu,Softplus,Mul,Softmax";
    let layers = trained(ActivationLayers::seeded(12));
    export(&dir, &layers, &image_inputs::<50>(SAMPLES, 8), expect(&[4], operators), None);
    let operators = "Conv,BatchNormalization,Relu,MaxPool,Flatten,Gemm,Tanh,Softmax";
    let unbiased = trained(Unbiased::seeded(13));
    export(&dir, &unbiased, &image_inputs::<72>(SAMPLES, 9), expect(&[2], operators), None);
    let reshaping = trained(VectorToImage::seeded(14));
    export(&dir, &reshaping, &image_inputs::<3>(SAMPLES, 10), expect(&[2], "Gemm,Tanh,Reshape,Conv,Flatten"), None);
    let normed = trained(Normed::seeded(15));
    let operators = "LayerNormalization,Flatten,Gemm,Relu,Softmax";
    export(&dir, &normed, &image_inputs::<12>(SAMPLES, 11), expect(&[2], operators), None);
    check(&dir);
}

/// Blocks export as their operators (`Add` for residuals and sums of
/// branches) around their branches' layers, and onnxruntime computes what
/// nn predicts, on MNIST digits and on random vectors.
#[test]
fn onnxruntime_computes_what_nn_predicts_with_block_networks() {
    if !onnx_ready() {
        return;
    }
    let dir = scratch("onnx-block-networks");
    let mnist = mnist();
    let test = mnist.test_set().unwrap();
    let (digits, labels) = (test.inputs_of(0..SAMPLES), &test.labels()[..SAMPLES]);
    let expect = |output, operators| Expect { output, operators, recurrent: "" };
    let blocks = mnist_trained(MnistBlocks::seeded(16), &mnist);
    let operators = "Conv,BatchNormalization,Relu,Add,GlobalAveragePool,Flatten,Gemm,Softmax";
    export(&dir, &blocks, &digits, expect(&[10], operators), Some(labels));
    let vectors = trained(VectorBlocks::seeded(17));
    export(&dir, &vectors, &image_inputs::<12>(SAMPLES, 12), expect(&[3], "Gemm,Relu,Tanh,Add,Concat,Softmax"), None);
    let joined = trained(JoinedBlocks::seeded(18));
    let operators = "Conv,Relu,Tanh,Concat,Reshape,MatMul,Flatten,Gemm,Softmax";
    let expect = Expect { output: &[2], operators, recurrent: "LSTM:forward" };
    export(&dir, &joined, &image_inputs::<72>(SAMPLES, 13), expect, None);
    check(&dir);
}

#[test]
fn onnxruntime_computes_what_nn_predicts_with_recurrent_networks() {
    if !onnx_ready() {
        return;
    }
    let dir = scratch("onnx-sequences");
    let expect = |output, operators, recurrent| Expect { output, operators, recurrent };
    let steps = trained(Steps::seeded(7));
    let recurrent = "LSTM:forward,GRU:forward,RNN:forward";
    let operators = "Transpose,Reshape,MatMul,Add,Tanh,Flatten,Gemm,Softmax";
    export(&dir, &steps, &image_inputs::<35>(SAMPLES, 5), expect(&[2], operators, recurrent), None);
    let both = trained(Both::seeded(8));
    let recurrent = "LSTM:bidirectional,RNN:bidirectional,GRU:bidirectional";
    export(&dir, &both, &image_inputs::<24>(SAMPLES, 6), expect(&[3], "Transpose,Reshape,Flatten", recurrent), None);
    let activations = trained(RnnActivations::seeded(9));
    let recurrent = "RNN:forward,RNN:forward,RNN:forward,RNN:forward,GRU:bidirectional";
    let operators = "MatMul,Add,Softmax";
    export(&dir, &activations, &image_inputs::<15>(SAMPLES, 7), expect(&[5, 2], operators, recurrent), None);
    let mut tokens = Tokens::seeded(10);
    let targets = Batch::<1>::from_fn(24, |_, j| (j % 2) as f32);
    let data = Dataset::new(token_inputs::<9>(24), targets).unwrap();
    tokens.fit(&data, Mse, Adam::new(0.01), Fit::new().epochs(3).batch_size(8).seed(1).quiet()).unwrap();
    let operators = "Cast,Gather,Gemm,Sigmoid";
    export(&dir, &tokens, &token_inputs::<9>(SAMPLES), expect(&[1], operators, "RNN:bidirectional,GRU:forward"), None);
    let mnist = mnist();
    let test = mnist.test_set().unwrap();
    let (digits, labels) = (test.inputs_of(0..SAMPLES), &test.labels()[..SAMPLES]);
    let row_lstm = mnist_trained(RowLstm::seeded(11), &mnist);
    export(&dir, &row_lstm, &digits, expect(&[10], "Transpose,Flatten,Gemm,Softmax", "LSTM:forward"), Some(labels));
    check(&dir);
}

/// What ONNX cannot express is an error that names the layer as written,
/// inside nested networks too, and leaves an earlier file as it was.
#[test]
fn a_network_onnx_cannot_express_is_an_error_naming_the_layer() {
    let error = GeluRnn::seeded(1).to_onnx().unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot export to ONNX: layer 0 `simple_rnn (gelu)`: ONNX's RNN operator has no `gelu` activation"
    );
    let error = HalfOuter::seeded(1).to_onnx().unwrap_err().to_string();
    assert!(
        error.starts_with("cannot export to ONNX: layer 0 `net (HalfInner)`, its layer 1 `net (Halve)`: `")
            && error.ends_with("Halve` has no ONNX form"),
        "{error}"
    );
    let dir = scratch("onnx-errors");
    let path = dir.join("model.onnx");
    std::fs::write(&path, b"an earlier model").unwrap();
    assert!(HalfOuter::seeded(1).save_onnx(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"an earlier model");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
}

/// The same network gives the same bytes; another's weights give others.
#[test]
fn export_is_deterministic_and_carries_the_weights() {
    assert_eq!(MnistCnn::seeded(3).to_onnx().unwrap(), MnistCnn::seeded(3).to_onnx().unwrap());
    assert_ne!(MnistCnn::seeded(3).to_onnx().unwrap(), MnistCnn::seeded(4).to_onnx().unwrap());
    assert_eq!(<MnistCnn as Network<784, 10>>::INPUT_SHAPE, [1, 28, 28]);
    assert_eq!(<RowLstm as Network<784, 10>>::INPUT_SHAPE, [28, 28]);
    assert_eq!(<MnistMlp as Network<784, 10>>::INPUT_SHAPE, [784]);
}

/// A block of nn-core's composites as a layer that `network!` nests with
/// `net(...)` (until the macro writes blocks itself): the block's layer,
/// widths and view, its parts networks that are both layers and views.
macro_rules! block {
    ($(#[$doc:meta])* $name:ident = $ty:ty, $input:literal => $output:literal) => {
        $(#[$doc])*
        pub struct $name($ty);

        impl Layer for $name {
            const INPUT: usize = $input;
            const OUTPUT: usize = $output;
            const PARAMS: usize = <$ty as Layer>::PARAMS;
            const STATE: usize = <$ty as Layer>::STATE;
            type Buffers = <$ty as Layer>::Buffers;

            fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
                $name(<$ty as Layer>::init(rng))
            }

            fn zeroed() -> Self {
                $name(<$ty as Layer>::zeroed())
            }

            fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, b: &mut Self::Buffers, mode: &mut Mode<'_>) {
                self.0.forward_batch(input, output, batch, b, mode);
            }

            fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
                self.0.backward_batch(pass, &mut grads.0);
            }

            fn update_state(&mut self, buffers: &Self::Buffers) {
                self.0.update_state(buffers);
            }

            fn parts<'s>(&'s self, path: &nn::layers::Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
                self.0.parts(path, visit);
            }

            fn parts_mut<'s>(&'s mut self, path: &nn::layers::Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
                self.0.parts_mut(path, visit);
            }

            fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> nn::Result<Value> {
                self.0.onnx(graph, prefix, input)
            }
        }

        impl Widths for $name {
            const INPUT: usize = $input;
            const OUTPUT: usize = $output;
        }

        impl TakesInput<$input> for $name {}

        impl Activated for $name {
            type Activation = Linear;
            const GROUP: usize = $output;
        }

        impl Infer for $name {
            const INPUT: usize = $input;
            const OUTPUT: usize = $output;
            type Params<'a> = <$ty as Infer>::Params<'a>;

            fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, nn::view::Error> {
                <$ty as Infer>::load(weights, prefix)
            }

            fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]) {
                <$ty as Infer>::forward(params, input, output);
            }
        }
    };
}

network! {
    /// A residual body: `Sequential(Linear(16, 16), ReLU(), BatchNorm1d(16))`.
    pub struct NormedBody {
        input: 16,
        dense(16, relu),
        batch_norm,
    }

    /// A branch: `Sequential(Linear(16, 16), Tanh())`.
    pub struct Squashed {
        input: 16,
        dense(16, tanh),
    }

    /// Image branches of 3 and 1 channels.
    pub struct Three {
        input: [2, 6, 6],
        conv2d(3, 3, relu, padding = same),
    }

    pub struct One {
        input: [2, 6, 6],
        conv2d(1, 1, tanh),
    }

    /// Sequence branches of 3 and 2 features per step.
    pub struct PerStepDense {
        input: [5, 4],
        dense(3, tanh),
    }

    pub struct PerStepLstm {
        input: [5, 4],
        lstm(2, return_sequences = true),
    }
}

block! {
    /// Two residual blocks around batch norm, stacked.
    Stacked = nn::layers::Repeat<nn::layers::Residual<NormedBody, 16>, 2, 16>, 16 => 16
}

block! {
    /// Three branches summed, one of them the input.
    Summed = nn::layers::Add<Squashed, nn::layers::Add<NormedBody, nn::layers::Identity<16>, 16>, 16>, 16 => 16
}

block! {
    /// Images joined along the channels: `[3, 6, 6]` and `[1, 6, 6]`.
    Channels = nn::layers::Concat<Three, One, 1, 108, 36>, 72 => 144
}

block! {
    /// Sequences joined per step: `[5, 3]` and `[5, 2]`.
    StepFeatures = nn::layers::Concat<PerStepDense, PerStepLstm, 5, 15, 10>, 20 => 25
}

network! {
    /// Residual connections, repeats and sums of branches.
    pub struct Blocks {
        input: 16,
        net(Stacked),
        net(Summed),
        dense(4, softmax),
    }

    /// Image branches concatenated along the channels (`net` takes a
    /// vector; the branches read it as `[2, 6, 6]`).
    pub struct ImageBlocks {
        input: 72,
        net(Channels),
        dense(3, softmax),
    }

    /// Sequence branches concatenated per step (read as `[5, 4]`).
    pub struct SequenceBlocks {
        input: 20,
        net(StepFeatures),
        dense(2, softmax),
    }
}

/// The blocks' ONNX forms (`Add` of a body and its input, of two branches,
/// copies chained, `Concat` of images along the channels and of sequences
/// along each step's features) compute in onnxruntime what nn predicts.
#[test]
fn onnxruntime_computes_what_nn_predicts_with_blocks() {
    if !onnx_ready() {
        return;
    }
    let dir = scratch("onnx-blocks");
    let expect = |output, operators, recurrent| Expect { output, operators, recurrent };
    let operators = "Gemm,Relu,BatchNormalization,Add,Tanh,Softmax";
    export(&dir, &trained(Blocks::seeded(1)), &image_inputs::<16>(SAMPLES, 1), expect(&[4], operators, ""), None);
    let operators = "Reshape,Conv,Relu,Tanh,Concat,Flatten,Gemm,Softmax";
    export(&dir, &trained(ImageBlocks::seeded(2)), &image_inputs::<72>(SAMPLES, 2), expect(&[3], operators, ""), None);
    let operators = "Reshape,MatMul,Add,Tanh,Concat,Flatten,Gemm,Softmax";
    let sequences = trained(SequenceBlocks::seeded(3));
    export(&dir, &sequences, &image_inputs::<20>(SAMPLES, 3), expect(&[2], operators, "LSTM:forward"), None);
    check(&dir);
}
