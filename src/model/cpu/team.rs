//! Worker threads that stay awake between training batches. A batch takes about a
//! millisecond; waking a sleeping thread for each one costs a good part of that on a
//! virtual machine, so workers spin for a while after a round before they park. The
//! calling thread runs task 0 itself and waits for the others by spinning too.

use std::cell::{Cell, UnsafeCell};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks.
const SPIN: Duration = Duration::from_millis(3);

/// The job of the current round, with its lifetime erased: valid from the `round` bump
/// that publishes it until every worker has counted itself `done`.
type Job = &'static (dyn Fn(usize) + Sync);

struct Shared {
    /// Bumped once per round: a worker starts when it sees a new value.
    round: AtomicU64,
    /// Tasks in the current round (task i runs on worker i; the caller runs task 0).
    tasks: AtomicUsize,
    /// Workers finished with the current round.
    done: AtomicUsize,
    job: UnsafeCell<Option<Job>>,
    panicked: AtomicBool,
    stop: AtomicBool,
}

// SAFETY: `job` is written only by the thread that owns the `Team`, while no worker reads
// it (before a round is published and after every worker is done); workers read it only
// between the two.
unsafe impl Sync for Shared {}

/// `workers` threads beside the caller's; dropped, they stop and are joined. One thread
/// at a time runs rounds on it: it is `Send` but not `Sync`.
pub struct Team {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
    not_sync: PhantomData<Cell<()>>,
}

impl Team {
    pub fn new(workers: usize) -> std::io::Result<Team> {
        let shared = Arc::new(Shared {
            round: AtomicU64::new(0),
            tasks: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            job: UnsafeCell::new(None),
            panicked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let mut team = Team {
            shared,
            handles: Vec::with_capacity(workers),
            not_sync: PhantomData,
        };
        for i in 1..=workers {
            let shared = Arc::clone(&team.shared);
            let h = std::thread::Builder::new()
                .name(format!("improv-train-{i}"))
                .spawn(move || work(&shared, i))?;
            team.handles.push(h);
        }
        Ok(team)
    }

    /// Runs `f(i)` for every i in 0..tasks (at most one more than the workers), task 0 on
    /// this thread, and returns when all are done. A panic in any task is raised here.
    pub fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        assert!(tasks <= self.handles.len() + 1, "more tasks than threads");
        let s = &*self.shared;
        // SAFETY: only the lifetime is erased; `f` outlives its use, as this function
        // does not return (or unwind) before every worker has finished the round and
        // the job is cleared.
        let job: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f) };
        // SAFETY: no worker reads `job` until the round is published below.
        unsafe { *s.job.get() = Some(job) };
        s.tasks.store(tasks, Ordering::Relaxed);
        s.done.store(0, Ordering::Relaxed);
        s.round.fetch_add(1, Ordering::Release);
        for h in &self.handles {
            h.thread().unpark();
        }
        let mine = catch_unwind(AssertUnwindSafe(|| f(0)));
        let workers = self.handles.len();
        let mut spins = 0u32;
        while s.done.load(Ordering::Acquire) < workers {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(1024) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        // SAFETY: every worker is done with this round.
        unsafe { *s.job.get() = None };
        if let Err(p) = mine {
            resume_unwind(p);
        }
        if s.panicked.swap(false, Ordering::AcqRel) {
            panic!("a training thread panicked");
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for h in self.handles.drain(..) {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

/// A worker's loop: wait for a round, run its task if the round has one, count itself done.
fn work(s: &Shared, i: usize) {
    let mut seen = 0u64;
    loop {
        let since = Instant::now();
        let mut spins = 0u32;
        loop {
            let r = s.round.load(Ordering::Acquire);
            if r != seen {
                seen = r;
                break;
            }
            if s.stop.load(Ordering::Acquire) {
                return;
            }
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(256) || since.elapsed() < SPIN {
                std::hint::spin_loop();
            } else {
                // Woken by the next round's unpark (or at once if it already came).
                std::thread::park();
            }
        }
        if i < s.tasks.load(Ordering::Relaxed) {
            // SAFETY: the round was published after `job` was set, and the caller keeps
            // it until this worker is counted done below.
            let job = unsafe { *s.job.get() };
            if let Some(job) = job
                && catch_unwind(AssertUnwindSafe(|| job(i))).is_err()
            {
                s.panicked.store(true, Ordering::Release);
            }
        }
        s.done.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_task_runs_once_per_round_on_its_own_thread() {
        let team = Team::new(2).expect("threads start");
        for round in 0..200 {
            let seen = Mutex::new(Vec::new());
            let tasks = 1 + round % 3;
            team.run(tasks, &|i| {
                let name = std::thread::current().name().map(str::to_string);
                seen.lock().expect("not poisoned").push((i, name));
            });
            let mut seen = seen.into_inner().expect("not poisoned");
            seen.sort();
            assert_eq!(seen.len(), tasks);
            for (k, (i, name)) in seen.iter().enumerate() {
                assert_eq!(*i, k);
                if k > 0 {
                    assert_eq!(name.as_deref(), Some(format!("improv-train-{k}").as_str()));
                }
            }
            if round == 100 {
                // Long enough for the workers to park: they must wake for the next round.
                std::thread::sleep(SPIN * 2);
            }
        }
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller_and_the_team_goes_on() {
        let team = Team::new(1).expect("threads start");
        let r = catch_unwind(AssertUnwindSafe(|| {
            team.run(2, &|i| assert!(i != 1, "task one fails"));
        }));
        assert!(r.is_err());
        let sum = AtomicUsize::new(0);
        team.run(2, &|i| {
            sum.fetch_add(i + 1, Ordering::Relaxed);
        });
        assert_eq!(sum.load(Ordering::Relaxed), 3);
    }
}
