//! One convolution's forward and backward pass, at the shapes of the MNIST
//! CNN's two convolutions (`conv2d(32, 3, relu)` on [1, 28, 28] and
//! `conv2d(64, 3, relu)` on [32, 13, 13]), on batches of 128.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nn::act::Relu;
use nn::layers::{Backward, Conv2d, Layer, Mode};
use std::hint::black_box;

const BATCH: usize = 128;

fn bench<L: Layer>(c: &mut Criterion, name: &str, layer: &L, grad_input: bool) {
    let input: Vec<f32> = (0..L::INPUT * BATCH).map(|i| ((i as f32) * 0.618).sin()).collect();
    let mut output = vec![0.0; L::OUTPUT * BATCH];
    let mut buffers = L::Buffers::default();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("forward", |b| {
        b.iter(|| layer.forward_batch(black_box(&input), &mut output, BATCH, &mut buffers, &mut Mode::Inference))
    });
    let mut grads = L::zeroed();
    let (mut grad, mut input_grad) = (vec![0.0; L::OUTPUT * BATCH], vec![0.0; L::INPUT * BATCH]);
    group.bench_function("backward", |b| {
        b.iter(|| {
            grad.iter_mut().zip(&output).for_each(|(g, o)| *g = o * 1e-3);
            let pass = Backward {
                input: &input,
                output: &output,
                grad: &mut grad,
                preactivation: false,
                grad_input: grad_input.then_some(&mut input_grad[..]),
                batch: BATCH,
                buffers: &mut buffers,
            };
            layer.backward_batch(pass, &mut grads);
        })
    });
    group.finish();
}

fn convolutions(c: &mut Criterion) {
    // The first layer's backward pass needs no gradient to the image.
    bench(c, "conv2d 1->32 on 28x28", &Conv2d::<1, 28, 28, 32, 3, 3, 1, 1, false, Relu>::seeded(1), false);
    bench(c, "conv2d 32->64 on 13x13", &Conv2d::<32, 13, 13, 64, 3, 3, 1, 1, false, Relu>::seeded(2), true);
}

criterion_group!(benches, convolutions);
criterion_main!(benches);
