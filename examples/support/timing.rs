//! Timing helpers the benchmark examples share (examples/support/ has no
//! `main.rs`, so this is not an example itself).

use std::time::{Duration, Instant};

/// The median of `values`.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The peak resident memory of this process so far, in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Median time of one call of `f`, over enough calls to last about `budget`.
pub fn time_per_call(budget: Duration, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < budget / 10 {
        f();
        calls += 1;
    }
    let per_round = calls.max(1);
    let rounds: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_round {
                f();
            }
            t.elapsed().as_secs_f64() / f64::from(per_round)
        })
        .collect();
    Duration::from_secs_f64(median(rounds))
}

/// The fastest of `calls` calls of `f` (after one call to warm up): on a
/// machine shared with other work, the least disturbed one.
#[allow(dead_code)]
pub fn fastest_call(calls: usize, mut f: impl FnMut()) -> Duration {
    f();
    (0..calls)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}
