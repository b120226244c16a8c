//! A persistent pool of worker threads that helps with one job at a time,
//! without allocating.
//!
//! One worker per extra thread parks on a condition variable. A caller that
//! owns the pool publishes a job (a function pointer and its data) under a new
//! ticket, runs the job itself, then closes it and waits for the workers that
//! joined. A job is a loop that claims chunks of work from a shared counter
//! until none is left, so the threads share the work dynamically: a worker that
//! is slow to wake (or descheduled by another process on a busy machine) takes
//! fewer chunks, and one that arrives after the job is closed takes none and
//! costs nothing. Workers and caller spin briefly before sleeping, so the
//! products of a training step, which follow each other within microseconds,
//! do not pay a wake-up through the kernel each time.
//!
//! Only one caller owns the pool at a time: another caller (another user
//! thread, or a product started from inside a job) finds it busy and works
//! alone instead of waiting, so the pool can neither deadlock nor serialise
//! independent callers.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How long a worker looks for the next job, and a caller for its workers to
/// finish, before sleeping: this many pause instructions, about 100 µs on the
/// machines measured. Counted in iterations rather than time, so that a thread
/// descheduled while spinning still spins for its full share when it resumes.
const SPIN: usize = 4096;

/// Bits of a ticket that hold the number of threads the job wants.
const THREADS_BITS: u32 = 16;

/// The published job: `run(data)`.
#[derive(Clone, Copy)]
struct Job {
    run: unsafe fn(*const ()),
    data: *const (),
}

/// Does nothing; the job before the first one.
unsafe fn idle(_: *const ()) {}

struct Shared {
    /// A caller owns the pool (from `try_run`'s acquire to its release).
    busy: AtomicBool,
    /// The last job's ticket: a job counter in the high bits and the number of
    /// threads it wants in the low [`THREADS_BITS`]. Workers wait for it to
    /// change; worker `w` (from 1) joins a job that wants more than `w` threads.
    ticket: AtomicUsize,
    /// The ticket of the job workers may still join, or 0 once it is closed.
    open: AtomicUsize,
    /// Workers that have joined a job and not yet left it.
    inside: AtomicUsize,
    /// Written only by the owner before it opens its ticket; read by a worker
    /// only after it has entered `inside` and then seen its ticket `open`.
    job: UnsafeCell<Job>,
    /// Workers blocked on `wake`, and whether the owner is blocked on `done`.
    sleepers: AtomicUsize,
    owner_sleeps: AtomicBool,
    /// A worker's share of the job panicked (a bug, reported by the owner).
    panicked: AtomicBool,
    /// Workers started so far, and how many of them have finished `init`.
    workers: AtomicUsize,
    ready: AtomicUsize,
    /// Serialises starting workers.
    spawning: Mutex<()>,
    lock: Mutex<()>,
    wake: Condvar,
    done: Condvar,
    started: Condvar,
}

// SAFETY: `job` is written only by the owner of the pool before it opens its
// ticket, and read only by a worker that has joined that ticket's job, which
// the owner waits for before it writes again (see `try_run` and `worker`); the
// data pointer in it is dereferenced only by the job's own function while the
// owner keeps the data alive.
unsafe impl Sync for Shared {}

static POOL: Shared = Shared {
    busy: AtomicBool::new(false),
    ticket: AtomicUsize::new(0),
    open: AtomicUsize::new(0),
    inside: AtomicUsize::new(0),
    job: UnsafeCell::new(Job { run: idle, data: std::ptr::null() }),
    sleepers: AtomicUsize::new(0),
    owner_sleeps: AtomicBool::new(false),
    panicked: AtomicBool::new(false),
    workers: AtomicUsize::new(0),
    ready: AtomicUsize::new(0),
    spawning: Mutex::new(()),
    lock: Mutex::new(()),
    wake: Condvar::new(),
    done: Condvar::new(),
    started: Condvar::new(),
};

fn lock(mutex: &Mutex<()>) -> MutexGuard<'_, ()> {
    // The mutexes guard no data, so a poisoned one is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Spin until `ready()` or for [`SPIN`] rounds, whichever comes first; true if ready.
fn spin_until(ready: impl Fn() -> bool) -> bool {
    for _ in 0..SPIN {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
    }
    ready()
}

/// Run `f` on the calling thread and on up to `threads - 1` workers at once,
/// and return true; or return false without running anything when the pool is
/// owned by another caller or its workers cannot be started (the caller then
/// works alone). `f` must do the whole job when it runs alone: the workers may
/// join late or not at all. `init` runs once on each new worker.
pub fn try_run<F: Fn() + Sync>(threads: usize, f: &F, init: fn()) -> bool {
    if !(2..1 << THREADS_BITS).contains(&threads) || POOL.busy.compare_exchange(false, true, SeqCst, SeqCst).is_err() {
        return false;
    }
    // From here this thread owns the pool until `_owner` drops.
    let _owner = Owner;
    if !ensure_workers(threads - 1, init) {
        return false;
    }

    /// Calls the job's closure; the type behind `data` is `F`.
    unsafe fn call<F: Fn() + Sync>(data: *const ()) {
        // SAFETY: `data` points to the `F` that `try_run` published, which the
        // owner keeps alive until no worker is inside the job.
        unsafe { (*data.cast::<F>())() }
    }

    // SAFETY: this thread owns the pool, and no worker reads `job` now: a worker
    // reads it only after entering `inside` and then seeing its own ticket in
    // `open`; the previous owner closed its ticket before waiting for `inside`
    // to drain, and this ticket is opened only after the write.
    unsafe { *POOL.job.get() = Job { run: call::<F>, data: (f as *const F).cast() } };
    POOL.panicked.store(false, SeqCst);
    let ticket = (((POOL.ticket.load(SeqCst) >> THREADS_BITS) + 1) << THREADS_BITS) | threads;
    // The guard closes the job and waits for the workers inside it, even if `f`
    // panics here, so that `f` outlives them.
    let close = Close;
    POOL.open.store(ticket, SeqCst);
    POOL.ticket.store(ticket, SeqCst);
    if POOL.sleepers.load(SeqCst) > 0 {
        let _guard = lock(&POOL.lock);
        POOL.wake.notify_all();
    }
    f();
    drop(close);
    assert!(!POOL.panicked.load(SeqCst), "gemm: a worker thread panicked");
    true
}

