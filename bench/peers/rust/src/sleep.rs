// SPDX-License-Identifier: MIT
// sleep.rs: the documents' sleepy function as tokio tasks: tokio::time::sleep in each, every JoinHandle awaited.
use crate::options::{opt, Config, Kind, Opt};
use crate::record::{f, quantile, Field, Measure};
use crate::tasks::per_task;
use crate::Workload;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

pub const SUMMARY: &str = "each task sleeps --ms, --rounds times: pure waiting (C1, C10, C11)";
pub const TASKS: usize = 3;
pub const OPTIONS: [Opt; 2] = [
    opt("ms", Kind::Int, 0.0, 86400000.0, "milliseconds each sleep lasts", "1000"),
    opt("rounds", Kind::Int, 1.0, 1000000.0, "sleeps per task, one after another", "1"),
];

pub struct Sleep {
    ms: u64,
    rounds: usize,
    predicted: f64, // simul's, asked at set-up
    took_ns: Vec<AtomicU64>, // every sleep's length, task i's at [i*rounds, (i+1)*rounds)
    done: Vec<AtomicU32>,
    live: AtomicI64,
    most: AtomicI64, // tasks in flight now, and at most (as simul's in_flight_max)
}

pub fn setup(c: &Config) -> Result<Arc<dyn Workload>, String> {
    let rounds = c.int("rounds") as usize;
    let predicted = crate::server::predict_waves(c, "sleep", &["--ms".into(), c.int("ms").to_string(),
                                                                "--rounds".into(), rounds.to_string()])?;
    Ok(Arc::new(Sleep {
        ms: c.int("ms"), rounds, predicted,
        took_ns: (0..c.tasks * rounds).map(|_| AtomicU64::new(0)).collect(),
        done: (0..c.tasks).map(|_| AtomicU32::new(0)).collect(),
        live: AtomicI64::new(0), most: AtomicI64::new(0),
    }))
}

impl Sleep {
    async fn task(self: Arc<Self>, i: usize) -> Result<(), String> {
        let n = self.live.fetch_add(1, Relaxed) + 1;
        self.most.fetch_max(n, Relaxed);
        for r in 0..self.rounds {
            let t = Instant::now();
            tokio::time::sleep(Duration::from_millis(self.ms)).await;
            self.took_ns[i * self.rounds + r].store(t.elapsed().as_nanos() as u64, Relaxed);
            self.done[i].fetch_add(1, Relaxed);
        }
        self.live.fetch_sub(1, Relaxed);
        Ok(())
    }
}

impl Workload for Sleep {
    fn run(self: Arc<Self>, c: &Config, rt: &Runtime, m: &mut Measure) -> Result<(), String> {
        per_task(c, rt, m, move |i| self.clone().task(i))
    }

    fn verify(&self, c: &Config) -> Option<String> {
        let least = (self.rounds as f64 * self.ms as f64) / 1000.0 - 0.001; // every sleep done, none short (1 ms for rounding)
        for i in 0..c.tasks {
            let done = self.done[i].load(Relaxed) as usize;
            if done != self.rounds {
                return Some(format!("task {} completed {} of {} sleeps", i, done, self.rounds));
            }
            let sum: f64 = (0..self.rounds).map(|r| self.took_ns[i * self.rounds + r].load(Relaxed) as f64 / 1e9).sum();
            if sum < least {
                return Some(format!("task {} slept {:.4} s, less than the {:.4} s asked", i, sum, least + 0.001));
            }
        }
        None
    }

    /// The tasks in waves of the run's concurrency (all, or --limit): simul's ceil(N/C)·R·D.
    fn predict(&self, _c: &Config) -> f64 {
        self.predicted
    }

    fn fields(&self, _c: &Config, _m: &Measure) -> Vec<Field> {
        let took: Vec<f64> = self.took_ns.iter().map(|x| x.load(Relaxed) as f64 / 1e9).collect();
        vec![f("ms", self.ms), f("rounds", self.rounds), f("sleep_p99_s", format!("{:.6}", quantile(&took, 0.99))),
             f("in_flight_max", self.most.load(Relaxed))]
    }
}
