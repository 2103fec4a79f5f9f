package bunstore_test

import (
	"context"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// sqlLog is a bun.QueryHook recording every statement a bun.DB sends (as
// sent, arguments formatted), BEGIN, COMMIT and ROLLBACK included: each is
// one round trip to the server.
type sqlLog struct {
	mu    sync.Mutex
	stmts []string
}

func (l *sqlLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *sqlLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	l.stmts = append(l.stmts, strings.TrimSpace(e.Query))
	l.mu.Unlock()
}

// take returns the statements recorded since the last take.
func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.stmts
	l.stmts = nil
	return out
}
