package evaluate_test

import (
	"sync/atomic"
	"testing"

	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/evaluate"
)

// BenchmarkCast is the service's ballot path on SQLite (synchronous FULL,
// one transaction per ballot until db.Batch group-commits): a slip code
// looked up on a reader, the answers checked against the cached
// questionnaire, one Batch writing marker and ballot. The HTTP benchmark
// against the reference server is h-ballot's (docs/performance.md).
// Slips come from one evaluation per demo branch (1000 each).
func BenchmarkCast(b *testing.B) {
	d := dbtest.SQLite(b)
	t := &testing.T{}
	f := newFixture(t, d)
	type slip struct {
		eval int64
		code string
	}
	var slips []slip
	for _, br := range demo.Branches {
		if len(slips) >= b.N {
			break
		}
		ids, err := f.s.Open(ctx, f.office, evaluate.OpenInput{CampaignID: f.campaign, UnitID: f.units[br.Name], Template: "branch",
			Public: map[string]int{evaluate.GroupPublic: evaluate.MaxPublic, evaluate.GroupServed: evaluate.MaxPublic}})
		if err != nil {
			b.Fatal(err)
		}
		_, ss, err := f.s.Slips(ctx, f.office, ids[0])
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range ss {
			if s.Group != evaluate.GroupParty {
				slips = append(slips, slip{ids[0], s.Code})
			}
		}
	}
	if len(slips) < b.N {
		b.Skipf("b.N=%d needs more slips than %d; use -benchtime=Nx", b.N, len(slips))
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s := slips[next.Add(1)-1]
			in := evaluate.BallotInput{Code: s.code, Org: map[string]string{"o1": "satisfied", "o2": "fairly", "o3": "basic", "o4": "unknown", "o5": "satisfied"}}
			if _, err := f.s.Cast(ctx, nil, s.eval, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
