//! burn operations with hand-written backward passes: the fused LSTM recurrence, the
//! softmax cross-entropy and the conditioned model's first layer.

pub mod conditioned;
pub mod conditioned_input;
pub mod lstm;
pub mod xent;
