//! A safetensors blob read where it lies: the header checked once, as
//! strictly as [`WeightFile::parse`](crate::io::WeightFile::parse) checks a
//! file, then each tensor found by name when a layer's view asks for it. No
//! heap and no copies: the header is scanned again for each lookup (a few
//! kilobytes for a network of tens of tensors), and pairs of tensors are
//! compared by scanning it once per tensor.

use super::{Dims, Dtype, Error, Format, Name, Prefix, FORMAT_KEY, MAX_TENSORS, METADATA_KEY, PYTORCH_FORMAT};
use core::fmt;

/// A safetensors blob, checked, borrowing its bytes: the 8-byte header
/// length, the JSON header naming each tensor's dtype, shape and byte span,
/// then the data.
///
/// [`Weights::parse`] accepts the bytes only if they follow the format
/// exactly; [`Weights::load`] then gives a network's view, checking every
/// tensor it reads (name, type, shape) and that it reads every tensor.
/// `network!`'s `Name::view(bytes)` does both.
///
/// ```
/// use nn::prelude::*;
/// use nn::view::{Infer, Weights};
///
/// network! {
///     pub struct Tiny { input: 3, dense(2, tanh) }
/// }
///
/// let bytes = Tiny::seeded(7).to_bytes();
/// let weights = Weights::parse(&bytes)?;
/// assert_eq!(weights.len(), 2); // 0.weight and 0.bias
/// let view = weights.load::<Tiny>()?;
/// let mut out = [0.0; 2];
/// <Tiny as Infer>::forward(&view, &[1.0, 2.0, 3.0], &mut out);
/// assert_eq!(out, view.forward(&[1.0, 2.0, 3.0]));
/// # Ok::<(), nn::view::Error>(())
/// ```
#[derive(Clone)]
pub struct Weights<'a> {
    header: &'a str,
    data: &'a [u8],
    tensors: usize,
    /// Which tensors (in the header's order) a network has read.
    read: [u64; MAX_TENSORS / 64],
}

