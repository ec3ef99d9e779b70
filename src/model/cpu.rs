//! Plain-Rust building blocks on the CPU: matrix kernels, element-wise maths, scratch
//! buffers and the worker threads that split a batch.

pub mod cell;
pub mod fastmath;
pub mod kernels;
pub mod parallel;
pub mod peak;
pub mod pool;
pub mod reduce;
pub mod team;
