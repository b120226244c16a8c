//! The same weight files in nn and in Python: numpy, reading with the
//! `safetensors` package, computes the outputs of networks nn saved (an MLP,
//! and image networks with every image layer), and nn predicts with weights
//! Python saved (numpy's MLP weights, and image networks that PyTorch
//! trained); all agree within 1e-5. Block networks (residual, repeat, add,
//! concat) go both ways through PyTorch's module tree: nn's file loads there
//! with `load_state_dict(strict=True)` where PyTorch is installed, and a file
//! PyTorch saved (a fixture) loads here.
//!
//! Runs `python3 tests/interop/check_weights.py`, which needs numpy and
//! safetensors (`.ci/run` installs them). Without them the tests fail when the
//! `CI` variable is set, and say they are skipped otherwise. Where PyTorch is
//! installed too (it is not in CI), `tests/interop/check_torch.py` also loads
//! nn's image networks with `load_state_dict(strict=True)` into the matching
//! `torch.nn.Sequential` and compares their outputs.
//!
//! The `onnx` module (tests/interop/onnx.rs) runs the ONNX models nn exports
//! in onnxruntime (`tests/interop/check_onnx.py`), which CI installs too.

use nn::io::{serialize, WeightFile};
use nn::layers::Tensor;
use nn::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

network! {
    /// The README's MNIST network: `Sequential(Linear(784, 128), ReLU(), Linear(128, 10), Softmax(dim=1))`.
    pub struct Mnist {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }
}

network! {
    /// Every image layer: `Sequential(Conv2d(2, 4, 3, padding="same"), ReLU(),
    /// BatchNorm2d(4, eps=1e-3, momentum=0.01), MaxPool2d(2), Conv2d(4, 6, (2, 3),
    /// stride=2), Tanh(), AvgPool2d((1, 2), stride=1), Flatten(), Linear(12, 5),
    /// ReLU(), BatchNorm1d(5, eps=1e-3, momentum=0.01), Linear(5, 3), Softmax(dim=1))`.
    pub struct Conv {
        input: [2, 9, 10],
        conv2d(4, 3, relu, padding = same),
        batch_norm,
        maxpool2d(2),
        conv2d(6, (2, 3), tanh, stride = 2),
        avgpool2d((1, 2), stride = 1),
        flatten,
        dense(5, relu),
        batch_norm,
        dense(3, softmax),
    }

    /// `Sequential(Conv2d(3, 2, 3), ReLU(), AdaptiveAvgPool2d(1), Flatten(), Linear(2, 2), Sigmoid())`.
    pub struct Global {
        input: [3, 4, 4],
        conv2d(2, 3, relu),
        global_avgpool2d,
        dense(2, sigmoid),
    }
}

network! {
    /// `Sequential(LSTM(3, 4, batch_first=True), Steps(), GRU(4, 3, batch_first=True,
    /// bidirectional=True), Final(), Linear(6, 2), Softmax(dim=-1))`, with `Steps` and
    /// `Final` taking every step's output or the last ones (tests/interop/check_torch.py).
    pub struct Seq {
        input: [5, 3],
        lstm(4, return_sequences = true),
        bidirectional(gru(3)),
        dense(2, softmax),
    }

    /// `Sequential(Embedding(7, 4), RNN(4, 5, batch_first=True), Steps(), Linear(5, 2),
    /// Tanh(), LSTM(2, 3, batch_first=True), Final(), Linear(3, 1), Sigmoid())`.
    pub struct Tokens {
        input: 6,
        embedding(7, 4),
        simple_rnn(5, return_sequences = true),
        dense(2, tanh),
        lstm(3),
        dense(1, sigmoid),
    }
}

network! {
    /// Blocks, as `check_torch.py`'s `blocks_network` builds them:
    /// `Sequential(Conv2d(2, 4, 3, padding="same", bias=False), BatchNorm2d(4), ReLU(),
    /// Sequential(Sequential(Residual(..)), Sequential(Residual(..))), Add(..), Concat(..),
    /// AdaptiveAvgPool2d(1), Flatten(), Linear(8, 3), Softmax(dim=1))`.
    pub struct Blocks {
        input: [2, 6, 6],
        conv2d(4, 3, padding = same, use_bias = false), batch_norm, relu,
        repeat(2) { residual { conv2d(4, 3, padding = same), batch_norm, relu } },
        add { [conv2d(6, 3, tanh, stride = 2, padding = same)], [conv2d(6, 1, stride = 2)] },
        concat { [conv2d(2, 1, relu)], [] },
        global_avgpool2d,
        dense(3, softmax),
    }
}

