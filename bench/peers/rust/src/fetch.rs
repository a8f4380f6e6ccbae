// SPDX-License-Identifier: MIT
// fetch.rs: the documents' downloads as tokio tasks: HTTP/1.1 GETs over a keep-alive TcpStream each, every body's length checked.
use crate::options::{opt, Config, Kind, Opt, Usage};
use crate::record::{f, quantile, t, Field, Measure};
use crate::server::{self, Server};
use crate::tasks::per_task;
use crate::Workload;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

// Debian packages no HTTP client for tokio (no hyper, no reqwest in its registry's tokio set),
// so the client is the least HTTP/1.1 a GET needs, written on tokio's TcpStream: a request
// line and Host, the status line, headers to the blank line, a Content-Length body. A task
// keeps its one connection alive for its --requests GETs, as a pooled client would.
pub const SUMMARY: &str = "each task GETs --url (or our own simul serve) --requests times over keep-alive (C2, C3)\n\n\
Without --url the run starts its own `simul serve` (its CPU is not counted). The prediction\n\
is simul's for a task each: ceil(N/C)·R·(L+c), c this client's own cost per request,\n\
calibrated against the same server with the latency taken out (?latency-ms=0); against\n\
--url, L is measured too (a few plain GETs, less c).";
pub const TASKS: usize = 20;
pub const OPTIONS: [Opt; 6] = [
    opt("url", Kind::Str, 0.0, 0.0, "fetch this http:// URL instead of starting a simul serve of our own", ""),
    opt("requests", Kind::Int, 1.0, 1000000.0, "GETs per task, one after another over keep-alive", "1"),
    opt("latency-ms", Kind::Int, 0.0, 3600000.0, "our server's delay before each response (not with --url)", "50"),
    opt("bytes", Kind::Int, 0.0, 268435456.0, "our server's body size (not with --url)", "1024"),
    opt("expect-bytes", Kind::Int, 0.0, 1e15, "with --url: every body must be this long (without: all the same)", ""),
    opt("io-timeout-ms", Kind::Int, 1.0, 3600000.0, "a request waiting longer fails the task", "10000"),
];
const CAL_TASKS: usize = 9;
const CAL_REQS: usize = 8; // calibration: the median of 9 short tasks of at most 8 GETs

pub fn check(c: &Config) -> Result<(), Usage> {
    if c.given.contains("url") {
        let u = c.vals.get("url").cloned().unwrap_or_default();
        if parse_url(&u).is_none() {
            return Err(Usage(format!("--url '{}' is not an http://HOST:PORT/PATH URL: give one like http://127.0.0.1:8080/", u)));
        }
        for o in ["latency-ms", "bytes"] {
            if c.given.contains(o) {
                return Err(Usage(format!("--{} sets our own server, not the one at --url: drop one of them", o)));
            }
        }
    } else if c.given.contains("expect-bytes") {
        return Err(Usage("--expect-bytes goes with --url; our own server sends --bytes".into()));
    }
    Ok(())
}

/// (host:port to connect to, Host header, path and query).
fn parse_url(u: &str) -> Option<(String, String, String)> {
    let rest = u.strip_prefix("http://")?;
    let (host, path) = match rest.find('/') {
        Some(k) => (&rest[..k], &rest[k..]),
        None => (rest, "/"),
    };
    if host.is_empty() {
        return None;
    }
    let addr = if host.contains(':') { host.to_string() } else { format!("{}:80", host) };
    Some((addr, host.to_string(), path.to_string()))
}

struct Target {
    addr: String,
    host: String,
    path: String,
    timeout: Duration,
}

/// One GET on conn (a new connection if there is none, or if a kept one was closed under
/// us before answering); the body's length, status 200 or an error.
async fn get_on(conn: &mut Option<BufReader<TcpStream>>, tg: &Target, path: &str) -> Result<u64, String> {
    for attempt in 0..2 {
        let fresh = conn.is_none();
        if fresh {
            let s = TcpStream::connect(&tg.addr).await.map_err(|e| format!("connect {}: {}", tg.addr, e))?;
            let _ = s.set_nodelay(true);
            *conn = Some(BufReader::new(s));
        }
        let out = match conn.as_mut() {
            Some(c) => exchange(c, tg, path).await,
            None => Err((true, "no connection".into())),
        };
        match out {
            Ok((n, keep)) => {
                if !keep {
                    *conn = None;
                }
                return Ok(n);
            }
            Err((before_answer, why)) => {
                *conn = None;
                if fresh || !before_answer || attempt == 1 {
                    return Err(why);
                }
            }
        }
    }
    Err("unreachable".into())
}

