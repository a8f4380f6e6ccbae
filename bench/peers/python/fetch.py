# SPDX-License-Identifier: MIT
# fetch.py: the 20 GETs of Vexs, “Why asyncio?” (2021): a requests loop, requests in a ThreadPoolExecutor, aiohttp gathered.
"""Without --url the run starts its own `simul serve` (its CPU is not counted). The prediction
is simul's: sequential N·R·(L+c); a pool of W ceil(N/W)·R·(L+c); a loop R·L + N·R·c, where c
is this client's own cost per request, calibrated against the same server with the latency
taken out (?latency-ms=0, which simul serve honours). Against --url, L is measured too: a
few GETs as they are, less c (0 if the server ignores the query)."""
import asyncio
import contextlib
import math
import resource
import time
from array import array
from types import SimpleNamespace

import simul
from options import POOLS, UsageError, concurrency
from record import RunFailed, quantile

SUMMARY = "each task GETs --url (or our own simul serve) --requests times over one session (C2, C3)"
TASKS = 20
THREADS = 4  # Vexs, “Why asyncio?”, 2021: ThreadPoolExecutor(max_workers=4) for its 20 GETs
OPTIONS = [
    ("url", "str", 0, 0, "fetch this http:// URL instead of starting a simul serve of our own", None),
    ("requests", "int", 1, 1000000, "GETs per task, one after another over one session", 1),
    ("latency-ms", "int", 0, 3600000, "our server's delay before each response (not with --url)", 50),
    ("bytes", "int", 0, 268435456, "our server's body size (not with --url)", 1024),
    ("expect-bytes", "int", 0, 1e15, "with --url: every body must be this long (without: all the same)", None),
    ("io-timeout-ms", "int", 1, 3600000, "a connect or a read waiting longer fails the task", 10000),
]
CAL_TASKS, CAL_REQS = 9, 8  # calibration: the median of 9 short tasks of at most 8 GETs


def needs(model):
    return [("aiohttp", "python3-aiohttp")] if model.endswith(("asyncio", "uvloop")) else [("requests", "python3-requests")]


def check(c):
    if c.url:
        if not c.url.startswith("http://"):
            raise UsageError(f"--url '{c.url}' is not an http:// URL: give one like http://127.0.0.1:8080/")
        if c.latency_ms_given or c.bytes_given:
            which = "latency-ms" if c.latency_ms_given else "bytes"
            raise UsageError(f"--{which} sets our own server, not the one at --url: drop one of them")
    elif c.expect_bytes_given:
        raise UsageError("--expect-bytes goes with --url; our own server sends --bytes")


def body_ok(st, got, status, first):
    """One response checked as simul checks it: 200, the expected length, or the first's."""
    if status != 200:
        raise RuntimeError(f"GET {st.url}: status {status}, want 200")
    want = st.expect if st.expect is not None else first
    if want is not None and got != want:
        raise RuntimeError(f"GET {st.url}: a body of {got} bytes, want {want}")


def get_all(c, st, i, session=None):
    """One task: --requests GETs in a row over one requests session (Vexs's loop, “Why asyncio?”, 2021)."""
    import requests
    own = session is None
    session = session or requests.Session()
    took, sizes = array("d"), []
    try:
        for _ in range(c.requests):
            t = time.monotonic()
            r = session.get(st.url, timeout=c.io_timeout_ms / 1000)
            body_ok(st, len(r.content), r.status_code, sizes[0] if sizes else None)
            took.append(time.monotonic() - t)
            sizes.append(len(r.content))
    finally:
        if own:
            session.close()
    return took, sizes


task = get_all


def sequential(c, st):
    """Vexs's (“Why asyncio?”, 2021) `session = requests.session(); for _ in range(20): session.get(url)`."""
    import requests
    from models import outcome
    with requests.Session() as session:
        return [outcome(get_all, c, st, i, session) for i in range(c.tasks)]


async def async_get_all(c, st, session, sem):
    took, sizes = array("d"), []
    async with sem:
        for _ in range(c.requests):
            t = time.monotonic()
            async with session.get(st.url) as r:
                body = await r.read()
            body_ok(st, len(body), r.status, sizes[0] if sizes else None)
            took.append(time.monotonic() - t)
            sizes.append(len(body))
    return took, sizes


def client_session(c):
    import aiohttp
    # No cap on connections (aiohttp's default is 100): every task in flight, as simul's loop;
    # --limit is the documents' asyncio.Semaphore instead.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=c.io_timeout_ms / 1000, sock_read=c.io_timeout_ms / 1000)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout)


async def gather_all(c, st):
    """Vexs's (“Why asyncio?”, 2021) `async with aiohttp.ClientSession() as session: ... asyncio.gather(*[get(url) ...])`."""
    sem = asyncio.Semaphore(c.limit) if c.limit else contextlib.nullcontext()
    async with client_session(c) as session:
        return await asyncio.gather(*[async_get_all(c, st, session, sem) for _ in range(c.tasks)],
                                    return_exceptions=True)


