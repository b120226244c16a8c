//! One training step (batch 32 and 128, SGD and Adam) and one forward pass
//! (a single sample, and a batch of 1,000) of the MNIST MLP, 784-128 ReLU-10
//! softmax, on the real MNIST images in `data/mnist/`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nn::data::idx::Mnist;
use nn::prelude::*;
use nn::train::TrainStep;
use std::hint::black_box;
use std::path::Path;

network! {
    pub struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }
}

fn mnist() -> (ImageSet<784, 10>, ImageSet<784, 10>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/mnist");
    let loaded = Mnist::load(&dir).unwrap_or_else(|e| panic!("MNIST in {}: {e}", dir.display()));
    loaded.into_sets().expect("MNIST sets")
}

fn training_step(c: &mut Criterion) {
    let (train, _) = mnist();
    let mut group = c.benchmark_group("training step");
    for (optimizer, batch) in [("sgd", 32), ("sgd", 128), ("adam", 32)] {
        group.throughput(Throughput::Elements(batch as u64));
        let mut net = MnistMlp::seeded(1);
        let mut step = TrainStep::<MnistMlp, 784, 10>::new(batch, 1);
        // The training set's batches in order, cycled through.
        let batches: Vec<Vec<usize>> =
            (0..train.len() / batch).map(|b| (b * batch..(b + 1) * batch).collect()).collect();
        let mut next = 0;
        let mut sgd = Sgd::new(0.1);
        let mut adam = Adam::new(1e-3);
        group.bench_function(BenchmarkId::new(optimizer, batch), |b| {
            b.iter(|| {
                let indices = &batches[next % batches.len()];
                next += 1;
                let stats = if optimizer == "sgd" {
                    step.run(&mut net, &train, indices, &CategoricalCrossentropy, &mut sgd)
                } else {
                    step.run(&mut net, &train, indices, &CategoricalCrossentropy, &mut adam)
                };
                black_box(stats.expect("a finite loss"))
            })
        });
    }
    group.finish();
}

fn forward(c: &mut Criterion) {
    let (_, test) = mnist();
    let net = MnistMlp::seeded(1);
    let mut group = c.benchmark_group("forward");
    let sample = test.inputs_of(0..1).column(0).into_owned();
    group.throughput(Throughput::Elements(1));
    group.bench_function("1 sample", |b| b.iter(|| black_box(net.forward(black_box(&sample)))));
    let batch = test.inputs_of(0..1000);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("batch of 1000", |b| b.iter(|| black_box(net.predict(black_box(&batch)).unwrap())));
    group.finish();
}

criterion_group!(benches, training_step, forward);
criterion_main!(benches);
