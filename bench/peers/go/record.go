// SPDX-License-Identifier: MIT
// record.go: measures the timed region only, and prints simul's record (text, CSV or JSON).
package main

// wall_s is the monotonic clock around the goroutines alone; the process's start-up
// (startup_s) and the workload's set-up (setup_s) are outside it and reported apart.
// user_s, sys_s and the context switches are getrusage deltas, this process and its
// reaped children (none run during the timed region: fetch's server is reaped after).

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

type field struct {
	name, value string
	text        bool
}

type measure struct {
	t0          time.Time
	wall        float64
	s0, c0      syscall.Rusage
	user, sys   float64
	maxRSS      int64
	baseRSS     int64
	vctx, ivctx int64
	stopped     bool
}

func rusage(who int) syscall.Rusage {
	var r syscall.Rusage
	_ = syscall.Getrusage(who, &r)
	return r
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)*1e-6 }

func start() *measure {
	m := &measure{s0: rusage(syscall.RUSAGE_SELF), c0: rusage(syscall.RUSAGE_CHILDREN)}
	m.baseRSS = m.s0.Maxrss
	m.t0 = time.Now()
	return m
}

func (m *measure) stop() {
	if m.stopped {
		return
	}
	m.wall = time.Since(m.t0).Seconds()
	s1, c1 := rusage(syscall.RUSAGE_SELF), rusage(syscall.RUSAGE_CHILDREN)
	m.user = tv(s1.Utime) - tv(m.s0.Utime) + tv(c1.Utime) - tv(m.c0.Utime)
	m.sys = tv(s1.Stime) - tv(m.s0.Stime) + tv(c1.Stime) - tv(m.c0.Stime)
	m.vctx = s1.Nvcsw - m.s0.Nvcsw + c1.Nvcsw - m.c0.Nvcsw
	m.ivctx = s1.Nivcsw - m.s0.Nivcsw + c1.Nivcsw - m.c0.Nivcsw
	m.maxRSS = s1.Maxrss // KiB on Linux
	m.stopped = true
}

// clockS reads one of the kernel's clocks (CLOCK_BOOTTIME, a thread's CPU clock, ...).
func clockS(id uintptr) float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9
}

const clockThreadCPU, clockBoottime = 3, 7

// sinceProcessStart: seconds since exec (the kernel counts the start in clock ticks, 1/100 s).
func sinceProcessStart() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ticks, _ := strconv.ParseFloat(f[19], 64)
	return clockS(clockBoottime) - ticks/100
}

func emit(c *config, m *measure, predicted float64, own, extra []field) {
	cols := []field{{"workload", c.workload, true}, {"model", model, true}, {"tasks", fmt.Sprint(c.tasks), false},
		{"workers", "0", false}, {"wall_s", fmt.Sprintf("%.6f", m.wall), false},
		{"predicted_s", fmt.Sprintf("%.6f", predicted), false}, {"user_s", fmt.Sprintf("%.6f", m.user), false},
		{"sys_s", fmt.Sprintf("%.6f", m.sys), false}, {"max_rss_kib", fmt.Sprint(m.maxRSS), false},
		{"voluntary_ctx", fmt.Sprint(m.vctx), false}, {"involuntary_ctx", fmt.Sprint(m.ivctx), false},
		{"verified", "true", false}, {"limit", fmt.Sprint(c.limit), false}, {"gil", "false", false},
		// One process, its goroutines' threads sharing its pages: its peak RSS counts each once.
		{"mem_kib", fmt.Sprint(m.maxRSS), false}, {"mem_method", "rss-peak", true}}
	cols = append(append(cols, own...), extra...)
	write(c, cols, fmt.Sprintf("%s under %s: %d tasks, wall %.3f s, predicted %.3f s (verified)\n", c.workload,
		model, c.tasks, m.wall, predicted))
}

// write: a record in the --format asked for; head starts the text form.
func write(c *config, cols []field, head string) {
	var b strings.Builder
	switch c.format {
	case "csv":
		names, vals := make([]string, len(cols)), make([]string, len(cols))
		for i, f := range cols {
			names[i], vals[i] = f.name, f.value
		}
		if c.header {
			b.WriteString(strings.Join(names, ",") + "\n")
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	case "json":
		b.WriteString("{")
		for i, f := range cols {
			if i > 0 {
				b.WriteString(",")
			}
			v := f.value
			if f.text {
				q, _ := json.Marshal(f.value)
				v = string(q)
			}
			fmt.Fprintf(&b, "%q:%s", f.name, v)
		}
		b.WriteString("}\n")
	default:
		b.WriteString(head)
		for _, f := range cols {
			fmt.Fprintf(&b, "  %-16s %s\n", f.name, f.value)
		}
	}
	if _, err := os.Stdout.WriteString(b.String()); err != nil {
		fmt.Fprintf(os.Stderr, "go-simul: %s under %s: cannot write the record: %v\n", c.workload, model, err)
		os.Exit(1)
	}
}
