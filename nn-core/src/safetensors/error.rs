//! What can be wrong with a weight blob a view reads, as values that need no
//! heap: names and shapes are copied into fixed-size fields.

use super::Dtype;
use core::fmt;

/// Why a view could not be made from a weight blob: the bytes break the
/// safetensors format, or a tensor the network reads is missing or differs
/// from what it reads. Each error names the tensor where there is one.
///
/// ```
/// use nn::prelude::*;
///
/// network! {
///     pub struct Small { input: 4, dense(2, relu) }
///     pub struct Wide { input: 4, dense(3, relu) }
/// }
///
/// let bytes = Wide::seeded(1).to_bytes();
/// let error = Small::view(&bytes).unwrap_err();
/// assert_eq!(error.to_string(), "tensor `0.weight`: expected shape [2, 4], found shape [3, 4]");
/// assert_eq!(Small::view(&bytes[..7]).unwrap_err().to_string(),
///     "7 bytes is too short for a safetensors file, which starts with an 8-byte header length");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes break the format (see [`Format`]).
    Format(Format),
    /// A tensor the network reads is not in the blob.
    Missing {
        /// Its full name.
        tensor: Name,
        /// The shape the network reads.
        expected: Dims,
        /// How many tensors the blob holds.
        count: usize,
    },
    /// A tensor has another shape than the network reads.
    Shape {
        /// Its full name.
        tensor: Name,
        /// The shape the network reads.
        expected: Dims,
        /// The shape in the blob.
        found: Dims,
    },
    /// A tensor has another element type than the network reads: `F32` for
    /// parameters and statistics (a view reads values where they lie, so it
    /// converts no `F16`, `BF16` or `F64`), `I64` for batch norm's count.
    Dtype {
        /// Its full name.
        tensor: Name,
        /// The type the network reads.
        expected: Dtype,
        /// The type in the blob.
        found: Dtype,
    },
    /// The blob holds a tensor the network does not read.
    Unexpected {
        /// Its name.
        tensor: Name,
        /// Its shape.
        found: Dims,
        /// How many tensors the network reads.
        count: usize,
    },
    /// A tensor's values do not start on a 4-byte boundary in memory, so
    /// they cannot be read in place as `f32`s. Embed a blob with
    /// [`include_weights!`](crate::include_weights), which aligns it, or
    /// copy it into [`AlignedBytes`](crate::view::AlignedBytes).
    Misaligned {
        /// Its full name.
        tensor: Name,
        /// The address of its first byte.
        address: usize,
    },
    /// This machine stores numbers big-endian, and a blob's values are
    /// little-endian: a view reads them in place, so it cannot run here.
    BigEndian,
    /// The modules of nested networks make a name longer than a [`Name`]
    /// holds.
    NameTooLong {
        /// The start of the name.
        prefix: Name,
    },
}

/// How the bytes of a weight blob break the safetensors format: the same
/// rules as [`WeightFile::parse`](crate::io::WeightFile::parse) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Fewer than the 8 bytes of the header length.
    TooShort {
        /// The blob's length.
        len: usize,
    },
    /// The header length runs past the end of the blob.
    HeaderLength {
        /// The length the first 8 bytes give.
        header: u64,
        /// The bytes after them.
        available: usize,
    },
    /// The header is not UTF-8.
    NotUtf8 {
        /// The first byte of the header that is not.
        at: usize,
    },
    /// The header is not JSON, or not the JSON of a safetensors header.
    Header {
        /// The byte of the header where it goes wrong.
        at: usize,
        /// What a header holds there.
        expected: &'static str,
    },
    /// A key is given twice.
    Duplicate {
        /// The key.
        key: Name,
    },
    /// A tensor's entry is not what an entry holds (`dtype`, `shape` and
    /// `data_offsets`, each once).
    Entry {
        /// The tensor.
        tensor: Name,
        /// What is wrong, in words.
        problem: &'static str,
        /// The field or value concerned, where there is one.
        detail: Name,
    },
    /// A tensor's offsets end before they begin, or run past the data.
    Offsets {
        /// The tensor.
        tensor: Name,
        /// Its `data_offsets`.
        begin: usize,
        /// See `begin`.
        end: usize,
        /// The bytes of data after the header.
        data: usize,
    },
    /// A tensor's offsets do not span its shape times its type's size.
    Size {
        /// The tensor.
        tensor: Name,
        /// Its shape.
        shape: Dims,
        /// Its type.
        dtype: Dtype,
        /// The bytes the shape takes, if that number fits in a `usize`.
        size: Option<usize>,
        /// Its `data_offsets`.
        begin: usize,
        /// See `begin`.
        end: usize,
    },
    /// Two tensors share bytes.
    Overlap {
        /// One tensor and its bytes.
        tensor: Name,
        /// See `tensor`.
        span: (usize, usize),
        /// The other.
        other: Name,
        /// See `other`.
        other_span: (usize, usize),
    },
    /// Bytes of the data belong to no tensor.
    Gap {
        /// The first such byte.
        from: usize,
        /// The byte after the last.
        to: usize,
    },
    /// The metadata names another layout than PyTorch's (`"format": "tf"`).
    Layout {
        /// The format it gives.
        format: Name,
    },
    /// More tensors than a view keeps track of.
    TooManyTensors {
        /// How many there are.
        count: usize,
    },
}

