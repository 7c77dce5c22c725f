package notify

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/org"
)

// Failures is what the preferences page shows the administrator: the
// deliveries and jobs that gave up. May is false (and the lists empty)
// for everyone else.
type Failures struct {
	May        bool
	Deliveries []Delivery
	Jobs       []jobs.Info
}

// maySeeFailures: only the administrator sees failed deliveries and jobs
// (they name every unit's hooks and every queue).
func maySeeFailures(a *org.Actor) bool { return a.IsAdmin() }

// Failures returns up to limit failed deliveries and failed jobs when the
// actor may see them.
func (s *Service) Failures(ctx context.Context, a *org.Actor, limit int) (Failures, error) {
	if !maySeeFailures(a) {
		return Failures{}, nil
	}
	var f Failures
	var err error
	f.May = true
	if f.Deliveries, err = s.FailedDeliveries(ctx, a, limit); err != nil {
		return f, err
	}
	if f.Jobs, err = jobs.ListFailed(ctx, s.DB, limit); err != nil {
		return f, apperr.Wrap(err, "failed jobs")
	}
	return f, nil
}
