//! Writing a safetensors file: `F32` tensors in the order given, after a header
//! padded with spaces to a multiple of 8 bytes so the data stays aligned.

use super::json::write_string;
use super::METADATA_KEY;
use crate::error::{Error, Result};
use crate::tensor::{Tensor, Values};
use std::collections::HashSet;

/// The bytes of a safetensors file holding `tensors` (as `F32`, or `I64` for
/// integer values), with `metadata`
/// as its `__metadata__` (left out when empty).
///
/// Tensors are written in the order given, each after the one before it. An
/// error, naming the tensor, if two tensors or two metadata keys share a name,
/// if a tensor is named `__metadata__`, or if a tensor's values do not number
/// the product of its shape.
///
/// ```
/// use nn_core::io::{serialize, WeightFile};
/// use nn_core::layers::Tensor;
///
/// let weight = Tensor { name: "0.weight".into(), shape: vec![1, 2], values: vec![1.0, 2.0].into() };
/// let bytes = serialize(&[weight], &[])?;
/// assert_eq!(WeightFile::parse(&bytes, "memory")?.values("0.weight")?, [1.0, 2.0]);
///
/// let wrong = Tensor { name: "0.bias".into(), shape: vec![3], values: vec![1.0].into() };
/// assert!(serialize(&[wrong], &[]).is_err());
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn serialize(tensors: &[Tensor<'_>], metadata: &[(&str, &str)]) -> Result<Vec<u8>> {
    let invalid = |reason: String| Err(Error::InvalidArgument(reason));
    let mut names = HashSet::new();
    for tensor in tensors {
        if tensor.name == METADATA_KEY {
            return invalid(format!("a tensor cannot be named `{METADATA_KEY}`, the key of the file's metadata"));
        }
        if !names.insert(tensor.name.as_str()) {
            return invalid(format!("two tensors are named `{}`", tensor.name));
        }
        let count = tensor.shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d));
        if count != Some(tensor.values.len()) {
            return invalid(format!(
                "tensor `{}` has shape {:?} but {} values",
                tensor.name,
                tensor.shape,
                tensor.values.len()
            ));
        }
    }
    let mut keys = HashSet::new();
    if let Some((key, _)) = metadata.iter().find(|(key, _)| !keys.insert(*key)) {
        return invalid(format!("two metadata entries are named `{key}`"));
    }
    let mut writer = Writer::default();
    for tensor in tensors {
        writer.add(&tensor.name, &tensor.shape, &tensor.values);
    }
    Ok(writer.finish(metadata))
}

/// Builds a file tensor by tensor. It trusts its caller for what [`serialize`]
/// checks: names unique and not `__metadata__`, values matching shapes.
#[derive(Default)]
pub(crate) struct Writer {
    header: String,
    data: Vec<u8>,
}

impl Writer {
    /// Append one tensor: `F32` values, or `I64`.
    pub(crate) fn add(&mut self, name: &str, shape: &[usize], values: &Values<'_>) {
        let begin = self.data.len();
        let dtype = match values {
            Values::F32(values) => {
                self.data.reserve(values.len() * 4);
                for v in values.iter() {
                    self.data.extend_from_slice(&v.to_le_bytes());
                }
                "F32"
            }
            Values::I64(values) => {
                self.data.reserve(values.len() * 8);
                for v in values.iter() {
                    self.data.extend_from_slice(&v.to_le_bytes());
                }
                "I64"
            }
        };
        self.header.push(',');
        write_string(&mut self.header, name);
        let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
        self.header.push_str(&format!(
            r#":{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{begin},{}]}}"#,
            shape.join(","),
            self.data.len()
        ));
    }

    /// The whole file: header length, header (metadata first), data.
    pub(crate) fn finish(self, metadata: &[(&str, &str)]) -> Vec<u8> {
        let mut header = String::from("{");
        if !metadata.is_empty() {
            write_string(&mut header, METADATA_KEY);
            header.push_str(":{");
            for (i, (key, value)) in metadata.iter().enumerate() {
                if i > 0 {
                    header.push(',');
                }
                write_string(&mut header, key);
                header.push(':');
                write_string(&mut header, value);
            }
            header.push('}');
        }
        // Each tensor's entry starts with a comma; the first needs none when there is no metadata.
        header.push_str(if metadata.is_empty() { self.header.strip_prefix(',').unwrap_or("") } else { &self.header });
        header.push('}');
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        let mut bytes = Vec::with_capacity(8 + header.len() + self.data.len());
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&self.data);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{Dtype, WeightFile};

    fn tensor(name: &str, shape: &[usize], values: &[f32]) -> Tensor<'static> {
        Tensor { name: name.into(), shape: shape.to_vec(), values: values.to_vec().into() }
    }

    #[test]
    fn writes_the_layout_byte_for_byte() {
        let bytes = serialize(&[tensor("b", &[2], &[1.0, -2.0])], &[("k", "v")]).unwrap();
        let header = r#"{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let padded_len = header.len().div_ceil(8) * 8;
        let padded = format!("{header:<padded_len$}");
        let mut expected = (padded.len() as u64).to_le_bytes().to_vec();
        expected.extend_from_slice(padded.as_bytes());
        expected.extend_from_slice(&1.0f32.to_le_bytes());
        expected.extend_from_slice(&(-2.0f32).to_le_bytes());
        assert_eq!(bytes, expected);
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let tensors = [tensor("0.weight", &[2, 3], &[1., 2., 3., 4., 5., 6.]), tensor("0.bias", &[2], &[7., 8.])];
        for metadata in [&[][..], &[("summary", "a \"quoted\"\ntable"), ("format", "pt")][..]] {
            let bytes = serialize(&tensors, metadata).unwrap();
            assert_eq!(u64::from_le_bytes(bytes[..8].try_into().unwrap()) % 8, 0, "the data starts aligned");
            let file = WeightFile::parse(&bytes, "test").unwrap();
            let names: Vec<_> = file.tensors().iter().map(|t| (t.name(), t.dtype(), t.shape().to_vec())).collect();
            assert_eq!(names, [("0.weight", Dtype::F32, vec![2, 3]), ("0.bias", Dtype::F32, vec![2])]);
            assert_eq!(file.values("0.weight").unwrap(), [1., 2., 3., 4., 5., 6.]);
            assert_eq!(file.values("0.bias").unwrap(), [7., 8.]);
            let metadata: Vec<(&str, &str)> = metadata.to_vec();
            let read: Vec<(&str, &str)> = file.metadata().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(read, metadata);
        }
        let empty = serialize(&[], &[]).unwrap();
        assert_eq!(WeightFile::parse(&empty, "test").unwrap().tensors().len(), 0, "a file of no tensors is valid");
    }

    #[test]
    fn refuses_what_would_make_an_invalid_file() {
        let cases = [
            (vec![tensor("a", &[1], &[1.0]), tensor("a", &[1], &[2.0])], "two tensors are named `a`"),
            (vec![tensor("__metadata__", &[1], &[1.0])], "cannot be named `__metadata__`"),
            (vec![tensor("a", &[2, 2], &[1.0; 3])], "tensor `a` has shape [2, 2] but 3 values"),
            (vec![tensor("a", &[usize::MAX, 3], &[])], "tensor `a` has shape"),
        ];
        for (tensors, expected) in cases {
            let error = serialize(&tensors, &[]).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        let error = serialize(&[], &[("k", "1"), ("k", "2")]).unwrap_err().to_string();
        assert_eq!(error, "two metadata entries are named `k`");
    }
}