impl<'a> Weights<'a> {
    /// Check `bytes` against the format.
    ///
    /// Every way they can break it is an [`Error::Format`], naming the tensor
    /// where there is one: shorter than the 8-byte header length, a header
    /// length beyond the blob, a header that is not UTF-8 or not strict JSON
    /// or not an object of entries, a key given twice, a missing, extra or
    /// mistyped field, an unknown dtype, offsets that end before they begin,
    /// run past the data or do not match the shape and dtype, tensors that
    /// overlap, bytes of the data that belong to no tensor, metadata that
    /// gives another framework's layout (`"format": "tf"`), or more than
    /// [`MAX_TENSORS`] tensors. It never panics.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let Some((length, rest)) = bytes.split_first_chunk::<8>() else {
            return Err(Format::TooShort { len: bytes.len() }.into());
        };
        let length = u64::from_le_bytes(*length);
        let header = usize::try_from(length)
            .ok()
            .and_then(|n| rest.split_at_checked(n))
            .ok_or(Format::HeaderLength { header: length, available: rest.len() });
        let (header, data) = header?;
        let header = core::str::from_utf8(header).map_err(|e| Format::NotUtf8 { at: e.valid_up_to() })?;
        let mut weights = Weights { header, data, tensors: 0, read: [0; MAX_TENSORS / 64] };

        // The syntax, and each entry on its own.
        let mut covered = 0usize;
        for entry in weights.entries() {
            match entry? {
                Entry::Tensor(tensor) => {
                    tensor.check(data.len())?;
                    covered = covered.saturating_add(tensor.end - tensor.begin);
                    weights.tensors += 1;
                }
                Entry::Metadata(metadata) => metadata.check()?,
            }
        }
        if weights.tensors > MAX_TENSORS {
            return Err(Format::TooManyTensors { count: weights.tensors }.into());
        }
        // Pairs: no key twice, no bytes in two tensors.
        for (index, entry) in weights.entries().enumerate() {
            let entry = entry?;
            for other in weights.entries().skip(index + 1) {
                let other = other?;
                if entry.key().same(other.key()) {
                    return Err(Format::Duplicate { key: entry.key().to_name() }.into());
                }
                if let (Entry::Tensor(a), Entry::Tensor(b)) = (&entry, &other) {
                    if a.begin < b.end && b.begin < a.end {
                        return Err(Format::Overlap {
                            tensor: a.name.to_name(),
                            span: (a.begin, a.end),
                            other: b.name.to_name(),
                            other_span: (b.begin, b.end),
                        }
                        .into());
                    }
                }
            }
        }
        // Spans that do not overlap and add up to the data cover it all.
        if covered != data.len() {
            return Err(weights.gap()?.into());
        }
        Ok(weights)
    }

    /// The number of tensors.
    pub fn len(&self) -> usize {
        self.tensors
    }

    /// True when the blob holds no tensor.
    pub fn is_empty(&self) -> bool {
        self.tensors == 0
    }

    /// The `F32` tensor `prefix` + `name`, which must have `shape`: its
    /// values where they lie, read in place. It counts as read.
    ///
    /// An [`Error::Misaligned`] if the values do not start on a 4-byte
    /// boundary (the format keeps tensors aligned within the blob, so the
    /// blob itself was not: see [`include_weights!`](crate::include_weights)
    /// and [`AlignedBytes`](crate::view::AlignedBytes)), and an
    /// [`Error::BigEndian`] on a big-endian machine.
    pub fn f32s(&mut self, prefix: &Prefix, name: &str, shape: &[usize]) -> Result<&'a [f32], Error> {
        let tensor = self.take(prefix, name, shape, Dtype::F32)?;
        if cfg!(target_endian = "big") {
            return Err(Error::BigEndian);
        }
        let bytes = self.data.get(tensor.begin..tensor.end).unwrap_or_default();
        let address = bytes.as_ptr() as usize;
        if !address.is_multiple_of(core::mem::align_of::<f32>()) {
            return Err(Error::Misaligned { tensor: prefix.join(name), address });
        }
        // SAFETY: the bytes are aligned for `f32` (checked above), their
        // length is a multiple of 4 (the shape and dtype were checked against
        // the span), every bit pattern is an `f32`, and the values borrow the
        // blob for `'a`, which nothing mutates.
        Ok(unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), bytes.len() / 4) })
    }

    /// Check that the tensor `prefix` + `name` is there, as `dtype` values of
    /// `shape`, without reading it (batch norm's `num_batches_tracked`). It
    /// counts as read.
    pub fn expect(&mut self, prefix: &Prefix, name: &str, shape: &[usize], dtype: Dtype) -> Result<(), Error> {
        self.take(prefix, name, shape, dtype).map(|_| ())
    }

    /// The tensor named `prefix` + `name`, checked against `shape` and
    /// `dtype`, and marked read.
    fn take(&mut self, prefix: &Prefix, name: &str, shape: &[usize], dtype: Dtype) -> Result<Tensor<'a>, Error> {
        let found = self.tensors().enumerate().find(|(_, tensor)| match tensor {
            Ok(tensor) => tensor.name.is(prefix.as_str(), name),
            Err(_) => true,
        });
        let full = || prefix.join(name);
        let (index, tensor) = match found {
            Some((index, tensor)) => (index, tensor?),
            None => return Err(Error::Missing { tensor: full(), expected: Dims::new(shape), count: self.tensors }),
        };
        if tensor.shape.as_slice() != shape || tensor.shape.is_cut() {
            return Err(Error::Shape { tensor: full(), expected: Dims::new(shape), found: tensor.shape });
        }
        if tensor.dtype != dtype {
            return Err(Error::Dtype { tensor: full(), expected: dtype, found: tensor.dtype });
        }
        if let Some(word) = self.read.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
        Ok(tensor)
    }

    /// An [`Error::Unexpected`] for the first tensor not read.
    pub(crate) fn check_all_read(&self) -> Result<(), Error> {
        let read = self.read.iter().map(|word| word.count_ones() as usize).sum();
        for (index, tensor) in self.tensors().enumerate() {
            let tensor = tensor?;
            let word = self.read.get(index / 64).copied().unwrap_or(0);
            if word & (1 << (index % 64)) == 0 {
                return Err(Error::Unexpected { tensor: tensor.name.to_name(), found: tensor.shape, count: read });
            }
        }
        Ok(())
    }

    /// Where the first bytes that no tensor covers are.
    fn gap(&self) -> Result<Format, Error> {
        let mut covered = 0;
        'advance: loop {
            for tensor in self.tensors() {
                let tensor = tensor?;
                if tensor.begin <= covered && covered < tensor.end {
                    covered = tensor.end;
                    continue 'advance;
                }
            }
            break;
        }
        let mut next = self.data.len();
        for tensor in self.tensors() {
            let tensor = tensor?;
            if tensor.begin > covered {
                next = next.min(tensor.begin);
            }
        }
        Ok(Format::Gap { from: covered, to: next })
    }

    /// The header's entries in order.
    fn entries(&self) -> Entries<'a> {
        Entries { scanner: Scanner { text: self.header, pos: 0 }, state: State::Start }
    }

    /// The tensors in the header's order.
    fn tensors(&self) -> impl Iterator<Item = Result<Tensor<'a>, Error>> + 'a {
        self.entries().filter_map(|entry| match entry {
            Ok(Entry::Tensor(tensor)) => Some(Ok(tensor)),
            Ok(Entry::Metadata(_)) => None,
            Err(error) => Some(Err(error)),
        })
    }
}

