package db

// SplitStatements exposes the migration splitter to the tests.
var SplitStatements = splitStatements

// QueuedBatch is how many Batch fns wait in the committer's queue.
func QueuedBatch(d *DB) int { return len(d.batch.ch) }

// SingleCommitter makes d run one committer (before its first Batch), so
// that calls queued while it is held all join its next transaction.
func SingleCommitter(d *DB) { d.batch.committers = 1 }

// SetPGCommitters sets how many committers PostgreSQL databases opened
// from now on run (benchmarks).
func SetPGCommitters(n int) { pgCommitters = n }
