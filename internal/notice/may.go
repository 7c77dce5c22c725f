package notice

// may.go is the one home of who may do what with a notice (公示):
//
//   - anyone, logged in or not, reads a unit's notices on its public board
//     and raises an objection while the notice is open (refused says when
//     it is not); the objector's name and contact stay private;
//   - those who manage the posting unit (its secretary, the office over
//     it, the administrator) post and withdraw its notices, read the
//     objectors' names and contacts, and answer objections.
//
// The services ask mayManage before every change, the managers' list uses
// its SQL twin (manageScope), and reads return the verdict
// (Notice.CanManage) so that pages show only what the service would honour.

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// mayManage: those who manage the posting unit.
func mayManage(a *org.Actor, u org.Unit) bool { return a.CanWrite(u) }

// manageScope is mayManage as SQL over notices n joined to their unit u.
func manageScope(a *org.Actor) org.Piece { return a.WriteScope("u") }

// manageable loads a notice and checks that a may manage it.
func manageable(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Notice, error) {
	if a == nil {
		return Notice{}, errNoActor
	}
	n, err := getNotice(ctx, tx, id)
	if err != nil {
		return n, err
	}
	u, err := unitOf(ctx, tx, n.UnitID)
	if err != nil {
		return n, err
	}
	if !mayManage(a, u) {
		return n, apperr.Deny()
	}
	n.CanManage = true
	return n, nil
}