impl fmt::Debug for Weights<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Weights").field("tensors", &self.tensors).field("data_bytes", &self.data.len()).finish()
    }
}

/// One entry of the header: a tensor, or the metadata.
enum Entry<'a> {
    Tensor(Tensor<'a>),
    Metadata(Metadata<'a>),
}

impl<'a> Entry<'a> {
    fn key(&self) -> JsonStr<'a> {
        match self {
            Entry::Tensor(tensor) => tensor.name,
            Entry::Metadata(metadata) => metadata.key,
        }
    }
}

/// A tensor's entry, as the header gives it.
#[derive(Clone, Copy)]
struct Tensor<'a> {
    name: JsonStr<'a>,
    dtype: Dtype,
    shape: Dims,
    /// The product of the shape, if it fits in a `usize`.
    elements: Option<usize>,
    begin: usize,
    end: usize,
}

impl Tensor<'_> {
    /// Offsets in order, inside `data` bytes, spanning the shape's bytes.
    fn check(&self, data: usize) -> Result<(), Error> {
        let (begin, end) = (self.begin, self.end);
        if begin > end || end > data {
            return Err(Format::Offsets { tensor: self.name.to_name(), begin, end, data }.into());
        }
        let size = self.elements.and_then(|n| n.checked_mul(self.dtype.size()));
        if size != Some(end - begin) {
            let (tensor, shape, dtype) = (self.name.to_name(), self.shape, self.dtype);
            return Err(Format::Size { tensor, shape, dtype, size, begin, end }.into());
        }
        Ok(())
    }
}

/// The metadata's entry: an object of strings, from `body` on.
struct Metadata<'a> {
    key: JsonStr<'a>,
    body: Scanner<'a>,
}

impl Metadata<'_> {
    /// No key twice, and no layout other than PyTorch's.
    fn check(&self) -> Result<(), Error> {
        let pairs = || Pairs::new(self.body.clone());
        for (index, pair) in pairs().enumerate() {
            let (key, value) = pair?;
            if key.is("", FORMAT_KEY) && !value.is("", PYTORCH_FORMAT) {
                return Err(Format::Layout { format: value.to_name() }.into());
            }
            for other in pairs().skip(index + 1) {
                if key.same(other?.0) {
                    return Err(Format::Duplicate { key: key.to_name() }.into());
                }
            }
        }
        Ok(())
    }
}

/// Where [`Entries`] is in the header's object.
#[derive(Clone, Copy)]
enum State {
    Start,
    Entry,
    End,
    Done,
}

/// The entries of the header, each checked on its own as it is read.
struct Entries<'a> {
    scanner: Scanner<'a>,
    state: State,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = self.step();
        if !matches!(result, Some(Ok(_))) {
            self.state = State::Done;
        }
        result
    }
}

