package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
)

// The service's own schema (its sessions) is versioned like the SDK's, with
// bun/migrate, in tables of its own so the two histories never mix.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

const (
	migrationsTable = "server_migrations"
	migrationLocks  = "server_migration_locks"
)

func serviceMigrator(db *bun.DB) (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrationFiles); err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, ms, migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocks), migrate.WithMarkAppliedOnSuccess(true)), nil
}

// migrateService applies the service's own migrations.
func migrateService(ctx context.Context, db *bun.DB) error {
	m, err := serviceMigrator(db)
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return err
	}
	if err := m.Lock(ctx); err != nil {
		return fmt.Errorf("another process is migrating: %w", err)
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	_, err = m.Migrate(ctx)
	return err
}

// pendingService counts the service migrations not applied yet.
func pendingService(ctx context.Context, db *bun.DB) (int, error) {
	m, err := serviceMigrator(db)
	if err != nil {
		return 0, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return 0, err
	}
	return len(ms.Unapplied()), nil
}

// Session lifetimes: a session ends IdleTTL after its last use and at the
// latest AbsoluteTTL after the login.
//
// A request does not rewrite the session's row: last_used_at, the start of
// its idle window, is moved forward only when it is older than
// IdleTTL/touchFraction (under two minutes with the default 30 minutes), so
// a busy session costs one write every couple of minutes rather than one a
// request. The price: a session idle for IdleTTL ends, but one may end up
// to IdleTTL/touchFraction sooner than IdleTTL after its very last request.
const (
	DefaultIdleTTL     = 30 * time.Minute
	DefaultAbsoluteTTL = 12 * time.Hour
	touchFraction      = 16
)

// ErrNoSession is a missing, unknown, expired or revoked session token.
var ErrNoSession = errors.New("no valid session")

// sessions keeps login sessions in the server_sessions table. Only the
// SHA-256 of a token is stored: a database leak yields no usable token.
type sessions struct {
	store    *bunstore.Store
	clock    storage.Clock
	idle     time.Duration
	absolute time.Duration
}

// Session is a stored session.
type Session struct {
	Hash      string // hex SHA-256 of the token
	UserID    string
	ExpiresAt time.Time
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// idb is the transaction ctx carries on the store, or the database: session
// revocations run inside the SDK's transaction when a hook calls them.
func (s *sessions) idb(ctx context.Context) bun.IDB {
	if sc, ok := storage.ScopeFrom(ctx); ok && sc.Owner() == s.store {
		if tx, ok := sc.Tx().(bun.Tx); ok {
			return tx
		}
	}
	return s.store.DB()
}

// Create opens a session for userID and returns its token (256 random bits,
// base64url) — the only copy.
func (s *sessions) Create(ctx context.Context, userID string) (string, Session, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.clock.Now()
	sess := Session{Hash: hashToken(token), UserID: userID, ExpiresAt: now.Add(s.absolute).UTC()}
	_, err := s.idb(ctx).NewRaw("INSERT INTO server_sessions (token_hash, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		sess.Hash, userID, now.UnixMicro(), now.UnixMicro(), sess.ExpiresAt.UnixMicro()).Exec(ctx)
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// Lookup returns the live session of token, refreshing its idle deadline;
// an expired one is deleted and reported as ErrNoSession.
func (s *sessions) Lookup(ctx context.Context, token string) (Session, error) {
	h := hashToken(token)
	var userID string
	var lastUsed, expires int64
	err := s.idb(ctx).NewRaw("SELECT user_id, last_used_at, expires_at FROM server_sessions WHERE token_hash = ?", h).
		Scan(ctx, &userID, &lastUsed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	return s.live(ctx, h, userID, lastUsed, expires)
}

// sessionRow is a session as LookupIn reads it with the membership.
var sessionRow = bunstore.HostRow{Table: "server_sessions", Key: "token_hash", User: "user_id",
	Columns: []string{"user_id", "last_used_at", "expires_at"}}

// LookupIn is Lookup for a request acting in company: the one statement
// that reads the session also reads the membership its user acts through
// there (tenancy's, joined by the store: its own or its reseller's), from
// which the request's Actor is built. Neither is cached: a revoked session
// or a removed, deactivated or demoted member shows on the next request.
func (s *sessions) LookupIn(ctx context.Context, token, company string) (Session, bunstore.ActingMember, error) {
	h := hashToken(token)
	var m bunstore.ActingMember
	var userID string
	var lastUsed, expires int64
	err := s.store.ScanWithActingMember(ctx, sessionRow, h, company, &m, &userID, &lastUsed, &expires)
	if errors.Is(err, storage.ErrNotFound) {
		return Session{}, m, ErrNoSession
	}
	if err != nil {
		return Session{}, m, err
	}
	sess, err := s.live(ctx, h, userID, lastUsed, expires)
	return sess, m, err
}

// live checks a session row read by Lookup or LookupIn against the clock:
// an expired session is deleted (ErrNoSession); a live one's idle window
// is moved forward when its last touch is older than IdleTTL/touchFraction.
func (s *sessions) live(ctx context.Context, h, userID string, lastUsed, expires int64) (Session, error) {
	now := s.clock.Now()
	last := time.UnixMicro(lastUsed)
	if now.UnixMicro() >= expires || now.Sub(last) >= s.idle {
		if err := s.revoke(ctx, h); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(last) >= s.idle/touchFraction {
		if _, err := s.idb(ctx).NewRaw("UPDATE server_sessions SET last_used_at = ? WHERE token_hash = ? AND last_used_at < ?",
			now.UnixMicro(), h, now.UnixMicro()).Exec(ctx); err != nil {
			return Session{}, err
		}
	}
	return Session{Hash: h, UserID: userID, ExpiresAt: time.UnixMicro(expires).UTC()}, nil
}

func (s *sessions) revoke(ctx context.Context, hash string) error {
	_, err := s.idb(ctx).NewRaw("DELETE FROM server_sessions WHERE token_hash = ?", hash).Exec(ctx)
	return err
}

// RevokeUser ends every session of userID except keep (a token hash, or "").
func (s *sessions) RevokeUser(ctx context.Context, userID, keep string) (int64, error) {
	res, err := s.idb(ctx).NewRaw("DELETE FROM server_sessions WHERE user_id = ? AND token_hash <> ?", userID, keep).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Prune deletes expired sessions (absolute or idle); the service calls it on
// a ticker.
func (s *sessions) Prune(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	res, err := s.idb(ctx).NewRaw("DELETE FROM server_sessions WHERE expires_at <= ? OR last_used_at <= ?",
		now.UnixMicro(), now.Add(-s.idle).UnixMicro()).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
