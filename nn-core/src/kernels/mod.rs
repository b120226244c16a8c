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
//!   backpropagation through time.
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
