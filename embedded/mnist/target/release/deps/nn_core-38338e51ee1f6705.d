/work/main/embedded/mnist/target/release/deps/nn_core-38338e51ee1f6705.d: /work/main/nn-core/src/lib.rs /work/main/nn-core/src/act/mod.rs /work/main/nn-core/src/act/elu.rs /work/main/nn-core/src/act/exp.rs /work/main/nn-core/src/act/gate.rs /work/main/nn-core/src/act/gelu.rs /work/main/nn-core/src/act/leaky_relu.rs /work/main/nn-core/src/act/linear.rs /work/main/nn-core/src/act/relu.rs /work/main/nn-core/src/act/sigmoid.rs /work/main/nn-core/src/act/softmax.rs /work/main/nn-core/src/act/softplus.rs /work/main/nn-core/src/act/swish.rs /work/main/nn-core/src/act/tanh.rs /work/main/nn-core/src/callbacks.rs /work/main/nn-core/src/cpu.rs /work/main/nn-core/src/data/mod.rs /work/main/nn-core/src/error.rs /work/main/nn-core/src/gemm/mod.rs /work/main/nn-core/src/history.rs /work/main/nn-core/src/init.rs /work/main/nn-core/src/io/mod.rs /work/main/nn-core/src/kernels/mod.rs /work/main/nn-core/src/kernels/cell.rs /work/main/nn-core/src/kernels/conv_direct.rs /work/main/nn-core/src/kernels/im2col.rs /work/main/nn-core/src/kernels/pool.rs /work/main/nn-core/src/kernels/window.rs /work/main/nn-core/src/layers/mod.rs /work/main/nn-core/src/loss/mod.rs /work/main/nn-core/src/metrics.rs /work/main/nn-core/src/network.rs /work/main/nn-core/src/onnx/mod.rs /work/main/nn-core/src/optim/mod.rs /work/main/nn-core/src/parallel.rs /work/main/nn-core/src/plot.rs /work/main/nn-core/src/progress.rs /work/main/nn-core/src/safetensors/mod.rs /work/main/nn-core/src/safetensors/blob.rs /work/main/nn-core/src/safetensors/dtype.rs /work/main/nn-core/src/safetensors/error.rs /work/main/nn-core/src/sample.rs /work/main/nn-core/src/tensor.rs /work/main/nn-core/src/train.rs /work/main/nn-core/src/view/mod.rs /work/main/nn-core/src/view/avg_pool2d.rs /work/main/nn-core/src/view/batch_norm.rs /work/main/nn-core/src/view/bidirectional.rs /work/main/nn-core/src/view/conv2d.rs /work/main/nn-core/src/view/dense.rs /work/main/nn-core/src/view/embedding.rs /work/main/nn-core/src/view/global_avg_pool2d.rs /work/main/nn-core/src/view/gru.rs /work/main/nn-core/src/view/lstm.rs /work/main/nn-core/src/view/max_pool2d.rs /work/main/nn-core/src/view/per_step.rs /work/main/nn-core/src/view/recurrent.rs /work/main/nn-core/src/view/simple_rnn.rs

