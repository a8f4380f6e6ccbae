// SPDX-License-Identifier: MIT
// tasks.rs: the timed region of a workload whose every task is one future: a tokio::spawn each, all awaited.
use crate::options::Config;
use crate::record::Measure;
use std::future::Future;
use std::sync::Arc;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

/// Spawns body(i) for every task from the runtime's block_on (as #[tokio::main] would), with
/// --limit as a semaphore each task holds while it runs; awaits every JoinHandle in turn; stops
/// m. One failure does not hide the rest: the count and the first are reported.
pub fn per_task<F, Fut>(c: &Config, rt: &Runtime, m: &mut Measure, body: F) -> Result<(), String>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let sem = if c.limit > 0 { Some(Arc::new(Semaphore::new(c.limit))) } else { None };
    let n = c.tasks;
    let (failed, first) = rt.block_on(async {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let fut = body(i);
            let sem = sem.clone();
            handles.push(tokio::spawn(async move {
                let _permit = match &sem {
                    Some(s) => Some(s.acquire().await.map_err(|e| e.to_string())?),
                    None => None,
                };
                fut.await
            }));
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
    });
    m.stop();
    match first {
        Some((i, e)) => Err(format!("{} of {} tasks failed; the first, task {}: {}", failed, n, i, e)),
        None => Ok(()),
    }
}
