//! Corpus of Scores → token streams → training windows, the train/validation split, stats.
//! (Contract stub: the dataset module replaces this file; `Windows` keeps its shape.)

/// Training windows as token indices. `x[i * tx + t]` is the input at step t of window i and
/// `y[i * tx + t]` its target; `-1` means "no token": an all-zero input vector (the
/// exercise's first step) or a target that adds no loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    pub m: usize,
    pub tx: usize,
    pub n_values: usize,
    pub x: Vec<i32>,
    pub y: Vec<i32>,
}
