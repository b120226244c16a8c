//! Images stored as bytes with a class label each, as MNIST ships them.

use super::idx::{IdxImages, IdxLabels, Mnist};
use super::{Batch, Data, Dataset};
use crate::error::{Error, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Labelled images of `I` byte-valued pixels each, in `C` classes.
///
/// Pixels stay bytes in memory (60,000 MNIST images take 47 MB, not 188 MB as
/// `f32`) and are scaled to `[0, 1]` as each batch is gathered; labels are class
/// numbers (sparse) and are gathered one-hot, so they suit both
/// `CategoricalCrossentropy` and `SparseCategoricalCrossentropy`.
///
/// ```
/// use nn_core::data::{Data, ImageSet};
///
/// // Two 2x2 images of classes 1 and 0.
/// let set: ImageSet<4, 2> = ImageSet::new(vec![0, 255, 255, 0, 10, 20, 30, 40], vec![1, 0])?;
/// let (mut x, mut y) = ([0.0; 4], [0.0; 2]);
/// set.gather(&[0], &mut x, &mut y);
/// assert_eq!((x, y), ([0.0, 1.0, 1.0, 0.0], [0.0, 1.0]));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet<const I: usize, const C: usize> {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl<const I: usize, const C: usize> ImageSet<I, C> {
    /// Images from `pixels` (`I` per image, image after image) and one label each.
    ///
    /// Fails unless there are exactly `I` pixels per label and every label is below `C`.
    pub fn new(pixels: Vec<u8>, labels: Vec<u8>) -> Result<Self> {
        if pixels.len() != I * labels.len() {
            return Err(Error::InvalidArgument(format!(
                "{} pixels for {} labels; expected {} ({I} per image)",
                pixels.len(),
                labels.len(),
                I * labels.len()
            )));
        }
        if let Some((index, label)) = labels.iter().enumerate().find(|(_, &l)| usize::from(l) >= C) {
            return Err(Error::InvalidArgument(format!("label {label} of image {index} is not a class below {C}")));
        }
        Ok(ImageSet { pixels, labels })
    }

    /// The images and labels of two IDX files.
    ///
    /// Fails unless the images have `I` pixels each, the counts agree and the labels are below `C`.
    pub fn from_idx(images: &IdxImages, labels: &IdxLabels) -> Result<Self> {
        if images.rows * images.cols != I {
            return Err(Error::InvalidArgument(format!(
                "images of {}x{} have {} pixels, but this set holds images of {I}",
                images.rows,
                images.cols,
                images.rows * images.cols
            )));
        }
        Self::new(images.pixels.clone(), labels.labels.clone())
    }

    /// [`ImageSet::from_idx`], keeping the files' buffers instead of copying them.
    pub fn from_idx_owned(images: IdxImages, labels: IdxLabels) -> Result<Self> {
        if images.rows * images.cols != I {
            return Self::from_idx(&IdxImages { pixels: Vec::new(), ..images }, &labels);
        }
        Self::new(images.pixels, labels.labels)
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The class of each image.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The pixels of image `index`, or `None` past the end.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let start = index.checked_mul(I)?;
        self.pixels.get(start..start.checked_add(I)?)
    }

    /// The same images in an order drawn from `seed`.
    pub fn shuffled(&self, seed: u64) -> Self {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        self.select(&order)
    }

    /// Split off the last `fraction` of the images (as Keras' `validation_split`
    /// does): returns `(first, last)`. Fails unless `0 <= fraction < 1`.
    pub fn split(&self, fraction: f32) -> Result<(Self, Self)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::InvalidArgument(format!("split fraction {fraction} is outside [0, 1)")));
        }
        let tail = ((self.len() as f64) * f64::from(fraction)).round() as usize;
        let head = self.len() - tail;
        let (first, last): (Vec<usize>, Vec<usize>) = ((0..head).collect(), (head..self.len()).collect());
        Ok((self.select(&first), self.select(&last)))
    }

    /// [`ImageSet::split`] without copying the first part: `self` becomes the first
    /// part in place and only the last `fraction` is copied out.
    pub fn into_split(mut self, fraction: f32) -> Result<(Self, Self)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::InvalidArgument(format!("split fraction {fraction} is outside [0, 1)")));
        }
        let head = self.len() - ((self.len() as f64) * f64::from(fraction)).round() as usize;
        let last = ImageSet { pixels: self.pixels.split_off(head * I), labels: self.labels.split_off(head) };
        Ok((self, last))
    }

    fn select(&self, indices: &[usize]) -> Self {
        let mut pixels = Vec::with_capacity(indices.len() * I);
        for &i in indices {
            pixels.extend_from_slice(&self.pixels[i * I..(i + 1) * I]);
        }
        ImageSet { pixels, labels: indices.iter().map(|&i| self.labels[i]).collect() }
    }

    /// All images as inputs scaled to `[0, 1]`, one per column (for `predict`).
    pub fn inputs(&self) -> Batch<I> {
        self.inputs_of(0..self.len())
    }

    /// The images in `range` as inputs scaled to `[0, 1]`, one per column: a batch
    /// at a time, where all of them as `f32` would take four times their memory.
    /// The range is clipped to the images there are.
    pub fn inputs_of(&self, range: std::ops::Range<usize>) -> Batch<I> {
        let (start, end) = (range.start.min(self.len()), range.end.min(self.len()));
        let count = end.saturating_sub(start);
        let mut batch = Batch::<I>::zeros(count);
        scale(&self.pixels[start * I..(start + count) * I], batch.as_mut_slice());
        batch
    }

    /// The set as `f32` inputs and one-hot targets.
    pub fn to_dataset(&self) -> Dataset<I, C> {
        let targets =
            Batch::<C>::from_fn(self.len(), |class, i| f32::from(u8::from(usize::from(self.labels[i]) == class)));
        Dataset { inputs: self.inputs(), targets }
    }
}

