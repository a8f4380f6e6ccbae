// SPDX-License-Identifier: MIT
// options.js: node-simul's command line, shaped like `simul run WORKLOAD --model M [options]`.
'use strict';

const MODEL = 'node-promises';
const MAX_TASKS = 1000000;

class UsageError extends Error {}

// An option: [name, kind ('int', 'float', 'str', 'flag'), lo, hi, help, default or null].
const COMMON = [
  ['model', 'str', 0, 0, `${MODEL}: an async function per task, one event loop (required)`, null],
  ['tasks', 'int', 1, MAX_TASKS, "tasks to run (default: the workload's, as simul)", null],
  ['limit', 'int', 1, MAX_TASKS, 'at most L tasks in flight: a promise-queue semaphore', null],
  ['cores', 'int', 1, 65536, "cores the prediction assumes (default: this machine's)", null],
  ['format', 'str', 0, 0, 'text, csv or json', 'text'],
  ['no-header', 'flag', 0, 0, 'csv: omit the header line', null],
  ['timeout', 'float', 0.001, 1e6, 'fail (exit 1, children killed) if the run takes longer', null],
];

// simul's options that mean nothing for one JavaScript event loop, and what to do instead.
const REFUSED = {
  workers: `--workers sizes simul's pools; ${MODEL} runs every task on one event loop: drop it, or use --limit`,
  gil: "--gil is simul's emulation of CPython's lock; Node.js has one thread for JavaScript anyway: drop it",
  'stack-kib': "--stack-kib sizes simul's coroutine stacks; an async function keeps no stack: drop it",
  trace: '--trace is not written by the peers: drop it, or run simul for a timeline',
};

function number(o, text) {
  const [name, kind, lo, hi] = o;
  const what = kind === 'int' ? 'a whole number' : 'a number';
  const span = `${lo} to ${hi}`;
  if (text === '') throw new UsageError(`--${name} is empty: give ${what} from ${span}`);
  if (text[0] === '-') throw new UsageError(`--${name} '${text}' is negative: give ${what} from ${span}`);
  const ok = kind === 'int' ? /^[0-9]+$/.test(text) : /^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text);
  const v = Number(text);
  if (!ok || !Number.isFinite(v)) throw new UsageError(`--${name} '${text}' is not ${what}: give one from ${span}`);
  if (v < lo || v > hi) throw new UsageError(`--${name} '${text}' is out of range: give ${what} from ${span}`);
  return v;
}

// parse: argv after `run` or `predict`; null when --help was printed.
function parse(argv, workloads) {
  const names = Object.keys(workloads).join(', ');
  if (argv.length === 0 || argv[0].startsWith('-')) throw new UsageError(`name a workload first: one of ${names}`);
  const w = workloads[argv[0]];
  if (!w) throw new UsageError(`unknown workload '${argv[0]}': choose one of ${names}`);
  const table = new Map([...COMMON, ...w.OPTIONS].map((o) => [o[0], o]));
  const vals = {};
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    let val = eq < 0 ? null : a.slice(eq + 1);
    if (name === 'help') {
      help(w, argv[0]);
      return null;
    }
    if (REFUSED[name]) throw new UsageError(REFUSED[name]);
    const o = table.get(name);
    if (!o) throw new UsageError(`unknown option '--${name}' for workload ${argv[0]}`);
    if (o[1] === 'flag') {
      if (val !== null) throw new UsageError(`--${name} takes no value`);
      val = true;
    } else if (val === null) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      val = argv[++i];
    }
    if (o[1] === 'int' || o[1] === 'float') val = number(o, val);
    vals[name] = val;
  }
  if (vals.model === undefined) throw new UsageError(`--model is missing: node-simul runs ${MODEL}`);
  if (vals.model !== MODEL) {
    throw new UsageError(`unknown model '${vals.model}': node-simul runs ${MODEL} (the Python peers: bench/peers/python/peer.py)`);
  }
  const format = vals.format === undefined ? 'text' : vals.format;
  if (!['text', 'csv', 'json'].includes(format)) throw new UsageError(`--format '${format}' is unknown: use text, csv or json`);
  const c = {
    workload: argv[0], model: MODEL, format, header: !vals['no-header'],
    tasks: vals.tasks === undefined ? w.TASKS : vals.tasks, limit: vals.limit || 0,
    cores: vals.cores || require('os').availableParallelism(), timeout: vals.timeout || 0,
    given: new Set(Object.keys(vals)), opt: {},
  };
  for (const o of w.OPTIONS) c.opt[o[0]] = vals[o[0]] !== undefined ? vals[o[0]] : o[5];
  w.check(c);
  return c;
}

// concurrency: tasks in flight at once, as simul's sim_run_concurrency for a task each.
function concurrency(c) {
  return c.limit > 0 && c.limit < c.tasks ? c.limit : c.tasks;
}

function help(w, name) {
  const lines = [`usage: node-simul run ${name} --model ${MODEL} [options]`, '', w.SUMMARY, '', 'options:'];
  for (const [n, kind, , , text, def] of [...COMMON, ...w.OPTIONS]) {
    const arg = kind === 'flag' ? '' : kind === 'str' ? ' S' : ' X';
    lines.push(`  --${(n + arg).padEnd(18)} ${text}${def !== null && def !== undefined ? ` (default ${def})` : ''}`);
  }
  lines.push('', 'exit status: 0 done and verified; 1 the run failed (one line on stderr says why);',
    '2 the command line was wrong.');
  process.stdout.write(lines.join('\n') + '\n');
}

module.exports = { MODEL, MAX_TASKS, UsageError, parse, concurrency };
