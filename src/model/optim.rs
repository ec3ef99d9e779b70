//! Optimisers: Adam as Keras applies it, and the learning-rate schedules.

pub mod adam;
pub mod schedule;
