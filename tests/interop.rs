//! The same weight files in nn and in Python: numpy, reading with the
//! `safetensors` package, computes the outputs of a network nn saved, and nn
//! predicts with weights Python saved; both agree within 1e-5.
//!
//! Runs `python3 tests/interop/check_weights.py`, which needs numpy and
//! safetensors (`.ci/run` installs them). Without them the tests fail when the
//! `CI` variable is set, and say they are skipped otherwise.

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

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_weights.py");
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

/// Run the script with `mode` on `dir`, failing with its output if it fails.
fn run_script(mode: &str, dir: &Path) {
    let output = Command::new("python3").arg(SCRIPT).arg(mode).arg(dir).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "check_weights.py {mode} failed:\n{stdout}{stderr}");
    println!("{stdout}");
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
    let outputs = mnist.predict(&inputs);
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
        let outputs = mnist.predict(&inputs);
        let expected = io.values(&format!("outputs_{dtype}")).unwrap();
        assert_eq!(expected.len(), samples * 10);
        let largest = outputs.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(largest <= TOLERANCE, "{dtype}: nn's outputs differ from numpy's by up to {largest}");
        println!("{dtype}: nn agrees with numpy on {samples} samples: largest difference {largest:e}");
    }
}
