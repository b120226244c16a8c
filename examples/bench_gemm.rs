//! GFLOP/s of nn's matrix product at the exact products of the MNIST MLP
//! (784-128-10, batch 32 and 128 for training, 1000 for inference), one thread
//! and all threads, next to nalgebra's `DMatrix::gemm` (the matrixmultiply crate,
//! one thread) measured in the same run.
//!
//! ```text
//! cargo run --release --example bench_gemm              # 21 rounds
//! cargo run --release --example bench_gemm -- --rounds 11
//! ```
//!
//! Each round times every configuration in turn, about 5 ms of calls each, so all
//! three see the same machine load; every call is timed on its own and the table
//! shows the median call (a call that another process interrupted does not move
//! it), as GFLOP/s. The first call of each round on all threads may have to
//! wake the workers, as a product after a pause does in a program.
//!
//! The operands have the layouts training uses: weights column-major, the batch
//! one sample per column, transposes as views with swapped strides. nalgebra is
//! built without matrixmultiply's `threading` feature, so its column is one
//! thread throughout.

use nn::gemm::{gemm, set_threads, MatRef};
use nn::nalgebra::{DMatrix, DMatrixView};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One product `C (m x n) = A (m x k) · B (k x n) + beta · C`.
struct Case {
    what: &'static str,
    m: usize,
    k: usize,
    n: usize,
    /// `A` is stored as its transpose (k x m, column-major) and viewed transposed.
    a_t: bool,
    /// `B` is stored as its transpose (n x k, column-major) and viewed transposed.
    b_t: bool,
    beta: f32,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for batch in [32, 128] {
        let b = batch;
        cases.extend([
            Case { what: "fwd  W1·X", m: 128, k: 784, n: b, a_t: false, b_t: false, beta: 1.0 },
            Case { what: "fwd  W2·A1", m: 10, k: 128, n: b, a_t: false, b_t: false, beta: 1.0 },
            Case { what: "bwd  D2·A1ᵀ", m: 10, k: b, n: 128, a_t: false, b_t: true, beta: 0.0 },
            Case { what: "bwd  W2ᵀ·D2", m: 128, k: 10, n: b, a_t: true, b_t: false, beta: 0.0 },
            Case { what: "bwd  D1·Xᵀ", m: 128, k: b, n: 784, a_t: false, b_t: true, beta: 0.0 },
        ]);
    }
    cases.extend([
        Case { what: "inf  W1·X", m: 128, k: 784, n: 1000, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "inf  W2·A1", m: 10, k: 128, n: 1000, a_t: false, b_t: false, beta: 1.0 },
    ]);
    // The RowLstm's products at batch 128 (lstm(128) on 28 steps of 28): a
    // step's W_hh·h for half the batch (each thread's share) and for all of
    // it, the gradient to h_{t-1}, and dW_hh over 27 steps.
    cases.extend([
        Case { what: "lstm Whh·h", m: 512, k: 128, n: 64, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "lstm Whh·h", m: 512, k: 128, n: 128, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "lstm Whhᵀ·dz", m: 128, k: 512, n: 64, a_t: true, b_t: false, beta: 1.0 },
        Case { what: "lstm dWhh", m: 512, k: 3456, n: 128, a_t: false, b_t: true, beta: 0.0 },
        Case { what: "lstm dWhhᵀ", m: 128, k: 3456, n: 512, a_t: false, b_t: true, beta: 0.0 },
    ]);
    // The MNIST CNN's second convolution (64 filters of 3x3 over 32 channels,
    // 121 positions a sample): the forward product of one sample's windows
    // and of eight samples' at once, and the weight gradient over one sample.
    cases.extend([
        Case { what: "conv cols·W", m: 121, k: 288, n: 64, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "conv cols·W", m: 968, k: 288, n: 64, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "conv rows·D", m: 288, k: 121, n: 64, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "conv rows·D", m: 288, k: 968, n: 64, a_t: false, b_t: false, beta: 1.0 },
        Case { what: "conv D·Wᵀ", m: 121, k: 64, n: 288, a_t: false, b_t: true, beta: 0.0 },
        Case { what: "conv1 rows·D", m: 9, k: 676, n: 32, a_t: false, b_t: false, beta: 1.0 },
    ]);
    cases
}

fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|v| ((v as f32 + seed) * 0.618).sin()).collect()
}

/// Time `reps` calls of `f` one by one, into `times` (seconds).
fn time_calls(reps: usize, f: &mut dyn FnMut(), times: &mut Vec<f64>) {
    for _ in 0..reps {
        let start = Instant::now();
        f();
        times.push(start.elapsed().as_secs_f64());
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut rounds = 21;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--rounds", Some(r)) if r > 0 => rounds = r,
            _ => {
                eprintln!("usage: bench_gemm [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let target = Duration::from_millis(5);
    println!("GFLOP/s, median of {rounds} rounds; {all} threads available; nalgebra = matrixmultiply, 1 thread");
    println!(
        "{:<12} {:>4} {:>4} {:>4}  {:>8} {:>8} {:>9}  {:>7}",
        "product",
        "m",
        "k",
        "n",
        "nn 1T",
        format!("nn {all}T"),
        "nalgebra",
        "nn/nalg"
    );
    for case in cases() {
        let Case { m, k, n, a_t, b_t, beta, .. } = case;
        let a_data = values(m * k, 1.0);
        let b_data = values(k * n, 2.0);
        let (mut c1, mut c2) = (values(m * n, 3.0), values(m * n, 3.0));
        let a = if a_t { MatRef::col_major(&a_data, k, m).t() } else { MatRef::col_major(&a_data, m, k) };
        let b = if b_t { MatRef::col_major(&b_data, n, k).t() } else { MatRef::col_major(&b_data, k, n) };
        // The same storage seen by nalgebra: (row stride, column stride).
        let (ars, acs) = if a_t { (k, 1) } else { (1, m) };
        let (brs, bcs) = if b_t { (n, 1) } else { (1, k) };
        let na = DMatrixView::from_slice_with_strides(&a_data, m, k, ars, acs);
        let nb = DMatrixView::from_slice_with_strides(&b_data, k, n, brs, bcs);
        let mut nc = DMatrix::from_column_slice(m, n, &c1);

        let flops = 2.0 * (m * k * n) as f64;
        let mut configs: [(usize, Box<dyn FnMut()>); 3] = [
            (1, Box::new(|| gemm(1.0, black_box(a), black_box(b), beta, black_box(&mut c1)))),
            (all, Box::new(|| gemm(1.0, black_box(a), black_box(b), beta, black_box(&mut c2)))),
            (1, Box::new(|| nc.gemm(1.0, black_box(&na), black_box(&nb), beta))),
        ];
        // Warm up (sizes the packing buffers, starts the workers) and calibrate.
        let reps: Vec<usize> = configs
            .iter_mut()
            .map(|(threads, f)| {
                set_threads(*threads);
                let mut times = Vec::new();
                time_calls(5, f, &mut times);
                let once = median(times);
                ((target.as_secs_f64() / once) as usize).clamp(1, 10_000)
            })
            .collect();
        let mut times: Vec<Vec<f64>> = reps.iter().map(|r| Vec::with_capacity(r * rounds)).collect();
        for _ in 0..rounds {
            for ((threads, f), (reps, times)) in configs.iter_mut().zip(reps.iter().zip(&mut times)) {
                set_threads(*threads);
                time_calls(*reps, f, times);
            }
        }
        let [one, many, reference] = [0, 1, 2].map(|i| flops / median(std::mem::take(&mut times[i])) / 1e9);
        println!(
            "{:<12} {m:>4} {k:>4} {n:>4}  {one:>8.1} {many:>8.1} {reference:>9.1}  {:>7.2}",
            case.what,
            one.max(many) / reference
        );
    }
    set_threads(all);
}