async def async_calibrate(c, cal, reqs, probes):
    per, once = [], []
    async with client_session(c) as session:
        for _ in range(CAL_TASKS):
            t = time.monotonic()
            await async_get_all(reqs, cal, session, contextlib.nullcontext())
            per.append((time.monotonic() - t) / reqs.requests)
        for _ in range(probes):
            t = time.monotonic()
            await async_get_all(SimpleNamespace(requests=1), probes_st(cal), session, contextlib.nullcontext())
            once.append(time.monotonic() - t)
    return per, once


def blocking_calibrate(c, cal, reqs, probes):
    per, once = [], []
    for _ in range(CAL_TASKS):
        t = time.monotonic()
        get_all(reqs, cal, 0)
        per.append((time.monotonic() - t) / reqs.requests)
    for _ in range(probes):
        t = time.monotonic()
        get_all(SimpleNamespace(requests=1, io_timeout_ms=c.io_timeout_ms), probes_st(cal), 0)
        once.append(time.monotonic() - t)
    return per, once


def probes_st(cal):
    return SimpleNamespace(url=cal.plain_url, expect=cal.expect)


def raise_nofile(c):
    """One socket per task in flight (and as many in the server): the soft limit up to the hard."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    need = concurrency(c) + 64
    if hard != resource.RLIM_INFINITY and need > hard:
        raise RunFailed(f"{concurrency(c)} tasks in flight need about {need} open files but the limit is "
                        f"{hard} (ulimit -n): raise it, or use --limit {max(1, hard - 64)}")


@contextlib.contextmanager
def setup(c, runner):
    raise_nofile(c)
    with contextlib.ExitStack() as stack:
        st = SimpleNamespace(url=c.url, expect=c.expect_bytes, latency_s=0.0, c_s=0.0)
        if not c.url:
            st.url = stack.enter_context(simul.Server(c.latency_ms, c.bytes)).url
            st.expect, st.latency_s = c.bytes, c.latency_ms / 1000
        # c outside the timed region, untraced: this client's own cost per request with no
        # latency; against --url, a few plain GETs also give the server's latency.
        cal = SimpleNamespace(url=st.url + ("&" if "?" in st.url else "?") + "latency-ms=0",
                              plain_url=st.url, expect=st.expect)
        reqs = SimpleNamespace(requests=min(c.requests, CAL_REQS), io_timeout_ms=c.io_timeout_ms)
        probes = 3 if c.url else 0
        try:
            calibrate = async_calibrate if runner else blocking_calibrate
            per, once = (runner.run(calibrate(c, cal, reqs, probes)) if runner
                         else calibrate(c, cal, reqs, probes))
            st.c_s = sorted(per)[len(per) // 2]
            if once:
                st.latency_s = max(0.0, sorted(once)[len(once) // 2] - st.c_s)
        except Exception:  # noqa: BLE001 - the run meets the same failure and reports it
            pass
        yield st


def verify(c, st, results):
    each = st.expect if st.expect is not None else results[0][1][0]
    for i, (took, sizes) in enumerate(results):
        if len(took) != c.requests:
            return f"task {i} completed {len(took)} of {c.requests} requests"
        if any(s != each for s in sizes):
            return f"task {i} received {sum(sizes)} body bytes, want {c.requests} requests of {each}"
    return None


def predict(c, st):
    """Waves of the run's concurrency: a serial or pooled model waits out every request's
    latency and cost in each wave; a loop overlaps the latencies but pays every request's
    CPU cost on its one thread."""
    L, cost, R, N = st.latency_s, st.c_s, c.requests, c.tasks
    waves = math.ceil(N / concurrency(c))
    if c.model == "python-sequential" or c.model in POOLS:
        return waves * R * (L + cost)
    return waves * R * L + N * R * cost


def fields(c, st, results, m):
    took = [d for t, _ in results for d in t]
    total = sum(sum(s) for _, s in results)
    top = max(took, default=0.0)
    return [("url", c.url or "embedded", True), ("requests_per_task", str(c.requests), False),
            ("latency_ms", f"{st.latency_s * 1000:.3f}", False), ("c_ms", f"{st.c_s * 1000:.4f}", False),
            ("io_timeout_ms", str(c.io_timeout_ms), False), ("requests", str(len(took)), False),
            ("bytes", str(total), False), ("bytes_per_response", str(total // len(took) if took else 0), False),
            ("p50_s", f"{quantile(took, 0.5):.6f}", False),
            ("p99_s", f"{quantile(took, 0.99):.6f}", False), ("max_s", f"{top:.6f}", False)]
