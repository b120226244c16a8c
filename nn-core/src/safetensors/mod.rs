//! The safetensors format's vocabulary, which builds without std: the
//! element types ([`Dtype`]), the header's keys, and why a blob read where
//! it lies does not give a network's tensors ([`Error`]).
//!
//! It sits below the crate's [`Error`](crate::Error), which holds a view's
//! error, and below the two readers that share it: [`crate::io`] (files,
//! with the heap) and [`crate::view`] (a blob in place). Both re-export its
//! items under their own names (`io::Dtype`, `view::Error`).

// Without the heap, a view's error holds its tensor names and shapes itself,
// so it is a few hundred bytes; it is made at most once, when a view is made.
#![allow(clippy::result_large_err)]

mod blob;
pub(crate) mod dtype;
mod error;

pub use blob::Weights;
pub use dtype::Dtype;
pub use error::{Dims, Error, Format, Name};

/// The header key that holds the file's metadata rather than a tensor.
pub const METADATA_KEY: &str = "__metadata__";

/// The metadata key naming the layout convention of a file's tensors.
pub const FORMAT_KEY: &str = "format";
/// The value of [`FORMAT_KEY`] for PyTorch's layout, which networks save and load.
pub const PYTORCH_FORMAT: &str = "pt";
/// The metadata key under which a network saves its summary, so a file of
/// another architecture can be explained layer by layer.
pub const SUMMARY_KEY: &str = "summary";

/// The most tensors a blob may hold for a view:
/// [`Weights`](crate::view::Weights) notes which ones a network has read in
/// a bitmap of this many bits.
pub const MAX_TENSORS: usize = 1024;

/// How a layer's tensor names start: nothing for a network's own modules,
/// `"3."` for module 3 of a `torch.nn.Sequential`, `"0.3."` for module 3 of
/// a network nested as module 0.
///
/// ```
/// use nn::view::Prefix;
///
/// let nested = Prefix::ROOT.module(0)?.module(3)?;
/// assert_eq!(nested.as_str(), "0.3.");
/// # Ok::<(), nn::view::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    name: Name,
}

impl Prefix {
    /// The names of a network's own modules: no prefix.
    pub const ROOT: Prefix = Prefix { name: Name::EMPTY };

    /// The prefix of module `index` under this one: this one, the index and a dot.
    pub fn module(&self, index: usize) -> Result<Prefix, Error> {
        let mut name = self.name;
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = index;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for digit in &digits[start..] {
            name.push(char::from(*digit));
        }
        name.push('.');
        if name.is_cut() {
            return Err(Error::NameTooLong { prefix: name });
        }
        Ok(Prefix { name })
    }

    /// The prefix of the child module named `name` under this one: this
    /// one, the name and a dot (`"5.branches."`, `"3.body."`: the attributes
    /// of a block's PyTorch module).
    ///
    /// ```
    /// use nn::view::Prefix;
    ///
    /// let branch = Prefix::ROOT.module(5)?.named("branches")?.module(1)?;
    /// assert_eq!(branch.as_str(), "5.branches.1.");
    /// # Ok::<(), nn::view::Error>(())
    /// ```
    pub fn named(&self, name: &str) -> Result<Prefix, Error> {
        let mut full = self.name;
        full.push_str(name);
        full.push('.');
        if full.is_cut() {
            return Err(Error::NameTooLong { prefix: full });
        }
        Ok(Prefix { name: full })
    }

    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        self.name.as_str()
    }

    /// The full name of tensor `name` under this prefix (cut if too long).
    pub(crate) fn join(&self, name: &str) -> Name {
        let mut full = self.name;
        full.push_str(name);
        full
    }
}
