#![cfg(feature = "std")]
//! Element-wise loops over long tensors (optimiser updates) and per-sample
//! loops over batches (reading images, predicting), shared between the
//! threads of the matrix products.
//!
//! Each element is computed by the same code whichever thread gets it, so the
//! results do not depend on the number of threads.

use crate::gemm::{for_each_range, for_each_range_on, threads_for};
use crate::tensor::ensure_len;
use std::marker::PhantomData;
use std::ops::Range;

/// Fewest elements worth handing to another thread: about 16 thousand, a few
/// microseconds of an optimiser's update, which is what waking a thread costs.
const MIN_PER_THREAD: usize = 1 << 14;

/// Fewest rows of `width` values each worth handing to another thread in an
/// element-wise loop over them.
pub(crate) fn min_rows(width: usize) -> usize {
    MIN_PER_THREAD.div_ceil(width.max(1))
}

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
    let parts = mutable.map(|(m, width)| Parts::new(m, rows, width));
    for_each_range(rows, min_rows, pieces_per_thread, &|_, range: Range<usize>| {
        // SAFETY: `for_each_range` hands out disjoint ranges of rows within
        // `0..rows`, so no value is borrowed mutably twice, and the slices
        // outlive this call.
        let mutable = parts.each_ref().map(|p| unsafe { p.rows(range.clone()) });
        f(range, mutable);
    });
}

/// [`for_each_rows`] over slices that hold `steps` blocks of `rows` rows each
/// (time-major sequences: step after step, each step the whole batch): `f`
/// gets a range of rows and, for each slice, its [`StepRows`], whose
/// [`StepRows::step`] is those rows of one block. Each thread keeps its rows
/// through every step, so a loop over the steps inside `f` never waits on
/// another thread (a recurrent layer's samples are independent of each other
/// until their weight gradients are summed). A slice's `steps` may be 1, for
/// values kept per row whatever the step.
///
/// # Panics
/// If a slice is shorter than `steps · rows` times its width (a bug in the caller).
pub(crate) fn for_each_rows_of_steps<const M: usize, F>(
    rows: usize,
    min_rows: usize,
    mutable: [(&mut [f32], usize, usize); M],
    f: F,
) where
    F: Fn(Range<usize>, [StepRows<'_>; M]) + Sync,
{
    assert!(
        mutable.iter().all(|(m, width, steps)| m.len() >= steps * rows * width),
        "for_each_rows_of_steps: a slice is too short"
    );
    let parts = mutable.map(|(m, width, steps)| (Parts::new(m, steps * rows, width), steps));
    for_each_range(rows, min_rows, 1, &|_, range: Range<usize>| {
        let steps = parts.each_ref().map(|(part, steps)| StepRows { part, rows, steps: *steps, range: range.clone() });
        f(range, steps);
    });
}

/// One thread's rows of a slice of [`for_each_rows_of_steps`], in every step.
pub(crate) struct StepRows<'a> {
    part: &'a Parts<'a, f32>,
    /// Rows in each step's block.
    rows: usize,
    steps: usize,
    range: Range<usize>,
}

impl StepRows<'_> {
    /// This thread's rows of step `t`.
    ///
    /// # Panics
    /// If `t` is not below the slice's steps.
    pub(crate) fn step(&mut self, t: usize) -> &mut [f32] {
        assert!(t < self.steps, "step {t} of {}", self.steps);
        let start = t * self.rows;
        // SAFETY: other threads get other ranges of rows within each block,
        // and `&mut self` lends one step's rows at a time.
        unsafe { self.part.rows(start + self.range.start..start + self.range.end) }
    }

    /// This thread's rows of step `t - 1` (nothing for the first step), to
    /// read, and of step `t`, to write.
    pub(crate) fn previous_and_step(&mut self, t: usize) -> (&[f32], &mut [f32]) {
        assert!(t < self.steps, "step {t} of {}", self.steps);
        let start = t * self.rows;
        // SAFETY: as in `step`; the rows of steps t - 1 and t do not overlap.
        unsafe {
            let previous: &[f32] = if t > 0 {
                self.part.rows(start - self.rows + self.range.start..start - self.rows + self.range.end)
            } else {
                &[]
            };
            (previous, self.part.rows(start + self.range.start..start + self.range.end))
        }
    }
}

/// [`for_each_rows`] over two slices of different types: `values` (`f32`)
/// and `indices` (`u32`, for example the positions of pooling's maxima).
///
/// # Panics
/// If a slice is shorter than `rows` times its width (a bug in the caller).
pub(crate) fn for_each_rows_indexed<F>(
    rows: usize,
    min_rows: usize,
    pieces_per_thread: usize,
    (values, values_width): (&mut [f32], usize),
    (indices, indices_width): (&mut [u32], usize),
    f: F,
) where
    F: Fn(Range<usize>, &mut [f32], &mut [u32]) + Sync,
{
    assert!(values.len() >= rows * values_width && indices.len() >= rows * indices_width, "a slice is too short");
    let (values, indices) = (Parts::new(values, rows, values_width), Parts::new(indices, rows, indices_width));
    for_each_range(rows, min_rows, pieces_per_thread, &|_, range: Range<usize>| {
        // SAFETY: as in `for_each_rows`: disjoint ranges of rows of slices that outlive the call.
        let (values, indices) = unsafe { (values.rows(range.clone()), indices.rows(range.clone())) };
        f(range, values, indices);
    });
}

