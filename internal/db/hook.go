package db

import "context"

type beforeCommitKey struct{}

// BeforeCommit returns a context that carries fn: every read-write
// transaction opened with it (Update) runs fn inside itself just before
// committing, so fn's writes commit, or roll back, with the use case's.
// The web layer uses it to note, in the same transaction, that a request
// carrying an Idempotency-Key has written something.
func BeforeCommit(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) context.Context {
	return context.WithValue(ctx, beforeCommitKey{}, fn)
}

func beforeCommit(ctx context.Context) func(ctx context.Context, tx *Tx) error {
	fn, _ := ctx.Value(beforeCommitKey{}).(func(ctx context.Context, tx *Tx) error)
	return fn
}
