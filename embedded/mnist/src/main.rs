//! The keras-io MNIST CNN classifying the first 20 MNIST test digits with
//! neither std nor an allocator: its weights (`mnist_cnn.safetensors`, as
//! `examples/mnist_cnn.rs` trained and saved them) and the digits are in the
//! binary, the network runs from the weights where they lie
//! (`MnistCnn::view`), and every value between its layers is on the stack.
//!
//! It prints each digit's label and prediction, and exits with 0 when every
//! prediction is the label (as `predict` finds it for these digits:
//! `tests/view.rs` checks that), 1 when one is not, 2 when the weights do
//! not fit the network, 3 when its output cannot be written.
//!
//! A program for the machine it is built on (the project builds for one
//! target), yet `no_std` and `no_main`: the C library starts it and provides
//! `write` and `abort`, declared here, and nothing of Rust's std is linked.

#![no_std]
#![no_main]

use core::fmt::{self, Write};
use nn::network;

network! {
    /// The keras-io mnist_convnet network, as `examples/mnist_cnn.rs` declares it.
    pub struct MnistCnn {
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

/// What `cargo run --release --example mnist_cnn -- --save
/// embedded/mnist/mnist_cnn.safetensors` wrote (99.24% on the test set).
static WEIGHTS: &[u8] = nn::include_weights!("../mnist_cnn.safetensors");
/// The first 20 images of the MNIST test set, 28 rows of 28 pixels each.
static DIGITS: &[u8; 20 * 784] = include_bytes!("../digits.bin");
/// Their labels.
static LABELS: &[u8; 20] = include_bytes!("../labels.bin");

#[link(name = "c")]
extern "C" {
    fn write(fd: i32, bytes: *const u8, count: usize) -> isize;
    fn abort() -> !;
}

/// Text to a file descriptor, through a buffer on the stack.
struct Output {
    fd: i32,
    buffer: [u8; 256],
    len: usize,
}

impl Output {
    fn new(fd: i32) -> Self {
        Output { fd, buffer: [0; 256], len: 0 }
    }

    /// Write out what the buffer holds.
    fn flush(&mut self) -> fmt::Result {
        let mut done = 0;
        while done < self.len {
            let rest = &self.buffer[done..self.len];
            // SAFETY: `rest` is valid for `rest.len()` bytes.
            let written = unsafe { write(self.fd, rest.as_ptr(), rest.len()) };
            if written <= 0 {
                self.len = 0;
                return Err(fmt::Error);
            }
            done += written as usize;
        }
        self.len = 0;
        Ok(())
    }
}

impl Write for Output {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            if self.len == self.buffer.len() {
                self.flush()?;
            }
            self.buffer[self.len] = byte;
            self.len += 1;
        }
        Ok(())
    }
}

/// The class with the highest probability, and that probability.
fn best(probabilities: &[f32; 10]) -> (usize, f32) {
    let mut best = 0;
    for (class, p) in probabilities.iter().enumerate() {
        if *p > probabilities[best] {
            best = class;
        }
    }
    (best, probabilities[best])
}

#[no_mangle]
extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let mut out = Output::new(1);
    // 3 when the output cannot be written.
    classify(&mut out).and_then(|code| out.flush().map(|()| code)).unwrap_or(3)
}

/// Classify the digits, writing a line for each; the exit code.
fn classify(out: &mut Output) -> Result<i32, fmt::Error> {
    let view = match MnistCnn::view(WEIGHTS) {
        Ok(view) => view,
        Err(error) => {
            writeln!(out, "the embedded weights do not fit the network: {error}")?;
            return Ok(2);
        }
    };
    writeln!(out, "MnistCnn from {} bytes of embedded weights, no heap:", WEIGHTS.len())?;
    let mut right = 0;
    for (i, (digit, &label)) in DIGITS.chunks_exact(784).zip(LABELS).enumerate() {
        let mut pixels = [0.0f32; 784];
        for (x, p) in pixels.iter_mut().zip(digit) {
            *x = f32::from(*p) / 255.0;
        }
        let (predicted, probability) = best(&view.forward(&pixels));
        let verdict = if predicted == usize::from(label) { "" } else { "  <- not its label" };
        right += usize::from(verdict.is_empty());
        writeln!(out, "digit {i:2}: label {label}, predicted {predicted} ({:5.1}%){verdict}", 100.0 * probability)?;
    }
    writeln!(out, "{right} of {} digits predicted as labelled", LABELS.len())?;
    Ok(if right == LABELS.len() { 0 } else { 1 })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut err = Output::new(2);
    // Nothing is left to do if even this cannot be written.
    let _ = writeln!(err, "panic: {info}").and_then(|()| err.flush());
    // SAFETY: `abort` takes nothing and does not return.
    unsafe { abort() }
}