/// Call `f(rows, parts, own, scratch)` for each group of `group_size`
/// consecutive rows of `0..rows` (the last group may be shorter), on up to
/// [`crate::gemm::threads`] threads, each claiming groups in turn and getting
/// at least `min_groups` of them: `parts` holds, for each `(slice, width)` of
/// `mutable`, the `width` values of every row of the group; `own` the group's
/// `width` values of `per_group`; and `scratch` the calling thread's
/// `scratch.1` values of `scratch.0`, starting on a cache line, which grows
/// (on the first call only) to hold that much for each thread.
///
/// What `f` computes for a group depends only on the group, never on which
/// thread runs it or how many threads there are: sums over a batch that are
/// made per group and then added in the order of the groups come out the
/// same, bit for bit, on any number of threads.
///
/// # Panics
/// If a slice is too short (a bug in the caller).
pub(crate) fn for_each_group<const M: usize, T: Send, F>(
    rows: usize,
    group_size: usize,
    min_groups: usize,
    mutable: [(&mut [f32], usize); M],
    per_group: (&mut [T], usize),
    scratch: (&mut Vec<f32>, usize),
    f: F,
) where
    F: Fn(Range<usize>, [&mut [f32]; M], &mut [T], &mut [f32]) + Sync,
{
    let group_size = group_size.max(1);
    let groups = rows.div_ceil(group_size);
    let per_slot = scratch.1;
    assert!(mutable.iter().all(|(m, width)| m.len() >= rows * width), "for_each_group: a slice is too short");
    assert!(per_group.0.len() >= groups * per_group.1, "for_each_group: the per-group slice is too short");
    let threads = threads_for(groups, min_groups);
    let parts = mutable.map(|(m, width)| Parts::new(m, rows, width));
    let own = Parts::new(per_group.0, groups, per_group.1);
    let per_thread = scratch.1.next_multiple_of(16);
    let memory = ensure_len(scratch.0, threads * per_thread + 16);
    let aligned = memory.as_ptr().align_offset(64).min(16);
    let scratch = Parts::new(&mut memory[aligned..], threads, per_thread);
    for_each_range_on(threads, groups, min_groups, groups, &|slot, range: Range<usize>| {
        // SAFETY: each slot belongs to one thread (`for_each_range_on`), and
        // each group's rows and own part are given out once.
        let scratch = unsafe { scratch.rows(slot..slot + 1) };
        let scratch = &mut scratch[..per_slot];
        for group in range {
            let samples = group * group_size..((group + 1) * group_size).min(rows);
            let mutable = parts.each_ref().map(|p| unsafe { p.rows(samples.clone()) });
            let own = unsafe { own.rows(group..group + 1) };
            f(samples, mutable, own, scratch);
        }
    });
}

/// A mutably borrowed slice whose disjoint ranges of rows are handed to threads.
struct Parts<'a, T> {
    ptr: *mut T,
    len: usize,
    /// Values per row.
    width: usize,
    borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: `Parts` is only used to give out disjoint ranges of one `&mut [T]`,
// each to one thread at a time (see `for_each_rows`).
unsafe impl<T: Send> Sync for Parts<'_, T> {}

impl<'a, T> Parts<'a, T> {
    /// The first `rows` rows of `width` values of `slice`.
    fn new(slice: &'a mut [T], rows: usize, width: usize) -> Self {
        Parts { ptr: slice.as_mut_ptr(), len: (rows * width).min(slice.len()), width, borrow: PhantomData }
    }

    /// The values of rows `rows`.
    ///
    /// # Safety
    /// No range of rows overlapping `rows` that was given out before is still in use.
    #[allow(clippy::mut_from_ref)]
    unsafe fn rows(&self, rows: Range<usize>) -> &mut [T] {
        let (start, end) = (rows.start * self.width, rows.end * self.width);
        assert!(start <= end && end <= self.len);
        // SAFETY: within the slice (checked), and not aliased (the caller).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), end - start) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each thread gets the same rows of every step, and the previous
    /// step's rows beside the current ones; a slice of one step is per row.
    #[test]
    fn rows_of_steps_are_each_visited_once_with_the_step_before() {
        let (rows, steps) = (MIN_PER_THREAD * 3 + 5, 4);
        let mut values = vec![0.0f32; rows * steps * 2];
        let mut per_row = vec![0.0f32; rows];
        for_each_rows_of_steps(
            rows,
            MIN_PER_THREAD,
            [(&mut values, 2, steps), (&mut per_row, 1, 1)],
            |range, [mut v, mut r]| {
                for t in 0..steps {
                    let (previous, this) = v.previous_and_step(t);
                    assert_eq!(this.len(), 2 * range.len());
                    assert_eq!(previous.len(), if t > 0 { this.len() } else { 0 });
                    for (k, row) in range.clone().enumerate() {
                        let before = if t > 0 { previous[2 * k] } else { 0.0 };
                        this[2 * k] = before + 1.0;
                        this[2 * k + 1] = (t * rows + row) as f32;
                    }
                    r.step(0).iter_mut().for_each(|x| *x += 1.0);
                }
            },
        );
        for t in 0..steps {
            for row in 0..rows {
                let at = (t * rows + row) * 2;
                assert_eq!(values[at], t as f32 + 1.0, "step {t}, row {row}");
                assert_eq!(values[at + 1], (t * rows + row) as f32, "step {t}, row {row}");
            }
        }
        assert!(per_row.iter().all(|x| *x == steps as f32));
    }

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
