// SPDX-License-Identifier: MIT
// options.rs: tokio-simul's command line, shaped like `simul run WORKLOAD --model M [options]`.
use std::collections::{HashMap, HashSet};

pub const MODEL: &str = "tokio-tasks";
pub const MAX_TASKS: f64 = 1_000_000.0;

/// A wrong command line: one line, exit 2.
pub struct Usage(pub String);

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Int,
    Float,
    Str,
    Flag,
}

/// An option: its kind, range, help and default ("" = none).
pub struct Opt {
    pub name: &'static str,
    pub kind: Kind,
    pub lo: f64,
    pub hi: f64,
    pub help: &'static str,
    pub def: &'static str,
}

pub const fn opt(name: &'static str, kind: Kind, lo: f64, hi: f64, help: &'static str, def: &'static str) -> Opt {
    Opt { name, kind, lo, hi, help, def }
}

pub struct Config {
    pub workload: String,
    pub tasks: usize,
    pub limit: usize,
    pub cores: usize,
    pub timeout: f64,
    pub format: String,
    pub header: bool,
    pub vals: HashMap<String, String>,
    pub given: HashSet<String>,
}

fn common() -> Vec<Opt> {
    vec![
        opt("model", Kind::Str, 0.0, 0.0, "tokio-tasks: a tokio task per task on the multi-thread runtime (required)", ""),
        opt("tasks", Kind::Int, 1.0, MAX_TASKS, "tasks to run (default: the workload's, as simul)", ""),
        opt("limit", Kind::Int, 1.0, MAX_TASKS, "at most L tasks in flight: a tokio::sync::Semaphore", ""),
        opt("cores", Kind::Int, 1.0, 65536.0, "cores the prediction assumes (default: this machine's)", ""),
        opt("format", Kind::Str, 0.0, 0.0, "text, csv or json", "text"),
        opt("no-header", Kind::Flag, 0.0, 0.0, "csv: omit the header line", ""),
        opt("timeout", Kind::Float, 0.001, 1e6, "fail (exit 1, children killed) if the run takes longer", ""),
    ]
}

/// simul's options that mean nothing for tokio's tasks, and what to do instead.
fn refused(name: &str) -> Option<&'static str> {
    Some(match name {
        "workers" => "--workers sizes simul's pools; tokio-tasks runs a task per task on one worker thread per core: drop it, or use --limit",
        "gil" => "--gil is simul's emulation of CPython's lock; Rust has none: drop it",
        "stack-kib" => "--stack-kib sizes simul's coroutine stacks; a tokio task keeps no stack of its own: drop it",
        "trace" => "--trace is not written by the peers: drop it, or run simul for a timeline",
        _ => return None,
    })
}

fn number(o: &Opt, text: &str) -> Result<f64, Usage> {
    let (what, span) = if o.kind == Kind::Int {
        ("a whole number", format!("{:.0} to {:.0}", o.lo, o.hi))
    } else {
        ("a number", format!("{} to {}", o.lo, o.hi))
    };
    if text.is_empty() {
        return Err(Usage(format!("--{} is empty: give {} from {}", o.name, what, span)));
    }
    if text.starts_with('-') {
        return Err(Usage(format!("--{} '{}' is negative: give {} from {}", o.name, text, what, span)));
    }
    let v = if o.kind == Kind::Int {
        text.parse::<u64>().ok().map(|u| u as f64)
    } else if text.starts_with(|ch: char| ch == '.' || ch.is_ascii_digit()) {
        text.parse::<f64>().ok()
    } else {
        None
    };
    match v {
        Some(v) if v.is_finite() && v >= o.lo && v <= o.hi => Ok(v),
        Some(v) if v.is_finite() => Err(Usage(format!("--{} '{}' is out of range: give {} from {}", o.name, text, what, span))),
        _ => Err(Usage(format!("--{} '{}' is not {}: give one from {}", o.name, text, what, span))),
    }
}

