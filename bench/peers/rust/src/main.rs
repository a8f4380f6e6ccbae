// SPDX-License-Identifier: MIT
// main.rs: tokio-simul, the workloads as tokio tasks on the multi-thread runtime behind simul's command line; one verified record per run.
mod fetch;
mod options;
mod record;
mod server;
mod sleep;
mod spawn;
mod switch;
mod tasks;

use options::{Config, Opt, Usage, MODEL};
use record::{f, t, Field, Measure};
use std::sync::Arc;
use std::time::Instant;
use tokio::runtime::Runtime;

/// A workload after its set-up: the timed region (which stops m), then what simul's workload
/// does after: verify, predict, its own record fields.
pub trait Workload: Send + Sync {
    fn run(self: Arc<Self>, c: &Config, rt: &Runtime, m: &mut Measure) -> Result<(), String>;
    fn verify(&self, c: &Config) -> Option<String>;
    fn predict(&self, c: &Config) -> f64;
    fn fields(&self, c: &Config, m: &Measure) -> Vec<Field>;
    fn teardown(&self) {}
}

struct Kind {
    name: &'static str,
    summary: &'static str,
    tasks: usize,
    options: &'static [Opt],
    check: fn(&Config) -> Result<(), Usage>,
    setup: fn(&Config, &Runtime) -> Result<Arc<dyn Workload>, String>,
}

fn no_check(_: &Config) -> Result<(), Usage> {
    Ok(())
}

const WORKLOADS: [Kind; 4] = [
    Kind { name: "sleep", summary: sleep::SUMMARY, tasks: sleep::TASKS, options: &sleep::OPTIONS, check: no_check,
           setup: |c, _| sleep::setup(c) },
    Kind { name: "fetch", summary: fetch::SUMMARY, tasks: fetch::TASKS, options: &fetch::OPTIONS, check: fetch::check,
           setup: fetch::setup },
    Kind { name: "spawn", summary: spawn::SUMMARY, tasks: spawn::TASKS, options: &spawn::OPTIONS, check: spawn::check,
           setup: |c, _| spawn::setup(c) },
    Kind { name: "switch", summary: switch::SUMMARY, tasks: switch::TASKS, options: &switch::OPTIONS, check: switch::check,
           setup: switch::setup },
];

const USAGE_LINE: &str = "usage: tokio-simul run|predict WORKLOAD --model tokio-tasks [options], or tokio-simul list; \
'tokio-simul run WORKLOAD --help' lists the options";

fn say(line: &str) {
    eprintln!("tokio-simul: {}", line);
}

/// SIGTERM and SIGINT (unless they came ignored: those stay so, as in simul) and --timeout end
/// the run: the children killed, one line, exit 1. The signals are blocked before any thread
/// starts, so every thread inherits the mask and one thread alone takes them, by sigwait.
fn arm(c: &Config) {
    let what = format!("{} under {}", c.workload, MODEL);
    // SAFETY: signal-mask calls on structs of ours, before any other thread exists.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT] {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(s, std::ptr::null(), &mut old);
            if old.sa_sigaction != libc::SIG_IGN {
                libc::sigaddset(&mut set, s);
            }
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let w = what.clone();
        let set2 = set;
        std::thread::spawn(move || {
            let mut sig = 0;
            if libc::sigwait(&set2, &mut sig) == 0 {
                server::kill_children();
                say(&format!("{}: interrupted by {}", w, if sig == libc::SIGINT { "interrupt" } else { "terminated" }));
                std::process::exit(1);
            }
        });
    }
    if c.timeout > 0.0 {
        let secs = c.timeout;
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            server::kill_children();
            say(&format!("{}: timed out after {} s: raise --timeout, or give fewer --tasks", what, secs));
            std::process::exit(1);
        });
    }
}

fn runtime() -> Result<Runtime, String> {
    // The documents' tokio: #[tokio::main]'s runtime, a worker thread per core, work-stealing.
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("cannot start tokio's runtime: {}", e))
}

fn run(c: &Config, k: &Kind, startup: f64, ready: Instant) -> Result<(), String> {
    let rt = runtime()?;
    let w = (k.setup)(c, &rt)?;
    let setup_s = ready.elapsed().as_secs_f64();
    let mut m = Measure::start();
    let out = w.clone().run(c, &rt, &mut m).and_then(|_| match w.verify(c) {
        Some(why) => Err(format!("result did not verify: {}", why)),
        None => Ok(()),
    });
    let out = out.and_then(|_| {
        let mut cols = record::common(c, &m, w.predict(c));
        cols.extend(w.fields(c, &m));
        cols.extend([t("runtime", record::runtime_name()), f("startup_s", format!("{:.3}", startup)),
                     f("setup_s", format!("{:.6}", setup_s)), f("base_rss_kib", m.base_rss_kib), f("pool_prestarted", "false")]);
        record::emit(c, &cols)
    });
    w.teardown();
    out
}

fn predict_only(c: &Config, k: &Kind) -> Result<(), String> {
    let rt = runtime()?;
    let w = (k.setup)(c, &rt)?;
    let out = record::emit(c, &record::predict_fields(c, w.predict(c)));
    w.teardown();
    out
}

