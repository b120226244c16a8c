//! Reading IDX files, the format of the MNIST handwritten-digit database.
//!
//! An IDX file is a big-endian `u32` magic number (`0x00000803` for images,
//! `0x00000801` for labels), one big-endian `u32` per dimension (images: count,
//! rows, columns; labels: count), then the raw `u8` data. Files may be gzipped;
//! compression is detected by the gzip magic bytes, not by the file name.
//!
//! Every malformed input is an [`Error::Format`] naming the file and saying what
//! is wrong; nothing is allocated from a header's sizes before the file is known
//! to hold that much data.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Name of the checksum file [`Mnist::load`] looks for: SHA-256 of each file after gunzip.
const SUMS_FILE: &str = "SHA256SUMS.uncompressed";
/// Side length, in pixels, of an MNIST image.
const MNIST_SIDE: usize = 28;
/// Number of classes (digits 0 to 9).
const MNIST_CLASSES: u8 = 10;

/// The images of an IDX image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows of each image.
    pub rows: usize,
    /// Columns of each image.
    pub cols: usize,
    /// `count * rows * cols` pixels, row-major, image after image.
    pub pixels: Vec<u8>,
}

/// The labels of an IDX label file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxLabels {
    /// One label per item, in file order.
    pub labels: Vec<u8>,
}

/// Reads `path`, gunzipping it if it starts with the gzip magic bytes.
///
/// A corrupt gzip stream is an [`Error::Format`] naming the file.
pub fn read_decompressed(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    // The gzip trailer's last 4 bytes give the decompressed size (mod 2^32): reserve
    // it up front, so the buffer does not grow by doubling through copies. It is a
    // hint only (capped, and wrong for multi-member files); reading still checks.
    let hint = raw.len().checked_sub(4).and_then(|at| be_u32(&raw[at..], 0)).map_or(0, |v| v.swap_bytes());
    let mut out = Vec::with_capacity((hint as usize).min(MAX_SIZE_HINT));
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| Error::format(path, format!("corrupt gzip stream: {e}")))?;
    Ok(out)
}

/// The largest decompressed size reserved up front from a gzip trailer.
const MAX_SIZE_HINT: usize = 1 << 30;

/// Reads an IDX image file (gzipped or raw).
pub fn read_images(path: &Path) -> Result<IdxImages> {
    images_from_vec(read_decompressed(path)?, path)
}

/// Reads an IDX label file (gzipped or raw).
pub fn read_labels(path: &Path) -> Result<IdxLabels> {
    labels_from_vec(read_decompressed(path)?, path)
}

/// Parses the decompressed bytes of an IDX image file; `path` is named in errors.
pub fn parse_images(bytes: &[u8], path: &Path) -> Result<IdxImages> {
    let (count, rows, cols) = check_images(bytes, path)?;
    Ok(IdxImages { count, rows, cols, pixels: bytes[IMAGES_HEADER..].to_vec() })
}

/// [`parse_images`] on a buffer it keeps: the header is removed in place and the
/// rest becomes the pixels, without a second copy of the data.
pub fn images_from_vec(mut bytes: Vec<u8>, path: &Path) -> Result<IdxImages> {
    let (count, rows, cols) = check_images(&bytes, path)?;
    bytes.drain(..IMAGES_HEADER);
    Ok(IdxImages { count, rows, cols, pixels: bytes })
}

/// [`parse_labels`] on a buffer it keeps, as [`images_from_vec`].
pub fn labels_from_vec(mut bytes: Vec<u8>, path: &Path) -> Result<IdxLabels> {
    check_labels(&bytes, path)?;
    bytes.drain(..LABELS_HEADER);
    Ok(IdxLabels { labels: bytes })
}

/// The header lengths: magic number and one size per dimension.
const IMAGES_HEADER: usize = 16;
const LABELS_HEADER: usize = 8;

