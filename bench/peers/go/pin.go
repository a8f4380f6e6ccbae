// SPDX-License-Identifier: MIT
// pin.go: --pin: the whole process on one CPU, as `taskset -c` would put it there (spawn, switch).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

type cpuSet [16]uint64 // 1024 CPUs, the kernel's default cpu_set_t

func affinity(tid int, set *cpuSet, get bool) error {
	call := uintptr(syscall.SYS_SCHED_SETAFFINITY)
	if get {
		call = syscall.SYS_SCHED_GETAFFINITY
	}
	_, _, e := syscall.RawSyscall(call, uintptr(tid), unsafe.Sizeof(*set), uintptr(unsafe.Pointer(set)))
	if e != 0 {
		return e
	}
	return nil
}

// pinProcess: every thread of the process on the lowest CPU it may use, and GOMAXPROCS 1, as
// a Go program started under taskset -c sees one CPU. Linux sets affinity per thread, and a
// new thread inherits its creator's: each thread the runtime has now is set (twice over, for
// one started meanwhile), and every later one starts pinned. Returns that CPU.
func pinProcess() (int, error) {
	var have, one cpuSet
	if err := affinity(0, &have, true); err != nil {
		return -1, fmt.Errorf("cannot read the CPUs this process may use: %v", err)
	}
	cpu := -1
	for i := 0; i < len(have)*64 && cpu < 0; i++ {
		if have[i/64]&(1<<(i%64)) != 0 {
			cpu = i
		}
	}
	if cpu < 0 {
		return -1, fmt.Errorf("the kernel lists no CPU this process may use")
	}
	one[cpu/64] = 1 << (cpu % 64)
	runtime.GOMAXPROCS(1)
	for pass := 0; pass < 2; pass++ {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return -1, fmt.Errorf("cannot list this process's threads: %v", err)
		}
		for _, e := range ents {
			tid, _ := strconv.Atoi(e.Name())
			if err := affinity(tid, &one, false); err != nil && err != syscall.ESRCH { // ESRCH: it has ended
				return -1, fmt.Errorf("cannot pin thread %d to CPU %d: %v", tid, cpu, err)
			}
		}
	}
	return cpu, nil
}

// pinned: --pin's two record fields, from the CPU pinProcess gave (or -1).
func pinned(cpu int) []field {
	return []field{{"pinned", fmt.Sprint(cpu >= 0), false}, {"cpu", fmt.Sprint(cpu), false}}
}
