//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // profiling builds only: go build -tags pprof
	"os"
)

// A profiling build serves net/http/pprof on WARDEN_PPROF_ADDR (loopback only).
func init() {
	if addr := os.Getenv("WARDEN_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