/// Checks an image file's header against its length; returns (count, rows, cols).
fn check_images(bytes: &[u8], path: &Path) -> Result<(usize, usize, usize)> {
    let ([count, rows, cols], data) = header(bytes, path, IMAGES_MAGIC, "image")?;
    if rows == 0 || cols == 0 {
        let reason = format!("images are {rows}x{cols}; rows and columns must be at least 1");
        return Err(Error::format(path, reason));
    }
    let what = format!("{count} images of {rows}x{cols}");
    let size = count
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .ok_or_else(|| Error::format(path, format!("header says {what}, more bytes than this machine can address")))?;
    check_len(data, size, &what, "pixel", path)?;
    Ok((count, rows, cols))
}

/// Parses the decompressed bytes of an IDX label file; `path` is named in errors.
pub fn parse_labels(bytes: &[u8], path: &Path) -> Result<IdxLabels> {
    check_labels(bytes, path)?;
    Ok(IdxLabels { labels: bytes[LABELS_HEADER..].to_vec() })
}

/// Checks a label file's header against its length.
fn check_labels(bytes: &[u8], path: &Path) -> Result<()> {
    let ([count], data) = header(bytes, path, LABELS_MAGIC, "label")?;
    check_len(data, count, &format!("{count} labels"), "label", path)
}

/// The big-endian `u32` at `at`, if `bytes` holds one there.
fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(word.try_into().ok()?))
}

/// Checks the magic number; returns the `N` sizes of the header and the data after it.
fn header<'a, const N: usize>(bytes: &'a [u8], path: &Path, magic: u32, kind: &str) -> Result<([usize; N], &'a [u8])> {
    let len = bytes.len();
    let found = be_u32(bytes, 0).ok_or_else(|| {
        Error::format(path, format!("not an IDX {kind} file: {len} bytes, too short for a magic number"))
    })?;
    if found != magic {
        let hint = match found {
            IMAGES_MAGIC => " (that of an IDX image file)",
            LABELS_MAGIC => " (that of an IDX label file)",
            _ if bytes.starts_with(&GZIP_MAGIC) => " (this is gzip data; decompress it first)",
            _ => "",
        };
        let reason = format!("not an IDX {kind} file: magic number 0x{found:08x}{hint}, expected 0x{magic:08x}");
        return Err(Error::format(path, reason));
    }
    let header_len = 4 + 4 * N;
    let mut dims = [0; N];
    for (i, dim) in dims.iter_mut().enumerate() {
        let word = be_u32(bytes, 4 + 4 * i).ok_or_else(|| {
            let reason = format!(
                "header truncated: an IDX {kind} file starts with a {header_len}-byte header \
                 (magic number and {N} sizes) but the file holds only {len} bytes"
            );
            Error::format(path, reason)
        })?;
        *dim = usize::try_from(word).map_err(|_| {
            Error::format(path, format!("size {word} in the header is more than this machine can address"))
        })?;
    }
    Ok((dims, bytes.get(header_len..).unwrap_or_default()))
}

/// Checks that `data` holds exactly the `size` bytes the header (`what`) promises.
fn check_len(data: &[u8], size: usize, what: &str, kind: &str, path: &Path) -> Result<()> {
    let held = data.len();
    if held < size {
        let reason =
            format!("truncated: header says {what} ({size} bytes) but the file holds {held} bytes of {kind} data");
        return Err(Error::format(path, reason));
    }
    if held > size {
        let reason = format!("{} bytes after the end of the data (header says {what}, {size} bytes)", held - size);
        return Err(Error::format(path, reason));
    }
    Ok(())
}

/// The lowercase hex SHA-256 of `bytes`.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        let _ = write!(hex, "{b:02x}"); // writing to a String cannot fail
    }
    hex
}

/// Checks that the SHA-256 of `bytes` is `expected_hex` (case-insensitive).
///
/// A mismatch is an [`Error::Format`] naming `path` and both hashes.
pub fn verify_sha256(bytes: &[u8], expected_hex: &str, path: &Path) -> Result<()> {
    let actual = sha256_hex(bytes);
    let expected = expected_hex.trim();
    if actual.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    let reason = format!(
        "checksum mismatch: SHA-256 of the contents is {actual}, expected {expected}; \
         the file is damaged or another version"
    );
    Err(Error::format(path, reason))
}

