// SPDX-License-Identifier: MIT
// options.go: go-simul's command line, shaped like `simul run WORKLOAD --model M [options]`.
package main

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

const maxTasks = 1000000

// An option: its kind ("int", "float", "str", "flag"), range, help, default ("" = none).
type option struct {
	name, kind string
	lo, hi     float64
	help, def  string
}

type config struct {
	workload     string
	tasks        int
	tasksGiven   bool
	limit, cores int
	timeout      float64
	format       string
	header       bool
	vals         map[string]string // the workload's options, as given or by default
	given        map[string]bool
}

var common = []option{
	{"model", "str", 0, 0, "go-goroutines: a goroutine per task (required)", ""},
	{"tasks", "int", 1, maxTasks, "tasks to run (default: the workload's, as simul)", ""},
	{"limit", "int", 1, maxTasks, "at most L tasks in flight: a buffered channel as semaphore", ""},
	{"cores", "int", 1, 65536, "cores the prediction assumes (default: GOMAXPROCS, this machine's)", ""},
	{"format", "str", 0, 0, "text, csv or json", "text"},
	{"no-header", "flag", 0, 0, "csv: omit the header line", ""},
	{"timeout", "float", 0.001, 1e6, "fail (exit 1, children killed) if the run takes longer", ""},
	{"gomaxprocs", "int", 1, 65536, "run the goroutines on P threads (runtime.GOMAXPROCS; default: the CPUs it may use)", ""},
}

// simul's options that mean nothing for goroutines, and what to do instead.
var refused = map[string]string{
	"workers":   "--workers sizes simul's pools; go-goroutines runs a goroutine per task: drop it, or use --limit",
	"gil":       "--gil is simul's emulation of CPython's lock; Go has none: drop it",
	"stack-kib": "--stack-kib sizes simul's coroutine stacks; goroutine stacks grow by themselves: drop it",
	"trace":     "--trace is not written by the peers: drop it, or run simul for a timeline",
}

func number(o option, text string) (float64, error) {
	what, span := "a number", fmt.Sprintf("%g to %g", o.lo, o.hi)
	if o.kind == "int" {
		what, span = "a whole number", fmt.Sprintf("%.0f to %.0f", o.lo, o.hi)
	}
	if text == "" {
		return 0, usagef("--%s is empty: give %s from %s", o.name, what, span)
	}
	if text[0] == '-' {
		return 0, usagef("--%s '%s' is negative: give %s from %s", o.name, text, what, span)
	}
	var v float64
	var err error
	if o.kind == "int" {
		var u uint64
		u, err = strconv.ParseUint(text, 10, 64)
		v = float64(u)
	} else if text[0] == '.' || (text[0] >= '0' && text[0] <= '9') {
		v, err = strconv.ParseFloat(text, 64)
	} else {
		err = fmt.Errorf("not a number")
	}
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, usagef("--%s '%s' is not %s: give one from %s", o.name, text, what, span)
	}
	if v < o.lo || v > o.hi {
		return 0, usagef("--%s '%s' is out of range: give %s from %s", o.name, text, what, span)
	}
	return v, nil
}

// parse: argv after `run`. A nil config and nil error mean --help was printed.
func parse(argv []string) (*config, workload, error) {
	names := strings.Join(workloadNames(), ", ")
	if len(argv) == 0 || strings.HasPrefix(argv[0], "-") {
		return nil, nil, usagef("name a workload first: one of %s", names)
	}
	mk, ok := workloads[argv[0]]
	if !ok {
		return nil, nil, usagef("unknown workload '%s': choose one of %s", argv[0], names)
	}
	w := mk()
	table := map[string]option{}
	for _, o := range append(append([]option{}, common...), w.options()...) {
		table[o.name] = o
	}
	c := &config{workload: argv[0], format: "text", header: true, cores: cores(), vals: map[string]string{},
		given: map[string]bool{}}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "--") {
			return c, nil, usagef("unexpected argument '%s'", a)
		}
		name, val, eq := strings.Cut(a[2:], "=")
		if name == "help" {
			help(w, argv[0])
			return nil, nil, nil
		}
		if why, no := refused[name]; no {
			return c, nil, usagef("%s", why)
		}
		o, known := table[name]
		if !known {
			return c, nil, usagef("unknown option '--%s' for workload %s", name, argv[0])
		}
		if o.kind == "flag" {
			if eq {
				return c, nil, usagef("--%s takes no value", name)
			}
			val = "true"
		} else if !eq {
			if i+1 >= len(argv) {
				return c, nil, usagef("--%s needs a value", name)
			}
			i++
			val = argv[i]
		}
		if o.kind == "int" || o.kind == "float" {
			if _, err := number(o, val); err != nil {
				return c, nil, err
			}
		}
		c.vals[name], c.given[name] = val, true
	}
	return c, w, finish(c, w)
}

func finish(c *config, w workload) error {
	if !c.given["model"] {
		return usagef("--model is missing: go-simul runs go-goroutines")
	}
	if c.vals["model"] != model {
		return usagef("unknown model '%s': go-simul runs go-goroutines (the Python peers: bench/peers/python/peer.py)", c.vals["model"])
	}
	if f := c.vals["format"]; f != "" {
		if f != "text" && f != "csv" && f != "json" {
			return usagef("--format '%s' is unknown: use text, csv or json", f)
		}
		c.format = f
	}
	c.header = !c.given["no-header"]
	c.tasks, c.tasksGiven = w.defaultTasks(), c.given["tasks"]
	if c.tasksGiven {
		c.tasks = c.int("tasks")
	}
	if c.given["limit"] {
		c.limit = c.int("limit")
	}
	if c.given["gomaxprocs"] { // before the run's set-up starts a goroutine, and the cores it assumes
		runtime.GOMAXPROCS(c.int("gomaxprocs"))
		c.cores = c.int("gomaxprocs")
	}
	if c.given["cores"] {
		c.cores = c.int("cores")
	}
	if c.given["timeout"] {
		c.timeout = c.float("timeout")
	}
	for _, o := range w.options() {
		if !c.given[o.name] && o.def != "" {
			c.vals[o.name] = o.def
		}
	}
	return nil
}

func (c *config) int(name string) int {
	v, _ := strconv.ParseUint(c.vals[name], 10, 64)
	return int(v)
}

func (c *config) float(name string) float64 {
	v, _ := strconv.ParseFloat(c.vals[name], 64)
	return v
}

// concurrency: tasks in flight at once, as simul's sim_run_concurrency for a task each.
func (c *config) concurrency() int {
	if c.limit > 0 && c.limit < c.tasks {
		return c.limit
	}
	return c.tasks
}

func help(w workload, name string) {
	fmt.Printf("usage: go-simul run %s --model go-goroutines [options]\n\n%s\n\noptions:\n", name, w.summary())
	for _, o := range append(append([]option{}, common...), w.options()...) {
		arg := map[string]string{"flag": "", "str": " S"}[o.kind]
		if o.kind == "int" || o.kind == "float" {
			arg = " X"
		}
		def := ""
		if o.def != "" {
			def = " (default " + o.def + ")"
		}
		fmt.Printf("  --%-18s %s%s\n", o.name+arg, o.help, def)
	}
	fmt.Println("\nexit status: 0 done and verified; 1 the run failed (one line on stderr says why);\n" +
		"2 the command line was wrong.")
}