crate::cpu::with_avx2! {
    /// `out[i] = pixels[i] / 255`, correctly rounded (a division, as PyTorch's
    /// `x / 255.0`, not a multiplication by an inexact reciprocal). With AVX2
    /// this is eight pixels per instruction.
    fn scale(pixels: &[u8], out: &mut [f32]) {
        for (x, &p) in out.iter_mut().zip(pixels) {
            *x = f32::from(p) / 255.0;
        }
    }
}

/// Ask the CPU to start loading `bytes` into cache: the images of a shuffled
/// batch lie at random places in a dataset larger than the cache, and fetching
/// the next one while this one is converted hides most of the wait.
#[inline(always)]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: a prefetch is only a hint; the address lies within a live slice.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

impl<const I: usize, const C: usize> Data<I, C> for ImageSet<I, C> {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn gather(&self, indices: &[usize], inputs: &mut [f32], targets: &mut [f32]) {
        let parts = [(&mut inputs[..I * indices.len()], I), (&mut targets[..C * indices.len()], C)];
        crate::parallel::for_each_rows(indices.len(), GATHER_MIN_PER_THREAD, 1, parts, |range, [inputs, targets]| {
            self.gather_serial(&indices[range], inputs, targets);
        });
    }
}

/// Fewest images worth handing to another thread (each takes a fraction of a
/// microsecond to convert, most of it waiting for memory).
const GATHER_MIN_PER_THREAD: usize = 16;

impl<const I: usize, const C: usize> ImageSet<I, C> {
    /// [`Data::gather`] on the calling thread.
    fn gather_serial(&self, indices: &[usize], inputs: &mut [f32], targets: &mut [f32]) {
        const AHEAD: usize = 2;
        for &i in indices.iter().take(AHEAD) {
            prefetch(&self.pixels[i * I..(i + 1) * I]);
        }
        let samples = indices.iter().zip(inputs.chunks_exact_mut(I)).zip(targets.chunks_exact_mut(C));
        for (n, ((&i, x), y)) in samples.enumerate() {
            if let Some(&next) = indices.get(n + AHEAD) {
                prefetch(&self.pixels[next * I..(next + 1) * I]);
            }
            scale(&self.pixels[i * I..(i + 1) * I], x);
            y.fill(0.0);
            y[usize::from(self.labels[i])] = 1.0;
        }
    }
}