/work/main/embedded/mnist/target/release/deps/libnn_core-38338e51ee1f6705.rlib: /work/main/nn-core/src/lib.rs /work/main/nn-core/src/act/mod.rs /work/main/nn-core/src/act/elu.rs /work/main/nn-core/src/act/exp.rs /work/main/nn-core/src/act/gate.rs /work/main/nn-core/src/act/gelu.rs /work/main/nn-core/src/act/leaky_relu.rs /work/main/nn-core/src/act/linear.rs /work/main/nn-core/src/act/relu.rs /work/main/nn-core/src/act/sigmoid.rs /work/main/nn-core/src/act/softmax.rs /work/main/nn-core/src/act/softplus.rs /work/main/nn-core/src/act/swish.rs /work/main/nn-core/src/act/tanh.rs /work/main/nn-core/src/callbacks.rs /work/main/nn-core/src/cpu.rs /work/main/nn-core/src/data/mod.rs /work/main/nn-core/src/error.rs /work/main/nn-core/src/gemm/mod.rs /work/main/nn-core/src/history.rs /work/main/nn-core/src/init.rs /work/main/nn-core/src/io/mod.rs /work/main/nn-core/src/kernels/mod.rs /work/main/nn-core/src/kernels/cell.rs /work/main/nn-core/src/kernels/conv_direct.rs /work/main/nn-core/src/kernels/im2col.rs /work/main/nn-core/src/kernels/pool.rs /work/main/nn-core/src/kernels/window.rs /work/main/nn-core/src/layers/mod.rs /work/main/nn-core/src/loss/mod.rs /work/main/nn-core/src/metrics.rs /work/main/nn-core/src/network.rs /work/main/nn-core/src/onnx/mod.rs /work/main/nn-core/src/optim/mod.rs /work/main/nn-core/src/parallel.rs /work/main/nn-core/src/plot.rs /work/main/nn-core/src/progress.rs /work/main/nn-core/src/safetensors/mod.rs /work/main/nn-core/src/safetensors/blob.rs /work/main/nn-core/src/safetensors/dtype.rs /work/main/nn-core/src/safetensors/error.rs /work/main/nn-core/src/sample.rs /work/main/nn-core/src/tensor.rs /work/main/nn-core/src/train.rs /work/main/nn-core/src/view/mod.rs /work/main/nn-core/src/view/avg_pool2d.rs /work/main/nn-core/src/view/batch_norm.rs /work/main/nn-core/src/view/bidirectional.rs /work/main/nn-core/src/view/conv2d.rs /work/main/nn-core/src/view/dense.rs /work/main/nn-core/src/view/embedding.rs /work/main/nn-core/src/view/global_avg_pool2d.rs /work/main/nn-core/src/view/gru.rs /work/main/nn-core/src/view/lstm.rs /work/main/nn-core/src/view/max_pool2d.rs /work/main/nn-core/src/view/per_step.rs /work/main/nn-core/src/view/recurrent.rs /work/main/nn-core/src/view/simple_rnn.rs

/work/main/embedded/mnist/target/release/deps/libnn_core-38338e51ee1f6705.rmeta: /work/main/nn-core/src/lib.rs /work/main/nn-core/src/act/mod.rs /work/main/nn-core/src/act/elu.rs /work/main/nn-core/src/act/exp.rs /work/main/nn-core/src/act/gate.rs /work/main/nn-core/src/act/gelu.rs /work/main/nn-core/src/act/leaky_relu.rs /work/main/nn-core/src/act/linear.rs /work/main/nn-core/src/act/relu.rs /work/main/nn-core/src/act/sigmoid.rs /work/main/nn-core/src/act/softmax.rs /work/main/nn-core/src/act/softplus.rs /work/main/nn-core/src/act/swish.rs /work/main/nn-core/src/act/tanh.rs /work/main/nn-core/src/callbacks.rs /work/main/nn-core/src/cpu.rs /work/main/nn-core/src/data/mod.rs /work/main/nn-core/src/error.rs /work/main/nn-core/src/gemm/mod.rs /work/main/nn-core/src/history.rs /work/main/nn-core/src/init.rs /work/main/nn-core/src/io/mod.rs /work/main/nn-core/src/kernels/mod.rs /work/main/nn-core/src/kernels/cell.rs /work/main/nn-core/src/kernels/conv_direct.rs /work/main/nn-core/src/kernels/im2col.rs /work/main/nn-core/src/kernels/pool.rs /work/main/nn-core/src/kernels/window.rs /work/main/nn-core/src/layers/mod.rs /work/main/nn-core/src/loss/mod.rs /work/main/nn-core/src/metrics.rs /work/main/nn-core/src/network.rs /work/main/nn-core/src/onnx/mod.rs /work/main/nn-core/src/optim/mod.rs /work/main/nn-core/src/parallel.rs /work/main/nn-core/src/plot.rs /work/main/nn-core/src/progress.rs /work/main/nn-core/src/safetensors/mod.rs /work/main/nn-core/src/safetensors/blob.rs /work/main/nn-core/src/safetensors/dtype.rs /work/main/nn-core/src/safetensors/error.rs /work/main/nn-core/src/sample.rs /work/main/nn-core/src/tensor.rs /work/main/nn-core/src/train.rs /work/main/nn-core/src/view/mod.rs /work/main/nn-core/src/view/avg_pool2d.rs /work/main/nn-core/src/view/batch_norm.rs /work/main/nn-core/src/view/bidirectional.rs /work/main/nn-core/src/view/conv2d.rs /work/main/nn-core/src/view/dense.rs /work/main/nn-core/src/view/embedding.rs /work/main/nn-core/src/view/global_avg_pool2d.rs /work/main/nn-core/src/view/gru.rs /work/main/nn-core/src/view/lstm.rs /work/main/nn-core/src/view/max_pool2d.rs /work/main/nn-core/src/view/per_step.rs /work/main/nn-core/src/view/recurrent.rs /work/main/nn-core/src/view/simple_rnn.rs

