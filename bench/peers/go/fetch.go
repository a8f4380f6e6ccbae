// SPDX-License-Identifier: MIT
// fetch.go: the documents' downloads as goroutines: net/http GETs, every body's length checked.
package main

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"syscall"
	"time"
)

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

type fetchW struct {
	url, label    string
	requests      int
	expect        int64 // -1: unknown (--url without --expect-bytes)
	latency, cost float64
	ioTimeout     time.Duration
	client        *http.Client
	srv           *server
	took          [][]float64
	sizes         [][]int64
}

const calTasks, calReqs = 9, 8 // calibration: the median of 9 short tasks of at most 8 GETs

func (w *fetchW) summary() string {
	return "each task GETs --url (or our own simul serve) --requests times over keep-alive (C2, C3)\n\n" +
		"Without --url the run starts its own `simul serve` (its CPU is not counted). The prediction\n" +
		"is simul's for a thread per task: R·(L+c), c net/http's own cost per request, calibrated\n" +
		"against the same server with the latency taken out (?latency-ms=0); against --url, L is\n" +
		"measured too (a few plain GETs, less c)."
}
func (w *fetchW) defaultTasks() int { return 20 }
func (w *fetchW) options() []option {
	return []option{
		{"url", "str", 0, 0, "fetch this http:// URL instead of starting a simul serve of our own", ""},
		{"requests", "int", 1, 1000000, "GETs per task, one after another over keep-alive", "1"},
		{"latency-ms", "int", 0, 3600000, "our server's delay before each response (not with --url)", "50"},
		{"bytes", "int", 0, 268435456, "our server's body size (not with --url)", "1024"},
		{"expect-bytes", "int", 0, 1e15, "with --url: every body must be this long (without: all the same)", ""},
		{"io-timeout-ms", "int", 1, 3600000, "a request waiting longer fails the task", "10000"},
	}
}

func (w *fetchW) check(c *config) error {
	if u := c.vals["url"]; c.given["url"] {
		if !strings.HasPrefix(u, "http://") {
			return usagef("--url '%s' is not an http:// URL: give one like http://127.0.0.1:8080/", u)
		}
		for _, o := range []string{"latency-ms", "bytes"} {
			if c.given[o] {
				return usagef("--%s sets our own server, not the one at --url: drop one of them", o)
			}
		}
	} else if c.given["expect-bytes"] {
		return usagef("--expect-bytes goes with --url; our own server sends --bytes")
	}
	return nil
}

// get: one task's GETs in a row; each must be 200 with the expected body (or the first's).
func (w *fetchW) get(url string, n int, took []float64, sizes []int64) error {
	first := int64(-1)
	for r := 0; r < n; r++ {
		t := time.Now()
		resp, err := w.client.Get(url)
		if err != nil {
			return fmt.Errorf("GET %s: %v", url, err)
		}
		got, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: reading the body: %v", url, err)
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: status %d, want 200", url, resp.StatusCode)
		}
		want := w.expect
		if want < 0 {
			want = first
		}
		if want >= 0 && got != want {
			return fmt.Errorf("GET %s: a body of %d bytes, want %d", url, got, want)
		}
		first = got
		if took != nil {
			took[r], sizes[r] = time.Since(t).Seconds(), got
		}
	}
	return nil
}

