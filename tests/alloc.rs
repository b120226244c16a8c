//! A training step allocates nothing once its buffers exist: the counting
//! allocator below sees every heap allocation of this test binary.

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

/// Allocations in 9 training steps (full batches and a smaller last one) after
/// one warm-up step, with products on `threads` threads.
fn allocations_after_warm_up(threads: usize) -> usize {
    nn::gemm::set_threads(threads);
    let samples = 70;
    let inputs: Vec<[f32; 784]> =
        (0..samples).map(|s| std::array::from_fn(|i| ((s * 784 + i) % 255) as f32 / 255.0)).collect();
    let targets: Vec<[f32; 10]> =
        (0..samples).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s % 10)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Mnist::seeded(1);
    let mut optimizer = Sgd::new(0.05);
    let mut step = TrainStep::<Mnist, 784, 10>::new(32, 0);
    let order: Vec<usize> = (0..samples).rev().collect();

    // Warm-up: the first full batch sizes every buffer (and starts the workers).
    step.run(&mut net, &data, &order[..32], &CategoricalCrossentropy, &mut optimizer).unwrap();

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut loss = 0.0;
    for epoch in 0..3 {
        // Full batches and the smaller last one (70 = 32 + 32 + 6).
        for indices in order.chunks(32) {
            loss = step.run(&mut net, &data, indices, &CategoricalCrossentropy, &mut optimizer).unwrap().loss_sum;
        }
        assert!(loss.is_finite(), "epoch {epoch}");
    }
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn a_training_step_after_warm_up_allocates_nothing() {
    // Two threads first, so that the pool's workers exist; then one (no pool).
    for threads in [2, 1] {
        let allocated = allocations_after_warm_up(threads);
        assert_eq!(allocated, 0, "{allocated} allocations in 9 training steps after warm-up on {threads} threads");
    }

    // The counter does see allocations: one fresh `Vec` is one more.
    let probe = ALLOCATIONS.load(Ordering::SeqCst);
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst), probe + 1);
    drop(v);
}
