/work/main/embedded/mnist/target/release/deps/nn_embedded_mnist-f37265e1c68c5564.d: src/main.rs src/../mnist_cnn.safetensors src/../digits.bin src/../labels.bin

/work/main/embedded/mnist/target/release/deps/nn_embedded_mnist-f37265e1c68c5564: src/main.rs src/../mnist_cnn.safetensors src/../digits.bin src/../labels.bin

src/main.rs:
src/../mnist_cnn.safetensors:
src/../digits.bin:
src/../labels.bin:
