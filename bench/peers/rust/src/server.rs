// SPDX-License-Identifier: MIT
// server.rs: what tokio-simul borrows from the simul binary: its loopback server for fetch, and sleep's prediction.
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// The children to kill on a timeout or a signal (their pids).
pub static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

pub fn kill_children() {
    let pids = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    for &pid in pids.iter() {
        // SAFETY: kill(2) on a pid we started; at worst it is gone already.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
}

/// $SIMUL, else the simul beside this executable (both are in build/).
fn simul_binary(why: &str) -> Result<String, String> {
    let mut paths = vec![std::env::var("SIMUL").unwrap_or_default()];
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            paths.push(dir.join("simul").to_string_lossy().into_owned());
        }
    }
    for p in paths.into_iter().filter(|p| !p.is_empty()) {
        let ok = std::ffi::CString::new(p.clone()).map(|s| unsafe { libc::access(s.as_ptr(), libc::X_OK) } == 0);
        if ok.unwrap_or(false) {
            return Ok(p);
        }
    }
    Err(format!("{} needs the simul binary: run `make build`, or set SIMUL=/path/to/simul", why))
}

pub struct Server {
    child: Child,
    pub url: String,
}

/// A `simul serve` on a free loopback port; it dies with us (PR_SET_PDEATHSIG, which Linux
/// ties to the forking thread: this is called from the main thread, which lives to the end).
/// simul's prediction of a run whose time is its waves alone (sleep): the same N tasks in waves
/// of this run's concurrency C (all, or --limit), as simul's eventloop with --limit C predicts
/// them. The formula lives in simul alone; every peer asks it.
pub fn predict_waves(c: &crate::options::Config, workload: &str, options: &[String]) -> Result<f64, String> {
    let mut args: Vec<String> = vec!["predict".into(), workload.into(), "--model".into(), "eventloop".into(),
                                     "--tasks".into(), c.tasks.to_string()];
    if c.concurrency() < c.tasks {
        args.extend(["--limit".to_string(), c.concurrency().to_string()]);
    }
    args.extend(options.iter().cloned());
    args.extend(["--format".to_string(), "csv".to_string()]);
    let out = Command::new(simul_binary("the prediction")?).args(&args).output()
        .map_err(|e| format!("cannot run simul predict: {}", e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let (head, row) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let at = head.split(',').position(|k| k == "predicted_s");
    match (out.status.success(), at.and_then(|i| row.split(',').nth(i)).and_then(|v| v.parse().ok())) {
        (true, Some(p)) => Ok(p),
        _ => Err(format!("simul predict failed: {}", String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("no record"))),
    }
}

pub fn start(latency_ms: u64, bytes: u64) -> Result<Server, String> {
    let bin = simul_binary("fetch without --url")?;
    let mut cmd = Command::new(&bin);
    cmd.args(["serve", "--port", "0", "--latency-ms", &latency_ms.to_string(), "--bytes", &bytes.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    // SAFETY: prctl is async-signal-safe, the only call made between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot start simul serve: {}", e))?;
    CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).push(child.id());
    let out = child.stdout.take();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        if let Some(o) = out {
            let mut r = std::io::BufReader::new(o);
            let _ = r.read_line(&mut line);
            let _ = tx.send(line.trim().to_string());
            // Keep reading, so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut r, &mut std::io::sink());
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let mut s = Server { child, url };
    if !s.url.starts_with("http://") {
        s.stop();
        return Err("the simul serve we started did not report its address: run `simul serve --port 0` by hand to see why".into());
    }
    Ok(s)
}

impl Server {
    /// After the record's getrusage, so the server's CPU stays out of our figures.
    pub fn stop(&mut self) {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
