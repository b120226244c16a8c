#![cfg(feature = "std")]
//! The one error type of the crate: every run-time failure is a value, never a panic.

use std::path::PathBuf;

/// Everything that can go wrong at run time.
///
/// Each message names the file, tensor or epoch involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file's contents do not follow its format.
    #[error("{path}: {reason}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it, in words.
        reason: String,
    },
    /// A tensor in a weight file has another shape or type than the network expects.
    #[error("{path}: tensor `{tensor}`: expected {expected}, found {found}")]
    Shape {
        /// The file involved.
        path: PathBuf,
        /// The first tensor that differs.
        tensor: String,
        /// What the network expects.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// A weight file was saved from a network of another architecture: a
    /// [`Error::Shape`] told with both networks' summaries, the file's from its
    /// metadata, so the difference shows layer by layer. Boxed, as it is large.
    #[error("{0}")]
    Architecture(Box<ArchitectureMismatch>),
    /// A weight file whose tensors all fit was saved from a network of other
    /// layers (another activation, average instead of max pooling, another
    /// block structure), as the summary in its metadata shows: the first
    /// layer that differs, with both summaries. Boxed, as it is large.
    #[error("{0}")]
    Layers(Box<LayersMismatch>),
    /// Weight bytes a network's view cannot read (see [`crate::view`]): the
    /// format, or the tensor that does not fit. Boxed, as it is large.
    #[error("{0}")]
    View(Box<crate::safetensors::Error>),
    /// A CSV file does not hold the dataset asked for (see
    /// [`Dataset::from_csv`](crate::data::Dataset::from_csv)): a cell that is
    /// not a number or is empty, a row of another length than the header, a
    /// label the classes do not know, a column that is missing, or more or
    /// fewer feature columns than the dataset's width.
    ///
    /// ```
    /// use nn_core::data::{Csv, Dataset};
    ///
    /// let path = std::env::temp_dir().join(format!("error-csv-{}.csv", std::process::id()));
    /// std::fs::write(&path, "x,y\n1,0\nabc,1\n").unwrap();
    /// let error = Dataset::<1, 1>::from_csv(&path, &Csv::label("y")).unwrap_err();
    /// assert!(matches!(error, nn_core::Error::Csv { line: 3, column: Some(1), .. }));
    /// assert!(error.to_string().ends_with(": line 3, column 1: `abc` in `x` is not a number"));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    #[error("{path}: line {line}{}: {reason}", at_column(*.column))]
    Csv {
        /// The file involved.
        path: PathBuf,
        /// The line, from 1 (the header); where a row starts, for a row
        /// whose quoted cells span lines.
        line: u64,
        /// The column to blame, from 1, if one is.
        column: Option<usize>,
        /// What is wrong, in words, naming the column as the header does.
        reason: String,
    },
    /// The loss stopped being a finite number during training.
    #[error("loss became {loss} at epoch {epoch}, batch {batch}; lower the learning rate or check the data")]
    NonFiniteLoss {
        /// The epoch (1-based).
        epoch: usize,
        /// The batch within the epoch (1-based).
        batch: usize,
        /// The value the loss took (NaN or infinite).
        loss: f32,
    },
    /// An argument is outside what the operation accepts (an empty dataset, a zero batch size).
    #[error("{0}")]
    InvalidArgument(String),
    /// An input value that an embedding reads as a token id is not a whole
    /// number in `0..vocabulary`.
    #[error("sample {sample}, position {position}: token id {value} is not a whole number in 0..{vocabulary}")]
    InvalidToken {
        /// The sample, counted in the data given (a dataset's index in `fit`
        /// and `evaluate`, a column of the batch in `predict`).
        sample: usize,
        /// The step within the sample.
        position: usize,
        /// The value found.
        value: f32,
        /// The size of the embedding's vocabulary.
        vocabulary: usize,
    },
    /// A network cannot be written as an ONNX model: the layer (as written
    /// in `network!`, counted from 0; a nested network's layer after its
    /// network's) and why.
    #[error("cannot export to ONNX: {layer}: {reason}")]
    Export {
        /// The layer, e.g. ``layer 2 `simple_rnn (gelu)` ``.
        layer: String,
        /// Why, in words.
        reason: String,
    },
}

/// The details of an [`Error::Architecture`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path}: tensor `{tensor}`: expected {expected}, found {found}\n\
     the file holds a network of other layers:\n{file_summary}\n\
     this network is:\n{network_summary}",
    path = path.display()
)]
pub struct ArchitectureMismatch {
    /// The file involved.
    pub path: PathBuf,
    /// The first tensor that differs.
    pub tensor: String,
    /// What the network expects.
    pub expected: String,
    /// What the file holds.
    pub found: String,
    /// The summary stored in the file.
    pub file_summary: String,
    /// The summary of the network that was loading it.
    pub network_summary: String,
}

/// The details of an [`Error::Layers`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path}: the file holds a network of other layers: row {row} of its summary is `{found}`, this network's \
     `{expected}`\nthe file holds:\n{file_summary}\nthis network is:\n{network_summary}",
    path = path.display()
)]
pub struct LayersMismatch {
    /// The file involved.
    pub path: PathBuf,
    /// The first row of the summaries that differs, from 1 (the first layer).
    pub row: usize,
    /// That row in this network's summary (layer, output shape, parameters;
    /// empty past its last layer).
    pub expected: String,
    /// That row in the file's.
    pub found: String,
    /// The summary stored in the file.
    pub file_summary: String,
    /// The summary of the network that was loading it.
    pub network_summary: String,
}

/// `, column N` for an [`Error::Csv`] that names its column.
fn at_column(column: Option<usize>) -> String {
    column.map(|c| format!(", column {c}")).unwrap_or_default()
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::Format`] for `path`.
    pub fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Format { path: path.into(), reason: reason.into() }
    }

    /// An [`Error::Export`] for `reason`, its layer named by the network
    /// that holds it ([`Error::in_layer`]).
    pub fn export(reason: impl Into<String>) -> Self {
        Error::Export { layer: String::new(), reason: reason.into() }
    }

    /// For an [`Error::Export`], the layer it comes from: layer `index`
    /// labelled `label` (as `summary()` shows it), before any layer of it
    /// already named (a nested network's). Other errors unchanged.
    pub fn in_layer(self, index: usize, label: &str) -> Self {
        match self {
            Error::Export { layer, reason } => {
                let outer = format!("layer {index} `{label}`");
                let layer = if layer.is_empty() { outer } else { format!("{outer}, its {layer}") };
                Error::Export { layer, reason }
            }
            other => other,
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// So that `Name::view(bytes)?` works where errors are [`Error`]s.
impl From<crate::safetensors::Error> for Error {
    fn from(error: crate::safetensors::Error) -> Self {
        Error::View(Box::new(error))
    }
}