impl<'a> Entries<'a> {
    fn step(&mut self) -> Option<Result<Entry<'a>, Error>> {
        let s = &mut self.scanner;
        loop {
            match self.state {
                State::Start => {
                    if let Err(e) = s.eat(b'{', "`{` (a header is a JSON object)") {
                        return Some(Err(e));
                    }
                    self.state = if s.eat_if(b'}') { State::End } else { State::Entry };
                }
                State::Entry => {
                    let entry = Self::entry(s);
                    if entry.is_ok() {
                        self.state = match s.separator(b'}') {
                            Ok(true) => State::Entry,
                            Ok(false) => State::End,
                            Err(e) => return Some(Err(e)),
                        };
                    }
                    return Some(entry);
                }
                State::End => {
                    s.skip_whitespace();
                    if s.pos != s.text.len() {
                        return Some(Err(s.fail("the end of the header after its object")));
                    }
                    return None;
                }
                State::Done => return None,
            }
        }
    }

    /// One `"key": value` of the header's object.
    fn entry(s: &mut Scanner<'a>) -> Result<Entry<'a>, Error> {
        let key = s.string("a string (a tensor's name, or `__metadata__`)")?;
        s.eat(b':', "`:`")?;
        if key.is("", METADATA_KEY) {
            s.skip_whitespace();
            let body = s.clone();
            let mut pairs = Pairs::new(s.clone());
            for pair in pairs.by_ref() {
                pair?;
            }
            *s = pairs.scanner;
            return Ok(Entry::Metadata(Metadata { key, body }));
        }
        Self::tensor(s, key).map(Entry::Tensor)
    }

    /// A tensor's entry: exactly `dtype`, `shape` and `data_offsets`.
    fn tensor(s: &mut Scanner<'a>, name: JsonStr<'a>) -> Result<Tensor<'a>, Error> {
        let entry_error =
            |problem: &'static str, detail: Name| Format::Entry { tensor: name.to_name(), problem, detail };
        s.skip_whitespace();
        if s.peek() != Some(b'{') {
            return Err(entry_error("its entry is not an object", Name::EMPTY).into());
        }
        s.pos += 1;
        let (mut dtype, mut shape, mut offsets) = (None, None, None);
        if !s.eat_if(b'}') {
            loop {
                let field = s.string("a string (a field: `dtype`, `shape` or `data_offsets`)")?;
                s.eat(b':', "`:`")?;
                let twice = || entry_error("a field given twice", field.to_name());
                if field.is("", "dtype") {
                    let text = s.string("a string (the dtype)")?;
                    let found = Dtype::from_name(text.to_name().as_str())
                        .ok_or_else(|| entry_error("an unknown dtype", text.to_name()))?;
                    if dtype.replace(found).is_some() {
                        return Err(twice().into());
                    }
                } else if field.is("", "shape") {
                    if shape.replace(s.integers(name, "`shape`")?).is_some() {
                        return Err(twice().into());
                    }
                } else if field.is("", "data_offsets") {
                    if offsets.replace(s.integers(name, "`data_offsets`")?).is_some() {
                        return Err(twice().into());
                    }
                } else {
                    let problem = "an unknown field (an entry has `dtype`, `shape` and `data_offsets`)";
                    return Err(entry_error(problem, field.to_name()).into());
                }
                if !s.separator(b'}')? {
                    break;
                }
            }
        }
        let dtype = dtype.ok_or_else(|| entry_error("no `dtype` field", Name::EMPTY))?;
        let (shape, elements) = shape.ok_or_else(|| entry_error("no `shape` field", Name::EMPTY))?;
        let (offsets, _) = offsets.ok_or_else(|| entry_error("no `data_offsets` field", Name::EMPTY))?;
        let [begin, end] = offsets.as_slice() else {
            return Err(entry_error("`data_offsets` does not hold 2 numbers", Name::EMPTY).into());
        };
        Ok(Tensor { name, dtype, shape, elements, begin: *begin, end: *end })
    }
}

