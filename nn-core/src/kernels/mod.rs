//! Kernels: the arithmetic of convolutions, pooling windows and recurrent
//! steps, over slices, with sizes as arguments or const generics. They know
//! no layer: the layers (`crate::layers`) and the views (`crate::view`)
//! own the parameters, say their tensors and call these.
//!
//! - [`window`]: output sizes and padding (Keras' rules), and the part of
//!   each window inside the image;
//! - [`im2col`]: a convolution's window matrix, and its reverse (col2im);
//! - [`conv_direct`]: convolutions computed directly: a shallow first
//!   convolution's batch, and any convolution's one sample (the layer's and
//!   the view's one-sample pass);
//! - [`winograd`]: 3x3 convolutions by Winograd's F(2x2, 3x3);
//! - [`conv`]: a convolution's passes over a batch, through one of the three;
//! - [`pool`]: max and average pooling of one sample;
//! - [`cell`]: one step of an LSTM, a GRU or a simple RNN on one sample;
//! - [`recurrent`]: a recurrent layer's loop over time for a batch, and
//!   backpropagation through time;
//! - [`transpose_into`]: a matrix's transpose, in cache-sized blocks.
//!
//! What needs neither the heap nor threads builds without std, so that the
//! no_std views can call the same arithmetic as the layers.

// Without std, only the views are built, and they do not call every kernel yet.
#![cfg_attr(not(feature = "std"), allow(dead_code))]

pub(crate) mod cell;
#[cfg(feature = "std")]
pub(crate) mod conv;
pub(crate) mod conv_direct;
pub(crate) mod im2col;
pub(crate) mod pool;
#[cfg(feature = "std")]
pub(crate) mod recurrent;
pub(crate) mod window;
#[cfg(feature = "std")]
pub(crate) mod winograd;

/// The transpose of the `rows x cols` column-major `values`, column-major,
/// into `out`, its columns `ld >= cols` values apart, in blocks of 8 x 8
/// values, so that the reads and the writes each stay on a few cache lines
/// (a 512 x 128 matrix: 69 us value by value, 36 us so).
pub(crate) fn transpose_into(values: &[f32], rows: usize, cols: usize, out: &mut [f32], ld: usize) {
    const BLOCK: usize = 8;
    let values = &values[..rows * cols];
    let out = &mut out[..ld * (rows.max(1) - 1) + cols];
    for j0 in (0..cols).step_by(BLOCK) {
        for i0 in (0..rows).step_by(BLOCK) {
            for j in j0..(j0 + BLOCK).min(cols) {
                for i in i0..(i0 + BLOCK).min(rows) {
                    out[i * ld + j] = values[j * rows + i];
                }
            }
        }
    }
}
