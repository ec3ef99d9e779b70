//! Worker threads that stay near between training batches, and a round's tasks go to
//! whichever thread is free: the caller and the workers claim them one by one, so a worker
//! the system has put aside (another program busy on its core) never holds a round up
//! unless it already started a task. Waiting threads spin only briefly, then sleep, so
//! they do not burn the time slices a busy machine has left for the work.

use super::peak::thread_cpu_secs;
use std::cell::{Cell, UnsafeCell};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins for the next round before it sleeps: longer than the gaps
/// between the rounds of one batch, far shorter than a time slice.
const WORKER_SPIN: Duration = Duration::from_micros(150);
/// How long the caller spins for the workers' last tasks before it sleeps.
const CALLER_SPIN: Duration = Duration::from_micros(150);

/// The job of the current round, with its lifetime erased: valid from the publication of
/// its round until every task is counted `done`.
type Job = &'static (dyn Fn(usize) + Sync);

/// The round, its number of tasks and the next unclaimed task, in one word: a thread
/// claims a task by bumping it, which fails once the round has changed.
#[derive(Clone, Copy)]
struct State(u64);

impl State {
    fn new(round: u32, tasks: usize) -> State {
        State((u64::from(round) << 32) | ((tasks as u64) << 16))
    }
    fn round(self) -> u32 {
        (self.0 >> 32) as u32
    }
    fn tasks(self) -> usize {
        ((self.0 >> 16) & 0xffff) as usize
    }
    fn next(self) -> usize {
        (self.0 & 0xffff) as usize
    }
}

struct Shared {
    state: AtomicU64,
    /// Tasks of the current round finished (by anyone).
    done: AtomicUsize,
    job: UnsafeCell<Option<Job>>,
    /// The caller sleeps on `wake` until the round's last task is done.
    caller_asleep: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
    panicked: AtomicBool,
    stop: AtomicBool,
}

// SAFETY: `job` is written only by the thread that owns the `Team`, while no task of a
// round is claimed and unfinished; a thread reads it only after claiming a task of the
// round it belongs to, and the owner waits for that task before it writes again.
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
            state: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            job: UnsafeCell::new(None),
            caller_asleep: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
            panicked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let mut team = Team {
            shared,
            handles: Vec::with_capacity(workers),
            not_sync: PhantomData,
        };
        // Each worker reserves its buffers before `new` returns, so a step timed or counted
        // after it never sees a worker's start-up. (If a spawn fails, dropping `team` stops
        // the workers started so far.)
        let ready = Arc::new(AtomicUsize::new(0));
        for i in 1..=workers {
            let shared = Arc::clone(&team.shared);
            let ready = Arc::clone(&ready);
            let h = std::thread::Builder::new()
                .name(format!("improv-train-{i}"))
                .spawn(move || {
                    super::kernels::reserve(RESERVE_COLUMNS);
                    ready.fetch_add(1, Ordering::SeqCst);
                    work(&shared)
                })?;
            team.handles.push(h);
        }
        while ready.load(Ordering::SeqCst) < workers {
            std::thread::yield_now();
        }
        Ok(team)
    }

    /// Runs `f(i)` once for every i in 0..tasks (at most 65535), each on whichever thread
    /// claims it first (this one included), and returns when all are done, with how many
    /// tasks this thread ran and the CPU seconds they took it (the rest of the round it
    /// waited for the others, or for its core). A panic in any task is raised here.
    pub fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) -> (usize, f64) {
        assert!(tasks < 1 << 16, "too many tasks for one round");
        let s = &*self.shared;
        // SAFETY: only the lifetime is erased; `f` outlives its use, as this function
        // does not return (or unwind) before every task of the round is done and the
        // job is cleared.
        let job: Job = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Job>(f) };
        // SAFETY: no task of an earlier round is claimed and unfinished (each `run` waits
        // for all of its own), and no thread can claim one of this round yet.
        unsafe { *s.job.get() = Some(job) };
        s.done.store(0, Ordering::Relaxed);
        // Only this thread changes the round.
        let round = State(s.state.load(Ordering::Relaxed))
            .round()
            .wrapping_add(1);
        s.state.store(State::new(round, tasks).0, Ordering::Release);
        for h in &self.handles {
            h.thread().unpark();
        }
        let (mut mine, mut ran) = (None, 0);
        let c0 = thread_cpu_secs();
        while let Some((i, _)) = claim(s, round) {
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(i))) {
                mine.get_or_insert(p);
            }
            ran += 1;
            s.done.fetch_add(1, Ordering::SeqCst);
        }
        let working = thread_cpu_secs() - c0;
        wait_done(s, tasks);
        // SAFETY: every task of this round is done.
        unsafe { *s.job.get() = None };
        if let Some(p) = mine {
            resume_unwind(p);
        }
        if s.panicked.swap(false, Ordering::AcqRel) {
            panic!("a training thread panicked");
        }
        (ran, working)
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