/// parse: argv after `run` or `predict`, against the workload's own options; None: --help was printed.
pub fn parse(argv: &[String], names: &str, own: &[Opt], summary: &str, default_tasks: usize) -> Result<Option<Config>, Usage> {
    let workload = argv.first().cloned().unwrap_or_default();
    let mut table: Vec<Opt> = common();
    table.extend(own.iter().map(|o| opt(o.name, o.kind, o.lo, o.hi, o.help, o.def)));
    let mut c = Config {
        workload: workload.clone(), tasks: default_tasks, limit: 0, cores: cores(), timeout: 0.0,
        format: "text".into(), header: true, vals: HashMap::new(), given: HashSet::new(),
    };
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        let body = match a.strip_prefix("--") {
            Some(b) => b,
            None => return Err(Usage(format!("unexpected argument '{}'", a))),
        };
        let (name, mut val) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        if name == "help" {
            help(&table, &workload, summary);
            return Ok(None);
        }
        if let Some(why) = refused(&name) {
            return Err(Usage(why.into()));
        }
        let o = match table.iter().find(|o| o.name == name) {
            Some(o) => o,
            None => return Err(Usage(format!("unknown option '--{}' for workload {} (workloads: {})", name, workload, names))),
        };
        if o.kind == Kind::Flag {
            if val.is_some() {
                return Err(Usage(format!("--{} takes no value", name)));
            }
            val = Some("true".into());
        } else if val.is_none() {
            i += 1;
            if i >= argv.len() {
                return Err(Usage(format!("--{} needs a value", name)));
            }
            val = Some(argv[i].clone());
        }
        let val = val.unwrap_or_default();
        if o.kind == Kind::Int || o.kind == Kind::Float {
            number(o, &val)?;
        }
        c.vals.insert(name.clone(), val);
        c.given.insert(name);
        i += 1;
    }
    match c.vals.get("model").map(String::as_str) {
        None => return Err(Usage(format!("--model is missing: tokio-simul runs {}", MODEL))),
        Some(m) if m != MODEL => {
            return Err(Usage(format!("unknown model '{}': tokio-simul runs {} (the Python peers: bench/peers/python/peer.py)", m, MODEL)))
        }
        _ => {}
    }
    if let Some(f) = c.vals.get("format") {
        if f != "text" && f != "csv" && f != "json" {
            return Err(Usage(format!("--format '{}' is unknown: use text, csv or json", f)));
        }
        c.format = f.clone();
    }
    c.header = !c.given.contains("no-header");
    if c.given.contains("tasks") {
        c.tasks = c.int("tasks") as usize;
    }
    if c.given.contains("limit") {
        c.limit = c.int("limit") as usize;
    }
    if c.given.contains("cores") {
        c.cores = c.int("cores") as usize;
    }
    if c.given.contains("timeout") {
        c.timeout = c.float("timeout");
    }
    for o in own {
        if !c.given.contains(o.name) && !o.def.is_empty() {
            c.vals.insert(o.name.into(), o.def.into());
        }
    }
    Ok(Some(c))
}

impl Config {
    pub fn int(&self, name: &str) -> u64 {
        self.vals.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
    pub fn float(&self, name: &str) -> f64 {
        self.vals.get(name).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    }
    pub fn flag(&self, name: &str) -> bool {
        self.given.contains(name)
    }
    /// Tasks in flight at once, as simul's sim_run_concurrency for a task each.
    pub fn concurrency(&self) -> usize {
        if self.limit > 0 && self.limit < self.tasks {
            self.limit
        } else {
            self.tasks
        }
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn help(table: &[Opt], name: &str, summary: &str) {
    println!("usage: tokio-simul run {} --model {} [options]\n\n{}\n\noptions:", name, MODEL, summary);
    for o in table {
        let arg = match o.kind {
            Kind::Flag => "",
            Kind::Str => " S",
            _ => " X",
        };
        let def = if o.def.is_empty() { String::new() } else { format!(" (default {})", o.def) };
        println!("  --{:<18} {}{}", format!("{}{}", o.name, arg), o.help, def);
    }
    println!("\nexit status: 0 done and verified; 1 the run failed (one line on stderr says why);\n2 the command line was wrong.");
}
