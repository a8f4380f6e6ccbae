// SPDX-License-Identifier: MIT
// main.go: go-simul, the workloads as goroutines behind simul's command line; one verified record per run.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const model = "go-goroutines"
const usageLine = "usage: go-simul run|predict WORKLOAD --model go-goroutines [options], or go-simul list; " +
	"'go-simul run WORKLOAD --help' lists the options"

// A workload: its options, a set-up outside the timed region, the task body one goroutine
// runs, and what simul's workload does after: verify, predict, its own record fields.
type workload interface {
	summary() string
	defaultTasks() int
	options() []option
	check(c *config) error
	setup(c *config) error
	task(c *config, i int) error
	verify(c *config) string
	predict(c *config) float64
	fields(c *config, m *measure) []field
	teardown()
}

var workloads = map[string]func() workload{
	"sleep":  func() workload { return &sleepW{} },
	"sumsq":  func() workload { return &sumsqW{} },
	"fetch":  func() workload { return &fetchW{} },
	"chess":  func() workload { return &chessW{} },
	"lag":    func() workload { return &lagW{} },
	"spawn":  func() workload { return &spawnW{} },
	"switch": func() workload { return &switchW{} },
	"mixed":  func() workload { return &mixedW{} },
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func init() {
	// The server fetch starts must die with us (Pdeathsig), and Linux ties that to the
	// thread that forked it: keep the main goroutine on the main thread for good.
	runtime.LockOSThread()
}

func main() {
	startup := sinceProcessStart()
	ready := time.Now()
	a := os.Args
	if len(a) < 2 || a[1] == "--help" || a[1] == "-h" || a[1] == "help" {
		out := os.Stdout
		if len(a) < 2 { // a command line that is wrong: the usage is an error's, on stderr
			out = os.Stderr
		}
		fmt.Fprintln(out, "usage: go-simul run WORKLOAD --model go-goroutines [options] [--format text|csv|json]\n"+
			"       go-simul predict WORKLOAD --model go-goroutines [options]: set-up and prediction only\n"+
			"       go-simul list [--format text|json]: the model and workloads, as simul list\n\n"+
			"Workloads: sleep, sumsq, fetch, chess, lag, spawn, switch, mixed, each task a goroutine\n"+
			"(a sync.WaitGroup waits for them all). 'go-simul run WORKLOAD --help' lists the options.\n"+
			"Exit status: 0 done and verified; 1 the run failed; 2 the command line was wrong.")
		if len(a) < 2 {
			os.Exit(2)
		}
		return
	}
	if a[1] == "list" {
		os.Exit(listModels(a[2:]))
	}
	if a[1] != "run" && a[1] != "predict" {
		fmt.Fprintf(os.Stderr, "go-simul: unknown command '%s': use run, predict or list\n%s\n", a[1], usageLine)
		os.Exit(2)
	}
	c, w, err := parse(a[2:])
	if err == nil && c == nil {
		return // --help
	}
	if err == nil {
		err = w.check(c)
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "go-simul %s: %s\n%s\n", a[1], ue.msg, usageLine)
		os.Exit(2)
	}
	if err == nil && a[1] == "predict" {
		err = predictOnly(c, w)
	} else if err == nil {
		err = run(c, w, startup, ready)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-simul: %s under %s: %s\n", c.workload, model, err)
		os.Exit(1)
	}
}

// run: set-up, then the timed region (a goroutine per task), then verify and print.
func run(c *config, w workload, startup float64, ready time.Time) error {
	arm(c, w)
	defer w.teardown()
	if err := w.setup(c); err != nil {
		return err
	}
	setupS := time.Since(ready).Seconds()
	errs := make([]error, c.tasks)
	var m *measure
	// The goroutines are made by one not locked to a thread, as in any Go program: the main
	// goroutine is (init), and each time a locked goroutine waits or is preempted its thread
	// hands the P over through the kernel (with GOMAXPROCS 1 that tripled spawn's cost).
	offMain(func() {
		m = start()
		var wg sync.WaitGroup
		var sem chan struct{} // --limit: a buffered channel, Go's semaphore
		if c.limit > 0 {
			sem = make(chan struct{}, c.limit)
		}
		for i := 0; i < c.tasks; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if sem != nil {
					sem <- struct{}{}
					defer func() { <-sem }()
				}
				errs[i] = w.task(c, i)
			}(i)
		}
		wg.Wait()
		m.stop()
	})
	failed, first := 0, -1
	for i, e := range errs {
		if e != nil {
			failed++
			if first < 0 {
				first = i
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d tasks failed; the first, task %d: %v", failed, c.tasks, first, errs[first])
	}
	if why := w.verify(c); why != "" {
		return fmt.Errorf("result did not verify: %s", why)
	}
	own := w.fields(c, m)
	extra := []field{{"runtime", runtime.Version(), true}, {"startup_s", fmt.Sprintf("%.3f", startup), false},
		{"setup_s", fmt.Sprintf("%.6f", setupS), false}, {"base_rss_kib", fmt.Sprint(m.baseRSS), false},
		{"pool_prestarted", "false", false}}
	emit(c, m, w.predict(c), own, extra)
	return nil
}

// arm: --timeout, SIGTERM and SIGINT end the run: the children killed, one line, exit 1.
func arm(c *config, w workload) {
	ch := make(chan os.Signal, 1)
	for _, s := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		if !signal.Ignored(s) { // one that came ignored stays so, as in simul
			signal.Notify(ch, s)
		}
	}
	var timeout <-chan time.Time
	if c.timeout > 0 {
		timeout = time.After(time.Duration(c.timeout * float64(time.Second)))
	}
	go func() {
		why := ""
		select {
		case s := <-ch:
			why = "interrupted by " + s.String()
		case <-timeout:
			why = fmt.Sprintf("timed out after %g s: raise --timeout, or give fewer --tasks", c.timeout)
		}
		killChildren()
		fmt.Fprintf(os.Stderr, "go-simul: %s under %s: %s\n", c.workload, model, why)
		os.Exit(1)
	}()
}

// quantile: nearest rank, as simul's histogram reads it (but exact).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	k := int(math.Ceil(q * float64(len(s))))
	if k < 1 {
		k = 1
	}
	return s[k-1]
}

func cores() int { return runtime.GOMAXPROCS(0) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func firstLine(s string) string { return strings.SplitN(strings.TrimSpace(s), "\n", 2)[0] }