fn json_list(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|s| format!("\"{}\"", s)).collect::<Vec<_>>().join(","))
}

fn list(args: &[String]) -> i32 {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let format = match a.as_slice() {
        [] => "text",
        ["--format", x] | [x] if *x == "json" || *x == "text" || *x == "--format=json" || *x == "--format=text" => {
            x.trim_start_matches("--format=")
        }
        _ => {
            say(&format!("list: want [--format text|json], not '{}'", a.join(" ")));
            return 2;
        }
    };
    if a.len() == 1 && !a[0].starts_with("--format=") {
        say(&format!("list: want [--format text|json], not '{}'", a.join(" ")));
        return 2;
    }
    let summary = "a tokio::spawn per task on the multi-thread runtime (a worker per core, work-stealing); \
tokio::time::sleep, an HTTP/1.1 GET on tokio's TcpStream; --limit a tokio Semaphore";
    let names: Vec<&str> = WORKLOADS.iter().map(|k| k.name).collect();
    if format == "text" {
        println!("models:\n  {:<18} {}\nworkloads:", MODEL, summary);
        for k in &WORKLOADS {
            println!("  {:<18} {}", k.name, k.summary.lines().next().unwrap_or(""));
        }
        return 0;
    }
    // What the harness asks of each model (simul list's fields). Tasks are stackless
    // coroutines (futures), and the runtime runs them on a worker thread per core: concurrent,
    // per task and parallel; not a pool in simul's sense (no task waits for a worker to be free).
    let model = format!(
        "{{\"name\":\"{}\",\"summary\":\"{}\",\"detail\":\"M:N: futures on a worker thread per core, each worker an event loop; \
idle workers steal tasks\",\"pool\":false,\"serial\":false,\"parallel\":true,\"default_workers\":0,\"workers_kind\":\"none\",\
\"gil\":false,\"stack_kib\":false,\"family\":\"loop\",\"offload\":false,\"callbacks\":false,\
\"caps\":{},\"workloads\":{},\"runtime\":\"{}\"}}",
        MODEL, summary, json_list(&["concurrent", "per-task", "parallel", "coroutines"]), json_list(&names), record::runtime_name());
    let ws: Vec<String> = WORKLOADS.iter()
        .map(|k| format!("{{\"name\":\"{}\",\"summary\":\"{}\",\"default_tasks\":{}}}", k.name,
                         k.summary.lines().next().unwrap_or(""), k.tasks))
        .collect();
    println!("{{\"models\":[{}],\"workloads\":[{}]}}", model, ws.join(","));
    0
}

fn main() {
    let startup = record::since_process_start();
    let ready = Instant::now();
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.is_empty() || ["--help", "-h", "help"].contains(&a[0].as_str()) {
        let text = "usage: tokio-simul run WORKLOAD --model tokio-tasks [options] [--format text|csv|json]\n\
       tokio-simul predict WORKLOAD --model tokio-tasks [options]: set-up and prediction only\n\
       tokio-simul list [--format text|json]: the model and workloads, as simul list\n\n\
Workloads: sleep, fetch, spawn, switch, each task a tokio::spawn on the multi-thread runtime.\n\
'tokio-simul run WORKLOAD --help' lists the options. Exit status: 0 done and verified;\n\
1 the run failed; 2 the command line was wrong.";
        if a.is_empty() {
            eprintln!("{}", text); // a command line that is wrong: the usage is an error's
            std::process::exit(2);
        }
        println!("{}", text);
        return;
    }
    if a[0] == "list" {
        std::process::exit(list(&a[1..]));
    }
    if a[0] != "run" && a[0] != "predict" {
        say(&format!("unknown command '{}': use run, predict or list\n{}", a[0], USAGE_LINE));
        std::process::exit(2);
    }
    let names = WORKLOADS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
    let k = match a.get(1) {
        Some(w) if !w.starts_with('-') => WORKLOADS.iter().find(|k| k.name == w.as_str()),
        _ => None,
    };
    let parsed = match k {
        None if a.get(1).map_or(true, |w| w.starts_with('-')) => Err(Usage(format!("name a workload first: one of {}", names))),
        None => Err(Usage(format!("unknown workload '{}': choose one of {}", a[1], names))),
        Some(k) => options::parse(&a[1..], &names, k.options, k.summary, k.tasks)
            .and_then(|c| match c { Some(c) => (k.check)(&c).map(|_| Some(c)), None => Ok(None) }),
    };
    let c = match parsed {
        Ok(Some(c)) => c,
        Ok(None) => return, // --help
        Err(Usage(why)) => {
            say(&format!("{}: {}\n{}", a[0], why, USAGE_LINE));
            std::process::exit(2);
        }
    };
    let k = k.expect("a workload was found");
    let out = if a[0] == "predict" {
        predict_only(&c, k)
    } else {
        arm(&c);
        run(&c, k, startup, ready)
    };
    if let Err(why) = out {
        server::kill_children();
        say(&format!("{} under {}: {}", c.workload, MODEL, why));
        std::process::exit(1);
    }
    // Out at once: dropping a runtime that held a million tasks is not part of any figure.
    std::process::exit(0);
}
