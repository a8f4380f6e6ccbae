#!/usr/bin/node
// SPDX-License-Identifier: MIT
// peer.js: node-simul, the workloads as async functions on Node's one event loop behind simul's command line; one verified record per run.
'use strict';

const startupS = require('./record').sinceProcessStart(); // before the other modules load
const ready = process.hrtime.bigint();
const fs = require('fs');
const options = require('./options');
const record = require('./record');
const server = require('./server');
const { MODEL, UsageError } = options;

const WORKLOADS = { sleep: require('./sleep'), fetch: require('./fetch'), spawn: require('./spawn'), switch: require('./switch') };
const USAGE_LINE = `usage: node peer.js run|predict WORKLOAD --model ${MODEL} [options], or node peer.js list; ` +
  "'node peer.js run WORKLOAD --help' lists the options";

// The one model, with what the harness asks of each (the fields of `simul list`): a task is
// an async function (a stackless coroutine) on one thread's event loop, as asyncio's.
const MODEL_INFO = {
  name: MODEL, summary: 'an async function per task on the one event loop, Promise.all for them all; http.get, ' +
    'timers/promises; --limit a promise-queue semaphore',
  detail: "one thread runs every task's JavaScript (libuv's loop); I/O and timers are the loop's", pool: false,
  serial: false, parallel: false, default_workers: 0, workers_kind: 'none', gil: false, stack_kib: false,
  family: 'loop', offload: false, callbacks: false, caps: ['concurrent', 'per-task', 'coroutines'],
};

function say(line) {
  fs.writeSync(2, `node-simul: ${line}\n`);
}

class Semaphore {
  constructor(n) {
    this.free = n;
    this.queue = [];
  }

  async acquire() {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise((resolve) => this.queue.push(resolve));
  }

  release() {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

// runTasks: an async function per task, all started, then Promise.all; one failure does not
// hide the rest, and the first is reported.
async function runTasks(c, w, st) {
  const sem = c.limit > 0 ? new Semaphore(c.limit) : null;
  const fail = { n: 0, first: -1, why: null };
  const one = async (i) => {
    if (sem) await sem.acquire();
    try {
      await w.task(c, st, i);
    } catch (e) {
      if (fail.n++ === 0) [fail.first, fail.why] = [i, e.message];
    } finally {
      if (sem) sem.release();
    }
  };
  const ps = new Array(c.tasks);
  for (let i = 0; i < c.tasks; i++) ps[i] = one(i);
  await Promise.all(ps);
  return fail;
}

// arm: --timeout, SIGTERM and SIGINT end the run: the children killed, one line, exit 1.
function arm(c) {
  const end = (why) => {
    server.killChildren();
    say(`${c.workload} under ${MODEL}: ${why}`);
    process.exit(1);
  };
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => end(`interrupted by ${s}`));
  if (c.timeout > 0) {
    setTimeout(() => end(`timed out after ${c.timeout} s: raise --timeout, or give fewer --tasks`), c.timeout * 1000).unref();
  }
}

async function run(c, w) {
  arm(c);
  let st = null;
  try {
    st = await w.setup(c);
    const setupS = Number(process.hrtime.bigint() - ready) / 1e9;
    const m = new record.Measure();
    let results = null;
    if (w.timed) {
      results = await w.timed(c, st);
    } else {
      const fail = await runTasks(c, w, st);
      m.stop();
      if (fail.n > 0) throw new Error(`${fail.n} of ${c.tasks} tasks failed; the first, task ${fail.first}: ${fail.why}`);
    }
    m.stop();
    const why = w.verify(c, st, results);
    if (why) throw new Error(`result did not verify: ${why}`);
    const extra = [['runtime', record.runtimeName(), true], ['startup_s', startupS.toFixed(3), false],
      ['setup_s', setupS.toFixed(6), false], ['base_rss_kib', String(m.baseRssKib), false],
      ['pool_prestarted', 'false', false]];
    record.emit(c, [...record.common(c, m, w.predict(c, st)), ...w.fields(c, st, results, m), ...extra]);
  } finally {
    await w.teardown(st);
  }
}

async function predictOnly(c, w) {
  let st = null;
  try {
    st = await w.setup(c);
    record.emit(c, record.predictFields(c, w.predict(c, st)));
  } finally {
    await w.teardown(st);
  }
}

function list(args) {
  let format = 'text';
  if (args.length === 2 && args[0] === '--format' && ['json', 'text'].includes(args[1])) format = args[1];
  else if (args.length === 1 && ['--format=json', '--format=text'].includes(args[0])) format = args[0].slice(9);
  else if (args.length !== 0) {
    say(`list: want [--format text|json], not '${args.join(' ')}'`);
    return 2;
  }
  const names = Object.keys(WORKLOADS);
  const ws = names.map((n) => ({ name: n, summary: WORKLOADS[n].SUMMARY.split('\n')[0], default_tasks: WORKLOADS[n].TASKS }));
  if (format === 'json') {
    const m = { ...MODEL_INFO, workloads: names, runtime: record.runtimeName() };
    fs.writeSync(1, JSON.stringify({ models: [m], workloads: ws }) + '\n');
  } else {
    fs.writeSync(1, `models:\n  ${MODEL.padEnd(18)} ${MODEL_INFO.summary}\nworkloads:\n` +
      ws.map((w) => `  ${w.name.padEnd(18)} ${w.summary}\n`).join(''));
  }
  return 0;
}

async function main(a) {
  if (a.length === 0 || ['--help', '-h', 'help'].includes(a[0])) {
    const text = `usage: node peer.js run WORKLOAD --model ${MODEL} [options] [--format text|csv|json]\n` +
      `       node peer.js predict WORKLOAD --model ${MODEL} [options]: set-up and prediction only\n` +
      '       node peer.js list [--format text|json]: the model and workloads, as simul list\n\n' +
      `Workloads: ${Object.keys(WORKLOADS).join(', ')}, each task an async function on the one event loop.\n` +
      "'node peer.js run WORKLOAD --help' lists the options. Exit status: 0 done and verified;\n" +
      '1 the run failed; 2 the command line was wrong.\n';
    fs.writeSync(a.length === 0 ? 2 : 1, text); // a command line that is wrong: the usage is an error's
    return a.length === 0 ? 2 : 0;
  }
  if (a[0] === 'list') return list(a.slice(1));
  if (a[0] !== 'run' && a[0] !== 'predict') {
    say(`unknown command '${a[0]}': use run, predict or list\n${USAGE_LINE}`);
    return 2;
  }
  let c;
  try {
    c = options.parse(a.slice(1), WORKLOADS);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(`${a[0]}: ${e.message}\n${USAGE_LINE}`);
    return 2;
  }
  if (c === null) return 0; // --help
  try {
    await (a[0] === 'predict' ? predictOnly : run)(c, WORKLOADS[c.workload]);
  } catch (e) {
    say(`${c.workload} under ${MODEL}: ${e.message}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  server.killChildren();
  say(`internal error: ${e && e.stack ? e.stack.split('\n')[0] : e}`);
  process.exit(1);
});
