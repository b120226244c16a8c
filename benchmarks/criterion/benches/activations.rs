//! Every activation's forward pass and derivative on one layer's batch of
//! values (128 features x 128 samples), the element-wise work that follows
//! each matrix product in training; and dropout's training pass, which draws
//! one random number per value.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn::act::{Activation, Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
use nn::layers::{Dropout, Layer, Mode};
use nn::rand::SeedableRng;
use std::hint::black_box;

const ROWS: usize = 128;
const LEN: usize = ROWS * 128;

/// Pre-activations spread over [-6, 6], as a layer's outputs are.
fn inputs() -> Vec<f32> {
    (0..LEN).map(|i| ((i * 7919) % 12_001) as f32 / 1000.0 - 6.0).collect()
}

fn bench<A: Activation>(c: &mut Criterion) {
    let z = inputs();
    let mut out = z.clone();
    A::forward(&mut out, ROWS);
    let mut group = c.benchmark_group(A::NAME);
    group.throughput(Throughput::Elements(LEN as u64));
    let mut values = z.clone();
    group.bench_function("forward", |b| {
        b.iter(|| {
            values.copy_from_slice(&z);
            A::forward(black_box(&mut values), ROWS);
        })
    });
    let mut grad = vec![0.0; LEN];
    group.bench_function("backward", |b| {
        b.iter(|| {
            grad.fill(0.5);
            if A::NEEDS_INPUT {
                A::backward_from_input(black_box(&z), black_box(&mut grad), ROWS);
            } else {
                A::backward(black_box(&out), black_box(&mut grad), ROWS);
            }
        })
    });
    group.finish();
}

fn dropout(c: &mut Criterion) {
    let z = inputs();
    let mut out = vec![0.0; LEN];
    let mut mask = Vec::new();
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(1);
    let layer: Dropout<ROWS, { 0.2f32.to_bits() }> = Dropout;
    let mut group = c.benchmark_group("dropout(0.2)");
    group.throughput(Throughput::Elements(LEN as u64));
    group.bench_function("training forward", |b| {
        b.iter(|| {
            let batch = LEN / ROWS;
            layer.forward_batch(black_box(&z), &mut out, batch, &mut mask, &mut Mode::Training(&mut rng));
        })
    });
    group.finish();
}

fn activations(c: &mut Criterion) {
    bench::<Linear>(c);
    bench::<Relu>(c);
    bench::<LeakyRelu>(c);
    bench::<Elu>(c);
    bench::<Sigmoid>(c);
    bench::<Tanh>(c);
    bench::<Softplus>(c);
    bench::<Swish>(c);
    bench::<Gelu>(c);
    bench::<Gelu<true>>(c);
    bench::<Softmax>(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = activations, dropout
}
criterion_main!(benches);