/// The `"key": "value"` pairs of the metadata's object, from its opening
/// brace; the scanner is left after its closing one.
struct Pairs<'a> {
    scanner: Scanner<'a>,
    state: State,
}

impl<'a> Pairs<'a> {
    fn new(scanner: Scanner<'a>) -> Self {
        Pairs { scanner, state: State::Start }
    }

    fn step(&mut self) -> Result<Option<(JsonStr<'a>, JsonStr<'a>)>, Error> {
        let s = &mut self.scanner;
        if let State::Start = self.state {
            s.eat(b'{', "`{` (the metadata is an object of strings)")?;
            self.state = if s.eat_if(b'}') { State::Done } else { State::Entry };
        }
        if !matches!(self.state, State::Entry) {
            return Ok(None);
        }
        let key = s.string("a string (a metadata key)")?;
        s.eat(b':', "`:`")?;
        let value = s.string("a string (metadata values are strings)")?;
        if !s.separator(b'}')? {
            self.state = State::Done;
        }
        Ok(Some((key, value)))
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Result<(JsonStr<'a>, JsonStr<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = self.step();
        if result.is_err() {
            self.state = State::Done;
        }
        result.transpose()
    }
}

/// Reads the JSON of a header, strictly (RFC 8259), one token at a time.
#[derive(Clone)]
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn fail(&self, expected: &'static str) -> Error {
        Format::Header { at: self.pos, expected }.into()
    }

    /// `byte`, after whitespace.
    fn eat(&mut self, byte: u8, expected: &'static str) -> Result<(), Error> {
        if self.eat_if(byte) {
            Ok(())
        } else {
            Err(self.fail(expected))
        }
    }

    /// `byte` if it comes next, after whitespace.
    fn eat_if(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// After an object's member or an array's item: `true` after a comma
    /// (another follows), `false` after `close` (`}` or `]`).
    fn separator(&mut self, close: u8) -> Result<bool, Error> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(byte) if byte == close => {
                self.pos += 1;
                Ok(false)
            }
            _ if close == b'}' => Err(self.fail("`,` or `}`")),
            _ => Err(self.fail("`,` or `]`")),
        }
    }

    /// A string, after whitespace: its text between the quotes, escapes
    /// checked but not decoded.
    fn string(&mut self, expected: &'static str) -> Result<JsonStr<'a>, Error> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.fail(expected));
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.fail("the end of the string")),
                Some(b'"') => {
                    let raw = self.text.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(JsonStr(raw));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape()?;
                }
                Some(0..=0x1f) => return Err(self.fail("a character other than a control character (escape it)")),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The rest of an escape, after its backslash; a `\u` of a high
    /// surrogate must be followed by one of a low surrogate.
    fn escape(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                if (0xD800..0xDC00).contains(&unit) {
                    if self.text.as_bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.fail("`\\u` and a low surrogate after a high one"));
                    }
                    self.pos += 2;
                    if !(0xDC00..0xE000).contains(&self.hex4()?) {
                        return Err(self.fail("a low surrogate after a high one"));
                    }
                } else if (0xDC00..0xE000).contains(&unit) {
                    return Err(self.fail("a character, not a lone low surrogate"));
                }
                Ok(())
            }
            _ => Err(self.fail("an escape: `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` or `\\u`")),
        }
    }

    /// Four hexadecimal digits.
    fn hex4(&mut self) -> Result<u32, Error> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| char::from(b).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.fail("a hexadecimal digit"));
            };
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// An array of non-negative integers after whitespace (`field` of
    /// tensor `tensor`), and their product if it fits in a `usize`.
    fn integers(&mut self, tensor: JsonStr<'a>, field: &'static str) -> Result<(Dims, Option<usize>), Error> {
        self.eat(b'[', "`[` (an array of integers)")?;
        let (mut dims, mut product) = (Dims::SCALAR, Some(1usize));
        if self.eat_if(b']') {
            return Ok((dims, product));
        }
        loop {
            let value = self.integer(tensor, field)?;
            dims.push(value);
            product = product.and_then(|p| p.checked_mul(value));
            if !self.separator(b']')? {
                return Ok((dims, product));
            }
        }
    }

    /// A JSON number after whitespace, which must be a whole number from 0
    /// to `usize::MAX`.
    fn integer(&mut self, tensor: JsonStr<'a>, field: &'static str) -> Result<usize, Error> {
        self.skip_whitespace();
        let start = self.pos;
        let digits = |s: &mut Self| {
            let first = s.pos;
            while let Some(b'0'..=b'9') = s.peek() {
                s.pos += 1;
            }
            s.pos > first
        };
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        if !digits(self) {
            return Err(self.fail("a number"));
        }
        if leading_zero && self.pos - start > 1 + usize::from(negative) {
            return Err(self.fail("a number without leading zeros"));
        }
        let whole_end = self.pos;
        let fraction = self.peek() == Some(b'.');
        if fraction {
            self.pos += 1;
            if !digits(self) {
                return Err(self.fail("digits after the decimal point"));
            }
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.fail("digits in the exponent"));
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        let whole = self.text.get(start..whole_end).unwrap_or_default();
        let value = (!negative && !fraction && !exponent).then(|| whole.parse::<usize>().ok()).flatten();
        value.ok_or_else(|| {
            let problem = match field {
                "`shape`" => "`shape` holds a number that is not a non-negative integer that fits in memory",
                _ => "`data_offsets` holds a number that is not a non-negative integer that fits in memory",
            };
            Format::Entry { tensor: tensor.to_name(), problem, detail: Name::new(text) }.into()
        })
    }
}

