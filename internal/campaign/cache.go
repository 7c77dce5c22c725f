package campaign

import (
	"context"
	"sync"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// GridCache keeps, per campaign, the last read of what the progress grid
// is computed from (units, members, records, completions, owners), so the
// grid page, every home page's 本周待办, cell pages and reminders do not
// read the whole campaign again on each request. A read is reused while
// nothing it rests on has changed: the campaign's records version (bumped
// by every record, withdrawal and completion of the campaign), the audit
// log's latest entry (every change of the tree, roster, roles, liaisons and
// the campaign's plan is audited in its own transaction) and the day and
// zone the statuses are counted in. One instance is shared by the
// application's services; a nil cache reads every time.
type GridCache struct {
	mu    sync.Mutex
	grids map[int64]cachedGrid
}

// NewGridCache returns an empty cache.
func NewGridCache() *GridCache { return &GridCache{grids: map[int64]cachedGrid{}} }

type gridKey struct {
	version, audit int64
	today          civil.Date
	zone           string
}

type cachedGrid struct {
	key      gridKey
	g        *gridData // nil until read
	timeline []Point   // nil until read
}

// maxCachedGrids bounds the cache (campaigns of a province's installation).
const maxCachedGrids = 64

// bump marks a campaign's records changed, inside the writing transaction.
func bump(ctx context.Context, tx *db.Tx, campaignID int64) error {
	_, err := tx.Exec(ctx, `UPDATE campaigns SET records_version = records_version + 1 WHERE id = ?`, campaignID)
	return err
}

// key is what the campaign's cached data rests on, read in the request's transaction.
func (s *Service) key(ctx context.Context, tx *db.Tx, id int64) (gridKey, error) {
	var k gridKey
	err := tx.QueryRow(ctx, `SELECT records_version, (SELECT COALESCE(MAX(id), 0) FROM audit_log) FROM campaigns WHERE id = ?`, id).
		Scan(&k.version, &k.audit)
	k.today, k.zone = s.today(), s.zone().String()
	return k, err
}

// cached returns the entry of campaign id for key k (a new, empty one when
// the cached entry rests on another key), and keeps it.
func (c *GridCache) entry(id int64, k gridKey) cachedGrid {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.grids[id]
	if ok && e.key == k {
		return e
	}
	return cachedGrid{key: k}
}

func (c *GridCache) store(id int64, e cachedGrid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.grids[id]; ok && old.key == e.key { // keep what another request added
		if e.g == nil {
			e.g = old.g
		}
		if e.timeline == nil {
			e.timeline = old.timeline
		}
	}
	if _, ok := c.grids[id]; !ok && len(c.grids) >= maxCachedGrids {
		for cid := range c.grids { // drop any one; campaigns in use come back
			delete(c.grids, cid)
			break
		}
	}
	c.grids[id] = e
}

// campaignData is the grid's data for the whole campaign: from the cache
// when nothing has changed since it was read, else read (and kept). The
// data is never changed after it is read, so requests share it.
func (s *Service) campaignData(ctx context.Context, tx *db.Tx, id int64) (*gridData, error) {
	if s.Cache == nil {
		return s.readGrid(ctx, tx, id, 0)
	}
	k, err := s.key(ctx, tx, id)
	if err != nil {
		return s.readGrid(ctx, tx, id, 0) // not found and other errors are read's to report
	}
	e := s.Cache.entry(id, k)
	if e.g != nil {
		return e.g, nil
	}
	if e.g, err = s.readGrid(ctx, tx, id, 0); err != nil {
		return nil, err
	}
	s.Cache.store(id, e)
	return e.g, nil
}

// cachedTimeline is the completion chart's points of the campaign, from the
// cache when nothing has changed, else built by read (and kept).
func (s *Service) cachedTimeline(ctx context.Context, tx *db.Tx, id int64, read func() ([]Point, error)) ([]Point, error) {
	if s.Cache == nil {
		return read()
	}
	k, err := s.key(ctx, tx, id)
	if err != nil {
		return read()
	}
	e := s.Cache.entry(id, k)
	if e.timeline != nil {
		return e.timeline, nil
	}
	if e.timeline, err = read(); err != nil {
		return nil, err
	}
	if e.timeline == nil {
		e.timeline = []Point{}
	}
	s.Cache.store(id, e)
	return e.timeline, nil
}

// scopedData is the grid's data for a subtree (0: the whole campaign):
// the whole campaign's cached data when there is a cache, else a read of
// the subtree alone.
func (s *Service) scopedData(ctx context.Context, tx *db.Tx, id, scope int64) (*gridData, error) {
	if s.Cache != nil {
		g, err := s.campaignData(ctx, tx, id)
		if err != nil || scope == 0 {
			return g, err
		}
		if _, ok := g.tree.ByID[scope]; !ok {
			// Not in the campaign (or closed since): let the read say so.
			return s.readGrid(ctx, tx, id, scope)
		}
		return g, nil
	}
	return s.readGrid(ctx, tx, id, scope)
}
