//! The exercise's network: one-hot tokens → LSTM → shared Dense softmax, its weights, its
//! burn graph, its whole step on the host and one pass over training windows.

pub mod fit;
pub mod host;
pub mod net;
pub mod weights;
