//! Element-wise loops over long tensors (optimiser updates) and per-sample
//! loops over batches (reading images, predicting), shared between the
//! threads of the matrix products.
//!
//! Each element is computed by the same code whichever thread gets it, so the
//! results do not depend on the number of threads.

use crate::gemm::for_each_range;
use std::marker::PhantomData;
use std::ops::Range;

/// Fewest elements worth handing to another thread: about 16 thousand, a few
/// microseconds of an optimiser's update, which is what waking a thread costs.
const MIN_PER_THREAD: usize = 1 << 14;

/// Call `f` on matching parts of the `mutable` slices and of `shared`, which
/// all have the same length, covering every index once; parts may run on
/// different threads at once.
///
/// # Panics
/// If the slices' lengths differ (a bug in the caller).
pub(crate) fn zip_parts<const M: usize, F>(mutable: [&mut [f32]; M], shared: &[f32], f: F)
where
    F: Fn([&mut [f32]; M], &[f32]) + Sync,
{
    let len = shared.len();
    assert!(mutable.iter().all(|m| m.len() == len), "zip_parts: slices of different lengths");
    for_each_rows(len, MIN_PER_THREAD, 1, mutable.map(|m| (m, 1)), |range, mutable| f(mutable, &shared[range]));
}

/// Call `f(range, parts)` for ranges of rows covering `0..rows`, each row once,
/// on up to [`crate::gemm::threads`] threads with at least `min_rows` rows
/// each, in `pieces_per_thread` ranges per thread claimed in turn: `parts`
/// holds, for each `(slice, width)` of `mutable`, the `width` values of every
/// row in `range` (row `r` is `slice[r * width..(r + 1) * width]`).
///
/// # Panics
/// If a slice is shorter than `rows * width` (a bug in the caller).
pub(crate) fn for_each_rows<const M: usize, F>(
    rows: usize,
    min_rows: usize,
    pieces_per_thread: usize,
    mutable: [(&mut [f32], usize); M],
    f: F,
) where
    F: Fn(Range<usize>, [&mut [f32]; M]) + Sync,
{
    assert!(mutable.iter().all(|(m, width)| m.len() >= rows * width), "for_each_rows: a slice is too short");
    let parts = mutable.map(|(m, width)| Parts { ptr: m.as_mut_ptr(), len: rows * width, width, borrow: PhantomData });
    for_each_range(rows, min_rows, pieces_per_thread, &|range: Range<usize>| {
        // SAFETY: `for_each_range` hands out disjoint ranges of rows within
        // `0..rows`, so no value is borrowed mutably twice, and the slices
        // outlive this call.
        let mutable = parts.each_ref().map(|p| unsafe { p.rows(range.clone()) });
        f(range, mutable);
    });
}

/// A mutably borrowed slice whose disjoint ranges are handed to threads.
struct Parts<'a> {
    ptr: *mut f32,
    len: usize,
    /// Values per row.
    width: usize,
    borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: `Parts` is only used to give out disjoint ranges of one `&mut [f32]`,
// each to one thread at a time (see `zip_parts`).
unsafe impl Sync for Parts<'_> {}

impl Parts<'_> {
    /// The values of rows `rows`.
    ///
    /// # Safety
    /// No range of rows overlapping `rows` that was given out before is still in use.
    #[allow(clippy::mut_from_ref)]
    unsafe fn rows(&self, rows: Range<usize>) -> &mut [f32] {
        let (start, end) = (rows.start * self.width, rows.end * self.width);
        assert!(start <= end && end <= self.len);
        // SAFETY: within the slice (checked), and not aliased (the caller).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), end - start) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_is_visited_once_with_its_matching_parts() {
        for len in [0, 1, 100, MIN_PER_THREAD * 2 + 7, MIN_PER_THREAD * 5] {
            let shared: Vec<f32> = (0..len).map(|i| i as f32).collect();
            let mut a = vec![0.0f32; len];
            let mut b = vec![1.0f32; len];
            zip_parts([&mut a, &mut b], &shared, |[a, b], s| {
                for ((a, b), s) in a.iter_mut().zip(b.iter_mut()).zip(s) {
                    *a += s;
                    *b += 2.0 * s;
                }
            });
            assert!(a.iter().enumerate().all(|(i, v)| *v == i as f32), "len {len}");
            assert!(b.iter().enumerate().all(|(i, v)| *v == 1.0 + 2.0 * i as f32), "len {len}");
        }
    }
}
