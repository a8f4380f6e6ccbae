// SPDX-License-Identifier: MIT
// list.go: go-simul list (its model and workloads, as `simul list`) and go-simul predict (set-up and prediction only).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
)

// The one model, with what the bench's harness asks of each (the fields of `simul list`):
// a goroutine per task, neither serial nor a pool, parallel (GOMAXPROCS threads run them), no GIL.
var modelInfo = map[string]any{
	"name": model, "summary": "a goroutine per task and a sync.WaitGroup; net/http, time.Sleep; --limit a buffered channel",
	"detail": "M:N: the Go scheduler runs the goroutines on GOMAXPROCS threads", "pool": false, "serial": false,
	"parallel": true, "default_workers": 0, "workers_kind": "none", "gil": false, "stack_kib": false,
	// Its own family in the charts; the capability words a sweep selects by (bench/harness/sweeps.py).
	"family": "goroutines", "caps": []string{"concurrent", "per-task", "parallel"},
}

// listModels: `go-simul list [--format text|json]`; the exit status.
func listModels(args []string) int {
	format := "text"
	switch {
	case len(args) == 0:
	case len(args) == 2 && args[0] == "--format" && (args[1] == "json" || args[1] == "text"):
		format = args[1]
	case len(args) == 1 && (args[0] == "--format=json" || args[0] == "--format=text"):
		format = args[0][len("--format="):]
	default:
		fmt.Fprintf(os.Stderr, "go-simul list: want [--format text|json], not '%v'\n", args)
		return 2
	}
	m := map[string]any{"runtime": runtime.Version()}
	for k, v := range modelInfo {
		m[k] = v
	}
	names := workloadNames()
	ws := []map[string]any{}
	for _, name := range names {
		w := workloads[name]()
		ws = append(ws, map[string]any{"name": name, "summary": firstLine(w.summary()), "default_tasks": w.defaultTasks()})
	}
	if format == "text" {
		fmt.Printf("models:\n  %-18s %s\nworkloads:\n", model, m["summary"])
		for _, w := range ws {
			fmt.Printf("  %-18s %s\n", w["name"], w["summary"])
		}
		return 0
	}
	m["workloads"] = names
	b, _ := json.Marshal(map[string]any{"models": []any{m}, "workloads": ws})
	fmt.Println(string(b))
	return 0
}

// workloadNames: the workloads go-simul runs, sorted.
func workloadNames() []string {
	names := make([]string, 0, len(workloads))
	for name := range workloads {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// predictOnly: the run's set-up (a server, a calibration) and its prediction, nothing timed.
func predictOnly(c *config, w workload) error {
	defer w.teardown()
	if err := w.setup(c); err != nil {
		return err
	}
	p := w.predict(c)
	cols := []field{{"workload", c.workload, true}, {"model", model, true}, {"tasks", fmt.Sprint(c.tasks), false},
		{"workers", "0", false}, {"predicted_s", fmt.Sprintf("%.6f", p), false},
		{"limit", fmt.Sprint(c.limit), false}, {"gil", "false", false}, {"runtime", runtime.Version(), true}}
	write(c, cols, fmt.Sprintf("%s under %s: %d tasks, predicted %.3f s\n", c.workload, model, c.tasks, p))
	return nil
}