/// The request and its answer: (body length, keep the connection) or (failed before any of
/// the answer came, why).
async fn exchange(c: &mut BufReader<TcpStream>, tg: &Target, path: &str) -> Result<(u64, bool), (bool, String)> {
    let req = format!("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tokio-simul\r\n\r\n", path, tg.host);
    c.get_mut().write_all(req.as_bytes()).await.map_err(|e| (true, format!("sending the request: {}", e)))?;
    let mut line = String::new();
    let n = c.read_line(&mut line).await.map_err(|e| (true, format!("reading the status: {}", e)))?;
    if n == 0 {
        return Err((true, "the server closed the connection".into()));
    }
    let status: u32 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or((false, format!("a bad status line '{}'", line.trim())))?;
    let (mut len, mut keep) = (None, true);
    loop {
        line.clear();
        let n = c.read_line(&mut line).await.map_err(|e| (false, format!("reading the headers: {}", e)))?;
        let h = line.trim_end();
        if n == 0 {
            return Err((false, "the connection closed inside the headers".into()));
        }
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                len = v.parse::<u64>().ok();
            } else if k == "connection" && v.eq_ignore_ascii_case("close") {
                keep = false;
            } else if k == "transfer-encoding" {
                return Err((false, format!("Transfer-Encoding: {}: this client reads only bodies of a Content-Length", v)));
            }
        }
    }
    let want = len.ok_or((false, "no Content-Length: this client reads only bodies of a Content-Length".to_string()))?;
    let mut buf = vec![0u8; 65536];
    let mut got = 0u64;
    while got < want {
        let k = ((want - got) as usize).min(buf.len());
        let n = c.read(&mut buf[..k]).await.map_err(|e| (false, format!("reading the body: {}", e)))?;
        if n == 0 {
            return Err((false, format!("the body ended at {} of {} bytes", got, want)));
        }
        got += n as u64;
    }
    if status != 200 {
        return Err((false, format!("status {}, want 200", status)));
    }
    Ok((got, keep))
}

/// One task's GETs in a row on one connection; each body the expected length (or the first's).
async fn get(tg: Arc<Target>, path: String, n: usize, expect: i64) -> Result<Vec<(f64, u64)>, String> {
    let mut conn = None;
    let mut out = Vec::with_capacity(n);
    let mut first: i64 = -1;
    for _ in 0..n {
        let t0 = Instant::now();
        let got = tokio::time::timeout(tg.timeout, get_on(&mut conn, &tg, &path)).await
            .map_err(|_| format!("GET {}{}: no answer in {} ms", tg.host, path, tg.timeout.as_millis()))?
            .map_err(|e| format!("GET {}{}: {}", tg.host, path, e))?;
        let want = if expect >= 0 { expect } else { first };
        if want >= 0 && got as i64 != want {
            return Err(format!("GET {}{}: a body of {} bytes, want {}", tg.host, path, got, want));
        }
        first = got as i64;
        out.push((t0.elapsed().as_secs_f64(), got));
    }
    Ok(out)
}

pub struct Fetch {
    tg: Arc<Target>,
    label: String,
    requests: usize,
    expect: i64,
    latency: f64,
    cost: f64,
    srv: Mutex<Option<Server>>,
    results: Vec<Mutex<Vec<(f64, u64)>>>,
}

pub fn setup(c: &Config, rt: &Runtime) -> Result<Arc<dyn Workload>, String> {
    let mut expect = if c.given.contains("expect-bytes") { c.int("expect-bytes") as i64 } else { -1 };
    let (mut url, mut label, mut latency, mut srv) = (c.vals.get("url").cloned().unwrap_or_default(), String::new(), 0.0, None);
    label.push_str(&url);
    // One socket per task in flight, here and in the server: the soft limit raised to the hard.
    // SAFETY: getrlimit and setrlimit on a struct of ours.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
            let need = (c.concurrency() + 64) as u64;
            if need > rl.rlim_cur {
                return Err(format!("{} tasks in flight need about {} open files but the limit is {} (ulimit -n): raise it, or use --limit {}",
                                   c.concurrency(), need, rl.rlim_cur, (rl.rlim_cur as i64 - 64).max(1)));
            }
        }
    }
    if !c.given.contains("url") {
        let s = server::start(c.int("latency-ms"), c.int("bytes"))?;
        url = s.url.clone();
        label = "embedded".into();
        expect = c.int("bytes") as i64;
        latency = c.int("latency-ms") as f64 / 1000.0;
        srv = Some(s);
    }
    let (addr, host, path) = parse_url(&url).ok_or(format!("the server's address '{}' is not an http:// URL", url))?;
    let tg = Arc::new(Target { addr, host, path, timeout: Duration::from_millis(c.int("io-timeout-ms")) });
    let requests = c.int("requests") as usize;
    let mut w = Fetch { tg, label, requests, expect, latency, cost: 0.0, srv: Mutex::new(srv),
                        results: (0..c.tasks).map(|_| Mutex::new(Vec::new())).collect() };
    w.calibrate(c, rt);
    Ok(Arc::new(w))
}

