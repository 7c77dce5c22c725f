// Package jobs runs background jobs stored in the database: it survives
// restarts and is safe with several instances on one database.
package jobs

import "chuangzheng/internal/db"

// Runner claims and runs due jobs.
type Runner struct {
	DB *db.DB
}
