#![cfg(feature = "std")]
//! The trait every `network!` struct implements, and its `summary()`; below
//! it, a whole network to and from a safetensors file (`weights`) and as an
//! ONNX model (`export`), over the formats of [`crate::io`] and
//! [`crate::onnx`].

mod export;
mod weights;

use crate::data::{Batch, Data};
use crate::error::Result;
use crate::layers::{Activated, Backward, Layer, Mode};
use crate::loss::Loss;
use crate::metrics::ClassificationReport;
use crate::optim::Optimizer;
use crate::train::{self, Evaluation, Fit, History};
use std::fmt;
use std::path::Path;

/// A whole network with `I` inputs and `O` outputs: a [`Layer`] with a name,
/// a summary, and Keras' `fit`, `evaluate` and `predict`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a network of input width {I} and output width {O}",
    label = "expected a network of input width {I} and output width {O}",
    note = "networks are declared with `network!`; their widths are those of `input:` and of the last layer"
)]
pub trait Network<const I: usize, const O: usize>: Layer + Activated {
    /// One input sample's shape as the network declares it: `[784]`,
    /// `[1, 28, 28]` (an image, channels first), `[28, 28]` (28 steps of 28
    /// features). `network!` writes it; the default is a vector of `I`.
    const INPUT_SHAPE: &'static [usize] = &[I];

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

    /// How well the network classifies `data`, as scikit-learn's
    /// `classification_report` says it: per class precision, recall, F1 and
    /// support, the accuracy, the macro and weighted averages, the confusion
    /// matrix and, for a binary task (one output, or two), the ROC AUC. See
    /// [`train::classification_report`].
    ///
    /// ```
    /// use nn::prelude::*;
    /// use nn::data::Csv;
    ///
    /// network! {
    ///     struct Diagnosis { input: 30, dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/breast_cancer/breast_cancer.csv");
    /// let (data, classes) = Dataset::<30, 1>::from_csv(path, &Csv::label("diagnosis"))?;
    /// let (_, test) = data.split_stratified(0.2, 1)?;
    /// let report = Diagnosis::seeded(1).classification_report(&test)?.with_names(&classes)?;
    /// assert_eq!(report.classes[1].name, "malignant");
    /// assert_eq!((report.classes[0].support, report.classes[1].support), (72, 42));
    /// assert!(report.roc_auc.is_some());
    /// println!("{report}");
    /// # Ok(())
    /// # }
    /// ```
    fn classification_report<D>(&self, data: &D) -> Result<ClassificationReport>
    where
        D: Data<I, O> + ?Sized,
    {
        train::classification_report(self, data)
    }

    /// Outputs for a batch of inputs, one sample per column.
    ///
    /// An error, naming the column and position, when an input is not what
    /// the network reads: a token id that is not a whole number in its
    /// embedding's vocabulary.
    fn predict(&self, inputs: &Batch<I>) -> Result<Batch<O>> {
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
        let pass = Backward {
            input: inputs.as_slice(),
            output: outputs.as_slice(),
            grad: grad.as_mut_slice(),
            preactivation: false,
            grad_input: Some(input_grad.as_mut_slice()),
            batch,
            buffers: &mut buffers,
        };
        self.backward_batch(pass, &mut grads);
        Ok((grads, input_grad))
    }

