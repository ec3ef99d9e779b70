//! The fidelity run: the exercise's own tokens, shapes and settings, epoch by epoch.

use improv::dataset::exercise_windows;
use improv::model::BackendKind;
use improv::model::cpu::parallel::Parallel;
use improv::model::exercise::fit::{BatchScratch, epoch};
use improv::model::exercise::weights::Weights;
use improv::model::fit::Step;
use improv::model::optim::adam::{AdamSettings, AdamState};
use improv::model::{Engine, device};
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct ExerciseOptions {
    pub epochs: usize,
    pub seed: u64,
    pub backend: BackendKind,
    pub engine: Engine,
    /// Training threads (batches split between them; 1 is the exercise's own run).
    pub threads: usize,
}

impl Default for ExerciseOptions {
    fn default() -> Self {
        ExerciseOptions {
            epochs: 100,
            seed: 0,
            backend: BackendKind::Flex,
            engine: Engine::Host,
            threads: 1,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ExerciseReport {
    /// The exercise's epoch loss (summed over the 30 steps), one per epoch.
    pub losses: Vec<f64>,
    pub wall_secs: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    #[error("{path}: {reason} (the exercise's data: corpus.txt, values.txt, windows.txt)")]
    Data { path: PathBuf, reason: String },
}

fn lines(dir: &Path, name: &str) -> Result<Vec<String>, ExerciseError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| ExerciseError::Data {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    Ok(text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// The exercise's tokens, its values and the windows' start positions.
type ExerciseData = (Vec<String>, Vec<String>, Vec<usize>);

/// The exercise's data in `dir`, checked.
fn read_data(dir: &Path) -> Result<ExerciseData, ExerciseError> {
    if !dir.is_dir() {
        return Err(ExerciseError::Data {
            path: dir.to_path_buf(),
            reason: "no such directory".into(),
        });
    }
    let corpus = lines(dir, "corpus.txt")?;
    let values = lines(dir, "values.txt")?;
    let starts: Vec<usize> = lines(dir, "windows.txt")?
        .iter()
        .map(|l| l.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|e| ExerciseError::Data {
            path: dir.join("windows.txt"),
            reason: format!("not a list of start positions: {e}"),
        })?;
    if let Some(bad) = corpus.iter().find(|t| !values.contains(t)) {
        return Err(ExerciseError::Data {
            path: dir.join("corpus.txt"),
            reason: format!("token {bad:?} is not in values.txt"),
        });
    }
    Ok((corpus, values, starts))
}

/// Trains the exercise's model on its data in `dir`: m = 60 windows of Tx = 30 over 78
/// values, n_a = 64, Adam 0.01 with decay 0.01, batch 32, shuffled every epoch.
pub fn run_exercise(
    dir: &Path,
    opts: &ExerciseOptions,
    on_epoch: &mut dyn FnMut(usize, f64),
) -> Result<ExerciseReport, ExerciseError> {
    let (corpus, values, starts) = read_data(dir)?;
    let win = exercise_windows(&corpus, &values, &starts, 30);
    let mut w = Weights::init(values.len(), 64, opts.seed);
    let settings = AdamSettings::default();
    let mut opt = AdamState::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(1));
    let dev = device(opts.backend, true);
    let parallel = Parallel::new(opts.threads);
    let step = Step::new(&settings, &dev, opts.engine, &parallel);
    let mut scratch = BatchScratch::default();
    let started = Instant::now();
    let mut losses = Vec::with_capacity(opts.epochs);
    for e in 0..opts.epochs {
        let all = &mut |_, _, _| true;
        let st = epoch(
            &mut w,
            &mut opt,
            &step,
            (&win, 32),
            &mut rng,
            &mut scratch,
            all,
        );
        losses.push(st.loss);
        on_epoch(e + 1, st.loss);
    }
    Ok(ExerciseReport {
        losses,
        wall_secs: started.elapsed().as_secs_f64(),
    })
}
