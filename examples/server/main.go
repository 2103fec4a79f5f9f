// Command server is Switchboard's reference service: a JSON API over the
// SDK's domains, as a platform would run it. It runs on an embedded SQLite
// file by default:
//
//	go run ./examples/server                       # 127.0.0.1:8080, a fresh temp directory
//	go run ./examples/server -data ./var -addr :9000
//	go run ./examples/server -db 'postgres://…'    # or mysql://…
//
// On start it migrates, prints its URL and the platform bootstrap token
// (-platform-token or SWITCHBOARD_PLATFORM_TOKEN; a random one is generated
// and printed when neither is given), and runs the host loops the SDK needs
// (outbox delivery, audit sealing, pause budgets, expired sessions) on
// tickers it stops on SIGINT/SIGTERM, after draining in-flight requests.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds how long in-flight requests may take to finish.
const shutdownGrace = 15 * time.Second

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", "", "directory of the SQLite file (default: a fresh temporary directory)")
	dsn := fs.String("db", "", "database server DSN (postgres://…, mysql://…); overrides -data")
	token := fs.String("platform-token", "", "platform bootstrap token (default: $SWITCHBOARD_PLATFORM_TOKEN, else a random one)")
	load := fs.Bool("loadtest", false, "run the load test against a service on loopback, print the figures and exit")
	loadCfg := loadConfig{}
	fs.IntVar(&loadCfg.Count, "loadtest-count", 2000, "load test: operations of each kind")
	fs.IntVar(&loadCfg.Workers, "loadtest-workers", 8, "load test: concurrent callers")
	fs.DurationVar(&loadCfg.Max, "loadtest-max", time.Minute, "load test: the run stops after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *load {
		*addr = "127.0.0.1:0" // loopback only, any free port
		// Thousands of request log lines would drown the figures: warnings and errors only.
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	if *token == "" {
		*token = getenv("SWITCHBOARD_PLATFORM_TOKEN")
	}
	generated := false
	if *token == "" {
		*token, generated = randomToken(), true
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "switchboard-server-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = "sqlite:" + filepath.Join(dir, "switchboard.db")
		_, _ = fmt.Fprintln(out, "database:", filepath.Join(dir, "switchboard.db"))
	}
	keys, err := sealKeys(getenv)
	if err != nil {
		return err
	}
	signer, verifier, err := auditKeys(getenv)
	if err != nil {
		return err
	}

	store, err := bunstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if err := Migrate(ctx, store); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	mailer := &devMailer{out: out, dir: filepath.Join(dir, "mail")}
	cfg := Config{Store: store, Keys: keys, Signer: signer, Verifier: verifier, Mailer: mailer, PlatformToken: *token, MailTester: dialTester{}}
	if *load {
		cfg.Clock = storage.NewManualClock(loadClock) // the same calling window on every run
	}
	srv, err := New(cfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context {
		return context.WithoutCancel(ctx) // requests in flight at shutdown finish; Shutdown waits for them
	}}
	_, _ = fmt.Fprintf(out, "switchboard server on http://%s (%s)\n", ln.Addr(), store.Dialect())
	if *load {
		return runLoadMode(ctx, out, srv, hs, ln, loadCfg)
	}
	_, _ = fmt.Fprintln(out, "development mailer: one file per message (0600) in", mailer.dir)
	if generated {
		_, _ = fmt.Fprintf(out, "platform token (generated; set SWITCHBOARD_PLATFORM_TOKEN to choose one): %s\n", *token)
	} else {
		_, _ = fmt.Fprintln(out, "platform token: from -platform-token / SWITCHBOARD_PLATFORM_TOKEN")
	}

	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var loops sync.WaitGroup
	loops.Go(func() { srv.RunLoops(loopCtx, DefaultLoops) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	select {
	case err = <-serveErr:
	case <-ctx.Done():
		_, _ = fmt.Fprintln(out, "shutting down: draining requests")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		err = hs.Shutdown(sctx)
		cancel()
	}
	stopLoops()
	loops.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sealKeys is the key provider sealing passwords and tokens in the outbox:
// SWITCHBOARD_SEAL_KEY (base64 of 32 bytes) in production — a KMS-backed
// storage.KeyProvider in a real deployment —, else a key generated for this
// process only (messages still pending at exit cannot be opened after a
// restart).
func sealKeys(getenv func(string) string) (storage.KeyProvider, error) {
	key := make([]byte, 32)
	if v := getenv("SWITCHBOARD_SEAL_KEY"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != 32 {
			return nil, errors.New("SWITCHBOARD_SEAL_KEY: want base64 of 32 bytes")
		}
		key = b
	} else {
		_, _ = rand.Read(key)
		slog.Warn("SWITCHBOARD_SEAL_KEY not set: outbox secrets are sealed with a key of this process only")
	}
	return storage.NewStaticKeys("k1", key)
}

// auditKeys signs checkpoints with SWITCHBOARD_AUDIT_KEY (base64 of an
// Ed25519 seed), else with a key of this process whose public half is logged.
func auditKeys(getenv func(string) string) (note.Signer, note.Verifier, error) {
	seed := make([]byte, ed25519.SeedSize)
	if v := getenv("SWITCHBOARD_AUDIT_KEY"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != ed25519.SeedSize {
			return nil, nil, errors.New("SWITCHBOARD_AUDIT_KEY: want base64 of a 32-byte Ed25519 seed")
		}
		seed = b
	} else {
		_, _ = rand.Read(seed)
	}
	key := ed25519.NewKeyFromSeed(seed)
	if getenv("SWITCHBOARD_AUDIT_KEY") == "" {
		slog.Warn("SWITCHBOARD_AUDIT_KEY not set: checkpoints are signed with a key of this process only",
			"public_key", base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)))
	}
	signer, err := audit.NewSigner(auditKeyName, key)
	if err != nil {
		return nil, nil, err
	}
	verifier, err := audit.NewVerifier(auditKeyName, key.Public().(ed25519.PublicKey))
	return signer, verifier, err
}

const auditKeyName = "switchboard-server"

// runLoadMode serves on ln while the load test runs, then shuts down.
func runLoadMode(ctx context.Context, out io.Writer, srv *Server, hs *http.Server, ln net.Listener, cfg loadConfig) error {
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	var b [6]byte
	_, _ = rand.Read(b[:])
	tn, err := newLoadTenant(ctx, srv, "loadtest-"+hex.EncodeToString(b[:])) // a database may keep earlier runs' companies
	if err == nil {
		err = runLoad(ctx, out, srv, "http://"+ln.Addr().String(), tn, cfg)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := hs.Shutdown(sctx); err == nil {
		err = serr
	}
	if serr := <-serveErr; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}

// devMailer is the development mailer. It prints to the program's output
// that a message was delivered, to whom and of which kind — never the
// secret it carries — and writes the whole message, secret included, to
// <dir>/<message id>.txt, readable by the service's user alone (0600, in
// a 0700 directory). Replace it with your mail service.
type devMailer struct {
	out io.Writer
	dir string
	mu  sync.Mutex // one writer to out at a time
}

func (m *devMailer) deliver(msgID, kind, to, body string) error {
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(m.dir, safeFileName(msgID)+".txt")
	if err := os.WriteFile(name, []byte("To: "+to+"\nKind: "+kind+"\n\n"+body+"\n"), 0o600); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := fmt.Fprintf(m.out, "mail delivered: %s to %s (message %s, in %s)\n", kind, to, msgID, name)
	return err
}

// safeFileName keeps letters, digits, '-' and '_' of an id.
func safeFileName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			b[i] = '_'
		}
	}
	return string(b)
}