/// A string of the header as written between its quotes: escapes checked,
/// decoded as it is read.
#[derive(Clone, Copy)]
struct JsonStr<'a>(&'a str);

impl<'a> JsonStr<'a> {
    /// The characters it stands for.
    fn chars(self) -> impl Iterator<Item = char> + 'a {
        let mut rest = self.0.chars();
        core::iter::from_fn(move || {
            let c = rest.next()?;
            if c != '\\' {
                return Some(c);
            }
            Some(match rest.next()? {
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let unit = hex4(&mut rest);
                    let code = if (0xD800..0xDC00).contains(&unit) {
                        // The scanner checked that `\u` and a low surrogate follow.
                        rest.next();
                        rest.next();
                        0x10000 + ((unit - 0xD800) << 10) + (hex4(&mut rest).wrapping_sub(0xDC00) & 0x3ff)
                    } else {
                        unit
                    };
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
                other => other,
            })
        })
    }

    /// Whether it stands for `first` followed by `second`.
    fn is(self, first: &str, second: &str) -> bool {
        if !self.0.contains('\\') {
            return self.0.len() == first.len() + second.len() && self.0.starts_with(first) && self.0.ends_with(second);
        }
        self.chars().eq(first.chars().chain(second.chars()))
    }

    /// Whether it stands for the same characters as `other`.
    fn same(self, other: JsonStr<'_>) -> bool {
        self.0 == other.0 || self.chars().eq(other.chars())
    }

    /// The characters, copied (cut if too long).
    fn to_name(self) -> Name {
        let mut name = Name::EMPTY;
        for c in self.chars() {
            name.push(c);
        }
        name
    }
}