    /// Save the parameters to `path` as a safetensors file that PyTorch loads
    /// into the matching `nn.Sequential`.
    ///
    /// Tensors are named as that `Sequential` names them (`0.weight` as
    /// `[out, in]`, `0.bias`; each activation a module of its own), stored as
    /// little-endian `F32`, with the network's [`summary`](Network::summary) in
    /// the metadata. The file is written beside `path` under a temporary name and
    /// renamed into place: an error (an [`Error::Io`](crate::Error::Io) naming
    /// `path`) leaves any earlier file there unchanged and no temporary file behind.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let path = std::env::temp_dir().join(format!("xor-save-{}.safetensors", std::process::id()));
    /// let xor = Xor::seeded(1);
    /// xor.save(&path)?;
    /// let copy = Xor::from_file(&path)?;
    /// assert_eq!(copy.forward([1.0, 0.0]), xor.forward([1.0, 0.0]));
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        weights::save(self, path.as_ref())
    }

    /// Overwrite the parameters with those of the safetensors file at `path`,
    /// as [`save`](Network::save) writes it or PyTorch's `save_file` does for the
    /// matching `nn.Sequential`.
    ///
    /// Everything is checked before anything changes: on an error `self` is as
    /// it was. A file that cannot be read is an [`Error::Io`](crate::Error::Io);
    /// one that breaks the format (truncated, a header that is not JSON, offsets
    /// that overlap or run past the data, a name twice...) an
    /// [`Error::Format`](crate::Error::Format); a missing or extra tensor, or one
    /// of another shape or an integer dtype, an [`Error::Shape`](crate::Error::Shape)
    /// naming the first such tensor with the shape expected and the shape found,
    /// or an [`Error::Architecture`](crate::Error::Architecture) showing both
    /// networks' summaries when the file stores one that differs. `F16` and
    /// `BF16` tensors load exactly; `F64` tensors are rounded to the nearest
    /// `f32`, and one holding a finite value beyond `f32`'s range is an error.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Small { input: 2, dense(3, relu), dense(1) }
    ///     struct Wide { input: 2, dense(5, relu), dense(1) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let path = std::env::temp_dir().join(format!("small-load-{}.safetensors", std::process::id()));
    /// Small::seeded(7).save(&path)?;
    ///
    /// let mut small = Small::seeded(0);
    /// small.load(&path)?;
    /// assert_eq!(small.forward([0.5, 0.5]), Small::seeded(7).forward([0.5, 0.5]));
    ///
    /// let error = Wide::seeded(0).load(&path).unwrap_err();
    /// assert!(error.to_string().contains("tensor `0.weight`: expected shape [5, 2], found shape [3, 2]"));
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        weights::load(self, path.as_ref())
    }

    /// A network with the parameters of the safetensors file at `path`; see
    /// [`load`](Network::load) for what is checked and the errors.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// let missing = std::env::temp_dir().join("no-such-dir-for-nn/xor.safetensors");
    /// let error = Xor::from_file(&missing).err().unwrap();
    /// assert!(matches!(error, nn::Error::Io { .. }));
    /// assert!(error.to_string().starts_with(&missing.display().to_string()));
    /// ```
    fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let mut network = Self::zeroed();
        network.load(path)?;
        Ok(network)
    }

    /// The bytes [`save`](Network::save) writes to a file.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let xor = Xor::seeded(3);
    /// let bytes: Vec<u8> = xor.to_bytes();
    /// let copy = Xor::from_bytes(&bytes)?;
    /// assert_eq!(copy.forward([0.0, 1.0]), xor.forward([0.0, 1.0]));
    /// # Ok(())
    /// # }
    /// ```
    fn to_bytes(&self) -> Vec<u8> {
        weights::to_bytes(self)
    }

    /// The network as an ONNX model, encoded: what
    /// [`save_onnx`](Network::save_onnx) writes to a file.
    ///
    /// The model imports opset 17; its graph is named after the network,
    /// takes `input` (`f32`, `[batch, ...]` with the shape `input:` declares:
    /// `[batch, 784]`, `[batch, 1, 28, 28]`, `[batch, 28, 28]`) and gives
    /// `output` (`[batch, ...]` as the last layer gives it), the batch
    /// dimension dynamic. It computes what [`predict`](Network::predict)
    /// does: dropout is the identity, batch norm uses its moving statistics.
    /// See [`crate::onnx`] for the operators each layer becomes.
    ///
    /// A network with a layer that ONNX cannot express (a custom layer
    /// without [`Layer::onnx`], a simple RNN whose activation ONNX's `RNN`
    /// does not know) is an [`Error::Export`](crate::Error::Export) naming
    /// the layer.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let bytes: Vec<u8> = Xor::seeded(1).to_onnx()?;
    /// assert!(!bytes.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    fn to_onnx(&self) -> Result<Vec<u8>> {
        export::to_bytes(self)
    }

    /// Save the network to `path` as an ONNX model (see
    /// [`to_onnx`](Network::to_onnx)), atomically as [`save`](Network::save):
    /// an error leaves any earlier file at `path` as it was.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Digits { input: [1, 28, 28], conv2d(8, 3, relu), maxpool2d(2), flatten, dense(10, softmax) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let path = std::env::temp_dir().join(format!("digits-{}.onnx", std::process::id()));
    /// Digits::seeded(1).save_onnx(&path)?;
    /// assert_eq!(std::fs::read(&path).unwrap(), Digits::seeded(1).to_onnx()?);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(())
    /// # }
    /// ```
    fn save_onnx(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = self.to_onnx()?;
        crate::io::atomic::write(path.as_ref(), &bytes)
    }

    /// Overwrite the parameters from safetensors bytes held in memory, checked
    /// as [`load`](Network::load) checks a file; errors name the source
    /// `<in-memory weights>`.
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let mut xor = Xor::seeded(0);
    /// xor.load_bytes(&Xor::seeded(5).to_bytes())?;
    /// assert_eq!(xor.forward([1.0, 1.0]), Xor::seeded(5).forward([1.0, 1.0]));
    ///
    /// let error = xor.load_bytes(b"not weights").unwrap_err();
    /// assert!(error.to_string().starts_with("<in-memory weights>: the first 8 bytes give a header of"));
    /// # Ok(())
    /// # }
    /// ```
    fn load_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        weights::load_bytes(self, bytes, Path::new(weights::IN_MEMORY))
    }

    /// A network with the parameters of safetensors bytes held in memory; see
    /// [`load_bytes`](Network::load_bytes).
    ///
    /// ```
    /// use nn::prelude::*;
    ///
    /// network! {
    ///     struct Xor { input: 2, dense(4, tanh), dense(1, sigmoid) }
    /// }
    ///
    /// let bytes = Xor::seeded(2).to_bytes();
    /// assert!(Xor::from_bytes(&bytes).is_ok());
    /// let error = Xor::from_bytes(&bytes[..bytes.len() - 4]).err().unwrap();
    /// assert!(error.to_string().contains("run past the end of the data"), "{error}");
    /// ```
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut network = Self::zeroed();
        network.load_bytes(bytes)?;
        Ok(network)
    }
}