impl From<Format> for Error {
    fn from(format: Format) -> Self {
        Error::Format(format)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Format(format) => format.fmt(f),
            Error::Missing { tensor, expected, count } => write!(
                f,
                "tensor `{tensor}`: expected shape {expected}, found no tensor of that name (the weights hold \
                 {count} tensors)"
            ),
            Error::Shape { tensor, expected, found } => {
                write!(f, "tensor `{tensor}`: expected shape {expected}, found shape {found}")
            }
            Error::Dtype { tensor, expected, found } => {
                write!(f, "tensor `{tensor}`: expected {expected} values, found {found} values")?;
                if *expected == Dtype::F32 && found.converts_to_f32() {
                    f.write_str(" (a view reads values where they lie and converts none; `load` converts them)")?;
                }
                Ok(())
            }
            Error::Unexpected { tensor, found, count } => write!(
                f,
                "tensor `{tensor}`: expected no tensor of that name (the network reads {count} tensors), found \
                 shape {found}"
            ),
            Error::Misaligned { tensor, address } => write!(
                f,
                "tensor `{tensor}`: its values start at address {address:#x}, not on a 4-byte boundary, so they \
                 cannot be read in place; embed the weights with `nn::include_weights!` or copy them into \
                 `nn::view::AlignedBytes`"
            ),
            Error::BigEndian => f.write_str(
                "this machine is big-endian and a safetensors blob is little-endian: a view reads values in place, \
                 so it runs on little-endian machines only (`load` converts)",
            ),
            Error::NameTooLong { prefix } => {
                write!(f, "tensor names under `{prefix}` are longer than {} bytes", Name::CAPACITY)
            }
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::TooShort { len } => {
                write!(f, "{len} bytes is too short for a safetensors file, which starts with an 8-byte header length")
            }
            Format::HeaderLength { header, available } => write!(
                f,
                "the first 8 bytes give a header of {header} bytes, but only {available} bytes follow them; \
                 the weights are truncated or not a safetensors file"
            ),
            Format::NotUtf8 { at } => write!(f, "the header is not valid UTF-8 (at byte {at} of the header)"),
            Format::Header { at, expected } => {
                write!(f, "the header is not a safetensors header: at byte {at}, expected {expected}")
            }
            Format::Duplicate { key } => write!(f, "the header names `{key}` twice"),
            Format::Entry { tensor, problem, detail } if detail.as_str().is_empty() => {
                write!(f, "tensor `{tensor}`: {problem}")
            }
            Format::Entry { tensor, problem, detail } => write!(f, "tensor `{tensor}`: {problem}: `{detail}`"),
            Format::Offsets { tensor, begin, end, .. } if begin > end => {
                write!(f, "tensor `{tensor}`: data_offsets [{begin}, {end}] end before they begin")
            }
            Format::Offsets { tensor, begin, end, data } => write!(
                f,
                "tensor `{tensor}`: data_offsets [{begin}, {end}] run past the end of the data, which is {data} bytes"
            ),
            Format::Size { tensor, shape, dtype, size: Some(size), begin, end } => write!(
                f,
                "tensor `{tensor}`: shape {shape} of {dtype} takes {size} bytes, but data_offsets [{begin}, {end}] \
                 span {}",
                end.saturating_sub(*begin)
            ),
            Format::Size { tensor, shape, dtype, size: None, .. } => {
                write!(f, "tensor `{tensor}`: shape {shape} of {dtype} is too large to exist")
            }
            Format::Overlap { tensor, span, other, other_span } => write!(
                f,
                "tensor `{tensor}` (bytes {}..{}) overlaps tensor `{other}` (bytes {}..{})",
                span.0, span.1, other_span.0, other_span.1
            ),
            Format::Gap { from, to } => write!(f, "bytes {from}..{to} of the data belong to no tensor"),
            Format::Layout { format } => write!(
                f,
                "the metadata gives format `{format}`; a network reads PyTorch's layout (format `pt`, a dense \
                 weight as [out, in])"
            ),
            Format::TooManyTensors { count } => {
                write!(f, "the weights hold {count} tensors; a view reads at most {}", super::MAX_TENSORS)
            }
        }
    }
}