func (m *devMailer) Credentials(_ context.Context, msgID string, c tenancy.Credentials) error {
	return m.deliver(msgID, "credentials", c.Email, "Your password is "+c.Password)
}

func (m *devMailer) PasswordReset(_ context.Context, msgID string, p tenancy.PasswordReset) error {
	return m.deliver(msgID, "password-reset", p.Email, fmt.Sprintf("Reset token %s, valid until %s", string(p.Token), p.ExpiresAt.Format(time.RFC3339)))
}

func (m *devMailer) Invitation(_ context.Context, msgID string, i tenancy.Invitation) error {
	return m.deliver(msgID, "invitation", i.Email, fmt.Sprintf("Register at /v1/registrations/%s with invitation %s, valid until %s",
		i.Slug, string(i.Token), i.ExpiresAt.Format(time.RFC3339)))
}

func (m *devMailer) EmailChange(_ context.Context, msgID string, c tenancy.EmailChangeRequest) error {
	return m.deliver(msgID, "email-change", c.NewEmail, fmt.Sprintf("Confirm your new address with token %s, valid until %s",
		string(c.Token), c.ExpiresAt.Format(time.RFC3339)))
}

func (m *devMailer) EmailChangeNotice(_ context.Context, msgID string, n tenancy.EmailChangeNotice) error {
	return m.deliver(msgID, "email-change-notice", n.OldEmail, fmt.Sprintf("Your login is changing to %s (confirmed: %v)", n.NewEmail, n.Confirmed))
}

// dialTester is the development mail-connection test: the server must
// accept a TCP connection on the host and port within five seconds. It
// does not log in; a production host tests the login too.
type dialTester struct{}

func (dialTester) TestMailConnection(ctx context.Context, c account.MailConnection) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
	if err != nil {
		return err
	}
	return conn.Close()
}
