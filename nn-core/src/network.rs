//! The trait every `network!` struct implements, and its `summary()`.

use crate::data::{Batch, Data};
use crate::error::Result;
use crate::layers::{Layer, Mode};
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::train::{self, Evaluation, Fit, History};
use std::fmt;

/// A whole network with `I` inputs and `O` outputs: a [`Layer`] with a name,
/// a summary, and Keras' `fit`, `evaluate` and `predict`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a network of input width {I} and output width {O}",
    label = "expected a network of input width {I} and output width {O}",
    note = "networks are declared with `network!`; their widths are those of `input:` and of the last layer"
)]
pub trait Network<const I: usize, const O: usize>: Layer<I, O> {
    /// The layers, their output shapes and parameter counts, as Keras prints them.
    fn summary(&self) -> Summary;

    /// Train on `data` with `loss` and `optimizer` as `options` say (epochs,
    /// batch size, validation data...), and return every epoch's loss and accuracy.
    ///
    /// `data` must have `I` inputs and `O` targets per sample, and `loss` must fit
    /// the last layer's activation: both are checked when the program compiles.
    /// See [`train::fit`] for the run-time errors.
    fn fit<D, L, Opt>(&mut self, data: &D, loss: L, optimizer: Opt, options: Fit<'_, I, O>) -> Result<History>
    where
        D: Data<I, O> + ?Sized,
        L: Loss<Self::Activation>,
        Opt: Optimizer,
    {
        train::fit(self, data, loss, optimizer, options)
    }

    /// Mean loss and accuracy on `data`.
    fn evaluate<D, L>(&self, data: &D, loss: L) -> Result<Evaluation>
    where
        D: Data<I, O> + ?Sized,
        L: Loss<Self::Activation>,
    {
        train::evaluate(self, data, &loss)
    }

    /// Outputs for a batch of inputs, one sample per column.
    fn predict(&self, inputs: &Batch<I>) -> Batch<O> {
        train::predict(self, inputs)
    }

    /// The batched backward pass: given the gradient of some loss with respect to
    /// the outputs for `inputs` (one sample per column), the gradient with respect
    /// to every parameter (laid out as a network of the same type) and to the inputs.
    ///
    /// Training uses the allocation-free form of [`Layer::backward_batch`]; this one
    /// allocates, for inspecting gradients.
    fn backward(&self, inputs: &Batch<I>, output_grad: &Batch<O>) -> Result<(Self, Batch<I>)> {
        let batch = inputs.ncols();
        if output_grad.ncols() != batch {
            return Err(crate::Error::InvalidArgument(format!(
                "{batch} input samples but {} output gradients",
                output_grad.ncols()
            )));
        }
        let mut buffers = Self::Buffers::default();
        let mut outputs = Batch::<O>::zeros(batch);
        self.forward_batch(inputs.as_slice(), outputs.as_mut_slice(), batch, &mut buffers, &mut Mode::Inference);
        let mut grad = output_grad.clone();
        let mut grads = Self::zeroed();
        let mut input_grad = Batch::<I>::zeros(batch);
        self.backward_batch(
            inputs.as_slice(),
            outputs.as_slice(),
            grad.as_mut_slice(),
            false,
            Some(input_grad.as_mut_slice()),
            batch,
            &mut buffers,
            &mut grads,
        );
        Ok((grads, input_grad))
    }
}

/// One line of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer as written, for example `dense (relu)`.
    pub layer: String,
    /// Its output shape, for example `(128)`.
    pub output: String,
    /// Its trainable parameters.
    pub params: usize,
}

/// A network's layers in order, printed like Keras' `model.summary()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The network's name.
    pub name: String,
    /// One row per layer, the input first.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// The total of the rows' parameters.
    pub fn total_params(&self) -> usize {
        self.rows.iter().map(|r| r.params).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layer_width = self.rows.iter().map(|r| r.layer.len()).chain([11]).max().unwrap_or(11) + 2;
        let shape_width = self.rows.iter().map(|r| r.output.len()).chain([12]).max().unwrap_or(12) + 2;
        let rule = "=".repeat(layer_width + shape_width + 10);
        writeln!(f, "Network: {}", self.name)?;
        writeln!(f, "{:<layer_width$}{:<shape_width$}{:>10}", "Layer", "Output shape", "Param #")?;
        writeln!(f, "{rule}")?;
        for row in &self.rows {
            writeln!(f, "{:<layer_width$}{:<shape_width$}{:>10}", row.layer, row.output, row.params)?;
        }
        writeln!(f, "{rule}")?;
        write!(f, "Total params: {}", self.total_params())
    }
}
