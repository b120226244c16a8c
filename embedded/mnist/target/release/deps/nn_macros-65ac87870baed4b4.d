/work/main/embedded/mnist/target/release/deps/nn_macros-65ac87870baed4b4.d: /work/main/nn-macros/src/lib.rs /work/main/nn-macros/src/args.rs /work/main/nn-macros/src/ast.rs /work/main/nn-macros/src/check.rs /work/main/nn-macros/src/ctxt.rs /work/main/nn-macros/src/expand.rs /work/main/nn-macros/src/layers/mod.rs /work/main/nn-macros/src/layers/batch_norm.rs /work/main/nn-macros/src/layers/bidirectional.rs /work/main/nn-macros/src/layers/conv2d.rs /work/main/nn-macros/src/layers/dense.rs /work/main/nn-macros/src/layers/dropout.rs /work/main/nn-macros/src/layers/embedding.rs /work/main/nn-macros/src/layers/flatten.rs /work/main/nn-macros/src/layers/global_avgpool2d.rs /work/main/nn-macros/src/layers/net.rs /work/main/nn-macros/src/layers/pool2d.rs /work/main/nn-macros/src/layers/recurrent.rs /work/main/nn-macros/src/layers/window.rs /work/main/nn-macros/src/shape.rs /work/main/nn-macros/src/suggest.rs /work/main/nn-macros/src/view.rs /work/main/nn-macros/src/vocab.rs

/work/main/embedded/mnist/target/release/deps/libnn_macros-65ac87870baed4b4.so: /work/main/nn-macros/src/lib.rs /work/main/nn-macros/src/args.rs /work/main/nn-macros/src/ast.rs /work/main/nn-macros/src/check.rs /work/main/nn-macros/src/ctxt.rs /work/main/nn-macros/src/expand.rs /work/main/nn-macros/src/layers/mod.rs /work/main/nn-macros/src/layers/batch_norm.rs /work/main/nn-macros/src/layers/bidirectional.rs /work/main/nn-macros/src/layers/conv2d.rs /work/main/nn-macros/src/layers/dense.rs /work/main/nn-macros/src/layers/dropout.rs /work/main/nn-macros/src/layers/embedding.rs /work/main/nn-macros/src/layers/flatten.rs /work/main/nn-macros/src/layers/global_avgpool2d.rs /work/main/nn-macros/src/layers/net.rs /work/main/nn-macros/src/layers/pool2d.rs /work/main/nn-macros/src/layers/recurrent.rs /work/main/nn-macros/src/layers/window.rs /work/main/nn-macros/src/shape.rs /work/main/nn-macros/src/suggest.rs /work/main/nn-macros/src/view.rs /work/main/nn-macros/src/vocab.rs

/work/main/nn-macros/src/lib.rs:
/work/main/nn-macros/src/args.rs:
/work/main/nn-macros/src/ast.rs:
/work/main/nn-macros/src/check.rs:
/work/main/nn-macros/src/ctxt.rs:
/work/main/nn-macros/src/expand.rs:
/work/main/nn-macros/src/layers/mod.rs:
/work/main/nn-macros/src/layers/batch_norm.rs:
/work/main/nn-macros/src/layers/bidirectional.rs:
/work/main/nn-macros/src/layers/conv2d.rs:
/work/main/nn-macros/src/layers/dense.rs:
/work/main/nn-macros/src/layers/dropout.rs:
/work/main/nn-macros/src/layers/embedding.rs:
/work/main/nn-macros/src/layers/flatten.rs:
/work/main/nn-macros/src/layers/global_avgpool2d.rs:
/work/main/nn-macros/src/layers/net.rs:
/work/main/nn-macros/src/layers/pool2d.rs:
/work/main/nn-macros/src/layers/recurrent.rs:
/work/main/nn-macros/src/layers/window.rs:
/work/main/nn-macros/src/shape.rs:
/work/main/nn-macros/src/suggest.rs:
/work/main/nn-macros/src/view.rs:
/work/main/nn-macros/src/vocab.rs:
