//go:build pprof

package main

// Built with -tags pprof (for profiling only, never in a release), the
// server also answers net/http/pprof on CHUANGZHENG_PPROF (e.g.
// 127.0.0.1:6060).

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("CHUANGZHENG_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
