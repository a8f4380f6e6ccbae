// SPDX-License-Identifier: MIT
// go.mod: go-simul, the Go peer; the standard library only, so it builds offline.
module simul/peers/go

go 1.19
