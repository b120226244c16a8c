//! Criterion benchmarks of nn; see `benches/mlp.rs`.