/// Reads a `sha256sum`-style file (`<64 hex digits>  <file name>` per line).
///
/// Returns file name → lowercase hex hash. Blank lines are skipped; a `*` before the
/// name (binary mode) is accepted; any other line is an [`Error::Format`].
pub fn read_checksums(path: &Path) -> Result<HashMap<String, String>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = std::str::from_utf8(&raw).map_err(|e| Error::format(path, format!("not a text file: {e}")))?;
    let mut sums = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry = line.split_once(' ').and_then(|(hash, rest)| {
            let name = rest.strip_prefix([' ', '*']).unwrap_or(rest);
            let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            (valid && !name.is_empty()).then_some((hash, name))
        });
        let Some((hash, name)) = entry else {
            let reason = format!("line {}: expected `<64 hex digits>  <file name>`, found `{line}`", i + 1);
            return Err(Error::format(path, reason));
        };
        sums.insert(name.to_owned(), hash.to_ascii_lowercase());
    }
    Ok(sums)
}

/// The MNIST database: 60,000 training and 10,000 test images of 28x28 with labels 0-9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mnist {
    /// Training images (`train-images-idx3-ubyte`).
    pub train_images: IdxImages,
    /// Training labels (`train-labels-idx1-ubyte`).
    pub train_labels: IdxLabels,
    /// Test images (`t10k-images-idx3-ubyte`).
    pub test_images: IdxImages,
    /// Test labels (`t10k-labels-idx1-ubyte`).
    pub test_labels: IdxLabels,
}

impl Mnist {
    /// Loads the four standard MNIST files from `dir`.
    ///
    /// Each file may be named with or without `.gz` (the uncompressed one is used if
    /// both exist). If `dir` holds `SHA256SUMS.uncompressed`, every file's decompressed
    /// contents are verified against it. Checks that images are 28x28, that each image
    /// file has as many images as its label file has labels, and that labels are 0-9.
    pub fn load(dir: &Path) -> Result<Mnist> {
        let sums_path = dir.join(SUMS_FILE);
        let sums = if sums_path.is_file() { Some(read_checksums(&sums_path)?) } else { None };
        let read = |name: &str| -> Result<(PathBuf, Vec<u8>)> {
            let path = find(dir, name)?;
            let bytes = read_decompressed(&path)?;
            if let Some(sums) = &sums {
                let expected =
                    sums.get(name).ok_or_else(|| Error::format(&sums_path, format!("no checksum for {name}")))?;
                verify_sha256(&bytes, expected, &path)?;
            }
            Ok((path, bytes))
        };
        let (train_images, train_labels) =
            load_pair(read("train-images-idx3-ubyte")?, read("train-labels-idx1-ubyte")?)?;
        let (test_images, test_labels) = load_pair(read("t10k-images-idx3-ubyte")?, read("t10k-labels-idx1-ubyte")?)?;
        Ok(Mnist { train_images, train_labels, test_images, test_labels })
    }
}

/// `dir/name`, or else `dir/name.gz`, whichever exists.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = format!("{name}.gz");
    [dir.join(name), dir.join(&gz)].into_iter().find(|p| p.is_file()).ok_or_else(|| {
        let reason = format!("no file {name} or {gz} in this directory");
        Error::io(dir, io::Error::new(io::ErrorKind::NotFound, reason))
    })
}