/// The next unclaimed task of `round` and the round's number of tasks, if that round is
/// still the current one.
fn claim(s: &Shared, round: u32) -> Option<(usize, usize)> {
    let mut st = State(s.state.load(Ordering::Acquire));
    loop {
        if st.round() != round || st.next() >= st.tasks() {
            return None;
        }
        match s
            .state
            .compare_exchange_weak(st.0, st.0 + 1, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => return Some((st.next(), st.tasks())),
            Err(now) => st = State(now),
        }
    }
}

/// The caller's wait for the tasks other threads claimed: a short spin, then sleep until
/// the thread that finishes the last one wakes it.
fn wait_done(s: &Shared, tasks: usize) {
    let since = Instant::now();
    let mut spins = 0u32;
    while s.done.load(Ordering::Acquire) < tasks {
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(64) && since.elapsed() > CALLER_SPIN {
            let mut g = s.lock.lock().unwrap_or_else(PoisonError::into_inner);
            s.caller_asleep.store(true, Ordering::SeqCst);
            while s.done.load(Ordering::SeqCst) < tasks {
                g = s.wake.wait(g).unwrap_or_else(PoisonError::into_inner);
            }
            s.caller_asleep.store(false, Ordering::Relaxed);
            return;
        }
        std::hint::spin_loop();
    }
}

/// Columns of the widest product a worker's packing buffers hold from its start: the
/// gates of 256 units.
const RESERVE_COLUMNS: usize = 1024;

/// A worker's loop: wait for a new round, claim and run its tasks while any are left.
fn work(s: &Shared) {
    let mut seen = 0u32;
    loop {
        let Some(round) = next_round(s, seen) else {
            return;
        };
        seen = round;
        while let Some((i, tasks)) = claim(s, round) {
            // SAFETY: a claimed task keeps its round, and so `job`, alive until it is
            // counted done below.
            let job = unsafe { *s.job.get() };
            if let Some(job) = job
                && catch_unwind(AssertUnwindSafe(|| job(i))).is_err()
            {
                s.panicked.store(true, Ordering::Release);
            }
            let last = s.done.fetch_add(1, Ordering::SeqCst) + 1 == tasks;
            if last && s.caller_asleep.load(Ordering::SeqCst) {
                // Taken so the wake cannot fall between the caller's check and its sleep.
                let _g = s.lock.lock().unwrap_or_else(PoisonError::into_inner);
                s.wake.notify_one();
            }
        }
    }
}

/// Waits (spinning briefly, then parked) for a round other than `seen`; None on stop.
fn next_round(s: &Shared, seen: u32) -> Option<u32> {
    let since = Instant::now();
    let mut spins = 0u32;
    loop {
        let r = State(s.state.load(Ordering::Acquire)).round();
        if r != seen {
            return Some(r);
        }
        if s.stop.load(Ordering::Acquire) {
            return None;
        }
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(64) && since.elapsed() > WORKER_SPIN {
            // Woken by the next round's unpark (or at once if it already came).
            std::thread::park();
        } else {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_task_runs_once_per_round() {
        let team = Team::new(2).expect("threads start");
        for round in 0..300 {
            let tasks = round % 7;
            let ran: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
            team.run(tasks, &|i| {
                ran[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(ran.iter().all(|r| r.load(Ordering::Relaxed) == 1));
            if round % 50 == 0 {
                // Long enough for the workers to sleep: they must wake for the next round.
                std::thread::sleep(WORKER_SPIN * 4);
            }
        }
    }

    #[test]
    fn free_workers_take_tasks_beside_the_caller() {
        let team = Team::new(1).expect("threads start");
        let started = AtomicUsize::new(0);
        let names = Mutex::new(Vec::new());
        team.run(2, &|_| {
            started.fetch_add(1, Ordering::SeqCst);
            // Each task waits for the other to start: only two threads finish the round.
            let until = Instant::now() + Duration::from_secs(20);
            while started.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                std::hint::spin_loop();
            }
            let name = std::thread::current().name().map(str::to_string);
            names.lock().expect("not poisoned").push(name);
        });
        assert_eq!(started.load(Ordering::SeqCst), 2);
        let names = names.into_inner().expect("not poisoned");
        assert!(
            names.contains(&Some("improv-train-1".to_string())),
            "{names:?}"
        );
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
