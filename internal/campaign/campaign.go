// Package campaign holds the campaign year (创先争优活动): campaigns over a
// subtree, their phases and required actions (规定动作), how actions are
// completed (by a record another feature registers, or by hand), and the
// unit × phase progress grid.
package campaign

import (
	"encoding/json"

	"chuangzheng/internal/db"
)

// Service holds the campaign use cases.
type Service struct {
	DB *db.DB
	// Kinds are the record kinds features registered (besides ManualKind).
	Kinds []Kind
	// Sources add other features' to-do items (meeting action items…).
	Sources []TodoSource
	// Calendars add other features' events (meetings) to calendars.
	Calendars []EventSource
	// (Days are counted in the DB's zone: db.DB.Today.)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
