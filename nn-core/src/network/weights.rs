//! Networks to and from safetensors files: every parameter tensor under the name
//! and in the layout that the matching `torch.nn.Sequential` uses, with the
//! network's summary in the metadata, and loading that checks each tensor the
//! network expects against the file, then its layers against the summary the
//! file holds, before it changes anything.

use super::Network;
use crate::error::{ArchitectureMismatch, Error, LayersMismatch, Result};
use crate::io::{atomic, Dtype, WeightFile, Writer, FORMAT_KEY, PYTORCH_FORMAT, SUMMARY_KEY};
use crate::tensor::Slot;
use std::path::Path;

/// How errors name bytes that did not come from a file.
pub(crate) const IN_MEMORY: &str = "<in-memory weights>";

/// The network as a safetensors file: its tensors as `F32` in the order
/// [`crate::layers::Layer::tensors`] gives them, and its summary in the metadata.
pub(crate) fn to_bytes<N: Network<I, O>, const I: usize, const O: usize>(network: &N) -> Vec<u8> {
    let mut writer = Writer::default();
    network.tensors("", &mut |tensor| writer.add(&tensor.name, &tensor.shape, &tensor.values));
    let summary = network.summary().to_string();
    writer.finish(&[(FORMAT_KEY, PYTORCH_FORMAT), (SUMMARY_KEY, &summary)])
}

/// Save to `path`, atomically.
pub(crate) fn save<N: Network<I, O>, const I: usize, const O: usize>(network: &N, path: &Path) -> Result<()> {
    atomic::write(path, &to_bytes(network))
}

/// Load from the file at `path`.
pub(crate) fn load<N: Network<I, O>, const I: usize, const O: usize>(network: &mut N, path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    load_bytes(network, &bytes, path)
}

/// Overwrite `network`'s parameters from the safetensors `bytes`, named `path`
/// in errors. On any error `network` is left unchanged.
pub(crate) fn load_bytes<N: Network<I, O>, const I: usize, const O: usize>(
    network: &mut N,
    bytes: &[u8],
    path: &Path,
) -> Result<()> {
    let file = WeightFile::parse(bytes, path)?;
    check_format(&file)?;
    let summary = network.summary().to_string();
    let mismatch = |tensor: &str, expected: String, found: String| match file.metadata_value(SUMMARY_KEY) {
        Some(stored) if stored != summary => Error::Architecture(Box::new(ArchitectureMismatch {
            path: path.to_path_buf(),
            tensor: tensor.to_string(),
            expected,
            found,
            file_summary: stored.to_string(),
            network_summary: summary.clone(),
        })),
        _ => Error::Shape { path: path.to_path_buf(), tensor: tensor.to_string(), expected, found },
    };

    // Loaded into a fresh network, so a file that fails half-way changes nothing.
    let mut loaded = N::zeroed();
    let mut used = vec![false; file.tensors().len()];
    let mut expected_names = Vec::new();
    loaded.load_tensors("", &mut |name, shape, slot| {
        expected_names.push(name.to_string());
        let Some(index) = file.tensors().iter().position(|t| t.name() == name) else {
            let names = file.tensors().iter().map(|t| t.name());
            let found = format!("no tensor of that name (the file holds {})", list(names));
            return Err(mismatch(name, format!("shape {shape:?}"), found));
        };
        let tensor = &file.tensors()[index];
        if tensor.shape() != shape {
            return Err(mismatch(name, format!("shape {shape:?}"), format!("shape {:?}", tensor.shape())));
        }
        let fits = match slot {
            Slot::F32(_) => tensor.dtype().converts_to_f32(),
            Slot::I64(_) => tensor.dtype() == Dtype::I64,
        };
        if !fits {
            let expected = match slot {
                Slot::F32(_) => "F32 values (or F16, BF16, F64)",
                Slot::I64(_) => "I64 values",
            };
            return Err(mismatch(name, expected.to_string(), format!("{} values", tensor.dtype())));
        }
        used[index] = true;
        match slot {
            Slot::F32(out) => file.convert(tensor, out),
            Slot::I64(out) => {
                for (o, bytes) in out.iter_mut().zip(tensor.data().chunks_exact(8)) {
                    *o = i64::from_le_bytes(bytes.try_into().expect("chunks of 8 bytes"));
                }
                Ok(())
            }
        }
    })?;
    if let Some(extra) = file.tensors().iter().zip(&used).find(|(_, used)| !**used).map(|(t, _)| t) {
        let expected = format!("no tensor of that name (this network has {})", list(expected_names.iter()));
        return Err(mismatch(extra.name(), expected, format!("shape {:?}", extra.shape())));
    }
    if let Some(stored) = file.metadata_value(SUMMARY_KEY) {
        same_layers(stored, &summary, path)?;
    }
    *network = loaded;
    Ok(())
}

/// The layer rows of a printed summary (between its two rules), each with
/// its columns joined by one space: the same layers give the same rows
/// whatever the network's name and the columns' widths.
fn layer_rows(summary: &str) -> Vec<String> {
    let mut rules = summary.lines().enumerate().filter(|(_, line)| !line.is_empty() && line.chars().all(|c| c == '='));
    let (Some((first, _)), Some((last, _))) = (rules.next(), rules.next()) else { return Vec::new() };
    let lines = summary.lines().skip(first + 1).take(last - first - 1);
    lines.map(|line| line.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Rule: a file whose tensors all fit holds the network's layers, as its
/// stored summary shows them (a file without one, as PyTorch saves it, is
/// taken as it is): another activation, another pooling or another block
/// structure with the same tensors is an error naming the first row that
/// differs. The network's name and the summary's spacing are not compared.
fn same_layers(stored: &str, summary: &str, path: &Path) -> Result<()> {
    let (file_rows, rows) = (layer_rows(stored), layer_rows(summary));
    if file_rows.is_empty() || file_rows == rows {
        return Ok(());
    }
    let row = file_rows.iter().zip(&rows).take_while(|(a, b)| a == b).count();
    let at = |rows: &[String]| rows.get(row).cloned().unwrap_or_default();
    Err(Error::Layers(Box::new(LayersMismatch {
        path: path.to_path_buf(),
        row: row + 1,
        expected: at(&rows),
        found: at(&file_rows),
        file_summary: stored.to_string(),
        network_summary: summary.to_string(),
    })))
}

/// A file that says its tensors follow another framework's layout (TensorFlow
/// stores a dense kernel as [in, out]) would load square matrices transposed
/// without any shape differing: refuse it. No format key is taken as PyTorch's.
fn check_format(file: &WeightFile<'_>) -> Result<()> {
    match file.metadata_value(FORMAT_KEY) {
        None | Some(PYTORCH_FORMAT) => Ok(()),
        Some(other) => Err(Error::format(
            file.path(),
            format!(
                "the metadata gives format `{other}`; a network loads PyTorch's layout \
                 (format `{PYTORCH_FORMAT}`, a dense weight as [out, in])"
            ),
        )),
    }
}

/// Up to eight names in backticks, then how many there are in all.
fn list<S: AsRef<str>>(names: impl ExactSizeIterator<Item = S>) -> String {
    let count = names.len();
    if count == 0 {
        return "no tensors".to_string();
    }
    let shown: Vec<String> = names.take(8).map(|n| format!("`{}`", n.as_ref())).collect();
    match count {
        1..=8 => shown.join(", "),
        _ => format!("{}, ... ({count} tensors)", shown.join(", ")),
    }
}