impl core::error::Error for Error {}

/// A tensor's name (or the start of one), copied: up to [`Name::CAPACITY`]
/// bytes of UTF-8, and a mark when the name was longer (shown as `…`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    bytes: [u8; Name::CAPACITY],
    len: u8,
    cut: bool,
}

impl Name {
    /// The longest name kept whole, in bytes.
    pub const CAPACITY: usize = 64;

    /// The empty name.
    pub const EMPTY: Name = Name { bytes: [0; Name::CAPACITY], len: 0, cut: false };

    /// `text`, cut at a character boundary if it is too long.
    pub fn new(text: &str) -> Name {
        let mut name = Name::EMPTY;
        name.push_str(text);
        name
    }

    /// The name as kept.
    pub fn as_str(&self) -> &str {
        // Only whole characters are pushed, so the bytes are UTF-8.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    /// Whether the name was longer than [`Name::CAPACITY`] bytes.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Append `text`; what does not fit is left out and marks the name cut.
    pub(crate) fn push_str(&mut self, text: &str) {
        for c in text.chars() {
            self.push(c);
        }
    }

    /// Append `c`, if it fits.
    pub(crate) fn push(&mut self, c: char) {
        let len = usize::from(self.len);
        if self.cut || len + c.len_utf8() > Name::CAPACITY {
            self.cut = true;
            return;
        }
        c.encode_utf8(&mut self.bytes[len..]);
        // At most CAPACITY (64), so it fits in a u8.
        self.len = (len + c.len_utf8()) as u8;
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// A tensor's shape, copied: up to [`Dims::CAPACITY`] dimensions, and a
/// mark when there were more.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    dims: [usize; Dims::CAPACITY],
    len: u8,
    cut: bool,
}

impl Dims {
    /// The most dimensions kept.
    pub const CAPACITY: usize = 8;

    /// No dimensions: a scalar's shape.
    pub const SCALAR: Dims = Dims { dims: [0; Dims::CAPACITY], len: 0, cut: false };

    /// `dims`, the first [`Dims::CAPACITY`] of them.
    pub fn new(dims: &[usize]) -> Dims {
        let mut shape = Dims::SCALAR;
        for d in dims {
            shape.push(*d);
        }
        shape
    }

    /// The dimensions kept, outermost first.
    pub fn as_slice(&self) -> &[usize] {
        &self.dims[..usize::from(self.len)]
    }

    /// Whether the shape had more than [`Dims::CAPACITY`] dimensions.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Append a dimension, if there is room.
    pub(crate) fn push(&mut self, dim: usize) {
        match self.dims.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = dim;
                self.len += 1;
            }
            None => self.cut = true,
        }
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (k, d) in self.as_slice().iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        if self.cut {
            f.write_str(", …")?;
        }
        f.write_str("]")
    }
}

impl fmt::Debug for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