/// Parses an MNIST image file and its label file and checks they belong together.
fn load_pair(
    (images_path, images): (PathBuf, Vec<u8>),
    (labels_path, labels): (PathBuf, Vec<u8>),
) -> Result<(IdxImages, IdxLabels)> {
    let images = images_from_vec(images, &images_path)?;
    if (images.rows, images.cols) != (MNIST_SIDE, MNIST_SIDE) {
        let reason =
            format!("images are {}x{}, but MNIST images are {MNIST_SIDE}x{MNIST_SIDE}", images.rows, images.cols);
        return Err(Error::format(&images_path, reason));
    }
    let labels = labels_from_vec(labels, &labels_path)?;
    if images.count != labels.labels.len() {
        let reason = format!(
            "{} images but {} has {} labels; there must be one label per image",
            images.count,
            labels_path.display(),
            labels.labels.len()
        );
        return Err(Error::format(&images_path, reason));
    }
    if let Some((index, value)) = labels.labels.iter().enumerate().find(|(_, &l)| l >= MNIST_CLASSES) {
        let reason = format!("label {value} at index {index} is not a digit 0-9");
        return Err(Error::format(&labels_path, reason));
    }
    Ok((images, labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    /// An IDX file: `magic`, one big-endian `u32` per entry of `dims`, then `data`.
    fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend(d.to_be_bytes());
        }
        out.extend(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("nn-idx-unit-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The message of a [`Error::Format`]; panics on any other outcome.
    fn format_err<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(e @ Error::Format { .. }) => e.to_string(),
            other => panic!("expected Error::Format, got {other:?}"),
        }
    }

    fn assert_contains(msg: &str, parts: &[&str]) {
        for part in parts {
            assert!(msg.contains(part), "{msg:?} should contain {part:?}");
        }
    }

    fn images(path: &str, bytes: &[u8]) -> String {
        format_err(parse_images(bytes, Path::new(path)))
    }

    fn labels(path: &str, bytes: &[u8]) -> String {
        format_err(parse_labels(bytes, Path::new(path)))
    }

    #[test]
    fn good_files_parse() {
        let pixels: Vec<u8> = (0..24).collect();
        let got = parse_images(&idx(IMAGES_MAGIC, &[2, 3, 4], &pixels), Path::new("x")).unwrap();
        assert_eq!(got, IdxImages { count: 2, rows: 3, cols: 4, pixels });
        let got = parse_labels(&idx(LABELS_MAGIC, &[3], &[7, 0, 9]), Path::new("x")).unwrap();
        assert_eq!(got.labels, [7, 0, 9]);
        let empty = parse_images(&idx(IMAGES_MAGIC, &[0, 28, 28], &[]), Path::new("x")).unwrap();
        assert_eq!((empty.count, empty.pixels.len()), (0, 0));
    }

    #[test]
    fn wrong_magic_is_rejected() {
        let msg = images("lab.idx", &idx(LABELS_MAGIC, &[1, 1, 1], &[0]));
        assert_contains(&msg, &["lab.idx", "not an IDX image file", "magic number 0x00000801", "expected 0x00000803"]);
        let msg = labels("img.idx", &idx(0xdead_beef, &[1], &[0]));
        assert_contains(&msg, &["img.idx", "not an IDX label file", "0xdeadbeef", "expected 0x00000801"]);
        let msg = labels("raw.gz", &gzip(&idx(LABELS_MAGIC, &[1], &[0])));
        assert_contains(&msg, &["raw.gz", "gzip data; decompress it first"]);
        let msg = labels("tiny", &[0, 0]);
        assert_contains(&msg, &["tiny", "2 bytes, too short for a magic number"]);
    }

    #[test]
    fn short_header_is_rejected() {
        let msg = images("short.idx", &idx(IMAGES_MAGIC, &[5, 28], &[]));
        assert_contains(&msg, &["short.idx", "header truncated", "16-byte header", "holds only 12 bytes"]);
        let msg = labels("short.idx", &[0, 0, 8, 1, 0, 0]);
        assert_contains(&msg, &["short.idx", "header truncated", "8-byte header", "holds only 6 bytes"]);
    }

    #[test]
    fn truncated_data_is_rejected() {
        let msg = images("t.idx", &idx(IMAGES_MAGIC, &[60000, 28, 28], &[0; 1000]));
        assert_contains(&msg, &[
            "t.idx",
            "truncated: header says 60000 images of 28x28 (47040000 bytes) but the file holds 1000 bytes of pixel data",
        ]);
        let msg = labels("l.idx", &idx(LABELS_MAGIC, &[10], &[1, 2, 3]));
        assert_contains(
            &msg,
            &["l.idx", "truncated: header says 10 labels (10 bytes) but the file holds 3 bytes of label data"],
        );
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let msg = images("tail.idx", &idx(IMAGES_MAGIC, &[1, 2, 2], &[0; 16]));
        assert_contains(&msg, &["tail.idx", "12 bytes after the end of the data", "1 images of 2x2, 4 bytes"]);
        let msg = labels("tail.idx", &idx(LABELS_MAGIC, &[2], &[1, 2, 3]));
        assert_contains(&msg, &["tail.idx", "1 bytes after the end of the data"]);
    }

    #[test]
    fn zero_rows_or_cols_are_rejected() {
        for dims in [[3, 0, 28], [3, 28, 0]] {
            let msg = images("z.idx", &idx(IMAGES_MAGIC, &dims, &[]));
            assert_contains(&msg, &["z.idx", "rows and columns must be at least 1"]);
        }
    }

    #[test]
    fn overflowing_sizes_are_rejected_without_allocating() {
        let max = u32::MAX;
        let msg = images("huge.idx", &idx(IMAGES_MAGIC, &[max, max, max], &[1, 2]));
        assert_contains(&msg, &["huge.idx", "more bytes than this machine can address"]);
        // A header that fits in usize but lies about the size: reported, not allocated.
        let msg = images("lie.idx", &idx(IMAGES_MAGIC, &[max, 1, max], &[1, 2]));
        assert_contains(&msg, &["lie.idx", "truncated", "holds 2 bytes of pixel data"]);
    }

    #[test]
    fn gzipped_and_raw_files_read_alike() {
        let dir = TempDir::new("gzip");
        let file = idx(IMAGES_MAGIC, &[1, 2, 3], &[9, 8, 7, 6, 5, 4]);
        let raw = read_images(&dir.write("raw", &file)).unwrap();
        // The name has no .gz: compression is detected from the contents.
        let gz = read_images(&dir.write("zipped", &gzip(&file))).unwrap();
        assert_eq!(raw, gz);
        assert_eq!(gz.pixels, [9, 8, 7, 6, 5, 4]);
    }

    #[test]
    fn corrupt_gzip_is_a_format_error() {
        let dir = TempDir::new("corrupt");
        let mut zipped = gzip(&idx(LABELS_MAGIC, &[64], &[3; 64]));
        let middle = zipped.len() / 2;
        zipped[middle] ^= 0xff;
        let msg = format_err(read_labels(&dir.write("bad.gz", &zipped)));
        assert_contains(&msg, &["bad.gz", "corrupt gzip stream"]);
        let cut = gzip(&idx(LABELS_MAGIC, &[64], &[3; 64]));
        let msg = format_err(read_labels(&dir.write("cut.gz", &cut[..cut.len() - 6])));
        assert_contains(&msg, &["cut.gz", "corrupt gzip stream"]);
    }

    #[test]
    fn sha256_is_verified() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        verify_sha256(b"abc", abc, Path::new("abc.txt")).unwrap();
        verify_sha256(b"abc", &abc.to_uppercase(), Path::new("abc.txt")).unwrap();
        let wrong = "0".repeat(64);
        let msg = format_err(verify_sha256(b"abd", &wrong, Path::new("abd.txt")));
        assert_contains(&msg, &["abd.txt", "checksum mismatch", &wrong, &sha256_hex(b"abd")]);
    }

    #[test]
    fn checksum_files_are_parsed_and_checked() {
        let dir = TempDir::new("sums");
        let (a, b) = ("a".repeat(64), "B".repeat(64));
        let sums = read_checksums(&dir.write("ok", format!("{a}  one\n\n{b} *two\r\n").as_bytes())).unwrap();
        assert_eq!(sums.len(), 2);
        assert_eq!(sums["one"], a);
        assert_eq!(sums["two"], b.to_lowercase());
        let msg = format_err(read_checksums(&dir.write("bad", format!("{a}  one\nabc  two\n").as_bytes())));
        assert_contains(&msg, &["bad", "line 2", "64 hex digits", "abc  two"]);
    }

    /// Writes the four MNIST files (`side`x`side` blank images, the given labels) into a fresh dir.
    fn fake_mnist(tag: &str, side: u32, train: (u32, &[u8]), test: (u32, &[u8])) -> TempDir {
        let dir = TempDir::new(tag);
        for (prefix, (count, labels)) in [("train", train), ("t10k", test)] {
            let pixels = vec![0; (count * side * side) as usize];
            dir.write(
                &format!("{prefix}-images-idx3-ubyte.gz"),
                &gzip(&idx(IMAGES_MAGIC, &[count, side, side], &pixels)),
            );
            let n = labels.len() as u32;
            dir.write(&format!("{prefix}-labels-idx1-ubyte"), &idx(LABELS_MAGIC, &[n], labels));
        }
        dir
    }

    #[test]
    fn mnist_loads_with_and_without_gz_and_checksums() {
        let dir = fake_mnist("load", 28, (3, &[5, 0, 4]), (2, &[7, 2]));
        let mnist = Mnist::load(&dir.0).unwrap();
        assert_eq!(mnist.train_labels.labels, [5, 0, 4]);
        assert_eq!(mnist.test_images.count, 2);
        assert_eq!(mnist.test_images.pixels.len(), 2 * 28 * 28);

        // With a checksum file that covers every file, loading still succeeds ...
        let names =
            ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
        let line =
            |name: &str| format!("{}  {name}\n", sha256_hex(&read_decompressed(&find(&dir.0, name).unwrap()).unwrap()));
        let sums: String = names.iter().map(|n| line(n)).collect();
        dir.write(SUMS_FILE, sums.as_bytes());
        Mnist::load(&dir.0).unwrap();
        // ... and a changed file is caught, naming the file and both hashes.
        let (original, changed) = (idx(LABELS_MAGIC, &[2], &[7, 2]), idx(LABELS_MAGIC, &[2], &[7, 3]));
        let path = dir.write("t10k-labels-idx1-ubyte", &changed);
        let msg = format_err(Mnist::load(&dir.0));
        let path = path.display().to_string();
        assert_contains(&msg, &[&path, "checksum mismatch", &sha256_hex(&changed), &sha256_hex(&original)]);
    }

    #[test]
    fn mnist_rejects_wrong_size_count_and_label() {
        let dir = fake_mnist("size", 27, (1, &[0]), (1, &[0]));
        assert_contains(&format_err(Mnist::load(&dir.0)), &["train-images-idx3-ubyte.gz", "images are 27x27", "28x28"]);

        let dir = fake_mnist("count", 28, (3, &[1, 2]), (1, &[0]));
        let msg = format_err(Mnist::load(&dir.0));
        assert_contains(&msg, &["train-images-idx3-ubyte.gz", "3 images", "train-labels-idx1-ubyte has 2 labels"]);

        let dir = fake_mnist("label", 28, (3, &[1, 12, 10]), (1, &[0]));
        let msg = format_err(Mnist::load(&dir.0));
        assert_contains(&msg, &["train-labels-idx1-ubyte", "label 12 at index 1 is not a digit 0-9"]);

        let dir = fake_mnist("missing", 28, (1, &[0]), (1, &[0]));
        std::fs::remove_file(dir.0.join("t10k-labels-idx1-ubyte")).unwrap();
        let err = Mnist::load(&dir.0).unwrap_err();
        assert!(matches!(&err, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound));
        assert_contains(&err.to_string(), &["no file t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz"]);
    }
}
