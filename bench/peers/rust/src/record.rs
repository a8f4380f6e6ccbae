// SPDX-License-Identifier: MIT
// record.rs: measures the timed region only, and prints simul's record (text, CSV or JSON).

// wall_s is the monotonic clock around the tasks alone; the process's start-up (startup_s) and
// the workload's set-up (setup_s: the runtime's threads, a server, a calibration) are outside
// it and reported apart. user_s, sys_s and the context switches are getrusage deltas, this
// process and its reaped children (none end during the timed region: fetch's server is
// stopped after the record's figures are taken).
use crate::options::{Config, MODEL};
use std::io::Write;
use std::time::Instant;

pub struct Field {
    pub name: &'static str,
    pub value: String,
    pub text: bool,
}

pub fn f(name: &'static str, value: impl ToString) -> Field {
    Field { name, value: value.to_string(), text: false }
}

pub fn t(name: &'static str, value: impl ToString) -> Field {
    Field { name, value: value.to_string(), text: true }
}

fn rusage(who: i32) -> libc::rusage {
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
    unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut r);
        r
    }
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 * 1e-6
}

pub struct Measure {
    t0: Instant,
    s0: libc::rusage,
    c0: libc::rusage,
    pub base_rss_kib: i64,
    pub wall_s: f64,
    pub user_s: f64,
    pub sys_s: f64,
    pub max_rss_kib: i64,
    pub vctx: i64,
    pub ivctx: i64,
    stopped: bool,
}

impl Measure {
    pub fn start() -> Measure {
        let (s0, c0) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
        Measure { base_rss_kib: s0.ru_maxrss, s0, c0, t0: Instant::now(), wall_s: 0.0, user_s: 0.0, sys_s: 0.0,
                  max_rss_kib: 0, vctx: 0, ivctx: 0, stopped: false }
    }

    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.wall_s = self.t0.elapsed().as_secs_f64();
        let (s1, c1) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
        self.user_s = tv(s1.ru_utime) - tv(self.s0.ru_utime) + tv(c1.ru_utime) - tv(self.c0.ru_utime);
        self.sys_s = tv(s1.ru_stime) - tv(self.s0.ru_stime) + tv(c1.ru_stime) - tv(self.c0.ru_stime);
        self.vctx = s1.ru_nvcsw - self.s0.ru_nvcsw + c1.ru_nvcsw - self.c0.ru_nvcsw;
        self.ivctx = s1.ru_nivcsw - self.s0.ru_nivcsw + c1.ru_nivcsw - self.c0.ru_nivcsw;
        self.max_rss_kib = s1.ru_maxrss; // KiB on Linux
        self.stopped = true;
    }
}

fn clock_s(id: libc::clockid_t) -> f64 {
    // SAFETY: clock_gettime fills the timespec it is given.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(id, &mut ts);
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    }
}

/// Seconds since exec (the kernel counts a start in clock ticks, 1/100 s).
pub fn since_process_start() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let ticks: f64 = after.split_whitespace().nth(19).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    // SAFETY: sysconf reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (clock_s(libc::CLOCK_BOOTTIME) - ticks / hz).max(0.0)
}

/// The runtime a reader knows it by: tokio's version as Debian ships it, and the compiler's.
pub fn runtime_name() -> String {
    format!("Rust tokio {} (rustc {})", env!("SIMUL_TOKIO_VERSION"), env!("SIMUL_RUSTC_VERSION"))
}

pub fn common(c: &Config, m: &Measure, predicted: f64) -> Vec<Field> {
    vec![t("workload", &c.workload), t("model", MODEL), f("tasks", c.tasks), f("workers", 0),
         f("wall_s", format!("{:.6}", m.wall_s)), f("predicted_s", format!("{:.6}", predicted)),
         f("user_s", format!("{:.6}", m.user_s)), f("sys_s", format!("{:.6}", m.sys_s)),
         f("max_rss_kib", m.max_rss_kib), f("voluntary_ctx", m.vctx), f("involuntary_ctx", m.ivctx),
         f("verified", "true"), f("limit", c.limit), f("gil", "false"),
         // One process, its worker threads sharing its pages: its peak RSS counts each once.
         f("mem_kib", m.max_rss_kib), t("mem_method", "rss-peak")]
}

pub fn predict_fields(c: &Config, predicted: f64) -> Vec<Field> {
    vec![t("workload", &c.workload), t("model", MODEL), f("tasks", c.tasks), f("workers", 0),
         f("predicted_s", format!("{:.6}", predicted)), f("limit", c.limit), f("gil", "false"), t("runtime", runtime_name())]
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o + "\""
}

/// The record in the --format asked for, in one write: a failure leaves none of it.
pub fn emit(c: &Config, cols: &[Field]) -> Result<(), String> {
    let mut b = String::new();
    match c.format.as_str() {
        "csv" => {
            if c.header {
                b += &(cols.iter().map(|x| x.name).collect::<Vec<_>>().join(",") + "\n");
            }
            b += &(cols.iter().map(|x| x.value.as_str()).collect::<Vec<_>>().join(",") + "\n");
        }
        "json" => {
            let parts: Vec<String> = cols.iter()
                .map(|x| format!("{}:{}", json_str(x.name), if x.text { json_str(&x.value) } else { x.value.clone() }))
                .collect();
            b = format!("{{{}}}\n", parts.join(","));
        }
        _ => {
            let get = |n: &str| cols.iter().find(|x| x.name == n).map(|x| x.value.parse::<f64>().unwrap_or(0.0));
            b = match get("wall_s") {
                Some(w) => format!("{} under {}: {} tasks, wall {:.3} s, predicted {:.3} s (verified)\n", c.workload, MODEL,
                                   c.tasks, w, get("predicted_s").unwrap_or(0.0)),
                None => format!("{} under {}: {} tasks, predicted {:.3} s\n", c.workload, MODEL, c.tasks,
                                get("predicted_s").unwrap_or(0.0)),
            };
            for x in cols {
                b += &format!("  {:<16} {}\n", x.name, x.value);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(b.as_bytes()).and_then(|_| out.flush()).map_err(|e| format!("cannot write the record: {}", e))
}

/// Nearest rank, as simul's histogram reads it (but exact).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let k = ((q * s.len() as f64).ceil() as usize).max(1);
    s[k - 1]
}