/// MNIST as a labelled training set and test set.
pub type MnistSet = ImageSet<784, 10>;

impl Mnist {
    /// The training and test sets, moving the images rather than copying them.
    pub fn into_sets(self) -> Result<(MnistSet, MnistSet)> {
        Ok((
            ImageSet::from_idx_owned(self.train_images, self.train_labels)?,
            ImageSet::from_idx_owned(self.test_images, self.test_labels)?,
        ))
    }

    /// The 60,000 training images with their labels.
    pub fn train_set(&self) -> Result<MnistSet> {
        ImageSet::from_idx(&self.train_images, &self.train_labels)
    }

    /// The 10,000 test images with their labels.
    pub fn test_set(&self) -> Result<MnistSet> {
        ImageSet::from_idx(&self.test_images, &self.test_labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> ImageSet<2, 3> {
        ImageSet::new(vec![0, 51, 102, 153, 204, 255], vec![2, 0, 1]).unwrap()
    }

    /// An index too large for its offset to be computed is past the end, not a panic.
    #[test]
    fn an_image_past_the_end_is_none() {
        assert_eq!(set().image(2), Some(&[204, 255][..]));
        assert_eq!(set().image(3), None);
        assert_eq!(set().image(usize::MAX / 2 + 1), None);
        assert_eq!(set().image(usize::MAX), None);
    }

    #[test]
    fn gather_scales_pixels_and_one_hot_encodes_labels() {
        let (mut x, mut y) = ([9.0; 4], [9.0; 6]);
        set().gather(&[2, 0], &mut x, &mut y);
        assert_eq!(x, [0.8, 1.0, 0.0, 0.2]);
        assert_eq!(y, [0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn bad_shapes_and_labels_are_errors() {
        let too_few = ImageSet::<2, 3>::new(vec![1, 2, 3], vec![0, 1]).unwrap_err();
        assert_eq!(too_few.to_string(), "3 pixels for 2 labels; expected 4 (2 per image)");
        let bad_label = ImageSet::<2, 3>::new(vec![1, 2], vec![3]).unwrap_err();
        assert_eq!(bad_label.to_string(), "label 3 of image 0 is not a class below 3");
        let images = IdxImages { count: 1, rows: 2, cols: 2, pixels: vec![0; 4] };
        let labels = IdxLabels { labels: vec![0] };
        assert!(ImageSet::<2, 3>::from_idx(&images, &labels).is_err());
    }

    #[test]
    fn split_and_shuffle_keep_images_with_their_labels() {
        let (first, last) = set().split(1.0 / 3.0).unwrap();
        assert_eq!((first.labels(), last.labels()), (&[2, 0][..], &[1][..]));
        assert_eq!(last.image(0), Some(&[204, 255][..]));
        let shuffled = set().shuffled(1);
        let mut pairs: Vec<(u8, Vec<u8>)> =
            (0..3).map(|i| (shuffled.labels()[i], shuffled.image(i).unwrap().to_vec())).collect();
        pairs.sort();
        assert_eq!(pairs, [(0, vec![102, 153]), (1, vec![204, 255]), (2, vec![0, 51])]);
        assert_eq!(shuffled, set().shuffled(1), "the same seed gives the same order");
    }

    #[test]
    fn into_split_equals_split() {
        assert_eq!(set().into_split(1.0 / 3.0).unwrap(), set().split(1.0 / 3.0).unwrap());
        assert_eq!(set().into_split(0.0).unwrap().1.len(), 0);
        assert!(set().into_split(1.0).is_err());
    }

    #[test]
    fn inputs_of_a_range_are_those_columns_of_all_inputs() {
        let all = set().inputs();
        assert_eq!(set().inputs_of(1..3), all.columns(1, 2).into_owned());
        assert_eq!(set().inputs_of(2..10).ncols(), 1, "clipped to the images there are");
    }

    #[test]
    fn to_dataset_matches_gather() {
        let data = set().to_dataset();
        assert_eq!(data.inputs().as_slice(), &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(data.targets().column(0).as_slice(), &[0.0, 0.0, 1.0]);
    }
}
