// SPDX-License-Identifier: MIT
// record.js: measures the timed region only, and prints simul's record (text, CSV or JSON).
'use strict';

// wall_s is the monotonic clock around the tasks alone; Node's start-up (startup_s) and the
// workload's set-up (setup_s: a server, a calibration) are outside it and reported apart.
// user_s, sys_s and the context switches are process.resourceUsage() deltas of this process:
// Node reads no RUSAGE_CHILDREN, and no child of ours ends inside the timed region (fetch's
// server is stopped after the record's figures are taken).
const fs = require('fs');

function usage() {
  return process.resourceUsage();
}

class Measure {
  constructor() {
    this.u0 = usage();
    this.baseRssKib = this.u0.maxRSS;
    this.t0 = process.hrtime.bigint();
    this.wallS = null;
  }

  stop() {
    if (this.wallS !== null) return;
    this.wallS = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const u1 = usage();
    this.userS = (u1.userCPUTime - this.u0.userCPUTime) / 1e6;
    this.sysS = (u1.systemCPUTime - this.u0.systemCPUTime) / 1e6;
    this.vctx = u1.voluntaryContextSwitches - this.u0.voluntaryContextSwitches;
    this.ivctx = u1.involuntaryContextSwitches - this.u0.involuntaryContextSwitches;
    this.maxRssKib = u1.maxRSS; // KiB on Linux
  }
}

// sinceProcessStart: seconds since exec (the kernel counts a start in clock ticks, 1/100 s;
// /proc/uptime is the same boot clock at the same resolution).
function sinceProcessStart() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[19]);
    const up = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.max(0, up - ticks / 100);
  } catch (e) {
    return 0;
  }
}

function runtimeName() {
  return `Node.js ${process.versions.node}`;
}

// A column: [name, text, is it a string (quoted in JSON)].
function common(c, m, predictedS) {
  return [['workload', c.workload, true], ['model', c.model, true], ['tasks', String(c.tasks), false],
    ['workers', '0', false], ['wall_s', m.wallS.toFixed(6), false], ['predicted_s', predictedS.toFixed(6), false],
    ['user_s', m.userS.toFixed(6), false], ['sys_s', m.sysS.toFixed(6), false],
    ['max_rss_kib', String(m.maxRssKib), false], ['voluntary_ctx', String(m.vctx), false],
    ['involuntary_ctx', String(m.ivctx), false], ['verified', 'true', false], ['limit', String(c.limit), false],
    ['gil', 'false', false],
    // One process (libuv's pool threads share its pages): its peak RSS counts each page once.
    ['mem_kib', String(m.maxRssKib), false], ['mem_method', 'rss-peak', true]];
}

function predictFields(c, predictedS) {
  return [['workload', c.workload, true], ['model', c.model, true], ['tasks', String(c.tasks), false],
    ['workers', '0', false], ['predicted_s', predictedS.toFixed(6), false], ['limit', String(c.limit), false],
    ['gil', 'false', false], ['runtime', runtimeName(), true]];
}

function format(c, cols) {
  if (c.format === 'csv') {
    return (c.header ? cols.map((f) => f[0]).join(',') + '\n' : '') + cols.map((f) => f[1]).join(',') + '\n';
  }
  if (c.format === 'json') {
    return '{' + cols.map(([n, v, t]) => `${JSON.stringify(n)}:${t ? JSON.stringify(v) : v}`).join(',') + '}\n';
  }
  const d = Object.fromEntries(cols.map((f) => [f[0], f[1]]));
  const head = d.wall_s !== undefined
    ? `${c.workload} under ${c.model}: ${c.tasks} tasks, wall ${Number(d.wall_s).toFixed(3)} s, predicted ${Number(d.predicted_s).toFixed(3)} s (verified)\n`
    : `${c.workload} under ${c.model}: ${c.tasks} tasks, predicted ${Number(d.predicted_s).toFixed(3)} s\n`;
  return head + cols.map(([n, v]) => `  ${n.padEnd(16)} ${v}\n`).join('');
}

// emit: the whole record in one write, so a failure leaves none of it.
function emit(c, cols) {
  fs.writeSync(1, format(c, cols));
}

// quantile: nearest rank, as simul's histogram reads it (but exact).
function quantile(values, q) {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}

module.exports = { Measure, sinceProcessStart, runtimeName, common, predictFields, emit, quantile };
