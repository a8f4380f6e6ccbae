// SPDX-License-Identifier: MIT
// spawn.rs: N empty tasks made, started and finished: tokio::spawn each, every JoinHandle awaited.
use crate::options::{opt, Config, Kind, Opt, Usage};
use crate::record::{f, t, Field, Measure};
use crate::Workload;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Instant;
use tokio::runtime::Runtime;

// What a task costs under tokio: the run's wall time over N (spawn_ns), beside the bare
// primitive measured before the run (floor_ns): an async block boxed and polled to its end
// by hand, without the runtime (what a task is, less the scheduler).
pub const SUMMARY: &str = "N empty tasks made, started and finished: what a task costs (C7)";
pub const TASKS: usize = 1000;
pub const OPTIONS: [Opt; 1] = [opt("pin", Kind::Flag, 0.0, 0.0, "simul's: refused here (tokio's workers run on every core; run under taskset -c)", "")];

pub fn check(c: &Config) -> Result<(), Usage> {
    if c.limit > 0 {
        return Err(Usage(format!("--limit does not apply to {}: drop it", c.workload)));
    }
    if c.flag("pin") {
        return Err(Usage("--pin: tokio-simul does not pin its runtime's workers: drop it, or run it under taskset -c CPU".into()));
    }
    Ok(())
}

fn noop_raw() -> RawWaker {
    fn clone(_: *const ()) -> RawWaker {
        noop_raw()
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    RawWaker::new(std::ptr::null(), &VTABLE)
}

/// The least of a few batches' mean time per boxed future polled to its end, in ns.
fn floor_ns() -> f64 {
    // SAFETY: the vtable's functions do nothing and never touch the (null) data pointer.
    let waker = unsafe { Waker::from_raw(noop_raw()) };
    let mut cx = Context::from_waker(&waker);
    let (k, mut best, mut sum) = (20000usize, f64::INFINITY, 0usize);
    for _ in 0..3 {
        let t0 = Instant::now();
        for i in 0..k {
            let mut fut: std::pin::Pin<Box<dyn Future<Output = usize> + Send>> = Box::pin(async move { i });
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                sum = sum.wrapping_add(v);
            }
        }
        best = best.min(t0.elapsed().as_nanos() as f64 / k as f64);
    }
    // SAFETY: a read of a local; volatile, so the loop that sums is not folded away.
    unsafe { std::ptr::read_volatile(&sum) };
    best
}

pub struct Spawn {
    floor_ns: f64,
    ok: AtomicBool,
}

pub fn setup(_c: &Config) -> Result<Arc<dyn Workload>, String> {
    Ok(Arc::new(Spawn { floor_ns: floor_ns(), ok: AtomicBool::new(false) }))
}

impl Workload for Spawn {
    fn run(self: Arc<Self>, c: &Config, rt: &Runtime, m: &mut Measure) -> Result<(), String> {
        let n = c.tasks;
        // Made from a task on a worker, as tasks.rs says why.
        let ok = rt.block_on(rt.spawn(async move {
            let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
            let mut ok = true;
            for (i, h) in handles.into_iter().enumerate() {
                ok &= matches!(h.await, Ok(v) if v == i);
            }
            ok
        })).unwrap_or(false);
        m.stop();
        self.ok.store(ok, Relaxed);
        Ok(())
    }

    fn verify(&self, _c: &Config) -> Option<String> {
        if self.ok.load(Relaxed) { None } else { Some("a task did not run to its end".into()) }
    }

    fn predict(&self, c: &Config) -> f64 {
        c.tasks as f64 * self.floor_ns / 1e9
    }

    fn fields(&self, c: &Config, m: &Measure) -> Vec<Field> {
        vec![f("pinned", "false"), f("cpu", -1), t("primitive", "a tokio task"), f("made", c.tasks),
             f("floor_ns", format!("{:.1}", self.floor_ns)), f("spawn_ns", format!("{:.1}", m.wall_s / c.tasks as f64 * 1e9))]
    }
}
