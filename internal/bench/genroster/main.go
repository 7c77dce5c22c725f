// Command genroster writes a synthetic member roster (.xlsx) for the load
// test in docs/performance.md:
//
//	go run ./internal/bench/genroster -n 2000 -branch 市渔场 -o /tmp/roster2000.xlsx
//	chuangzheng import members /tmp/roster2000.xlsx --org 市渔场 --db …
package main

import (
	"flag"
	"fmt"
	"os"

	"chuangzheng/internal/bench"
)

func main() {
	n := flag.Int("n", 2000, "number of members")
	branch := flag.String("branch", "市渔场", "所在支部 of every row (an existing branch)")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same file)")
	out := flag.String("o", "roster.xlsx", "output file")
	flag.Parse()
	data, err := bench.XLSX(*n, *branch, *seed)
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genroster:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d members of %s to %s (%d bytes)\n", *n, *branch, *out, len(data))
}
