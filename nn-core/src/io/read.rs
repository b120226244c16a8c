//! Reading a safetensors file: the header parsed and checked against the data,
//! every tensor located, nothing trusted.
//!
//! The layout is an 8-byte little-endian header length `N`, `N` bytes of JSON
//! header, then the data. The header maps each tensor name to
//! `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`, offsets
//! counted from the start of the data, and may hold `"__metadata__"`, a map of
//! strings to strings. [`WeightFile::parse`] accepts a file only if every entry
//! has exactly those fields, each tensor's byte span equals its element count
//! times its type's size, and the spans tile the data exactly: no overlap, no
//! gap, nothing after the last one.

use super::json::{self, Value};
use super::METADATA_KEY;
use crate::error::{Error, Result};
use crate::safetensors::dtype::{self, ConvertError, Dtype};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A parsed safetensors file, borrowing its bytes.
///
/// ```
/// use nn_core::io::{serialize, Dtype, WeightFile};
/// use nn_core::layers::Tensor;
///
/// let tensor = Tensor { name: "0.bias".into(), shape: vec![2], values: vec![0.5, -1.0].into() };
/// let bytes = serialize(&[tensor], &[("format", "pt")])?;
///
/// let file = WeightFile::parse(&bytes, "memory")?;
/// assert_eq!(file.metadata_value("format"), Some("pt"));
/// let bias = file.tensor("0.bias").unwrap();
/// assert_eq!((bias.dtype(), bias.shape()), (Dtype::F32, &[2][..]));
/// assert_eq!(file.values("0.bias")?, [0.5, -1.0]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WeightFile<'a> {
    path: PathBuf,
    tensors: Vec<TensorView<'a>>,
    metadata: Vec<(String, String)>,
}

/// One tensor of a [`WeightFile`]: its name, type, shape and raw little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorView<'a> {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    data: &'a [u8],
}

impl<'a> TensorView<'a> {
    /// The tensor's name, as the header gives it (`0.weight`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The shape, outermost dimension first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of elements: the product of the shape.
    pub fn len(&self) -> usize {
        // Checked when the file was parsed: the product fits, as the bytes exist.
        self.shape.iter().product()
    }

    /// True when the tensor has no elements (a dimension is zero).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes, little-endian, row-major.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

impl<'a> WeightFile<'a> {
    /// Parse and check `bytes`; `path` names the file in error messages.
    ///
    /// Every way the bytes can disagree with the format is an [`Error::Format`]
    /// naming the file and, where there is one, the tensor: too short for the
    /// header length, a header length beyond the file, a header that is not UTF-8
    /// or not strict JSON or not an object, a key named twice, a missing, extra or
    /// mistyped field, an unknown dtype, offsets that end before they begin, run
    /// past the data, do not match the shape and dtype, overlap, or leave bytes
    /// of the data to no tensor. Parsing never panics and allocates nothing in
    /// proportion to what the header claims, only to what the file holds.
    pub fn parse(bytes: &'a [u8], path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let fail = |reason: String| Error::format(path, reason);
        let Some((length, rest)) = bytes.split_first_chunk::<8>() else {
            return Err(fail(format!(
                "{} bytes is too short for a safetensors file, which starts with an 8-byte header length",
                bytes.len()
            )));
        };
        let length = u64::from_le_bytes(*length);
        let header = usize::try_from(length).ok().and_then(|n| rest.get(..n)).ok_or_else(|| {
            fail(format!(
                "the first 8 bytes give a header of {length} bytes, but only {} bytes follow them; \
                 the file is truncated or not a safetensors file",
                rest.len()
            ))
        })?;
        let data = &rest[header.len()..];
        let text = std::str::from_utf8(header)
            .map_err(|e| fail(format!("the header is not valid UTF-8 (at byte {} of the header)", e.valid_up_to())))?;
        let value = json::parse(text).map_err(|e| fail(format!("the header is not valid JSON: {e}")))?;
        let Value::Object(members) = value else {
            return Err(fail(format!("the header is {}, not a JSON object", value.kind())));
        };

        let mut tensors = Vec::new();
        let mut spans = Vec::new();
        let mut metadata = Vec::new();
        for (name, entry) in members {
            if name == METADATA_KEY {
                metadata = read_metadata(entry).map_err(fail)?;
                continue;
            }
            let (dtype, shape, span) =
                read_entry(entry, data.len()).map_err(|reason| fail(format!("tensor `{name}`: {reason}")))?;
            spans.push(span.clone());
            tensors.push(TensorView { name, dtype, shape, data: &data[span] });
        }
        check_tiling(&tensors, &spans, data.len()).map_err(fail)?;
        Ok(WeightFile { path: path.to_path_buf(), tensors, metadata })
    }

    /// The path given to [`WeightFile::parse`], named in errors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tensors in the order the header lists them.
    pub fn tensors(&self) -> &[TensorView<'a>] {
        &self.tensors
    }

    /// The tensor named `name`, if the file has one.
    pub fn tensor(&self, name: &str) -> Option<&TensorView<'a>> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The `__metadata__` entries, in file order.
    pub fn metadata(&self) -> &[(String, String)] {
        &self.metadata
    }

