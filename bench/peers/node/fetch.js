// SPDX-License-Identifier: MIT
// fetch.js: the documents' downloads as async functions: http.get over one keep-alive Agent, every body's length checked.
'use strict';

const http = require('http');
const { UsageError, concurrency } = require('./options');
const { quantile } = require('./record');
const server = require('./server');

const SUMMARY = 'each task GETs --url (or our own simul serve) --requests times over keep-alive (C2, C3)\n\n' +
  'Without --url the run starts its own `simul serve` (its CPU is not counted). The prediction\n' +
  "is simul's for a task each: ceil(N/C)·R·(L+c), c this client's own cost per request,\n" +
  'calibrated against the same server with the latency taken out (?latency-ms=0); against\n' +
  '--url, L is measured too (a few plain GETs, less c).';
const TASKS = 20;
const OPTIONS = [
  ['url', 'str', 0, 0, 'fetch this http:// URL instead of starting a simul serve of our own', null],
  ['requests', 'int', 1, 1000000, 'GETs per task, one after another over keep-alive', 1],
  ['latency-ms', 'int', 0, 3600000, "our server's delay before each response (not with --url)", 50],
  ['bytes', 'int', 0, 268435456, "our server's body size (not with --url)", 1024],
  ['expect-bytes', 'int', 0, 1e15, 'with --url: every body must be this long (without: all the same)', null],
  ['io-timeout-ms', 'int', 1, 3600000, 'a request waiting longer fails the task', 10000],
];
const CAL_TASKS = 9;
const CAL_REQS = 8; // calibration: the median of 9 short tasks of at most 8 GETs

function check(c) {
  if (c.given.has('url')) {
    if (!String(c.opt.url).startsWith('http://')) {
      throw new UsageError(`--url '${c.opt.url}' is not an http:// URL: give one like http://127.0.0.1:8080/`);
    }
    for (const o of ['latency-ms', 'bytes']) {
      if (c.given.has(o)) throw new UsageError(`--${o} sets our own server, not the one at --url: drop one of them`);
    }
  } else if (c.given.has('expect-bytes')) {
    throw new UsageError('--expect-bytes goes with --url; our own server sends --bytes');
  }
}

// getOne: one GET, its body's length counted and dropped; status 200 or a failure.
function getOne(st, url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: st.agent }, (res) => {
      let got = 0;
      res.on('data', (d) => { got += d.length; });
      res.on('end', () => (res.statusCode === 200 ? resolve(got)
        : reject(new Error(`GET ${url}: status ${res.statusCode}, want 200`))));
      res.on('error', (e) => reject(new Error(`GET ${url}: reading the body: ${e.message}`)));
    });
    req.setTimeout(st.ioTimeoutMs, () => req.destroy(new Error(`no answer in ${st.ioTimeoutMs} ms`)));
    req.on('error', (e) => reject(new Error(`GET ${url}: ${e.message}`)));
  });
}

// get: one task's GETs in a row; each body the expected length (or the first's).
async function get(st, url, n, took, sizes) {
  let first = -1;
  for (let r = 0; r < n; r++) {
    const t = process.hrtime.bigint();
    const got = await getOne(st, url);
    const want = st.expect >= 0 ? st.expect : first;
    if (want >= 0 && got !== want) throw new Error(`GET ${url}: a body of ${got} bytes, want ${want}`);
    first = got;
    if (took) {
      took[r] = Number(process.hrtime.bigint() - t) / 1e9;
      sizes[r] = got;
    }
  }
}

async function setup(c) {
  const st = { url: c.opt.url, label: c.opt.url, expect: -1, latency: 0, cost: 0, srv: null,
    ioTimeoutMs: c.opt['io-timeout-ms'], requests: c.opt.requests };
  if (c.given.has('expect-bytes')) st.expect = c.opt['expect-bytes'];
  if (!c.given.has('url')) {
    st.srv = await server.startServer(c.opt['latency-ms'], c.opt.bytes);
    st.url = st.srv.url;
    st.label = 'embedded';
    st.expect = c.opt.bytes;
    st.latency = c.opt['latency-ms'] / 1000;
  }
  // Keep-alive for every task at once (the default Agent closes a socket after each request).
  st.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: concurrency(c) });
  st.took = Array.from({ length: c.tasks }, () => new Float64Array(st.requests));
  st.sizes = Array.from({ length: c.tasks }, () => new Float64Array(st.requests));
  await calibrate(c, st);
  return st;
}

// calibrate: c, this client's cost per request with the latency taken out; against --url the
// server's latency L too. Outside the timed region; a failure here is left to the run.
async function calibrate(c, st) {
  const sep = st.url.includes('?') ? '&' : '?';
  const reqs = Math.min(st.requests, CAL_REQS);
  const per = [];
  try {
    for (let k = 0; k < CAL_TASKS; k++) {
      const t = process.hrtime.bigint();
      await get(st, `${st.url}${sep}latency-ms=0`, reqs);
      per.push(Number(process.hrtime.bigint() - t) / 1e9 / reqs);
    }
    per.sort((a, b) => a - b);
    st.cost = per[CAL_TASKS >> 1];
    if (c.given.has('url')) {
      const once = [];
      for (let k = 0; k < 3; k++) {
        const t = process.hrtime.bigint();
        await get(st, st.url, 1);
        once.push(Number(process.hrtime.bigint() - t) / 1e9);
      }
      once.sort((a, b) => a - b);
      st.latency = Math.max(0, once[1] - st.cost);
    }
  } catch (e) { /* the run itself will say what fails */ }
}

function task(c, st, i) {
  return get(st, st.url, st.requests, st.took[i], st.sizes[i]);
}

async function teardown(st) {
  if (st && st.agent) st.agent.destroy();
  if (st && st.srv) await server.stop(st.srv.proc);
}

function verify(c, st) {
  const each = st.expect >= 0 ? st.expect : st.sizes[0][0];
  for (let i = 0; i < c.tasks; i++) {
    for (const b of st.sizes[i]) {
      if (b !== each) return `task ${i} received a body of ${b} bytes, want ${st.requests} requests of ${each}`;
    }
  }
  return null;
}

// predict: simul's for a task each, in waves of --limit: ceil(N/C)·R·(L+c).
function predict(c, st) {
  return Math.ceil(c.tasks / concurrency(c)) * st.requests * (st.latency + st.cost);
}

function fields(c, st) {
  const all = [];
  let total = 0;
  let top = 0;
  for (let i = 0; i < c.tasks; i++) {
    for (const d of st.took[i]) {
      all.push(d);
      top = Math.max(top, d);
    }
    for (const b of st.sizes[i]) total += b;
  }
  const f = (v) => v.toFixed(6);
  return [['url', st.label, true], ['requests_per_task', String(st.requests), false],
    ['latency_ms', (st.latency * 1000).toFixed(3), false], ['c_ms', (st.cost * 1000).toFixed(4), false],
    ['io_timeout_ms', String(st.ioTimeoutMs), false], ['requests', String(all.length), false],
    ['bytes', String(total), false], ['bytes_per_response', String(Math.floor(total / all.length)), false],
    ['p50_s', f(quantile(all, 0.5)), false], ['p99_s', f(quantile(all, 0.99)), false],
    ['max_s', f(top), false]];
}

module.exports = { SUMMARY, TASKS, OPTIONS, check, setup, task, verify, predict, fields, teardown };