#[path = "interop/onnx.rs"]
mod onnx;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_weights.py");
const TORCH_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_torch.py");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop");
const TOLERANCE: f32 = 1e-5;

/// Whether Python can run the script; when it cannot, fail under CI and
/// return false (after saying why) elsewhere.
fn python_ready() -> bool {
    let probe = Command::new("python3").args(["-c", "import numpy, safetensors"]).output();
    let why = match probe {
        Ok(output) if output.status.success() => return true,
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            format!("numpy or safetensors is missing: {}", stderr.trim().lines().last().unwrap_or(""))
        }
        Err(error) => format!("python3 did not start: {error}"),
    };
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run this test (`.ci/run` installs numpy and safetensors)");
    }
    // Straight to the stream, past the test harness's capture, so the skip shows.
    let note = format!("skipped: {why} (install them with `python3 -m pip install numpy safetensors`)\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    false
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `script` with `mode` on `dir`, failing with its output if it fails.
fn run(script: &str, mode: &str, dir: &Path) {
    let output = Command::new("python3").arg(script).arg(mode).arg(dir).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{script} {mode} failed:\n{stdout}{stderr}");
    println!("{stdout}");
}

/// Run check_weights.py with `mode` on `dir`.
fn run_script(mode: &str, dir: &Path) {
    run(SCRIPT, mode, dir);
}

/// Whether Python has PyTorch (development machines may; CI does not).
fn torch_ready() -> bool {
    let probe = Command::new("python3").args(["-c", "import torch, safetensors.torch"]).output();
    let ready = matches!(probe, Ok(output) if output.status.success());
    if !ready {
        let note = "PyTorch check skipped: python3 has no torch (it runs where `import torch` works)\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    }
    ready
}

/// `samples` inputs of width `N`, one per column, in [-1, 1].
fn image_inputs<const N: usize>(samples: usize, seed: usize) -> Batch<N> {
    Batch::<N>::from_fn(samples, |i, j| ((((i + seed) * 37 + j * 11) % 41) as f32) / 20.0 - 1.0)
}

/// Train `net` a little, so batch norm's statistics and its count move.
fn trained<N: Network<I, O>, const I: usize, const O: usize>(mut net: N) -> N
where
    Mse: nn::loss::Loss<N::Activation>,
{
    let inputs = image_inputs::<I>(24, 3);
    let targets = Batch::<O>::from_fn(24, |i, j| ((i + j) % 2) as f32);
    let data = Dataset::new(inputs, targets).unwrap();
    net.fit(&data, Mse, Adam::new(0.01), Fit::new().epochs(3).batch_size(8).seed(1).quiet()).unwrap();
    net
}

/// `samples` inputs in [0, 1], one per column.
fn inputs(samples: usize) -> Batch<784> {
    Batch::<784>::from_fn(samples, |i, j| (((i * 31 + j * 17) % 101) as f32) / 100.0)
}

#[test]
fn numpy_computes_the_outputs_of_a_network_nn_saved() {
    if !python_ready() {
        return;
    }
    let dir = scratch("rust-to-python");
    let mnist = Mnist::seeded(2024);
    mnist.save(dir.join("rust_weights.safetensors")).unwrap();
    let inputs = inputs(32);
    let outputs = mnist.predict(&inputs).unwrap();
    // Column-major batches are row-major [samples, width]: PyTorch's batch layout.
    let io = [
        Tensor { name: "inputs".into(), shape: vec![32, 784], values: inputs.as_slice().into() },
        Tensor { name: "outputs".into(), shape: vec![32, 10], values: outputs.as_slice().into() },
    ];
    std::fs::write(dir.join("rust_io.safetensors"), serialize(&io, &[]).unwrap()).unwrap();
    run_script("read", &dir);
}

#[test]
fn nn_predicts_what_numpy_computes_from_weights_python_saved() {
    if !python_ready() {
        return;
    }
    let dir = scratch("python-to-rust");
    run_script("write", &dir);
    let io_bytes = std::fs::read(dir.join("python_io.safetensors")).unwrap();
    let io = WeightFile::parse(&io_bytes, "python_io.safetensors").unwrap();
    let inputs = io.values("inputs").unwrap();
    let samples = inputs.len() / 784;
    assert_eq!(io.tensor("inputs").unwrap().shape(), [samples, 784]);
    let inputs = Batch::<784>::from_column_slice(&inputs);
    for dtype in ["f32", "f16", "f64"] {
        let mnist = Mnist::from_file(dir.join(format!("python_weights_{dtype}.safetensors"))).unwrap();
        let outputs = mnist.predict(&inputs).unwrap();
        let expected = io.values(&format!("outputs_{dtype}")).unwrap();
        assert_eq!(expected.len(), samples * 10);
        let largest = outputs.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(largest <= TOLERANCE, "{dtype}: nn's outputs differ from numpy's by up to {largest}");
        println!("{dtype}: nn agrees with numpy on {samples} samples: largest difference {largest:e}");
    }
}

#[test]
fn numpy_computes_the_outputs_of_image_networks_nn_saved() {
    if !python_ready() {
        return;
    }
    let dir = scratch("rust-cnn-to-python");
    let (conv, global) = (trained(Conv::seeded(7)), trained(Global::seeded(8)));
    conv.save(dir.join("rust_conv.safetensors")).unwrap();
    global.save(dir.join("rust_global.safetensors")).unwrap();
    let (conv_inputs, global_inputs) = (image_inputs::<180>(13, 0), image_inputs::<48>(13, 5));
    let (conv_outputs, global_outputs) = (conv.predict(&conv_inputs).unwrap(), global.predict(&global_inputs).unwrap());
    let io = [
        Tensor { name: "conv_inputs".into(), shape: vec![13, 180], values: conv_inputs.as_slice().into() },
        Tensor { name: "conv_outputs".into(), shape: vec![13, 3], values: conv_outputs.as_slice().into() },
        Tensor { name: "global_inputs".into(), shape: vec![13, 48], values: global_inputs.as_slice().into() },
        Tensor { name: "global_outputs".into(), shape: vec![13, 2], values: global_outputs.as_slice().into() },
    ];
    std::fs::write(dir.join("rust_cnn_io.safetensors"), serialize(&io, &[]).unwrap()).unwrap();
    run_script("read-cnn", &dir);
    if torch_ready() {
        run(TORCH_SCRIPT, "load", &dir);
    }
}

/// Networks PyTorch trained and saved (`check_torch.py fixture`, kept in
/// tests/interop/) load here, statistics and counts included, and predict
/// what PyTorch computed.
#[test]
fn nn_predicts_what_pytorch_computed_with_image_networks_it_saved() {
    let fixtures = Path::new(FIXTURES);
    let conv = Conv::from_file(fixtures.join("pytorch_conv.safetensors")).unwrap();
    let global = Global::from_file(fixtures.join("pytorch_global.safetensors")).unwrap();
    assert!(conv.layer1.num_batches_tracked > 0, "the fixture's batch norm has trained");
    let io_bytes = std::fs::read(fixtures.join("pytorch_cnn_io.safetensors")).unwrap();
    let io = WeightFile::parse(&io_bytes, "pytorch_cnn_io.safetensors").unwrap();
    let check = |name: &str, outputs: &[f32]| {
        let expected = io.values(&format!("{name}_outputs")).unwrap();
        assert_eq!(expected.len(), outputs.len(), "{name}");
        let largest = outputs.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(largest <= TOLERANCE, "{name}: nn's outputs differ from PyTorch's by up to {largest}");
        println!("{name}: nn agrees with PyTorch: largest difference {largest:e}");
    };
    let conv_inputs = Batch::<180>::from_column_slice(&io.values("conv_inputs").unwrap());
    check("conv", conv.predict(&conv_inputs).unwrap().as_slice());
    let global_inputs = Batch::<48>::from_column_slice(&io.values("global_inputs").unwrap());
    check("global", global.predict(&global_inputs).unwrap().as_slice());
}

/// Token ids in `0..7`, as `f32`, one sample per column.
fn token_inputs<const T: usize>(samples: usize) -> Batch<T> {
    Batch::<T>::from_fn(samples, |i, j| ((i * 3 + j * 5) % 7) as f32)
}

#[test]
fn numpy_computes_the_outputs_of_recurrent_networks_nn_saved() {
    if !python_ready() {
        return;
    }
    let dir = scratch("rust-rnn-to-python");
    let seq = trained(Seq::seeded(11));
    let mut tokens = Tokens::seeded(12);
    let targets = Batch::<1>::from_fn(24, |_, j| (j % 2) as f32);
    let data = Dataset::new(token_inputs::<6>(24), targets).unwrap();
    tokens.fit(&data, Mse, Adam::new(0.01), Fit::new().epochs(3).batch_size(8).seed(1).quiet()).unwrap();
    seq.save(dir.join("rust_seq.safetensors")).unwrap();
    tokens.save(dir.join("rust_tokens.safetensors")).unwrap();
    let (seq_inputs, tokens_inputs) = (image_inputs::<15>(11, 2), token_inputs::<6>(11));
    let (seq_outputs, tokens_outputs) = (seq.predict(&seq_inputs).unwrap(), tokens.predict(&tokens_inputs).unwrap());
    let io = [
        Tensor { name: "seq_inputs".into(), shape: vec![11, 15], values: seq_inputs.as_slice().into() },
        Tensor { name: "seq_outputs".into(), shape: vec![11, 2], values: seq_outputs.as_slice().into() },
        Tensor { name: "tokens_inputs".into(), shape: vec![11, 6], values: tokens_inputs.as_slice().into() },
        Tensor { name: "tokens_outputs".into(), shape: vec![11, 1], values: tokens_outputs.as_slice().into() },
    ];
    std::fs::write(dir.join("rust_rnn_io.safetensors"), serialize(&io, &[]).unwrap()).unwrap();
    run_script("read-rnn", &dir);
    if torch_ready() {
        run(TORCH_SCRIPT, "load-rnn", &dir);
    }
}

/// Recurrent networks PyTorch saved (`check_torch.py fixture-rnn`) load here
/// and predict what PyTorch computed.
#[test]
fn nn_predicts_what_pytorch_computed_with_recurrent_networks_it_saved() {
    let fixtures = Path::new(FIXTURES);
    let seq = Seq::from_file(fixtures.join("pytorch_seq.safetensors")).unwrap();
    let tokens = Tokens::from_file(fixtures.join("pytorch_tokens.safetensors")).unwrap();
    let io_bytes = std::fs::read(fixtures.join("pytorch_rnn_io.safetensors")).unwrap();
    let io = WeightFile::parse(&io_bytes, "pytorch_rnn_io.safetensors").unwrap();
    let check = |name: &str, outputs: &[f32]| {
        let expected = io.values(&format!("{name}_outputs")).unwrap();
        assert_eq!(expected.len(), outputs.len(), "{name}");
        let largest = outputs.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(largest <= TOLERANCE, "{name}: nn's outputs differ from PyTorch's by up to {largest}");
        println!("{name}: nn agrees with PyTorch: largest difference {largest:e}");
    };
    let seq_inputs = Batch::<15>::from_column_slice(&io.values("seq_inputs").unwrap());
    check("seq", seq.predict(&seq_inputs).unwrap().as_slice());
    let tokens_inputs = Batch::<6>::from_column_slice(&io.values("tokens_inputs").unwrap());
    check("tokens", tokens.predict(&tokens_inputs).unwrap().as_slice());
}

/// A block network nn trained and saved loads into the matching PyTorch
/// module tree (modules whose forward is `x + self.body(x)`, a sum or a
/// `torch.cat` over `self.branches`) with `load_state_dict(strict=True)`,
/// and PyTorch computes what nn predicts; where PyTorch is installed.
#[test]
fn pytorch_loads_the_block_networks_nn_saved() {
    if !python_ready() || !torch_ready() {
        return;
    }
    let dir = scratch("rust-blocks-to-pytorch");
    let blocks = trained(Blocks::seeded(9));
    blocks.save(dir.join("rust_blocks.safetensors")).unwrap();
    let inputs = image_inputs::<72>(13, 2);
    let outputs = blocks.predict(&inputs).unwrap();
    let io = [
        Tensor { name: "blocks_inputs".into(), shape: vec![13, 72], values: inputs.as_slice().into() },
        Tensor { name: "blocks_outputs".into(), shape: vec![13, 3], values: outputs.as_slice().into() },
    ];
    std::fs::write(dir.join("rust_blocks_io.safetensors"), serialize(&io, &[]).unwrap()).unwrap();
    run(TORCH_SCRIPT, "load-blocks", &dir);
}

/// A block network PyTorch built and trained its batch norm in
/// (`check_torch.py fixture-blocks`, kept in tests/interop/) loads here and
/// predicts what PyTorch computed.
#[test]
fn nn_predicts_what_pytorch_computed_with_a_block_network_it_saved() {
    let fixtures = Path::new(FIXTURES);
    let blocks = Blocks::from_file(fixtures.join("pytorch_blocks.safetensors")).unwrap();
    let io_bytes = std::fs::read(fixtures.join("pytorch_blocks_io.safetensors")).unwrap();
    let io = WeightFile::parse(&io_bytes, "pytorch_blocks_io.safetensors").unwrap();
    let inputs = Batch::<72>::from_column_slice(&io.values("blocks_inputs").unwrap());
    let outputs = blocks.predict(&inputs).unwrap();
    let expected = io.values("blocks_outputs").unwrap();
    assert_eq!(expected.len(), outputs.len());
    let largest = outputs.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(largest <= TOLERANCE, "nn's outputs differ from PyTorch's by up to {largest}");
}