/work/main/nn-core/src/lib.rs:
/work/main/nn-core/src/act/mod.rs:
/work/main/nn-core/src/act/elu.rs:
/work/main/nn-core/src/act/exp.rs:
/work/main/nn-core/src/act/gate.rs:
/work/main/nn-core/src/act/gelu.rs:
/work/main/nn-core/src/act/leaky_relu.rs:
/work/main/nn-core/src/act/linear.rs:
/work/main/nn-core/src/act/relu.rs:
/work/main/nn-core/src/act/sigmoid.rs:
/work/main/nn-core/src/act/softmax.rs:
/work/main/nn-core/src/act/softplus.rs:
/work/main/nn-core/src/act/swish.rs:
/work/main/nn-core/src/act/tanh.rs:
/work/main/nn-core/src/callbacks.rs:
/work/main/nn-core/src/cpu.rs:
/work/main/nn-core/src/data/mod.rs:
/work/main/nn-core/src/error.rs:
/work/main/nn-core/src/gemm/mod.rs:
/work/main/nn-core/src/history.rs:
/work/main/nn-core/src/init.rs:
/work/main/nn-core/src/io/mod.rs:
/work/main/nn-core/src/kernels/mod.rs:
/work/main/nn-core/src/kernels/cell.rs:
/work/main/nn-core/src/kernels/conv_direct.rs:
/work/main/nn-core/src/kernels/im2col.rs:
/work/main/nn-core/src/kernels/pool.rs:
/work/main/nn-core/src/kernels/window.rs:
/work/main/nn-core/src/layers/mod.rs:
/work/main/nn-core/src/loss/mod.rs:
/work/main/nn-core/src/metrics.rs:
/work/main/nn-core/src/network.rs:
/work/main/nn-core/src/onnx/mod.rs:
/work/main/nn-core/src/optim/mod.rs:
/work/main/nn-core/src/parallel.rs:
/work/main/nn-core/src/plot.rs:
/work/main/nn-core/src/progress.rs:
/work/main/nn-core/src/safetensors/mod.rs:
/work/main/nn-core/src/safetensors/blob.rs:
/work/main/nn-core/src/safetensors/dtype.rs:
/work/main/nn-core/src/safetensors/error.rs:
/work/main/nn-core/src/sample.rs:
/work/main/nn-core/src/tensor.rs:
/work/main/nn-core/src/train.rs:
/work/main/nn-core/src/view/mod.rs:
/work/main/nn-core/src/view/avg_pool2d.rs:
/work/main/nn-core/src/view/batch_norm.rs:
/work/main/nn-core/src/view/bidirectional.rs:
/work/main/nn-core/src/view/conv2d.rs:
/work/main/nn-core/src/view/dense.rs:
/work/main/nn-core/src/view/embedding.rs:
/work/main/nn-core/src/view/global_avg_pool2d.rs:
/work/main/nn-core/src/view/gru.rs:
/work/main/nn-core/src/view/lstm.rs:
/work/main/nn-core/src/view/max_pool2d.rs:
/work/main/nn-core/src/view/per_step.rs:
/work/main/nn-core/src/view/recurrent.rs:
/work/main/nn-core/src/view/simple_rnn.rs:
