//! The real MNIST files in `<workspace>/../shared/data/mnist`: the loader reproduces the
//! facts their README states, and damaged copies of them are rejected with clear errors.
//!
//! Skipped (with a message) when that directory does not exist.

use std::path::{Path, PathBuf};

use nn_core::data::idx::{self, Mnist};
use nn_core::error::Error;
use sha2::{Digest, Sha256};

const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// The MNIST directory, or `None` (after saying the test is skipped) if it is absent.
fn mnist_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mnist");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("{test}: skipped, no MNIST data at {}", dir.display());
        None
    }
}

/// How many labels of each digit.
fn histogram(labels: &[u8]) -> [usize; 10] {
    let mut counts = [0; 10];
    for &l in labels {
        counts[usize::from(l)] += 1;
    }
    counts
}

#[test]
fn real_mnist_matches_the_readme() {
    let Some(dir) = mnist_dir("real_mnist_matches_the_readme") else {
        return;
    };
    let mnist = Mnist::load(&dir).unwrap();
    for (images, count) in [(&mnist.train_images, 60_000), (&mnist.test_images, 10_000)] {
        assert_eq!((images.count, images.rows, images.cols), (count, 28, 28));
        assert_eq!(images.pixels.len(), count * 28 * 28);
    }
    assert_eq!(histogram(&mnist.train_labels.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(histogram(&mnist.test_labels.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert_eq!(mnist.train_labels.labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nn-mnist-it-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Copies every file of `from` except `skip` (and its `.gz`) into this directory.
    fn copy_all_but(&self, from: &Path, skip: &str) {
        for entry in std::fs::read_dir(from).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.trim_end_matches(".gz") != skip {
                std::fs::copy(from.join(&name), self.0.join(&name)).unwrap();
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The message of an [`Error::Format`]; panics on any other outcome.
fn format_err<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
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

/// The decompressed real test-label file.
fn real_test_labels(dir: &Path) -> Vec<u8> {
    idx::read_decompressed(&dir.join(format!("{TEST_LABELS}.gz"))).unwrap()
}

#[test]
fn damaged_copies_of_a_real_file_are_rejected() {
    let Some(dir) = mnist_dir("damaged_copies_of_a_real_file_are_rejected") else {
        return;
    };
    let bytes = real_test_labels(&dir);
    assert_eq!(bytes.len(), 8 + 10_000);
    let tmp = TempDir::new("damaged");

    let path = tmp.write("cut", &bytes[..bytes.len() - 100]);
    let msg = format_err(idx::read_labels(&path));
    assert_contains(&msg, &["cut", "truncated", "10000 labels", "holds 9900 bytes of label data"]);

    let mut flipped = bytes.clone();
    flipped[3] = 0x03;
    let path = tmp.write("flipped", &flipped);
    let msg = format_err(idx::read_labels(&path));
    assert_contains(&msg, &["flipped", "magic number 0x00000803", "expected 0x00000801"]);

    let mut longer = bytes;
    longer.extend([0; 12]);
    let path = tmp.write("longer", &longer);
    let msg = format_err(idx::read_labels(&path));
    assert_contains(&msg, &["longer", "12 bytes after the end of the data"]);
}

#[test]
fn a_label_file_of_another_length_is_rejected() {
    let Some(dir) = mnist_dir("a_label_file_of_another_length_is_rejected") else {
        return;
    };
    let tmp = TempDir::new("count");
    // No SHA256SUMS: the count check, not the checksum, must catch this.
    tmp.copy_all_but(&dir, TEST_LABELS);
    std::fs::remove_file(tmp.0.join("SHA256SUMS.uncompressed")).unwrap();
    let mut short = real_test_labels(&dir);
    short.truncate(short.len() - 1);
    short[4..8].copy_from_slice(&9_999u32.to_be_bytes());
    tmp.write(TEST_LABELS, &short);
    let msg = format_err(Mnist::load(&tmp.0));
    assert_contains(&msg, &["t10k-images-idx3-ubyte.gz", "10000 images", "t10k-labels-idx1-ubyte has 9999 labels"]);
}

#[test]
fn a_changed_real_file_fails_its_checksum() {
    let Some(dir) = mnist_dir("a_changed_real_file_fails_its_checksum") else {
        return;
    };
    let tmp = TempDir::new("checksum");
    tmp.copy_all_but(&dir, TEST_LABELS);
    let mut changed = real_test_labels(&dir);
    changed[8] = (changed[8] + 1) % 10; // still a valid label, so only the checksum can object
    let path = tmp.write(TEST_LABELS, &changed);
    let msg = format_err(Mnist::load(&tmp.0));
    let expected = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2";
    let actual: String = Sha256::digest(&changed).iter().map(|b| format!("{b:02x}")).collect();
    let path = path.display().to_string();
    assert_contains(&msg, &[&path, "checksum mismatch", expected, &actual]);
}