func (w *fetchW) setup(c *config) error {
	w.requests, w.url, w.label, w.expect = c.int("requests"), c.vals["url"], c.vals["url"], -1
	w.ioTimeout = time.Duration(c.int("io-timeout-ms")) * time.Millisecond
	if c.given["expect-bytes"] {
		w.expect = int64(c.int("expect-bytes"))
	}
	// One socket per task in flight, here and in the server (Go has raised the soft limit
	// to the hard one already).
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && uint64(c.concurrency()+64) > rl.Cur {
		return fmt.Errorf("%d tasks in flight need about %d open files but the limit is %d (ulimit -n): raise it, or use --limit %d",
			c.concurrency(), c.concurrency()+64, rl.Cur, max(1, int(rl.Cur)-64))
	}
	if !c.given["url"] {
		s, err := startServer(c.int("latency-ms"), c.int("bytes"))
		if err != nil {
			return err
		}
		w.srv, w.url, w.label = s, s.url, "embedded"
		w.expect, w.latency = int64(c.int("bytes")), float64(c.int("latency-ms"))/1000
	}
	// Keep-alive for every goroutine at once (the default keeps 2 idle connections a host).
	w.client = &http.Client{Timeout: w.ioTimeout, Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: w.ioTimeout}).DialContext,
		MaxIdleConnsPerHost: c.tasks, MaxIdleConns: c.tasks, DisableCompression: true}}
	w.took, w.sizes = make([][]float64, c.tasks), make([][]int64, c.tasks)
	for i := range w.took {
		w.took[i], w.sizes[i] = make([]float64, w.requests), make([]int64, w.requests)
	}
	w.calibrate(c)
	return nil
}

// calibrate: c, this client's cost per request with the latency taken out; against --url
// the server's latency L too. Outside the timed region; a failure here is left to the run.
func (w *fetchW) calibrate(c *config) {
	sep := "?"
	if strings.Contains(w.url, "?") {
		sep = "&"
	}
	reqs := w.requests
	if reqs > calReqs {
		reqs = calReqs
	}
	per := make([]float64, calTasks)
	for k := range per {
		t := time.Now()
		if w.get(w.url+sep+"latency-ms=0", reqs, nil, nil) != nil {
			return
		}
		per[k] = time.Since(t).Seconds() / float64(reqs)
	}
	sort.Float64s(per)
	w.cost = per[calTasks/2]
	if c.given["url"] {
		once := make([]float64, 3)
		for k := range once {
			t := time.Now()
			if w.get(w.url, 1, nil, nil) != nil {
				return
			}
			once[k] = time.Since(t).Seconds()
		}
		sort.Float64s(once)
		w.latency = math.Max(0, once[1]-w.cost)
	}
}

func (w *fetchW) task(c *config, i int) error { return w.get(w.url, w.requests, w.took[i], w.sizes[i]) }

func (w *fetchW) teardown() { w.srv.stop() }

func (w *fetchW) verify(c *config) string {
	each := w.expect
	if each < 0 {
		each = w.sizes[0][0]
	}
	for i, s := range w.sizes {
		for _, b := range s {
			if b != each {
				return fmt.Sprintf("task %d received a body of %d bytes, want %d requests of %d", i, b, w.requests, each)
			}
		}
	}
	return ""
}

// predict: simul's threadpool --workers 0, a thread per task, in waves of --limit:
// ceil(N/C)·R·(L+c).
func (w *fetchW) predict(c *config) float64 {
	waves := math.Ceil(float64(c.tasks) / float64(c.concurrency()))
	return waves * float64(w.requests) * (w.latency + w.cost)
}

func (w *fetchW) fields(c *config, m *measure) []field {
	var all []float64
	var total int64
	for i := range w.took {
		all = append(all, w.took[i]...)
		for _, b := range w.sizes[i] {
			total += b
		}
	}
	top := 0.0
	for _, d := range all {
		top = math.Max(top, d)
	}
	f := func(v float64) string { return fmt.Sprintf("%.6f", v) }
	return []field{{"url", w.label, true}, {"requests_per_task", fmt.Sprint(w.requests), false},
		{"latency_ms", fmt.Sprintf("%.3f", w.latency*1000), false}, {"c_ms", fmt.Sprintf("%.4f", w.cost*1000), false},
		{"io_timeout_ms", fmt.Sprint(c.int("io-timeout-ms")), false}, {"requests", fmt.Sprint(len(all)), false},
		{"bytes", fmt.Sprint(total), false}, {"bytes_per_response", fmt.Sprint(total / int64(len(all))), false},
		{"p50_s", f(quantile(all, 0.5)), false}, {"p99_s", f(quantile(all, 0.99)), false},
		{"max_s", f(top), false}}
}