/// Four hexadecimal digits of `chars`, as the scanner checked them.
fn hex4(chars: &mut core::str::Chars<'_>) -> u32 {
    (0..4).fold(0, |value, _| value * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `header` and `data` as a blob.
    fn blob(header: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    /// Names are compared as the characters they stand for, escapes
    /// decoded; values are read in place when they start on a 4-byte
    /// boundary, and otherwise the error names the tensor.
    #[test]
    fn finds_tensors_by_their_decoded_names_and_reads_them_in_place() {
        let data: Vec<u8> = [1.5f32, -2.0, 0.25].iter().flat_map(|v| v.to_le_bytes()).collect();
        let header = r#"{"w\u0065ight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"bi\u0061s":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}    "#;
        // With its 8-byte length, the header ends on a multiple of four.
        assert_eq!(header.len() % 4, 0);
        let bytes = blob(header, &data);
        let root = Prefix::ROOT;
        // The blob copied into memory that starts on a 4-byte boundary, `shift` bytes in.
        let mut words = vec![0u32; bytes.len() / 4 + 2];
        for shift in 0..4 {
            // SAFETY: the words hold `words.len() * 4` initialised bytes, which any byte pattern is.
            let memory = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 4) };
            memory[shift..shift + bytes.len()].copy_from_slice(&bytes);
            let mut weights = Weights::parse(&memory[shift..shift + bytes.len()]).unwrap();
            let weight = weights.f32s(&root, "weight", &[1, 2]);
            if shift == 0 {
                assert_eq!(weight.unwrap(), [1.5, -2.0]);
                assert_eq!(weights.f32s(&root, "bias", &[1]).unwrap(), [0.25]);
                assert!(weights.check_all_read().is_ok());
            } else {
                let message = weight.unwrap_err().to_string();
                assert!(message.starts_with("tensor `weight`: its values start at address 0x"), "{message}");
                assert!(message.ends_with("or copy them into `nn::view::AlignedBytes`"), "{message}");
            }
        }
    }

    /// Each error says what is wrong, naming the tensor.
    #[test]
    fn errors_say_what_is_wrong_and_where() {
        let message = |header: &str, data: &[u8]| Weights::parse(&blob(header, data)).unwrap_err().to_string();
        assert_eq!(
            message(r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, &[0; 8]),
            "tensor `a`: shape [3] of F32 takes 12 bytes, but data_offsets [0, 8] span 8"
        );
        assert_eq!(
            message(r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, &[0; 4]),
            "tensor `a`: data_offsets [0, 8] run past the end of the data, which is 4 bytes"
        );
        assert_eq!(
            message(
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                &[0; 6]
            ),
            "tensor `a` (bytes 0..4) overlaps tensor `b` (bytes 2..6)"
        );
        assert_eq!(
            message(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, &[0; 8]),
            "bytes 0..4 of the data belong to no tensor"
        );
        assert_eq!(
            message(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"F32"}}"#, &[0; 4]),
            "tensor `a`: a field given twice: `dtype`"
        );
        assert_eq!(
            message(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]} x"#, &[0; 4]),
            "the header is not a safetensors header: at byte 54, expected `,` or `}`"
        );
        assert_eq!(
            Weights::parse(&[3, 0, 0, 0, 0, 0, 0, 0, b'{']).unwrap_err().to_string(),
            "the first 8 bytes give a header of 3 bytes, but only 1 bytes follow them; the weights are truncated or \
             not a safetensors file"
        );
    }

    /// A prefix grows by a module index and a dot, and is an error, not a
    /// cut name, when it no longer fits.
    #[test]
    fn prefixes_name_modules_and_refuse_to_grow_past_a_name() {
        let prefix = Prefix::ROOT.module(12).unwrap().module(0).unwrap();
        assert_eq!(prefix.as_str(), "12.0.");
        assert_eq!(prefix.join("weight").as_str(), "12.0.weight");
        let mut deep = Prefix::ROOT;
        let error = loop {
            match deep.module(1234567) {
                Ok(next) => deep = next,
                Err(error) => break error,
            }
        };
        assert!(matches!(error, Error::NameTooLong { .. }), "{error}");
        assert_eq!(deep.as_str().len(), 64);
        assert!(Name::new(&"x".repeat(70)).is_cut());
    }

    /// A named child (a block's `branches`, `body`) adds its name and a dot,
    /// as PyTorch names a module's attributes, and is refused, not cut, when
    /// it no longer fits.
    #[test]
    fn prefixes_name_children_and_refuse_to_grow_past_a_name() {
        let prefix = Prefix::ROOT.module(5).unwrap().named("branches").unwrap().module(1).unwrap();
        assert_eq!(prefix.join("0.weight").as_str(), "5.branches.1.0.weight");
        let mut deep = Prefix::ROOT;
        let error = loop {
            match deep.named("body") {
                Ok(next) => deep = next,
                Err(error) => break error,
            }
        };
        assert!(matches!(error, Error::NameTooLong { .. }), "{error}");
        assert_eq!(deep.as_str().len(), 60);
    }
}