impl Fetch {
    /// c, this client's cost per request with the latency taken out; against --url the
    /// server's latency L too. Outside the timed region; a failure here is left to the run.
    fn calibrate(&mut self, c: &Config, rt: &Runtime) {
        let sep = if self.tg.path.contains('?') { '&' } else { '?' };
        let zero = format!("{}{}latency-ms=0", self.tg.path, sep);
        let reqs = self.requests.min(CAL_REQS);
        let (tg, expect, plain) = (self.tg.clone(), self.expect, self.tg.path.clone());
        let given = c.given.contains("url");
        let r = rt.block_on(async move {
            tokio::spawn(async move {
                let mut per = Vec::new();
                for _ in 0..CAL_TASKS {
                    let t0 = Instant::now();
                    get(tg.clone(), zero.clone(), reqs, expect).await?;
                    per.push(t0.elapsed().as_secs_f64() / reqs as f64);
                }
                per.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                let cost = per[CAL_TASKS / 2];
                let mut once = Vec::new();
                if given {
                    for _ in 0..3 {
                        let t0 = Instant::now();
                        get(tg.clone(), plain.clone(), 1, expect).await?;
                        once.push(t0.elapsed().as_secs_f64());
                    }
                    once.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                }
                Ok::<(f64, Option<f64>), String>((cost, once.get(1).copied()))
            }).await
        });
        if let Ok(Ok((cost, once))) = r {
            self.cost = cost;
            if let Some(l) = once {
                self.latency = (l - cost).max(0.0);
            }
        }
    }
}

impl Workload for Fetch {
    fn run(self: Arc<Self>, c: &Config, rt: &Runtime, m: &mut Measure) -> Result<(), String> {
        let w = self.clone();
        per_task(c, rt, m, move |i| {
            let w = w.clone();
            async move {
                let r = get(w.tg.clone(), w.tg.path.clone(), w.requests, w.expect).await?;
                *w.results[i].lock().unwrap_or_else(|e| e.into_inner()) = r;
                Ok(())
            }
        })
    }

    fn verify(&self, _c: &Config) -> Option<String> {
        let all: Vec<Vec<(f64, u64)>> = self.results.iter().map(|r| r.lock().unwrap_or_else(|e| e.into_inner()).clone()).collect();
        let each = if self.expect >= 0 { self.expect as u64 } else { all.first().and_then(|v| v.first()).map(|x| x.1).unwrap_or(0) };
        for (i, v) in all.iter().enumerate() {
            if v.len() != self.requests {
                return Some(format!("task {} made {} of {} requests", i, v.len(), self.requests));
            }
            if let Some(b) = v.iter().map(|x| x.1).find(|&b| b != each) {
                return Some(format!("task {} received a body of {} bytes, want {} requests of {}", i, b, self.requests, each));
            }
        }
        None
    }

    /// simul's for a task each, in waves of --limit: ceil(N/C)·R·(L+c).
    fn predict(&self, c: &Config) -> f64 {
        (c.tasks as f64 / c.concurrency() as f64).ceil() * self.requests as f64 * (self.latency + self.cost)
    }

    fn fields(&self, c: &Config, _m: &Measure) -> Vec<Field> {
        let mut all = Vec::new();
        let mut total = 0u64;
        for r in &self.results {
            for &(d, b) in r.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                all.push(d);
                total += b;
            }
        }
        let top = all.iter().cloned().fold(0.0, f64::max);
        let n = all.len().max(1) as u64;
        vec![t("url", &self.label), f("requests_per_task", self.requests), f("latency_ms", format!("{:.3}", self.latency * 1000.0)),
             f("c_ms", format!("{:.4}", self.cost * 1000.0)), f("io_timeout_ms", c.int("io-timeout-ms")), f("requests", all.len()),
             f("bytes", total), f("bytes_per_response", total / n), f("p50_s", format!("{:.6}", quantile(&all, 0.5))),
             f("p99_s", format!("{:.6}", quantile(&all, 0.99))), f("max_s", format!("{:.6}", top))]
    }

    fn teardown(&self) {
        if let Some(mut s) = self.srv.lock().unwrap_or_else(|e| e.into_inner()).take() {
            s.stop();
        }
    }
}
