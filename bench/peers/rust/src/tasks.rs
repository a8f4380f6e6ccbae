// SPDX-License-Identifier: MIT
// tasks.rs: the timed region of a workload whose every task is one future: a tokio::spawn each, all awaited.
use crate::options::Config;
use crate::record::Measure;
use std::future::Future;
use std::sync::Arc;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

/// Spawns body(i) for every task from one task on the runtime (a spawn from block_on's thread,
/// which is no worker, goes through the shared queue and wakes a worker each time: a million
/// took 13-17 s and 2.4 GB here, with 90,000 alive at most), with
/// --limit as a semaphore each task holds while it runs; awaits every JoinHandle in turn; stops
/// m. One failure does not hide the rest: the count and the first are reported.
pub fn per_task<F, Fut>(c: &Config, rt: &Runtime, m: &mut Measure, body: F) -> Result<(), String>
where
    F: Fn(usize) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let sem = if c.limit > 0 { Some(Arc::new(Semaphore::new(c.limit))) } else { None };
    let n = c.tasks;
    let spawner = async move {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let fut = body(i);
            // Without --limit the body is the task: a wrapper that awaits it holds a second copy
            // of its state (rustc 1.63 keeps both), and a tokio 1.24 sleep's is 768 bytes.
            handles.push(match sem.clone() {
                None => tokio::spawn(fut),
                Some(s) => tokio::spawn(async move {
                    let _permit = s.acquire().await.map_err(|e| e.to_string())?;
                    fut.await
                }),
            });
        }
        let (mut failed, mut first) = (0usize, None);
        for (i, h) in handles.into_iter().enumerate() {
            let r = h.await.unwrap_or_else(|e| Err(format!("the task ended abnormally: {}", e)));
            if let Err(e) = r {
                failed += 1;
                if first.is_none() {
                    first = Some((i, e));
                }
            }
        }
        (failed, first)
    };
    let (failed, first) = rt
        .block_on(rt.spawn(spawner))
        .unwrap_or_else(|e| (n, Some((0, format!("the spawning task ended abnormally: {}", e)))));
    m.stop();
    match first {
        Some((i, e)) => Err(format!("{} of {} tasks failed; the first, task {}: {}", failed, n, i, e)),
        None => Ok(()),
    }
}
