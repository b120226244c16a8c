/work/main/embedded/mnist/target/release/deps/nn-0806f6d1d71a1e66.d: /work/main/src/lib.rs

/work/main/embedded/mnist/target/release/deps/libnn-0806f6d1d71a1e66.rlib: /work/main/src/lib.rs

/work/main/embedded/mnist/target/release/deps/libnn-0806f6d1d71a1e66.rmeta: /work/main/src/lib.rs

/work/main/src/lib.rs:
