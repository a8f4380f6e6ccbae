// SPDX-License-Identifier: MIT
// switch.rs: two tokio tasks hand a token back and forth over a pair of tokio::sync::mpsc channels.
use crate::options::{opt, Config, Kind, Opt, Usage};
use crate::record::{f, t, Field, Measure};
use crate::Workload;
use std::sync::Mutex;
use std::sync::Arc;
use std::time::Instant;
use tokio::runtime::Runtime;

// What a switch costs under tokio. Task 0 sends a token (a count each side raises by one) to
// task 1 and waits for it back, --rounds times; the first round is not timed; switch_ns is per
// one-way hand-off. Both are spawned tasks, so the runtime's workers run them (on one worker or
// two, as its scheduler decides). floor_ns is the mechanism with no one to wake: a task's
// tokio::task::yield_now, a turn through the scheduler.
pub const SUMMARY: &str = "two tasks hand a token back and forth: what a switch costs (C8)";
pub const TASKS: usize = 2;
pub const OPTIONS: [Opt; 3] = [
    opt("rounds", Kind::Int, 2.0, 100000000.0, "round trips: task 0 passes the token to task 1 and waits for it back (the first is not timed)", "10000"),
    opt("direct", Kind::Flag, 0.0, 0.0, "simul's eventloop only: refused here (a woken tokio task goes through the scheduler)", ""),
    opt("pin", Kind::Flag, 0.0, 0.0, "simul's: refused here (tokio's workers run on every core; run under taskset -c)", ""),
];

pub fn check(c: &Config) -> Result<(), Usage> {
    if c.tasks != 2 {
        return Err(Usage(format!("--tasks {}: the token goes between two tasks: give --tasks 2 or leave it out", c.tasks)));
    }
    if c.flag("direct") {
        return Err(Usage("--direct is simul's switch straight to a coroutine; a woken tokio task goes through the scheduler: drop it".into()));
    }
    if c.flag("pin") {
        return Err(Usage("--pin: tokio-simul does not pin its runtime's workers: drop it, or run it under taskset -c CPU".into()));
    }
    if c.limit > 0 {
        return Err(Usage("--limit does not apply to switch: drop it".into()));
    }
    Ok(())
}

pub struct Switch {
    rounds: u64,
    floor_ns: f64,
    result: Mutex<(u64, f64)>, // the token at the end, the timed rounds' seconds
}

pub fn setup(c: &Config, rt: &Runtime) -> Result<Arc<dyn Workload>, String> {
    let k = 20000u32;
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let ns = rt.block_on(async move {
            tokio::spawn(async move {
                let t0 = Instant::now();
                for _ in 0..k {
                    tokio::task::yield_now().await;
                }
                t0.elapsed().as_nanos() as f64 / k as f64
            }).await
        }).map_err(|e| format!("the calibration task ended abnormally: {}", e))?;
        best = best.min(ns);
    }
    Ok(Arc::new(Switch { rounds: c.int("rounds"), floor_ns: best, result: Mutex::new((0, 0.0)) }))
}

impl Workload for Switch {
    fn run(self: Arc<Self>, _c: &Config, rt: &Runtime, m: &mut Measure) -> Result<(), String> {
        let rounds = self.rounds;
        let out = rt.block_on(async move {
            let (to1, mut at1) = tokio::sync::mpsc::channel::<u64>(1);
            let (to0, mut at0) = tokio::sync::mpsc::channel::<u64>(1);
            let other = tokio::spawn(async move {
                for _ in 0..rounds {
                    let v = at1.recv().await.ok_or("task 0 went away")?;
                    to0.send(v + 1).await.map_err(|_| "task 0 went away")?;
                }
                Ok::<(), &'static str>(())
            });
            let first = tokio::spawn(async move {
                let (mut token, mut t0) = (0u64, Instant::now());
                for r in 0..rounds {
                    if r == 1 {
                        t0 = Instant::now();
                    }
                    to1.send(token + 1).await.map_err(|_| "task 1 went away")?;
                    token = at0.recv().await.ok_or("task 1 went away")?;
                }
                Ok::<(u64, f64), &'static str>((token, t0.elapsed().as_secs_f64()))
            });
            let r = first.await;
            let o = other.await;
            (r, o)
        });
        m.stop();
        match out {
            (Ok(Ok(r)), Ok(Ok(()))) => {
                *self.result.lock().unwrap_or_else(|e| e.into_inner()) = r;
                Ok(())
            }
            (Ok(Err(e)), _) | (_, Ok(Err(e))) => Err(e.to_string()),
            _ => Err("a task ended abnormally".into()),
        }
    }

    fn verify(&self, _c: &Config) -> Option<String> {
        let token = self.result.lock().unwrap_or_else(|e| e.into_inner()).0;
        if token != 2 * self.rounds {
            return Some(format!("the token came back at {} after {} round trips, not {}", token, self.rounds, 2 * self.rounds));
        }
        None
    }

    fn predict(&self, _c: &Config) -> f64 {
        2.0 * self.rounds as f64 * self.floor_ns / 1e9
    }

    fn fields(&self, _c: &Config, _m: &Measure) -> Vec<Field> {
        let took = self.result.lock().unwrap_or_else(|e| e.into_inner()).1;
        vec![f("rounds", self.rounds), t("primitive", "a tokio task"), t("via", "tokio::sync::mpsc"), f("pinned", "false"),
             f("cpu", -1), f("floor_ns", format!("{:.2}", self.floor_ns)),
             f("switch_ns", format!("{:.2}", took / (2.0 * (self.rounds - 1) as f64) * 1e9))]
    }
}
