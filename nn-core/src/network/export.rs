//! A network as an ONNX model: its layers' operators (each layer writes its
//! own through [`crate::onnx`]'s graph builder) wrapped in a model with the
//! network's input, output and name.

use super::Network;
use crate::error::{Error, Result};
use crate::onnx::{Graph, Value, INPUT};
use prost::Message;

/// The ONNX model of `network`, encoded.
pub(crate) fn to_bytes<N: Network<I, O>, const I: usize, const O: usize>(network: &N) -> Result<Vec<u8>> {
    let declared: usize = N::INPUT_SHAPE.iter().product();
    if declared != I {
        return Err(Error::export(format!(
            "the network declares its input as {:?}, {declared} values, but takes {I}",
            N::INPUT_SHAPE
        )));
    }
    let mut graph = Graph::new();
    let input = Value { name: INPUT.to_string(), dims: N::INPUT_SHAPE.to_vec() };
    let output = network.onnx(&mut graph, "", input.clone())?;
    if output.len() != O {
        return Err(Error::export(format!(
            "the network's last value has shape {:?}, {} values per sample, but the network gives {O}",
            output.dims,
            output.len()
        )));
    }
    let model = graph.into_model(&network.summary().name, &input, output);
    Ok(model.encode_to_vec())
}
