// SPDX-License-Identifier: MIT
// simul.go: what go-simul borrows from the simul binary: its loopback server, and sleep's and chess's predictions.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var children struct {
	sync.Mutex
	procs []*os.Process
}

func killChildren() {
	children.Lock()
	defer children.Unlock()
	for _, p := range children.procs {
		_ = p.Kill()
	}
}

// simulBinary: $SIMUL, else the simul beside this executable (both are in build/).
func simulBinary(why string) (string, error) {
	paths := []string{os.Getenv("SIMUL")}
	if exe, err := os.Executable(); err == nil {
		paths = append(paths, filepath.Join(filepath.Dir(exe), "simul"))
	}
	for _, p := range paths {
		if st, err := os.Stat(p); p != "" && err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s needs the simul binary: run `make build`, or set SIMUL=/path/to/simul", why)
}

// simulPredict: `simul predict ARGS --format csv` as a map, and its column order; its exit 2 is ours.
func simulPredict(args []string) (map[string]string, []string, error) {
	bin, err := simulBinary("the prediction")
	if err != nil {
		return nil, nil, err
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, append(append([]string{"predict"}, args...), "--format", "csv")...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return nil, nil, usagef("%s", strings.TrimPrefix(firstLine(errb.String()), "simul predict: "))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("simul predict failed: %s", firstLine(errb.String()+" "+err.Error()))
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 {
		return nil, nil, fmt.Errorf("simul predict printed no record")
	}
	m := map[string]string{}
	for i, k := range rows[0] {
		m[k] = rows[1][i]
	}
	return m, rows[0], nil
}

// predictWaves: simul's prediction of a run whose time is its waves alone (sleep): the same N
// tasks in waves of this run's concurrency C (all, or --limit), as simul's eventloop with
// --limit C predicts them. The formula lives in simul alone; every peer asks it.
func predictWaves(c *config, workload string, options ...string) (float64, error) {
	args := []string{workload, "--model", "eventloop", "--tasks", strconv.Itoa(c.tasks)}
	if n := c.concurrency(); n < c.tasks {
		args = append(args, "--limit", strconv.Itoa(n))
	}
	rec, _, err := simulPredict(append(args, options...))
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(rec["predicted_s"], 64)
}

type server struct {
	cmd *exec.Cmd
	url string
}

// startServer: a `simul serve` on a free loopback port; it dies with us (Pdeathsig).
func startServer(latencyMS, bodyBytes int) (*server, error) {
	bin, err := simulBinary("fetch without --url")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--port", "0", "--latency-ms", fmt.Sprint(latencyMS), "--bytes", fmt.Sprint(bodyBytes))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start simul serve: %v", err)
	}
	children.Lock()
	children.procs = append(children.procs, cmd.Process)
	children.Unlock()
	s := &server{cmd: cmd}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(pipe).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case s.url = <-line:
	case <-time.After(10 * time.Second):
	}
	if !strings.HasPrefix(s.url, "http://") {
		s.stop()
		return nil, fmt.Errorf("the simul serve we started did not report its address: run `simul serve --port 0` by hand to see why")
	}
	return s, nil
}

// stop: after the record's getrusage, so the server's CPU stays out of our figures.
func (s *server) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