    /// The metadata value under `key`, if there is one.
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The values of tensor `name` as `f32`, row-major.
    ///
    /// `F16` and `BF16` convert exactly and `F64` rounds to the nearest `f32`;
    /// a missing tensor, another type, or an `F64` value beyond `f32`'s range is
    /// an error naming the file and the tensor.
    pub fn values(&self, name: &str) -> Result<Vec<f32>> {
        let tensor = self.tensor(name).ok_or_else(|| Error::format(&self.path, format!("no tensor `{name}`")))?;
        let mut values = vec![0.0; tensor.len()];
        self.convert(tensor, &mut values)?;
        Ok(values)
    }

    /// Decode `tensor` (one of this file's) into `out`, which holds its element count.
    pub(crate) fn convert(&self, tensor: &TensorView<'_>, out: &mut [f32]) -> Result<()> {
        dtype::to_f32(tensor.dtype, tensor.data, out).map_err(|e| {
            let reason = match e {
                ConvertError::NotFloat => {
                    format!("{} values do not convert to f32 (only F32, F16, BF16 and F64 do)", tensor.dtype)
                }
                ConvertError::Length => format!("{} elements do not fill {} values", tensor.len(), out.len()),
                ConvertError::OutOfRange { index, value } => {
                    format!("element {index} is {value:e}, beyond the range of f32")
                }
            };
            Error::format(&self.path, format!("tensor `{}`: {reason}", tensor.name))
        })
    }
}

/// The `__metadata__` entry: an object whose values are all strings.
fn read_metadata(entry: Value) -> Result<Vec<(String, String)>, String> {
    let Value::Object(members) = entry else {
        return Err(format!("`{METADATA_KEY}` is {}, not an object of strings", entry.kind()));
    };
    members
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => Ok((key, s)),
            other => Err(format!("`{METADATA_KEY}` entry `{key}` is {}, not a string", other.kind())),
        })
        .collect()
}

/// One tensor's entry: exactly `dtype`, `shape` and `data_offsets`, consistent
/// with each other and inside the `data_len` bytes of data.
fn read_entry(entry: Value, data_len: usize) -> Result<(Dtype, Vec<usize>, Range<usize>), String> {
    let Value::Object(fields) = entry else {
        return Err(format!("its entry is {}, not an object", entry.kind()));
    };
    let (mut dtype, mut shape, mut offsets) = (None, None, None);
    for (key, value) in fields {
        match key.as_str() {
            "dtype" => dtype = Some(value),
            "shape" => shape = Some(value),
            "data_offsets" => offsets = Some(value),
            _ => return Err(format!("unknown field `{key}` (an entry has `dtype`, `shape` and `data_offsets`)")),
        }
    }
    let missing = |field: &str| format!("no `{field}` field");
    let dtype = match dtype.ok_or_else(|| missing("dtype"))? {
        Value::String(name) => Dtype::from_name(&name).ok_or_else(|| format!("unknown dtype `{name}`"))?,
        other => return Err(format!("`dtype` is {}, not a string", other.kind())),
    };
    let shape = integers(shape.ok_or_else(|| missing("shape"))?, "shape")?;
    let offsets = integers(offsets.ok_or_else(|| missing("data_offsets"))?, "data_offsets")?;
    let [begin, end] = offsets[..] else {
        return Err(format!("`data_offsets` has {} numbers, not 2", offsets.len()));
    };
    if begin > end {
        return Err(format!("data_offsets [{begin}, {end}] end before they begin"));
    }
    if end > data_len {
        return Err(format!("data_offsets [{begin}, {end}] run past the end of the data, which is {data_len} bytes"));
    }
    let size = shape
        .iter()
        .try_fold(dtype.size(), |n, d| n.checked_mul(*d))
        .ok_or_else(|| format!("shape {shape:?} of {dtype} is too large to exist"))?;
    if end - begin != size {
        return Err(format!(
            "shape {shape:?} of {dtype} takes {size} bytes, but data_offsets [{begin}, {end}] span {}",
            end - begin
        ));
    }
    Ok((dtype, shape, begin..end))
}

/// An array of non-negative integers that fit in `usize`.
fn integers(value: Value, field: &str) -> Result<Vec<usize>, String> {
    let Value::Array(items) = value else {
        return Err(format!("`{field}` is {}, not an array of integers", value.kind()));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Number(text) => text
                .parse::<usize>()
                .map_err(|_| format!("`{field}` holds {text}, not a non-negative integer that fits in memory")),
            other => Err(format!("`{field}` holds {}, not an integer", other.kind())),
        })
        .collect()
}

/// The spans, sorted by where they begin, must follow one another from byte 0
/// to the end of the data.
fn check_tiling(tensors: &[TensorView<'_>], spans: &[Range<usize>], data_len: usize) -> Result<(), String> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].start, spans[i].end));
    let mut covered = 0;
    let mut previous: Option<usize> = None;
    for i in order {
        let span = &spans[i];
        let name = &tensors[i].name;
        if span.start < covered {
            let other = previous.map_or("?", |p| tensors[p].name.as_str());
            let other_span = previous.map_or(0..0, |p| spans[p].clone());
            return Err(format!(
                "tensor `{name}` (bytes {}..{}) overlaps tensor `{other}` (bytes {}..{})",
                span.start, span.end, other_span.start, other_span.end
            ));
        }
        if span.start > covered {
            return Err(format!(
                "bytes {covered}..{} of the data belong to no tensor (the next one, `{name}`, starts at {})",
                span.start, span.start
            ));
        }
        covered = span.end;
        previous = Some(i);
    }
    if covered != data_len {
        return Err(format!(
            "bytes {covered}..{data_len} at the end of the data belong to no tensor; \
             the file has trailing bytes or its header is wrong"
        ));
    }
    Ok(())
}
