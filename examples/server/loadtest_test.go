package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/tenancy"
)

// The load test runs end to end with a tiny count and reports every
// operation and both ratios.
func TestLoadTestMode(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-loadtest", "-loadtest-count", "4", "-loadtest-workers", "2", "-data", t.TempDir(), "-platform-token", "load-test-token-0123456789"}
	if err := run(context.Background(), args, &out, func(string) string { return "" }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"check/http", "check/sdk", "reserve+complete/http", "reserve+complete/sdk",
		"check HTTP/in-process:", "reserve+complete HTTP/in-process:"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in\n%s", want, out.String())
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) == 5 && strings.Contains(f[0], "/") && f[1] != "4" {
			t.Fatalf("%s: %s done, want 4\n%s", f[0], f[1], out.String())
		}
	}
}

// The development mailer prints who got which kind of message, never the
// secret; the message itself is in a file only the service's user reads.
func TestDevMailerKeepsSecretsOffStdout(t *testing.T) {
	var out bytes.Buffer
	m := &devMailer{out: &out, dir: filepath.Join(t.TempDir(), "mail")}
	const secret = "s3cret-Passw0rd"
	if err := m.Credentials(context.Background(), "msg-1", tenancy.Credentials{Email: "a@example.com", Password: secret}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) || !strings.Contains(out.String(), "credentials to a@example.com") {
		t.Fatalf("stdout: %q", out.String())
	}
	name := filepath.Join(m.dir, "msg-1.txt")
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if di, err := os.Stat(m.dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v %v", di.Mode(), err)
	}
	if b, _ := os.ReadFile(name); !strings.Contains(string(b), secret) {
		t.Fatalf("message file: %q", b)
	}
}