/// Releases the pool on drop.
struct Owner;

impl Drop for Owner {
    fn drop(&mut self) {
        POOL.busy.store(false, SeqCst);
    }
}

/// On drop: closes the job and waits until no worker is inside it.
struct Close;

impl Drop for Close {
    fn drop(&mut self) {
        POOL.open.store(0, SeqCst);
        let finished = || POOL.inside.load(SeqCst) == 0;
        if spin_until(finished) {
            return;
        }
        let mut guard = lock(&POOL.lock);
        POOL.owner_sleeps.store(true, SeqCst);
        while !finished() {
            guard = POOL.done.wait(guard).unwrap_or_else(PoisonError::into_inner);
        }
        POOL.owner_sleeps.store(false, SeqCst);
    }
}

/// Start workers until there are at least `wanted`, and wait until each has run
/// `init` (so that whatever `init` allocates is allocated before this returns);
/// false if a worker cannot be started.
fn ensure_workers(wanted: usize, init: fn()) -> bool {
    if POOL.workers.load(SeqCst) >= wanted {
        return true;
    }
    let _guard = lock(&POOL.spawning);
    while POOL.workers.load(SeqCst) < wanted {
        let index = POOL.workers.load(SeqCst) + 1;
        // A new worker waits for the ticket after the current one.
        let seen = POOL.ticket.load(SeqCst);
        let spawned =
            std::thread::Builder::new().name(format!("nn-gemm-{index}")).spawn(move || worker(index, seen, init));
        if spawned.is_err() {
            return false;
        }
        POOL.workers.store(index, SeqCst);
    }
    let mut guard = lock(&POOL.lock);
    while POOL.ready.load(SeqCst) < wanted {
        guard = POOL.started.wait(guard).unwrap_or_else(PoisonError::into_inner);
    }
    true
}

/// Worker `index`'s life: wait for a new ticket, help with the job if it wants
/// this worker and is still open, repeat.
fn worker(index: usize, mut seen: usize, init: fn()) {
    init();
    {
        let _guard = lock(&POOL.lock);
        POOL.ready.fetch_add(1, SeqCst);
        POOL.started.notify_all();
    }
    loop {
        let fresh = || POOL.ticket.load(SeqCst) != seen;
        if !spin_until(fresh) {
            let mut guard = lock(&POOL.lock);
            POOL.sleepers.fetch_add(1, SeqCst);
            while !fresh() {
                guard = POOL.wake.wait(guard).unwrap_or_else(PoisonError::into_inner);
            }
            POOL.sleepers.fetch_sub(1, SeqCst);
        }
        seen = POOL.ticket.load(SeqCst);
        if index >= seen & ((1 << THREADS_BITS) - 1) {
            continue;
        }
        POOL.inside.fetch_add(1, SeqCst);
        // Entering before looking: if the job is still open now, its owner
        // closes it later and then sees this worker inside and waits for it.
        if POOL.open.load(SeqCst) == seen {
            // SAFETY: the owner wrote `job` before opening this ticket, and
            // writes it again only after closing the ticket and seeing
            // `inside` drain, which this worker's entry holds up.
            let job = unsafe { *POOL.job.get() };
            // SAFETY: `job.run` is the `call::<F>` matching `job.data`, which
            // stays valid while this worker is inside.
            let result = catch_unwind(AssertUnwindSafe(|| unsafe { (job.run)(job.data) }));
            if result.is_err() {
                POOL.panicked.store(true, SeqCst);
            }
        }
        if POOL.inside.fetch_sub(1, SeqCst) == 1 && POOL.owner_sleeps.load(SeqCst) {
            let _guard = lock(&POOL.lock);
            POOL.done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn nothing() {}

    /// Run `f` through the pool, retrying while other tests own it.
    fn run_owned<F: Fn() + Sync>(f: &F) {
        while !try_run(2, f, nothing) {
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_job_started_inside_a_job_runs_alone() {
        let nested_alone = AtomicUsize::new(0);
        run_owned(&|| {
            // The pool is owned by this job (on whichever thread runs it).
            if !try_run(2, &|| {}, nothing) {
                nested_alone.fetch_add(1, SeqCst);
            }
        });
        assert!(nested_alone.load(SeqCst) >= 1);
    }

    #[test]
    fn the_pool_survives_a_panicking_job() {
        let result = std::panic::catch_unwind(|| run_owned(&|| panic!("a bug in a job")));
        assert!(result.is_err());
        // The pool is released and its workers still answer.
        let done = AtomicUsize::new(0);
        run_owned(&|| {
            done.fetch_add(1, SeqCst);
        });
        assert!(done.load(SeqCst) >= 1);
    }
}