/// One line of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer as written, for example `dense (relu)`.
    pub layer: String,
    /// Its output shape, for example `(128)` or `(32, 26, 26)`.
    pub output: String,
    /// Its trainable parameters.
    pub params: usize,
    /// Its values of training state that are not parameters (batch norm's
    /// moving statistics), Keras' "non-trainable params".
    pub state: usize,
    /// How deep inside blocks it stands: 0 for the network's own layers, 1
    /// for a block's branches or layers, 2 for the layers of a branch, ...
    /// The counts of a row at depth 0 include those of the rows under it.
    pub depth: usize,
}

/// A network's layers in order, printed like Keras' `model.summary()`: each
/// layer's output shape (channels first for images, as in PyTorch) and its
/// parameters, trainable and not, in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The network's name.
    pub name: String,
    /// One row per layer, the input first.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// All parameters, trainable or not, as Keras' "Total params".
    pub fn total_params(&self) -> usize {
        self.trainable_params() + self.non_trainable_params()
    }

    /// The trainable parameters.
    pub fn trainable_params(&self) -> usize {
        self.rows.iter().filter(|r| r.depth == 0).map(|r| r.params).sum()
    }

    /// The values of training state that are not parameters.
    pub fn non_trainable_params(&self) -> usize {
        self.rows.iter().filter(|r| r.depth == 0).map(|r| r.state).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layer_width = self.rows.iter().map(|r| 2 * r.depth + r.layer.len()).chain([11]).max().unwrap_or(11) + 2;
        let shape_width = self.rows.iter().map(|r| r.output.len()).chain([12]).max().unwrap_or(12) + 2;
        let rule = "=".repeat(layer_width + shape_width + 10);
        writeln!(f, "Network: {}", self.name)?;
        writeln!(f, "{:<layer_width$}{:<shape_width$}{:>10}", "Layer", "Output shape", "Param #")?;
        writeln!(f, "{rule}")?;
        for row in &self.rows {
            // A block's rows indented under it, as Keras shows a nested model's.
            let layer = format!("{:indent$}{}", "", row.layer, indent = 2 * row.depth);
            writeln!(f, "{layer:<layer_width$}{:<shape_width$}{:>10}", row.output, row.params + row.state)?;
        }
        writeln!(f, "{rule}")?;
        write!(f, "Total params: {}", self.total_params())?;
        if self.non_trainable_params() > 0 {
            write!(f, "\nTrainable params: {}", self.trainable_params())?;
            write!(f, "\nNon-trainable params: {}", self.non_trainable_params())?;
        }
        Ok(())
    }
}
