// Package bootstrap makes a bare Debian, Ubuntu or RHEL-family host a
// Virtualmin server over SSH: install Virtualmin with its official installer,
// create a least-privilege API user, harden the host (firewall, fail2ban, a
// TLS certificate for Webmin) and check the server's health.
//
// Every step is idempotent and returns a StepResult saying whether it changed
// anything and what. Commands run through package sdk/ssh with every argument
// quoted for the remote shell, or as scripts sent on stdin; secrets (the API
// password) travel only on stdin and never appear in results, errors or logs.
//
// Every path a step touches is under a configurable root (WithRoot, "/" by
// default), so that tests can run the steps against a scratch directory.
//
// The host needs what a Virtualmin host has anyway: a POSIX sh with the
// usual core utilities, perl, openssl, ss (iproute2), curl or wget (only to
// download the installer), systemctl, and ufw or firewalld. The SSH user must
// be root.
package bootstrap

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// Well-known paths, relative to the root.
const (
	// InstalledMarker is the file Virtualmin's installer writes when it
	// finished; while it exists, the installer refuses to run (exit 100).
	InstalledMarker = "/etc/webmin/virtual-server/installed-auto"
	// WebminConfigDir is Webmin's configuration directory.
	WebminConfigDir = "/etc/webmin"
	// WebminKeyFile is where Webmin's TLS key and certificate live.
	WebminKeyFile = "/etc/webmin/miniserv.pem"
	// Fail2banJailFile is the jail file Harden writes.
	Fail2banJailFile = "/etc/fail2ban/jail.d/praho-webmin.local"
)

// StepResult is what one step did.
type StepResult struct {
	// Name is the step ("install", "api-user", "firewall", "fail2ban", "tls").
	Name string `json:"name"`
	// Changed is true when the step changed the host.
	Changed bool `json:"changed"`
	// Detail says what was done or found, in words; it never holds a secret.
	Detail string `json:"detail"`
}

// String implements fmt.Stringer.
func (r StepResult) String() string {
	state := "unchanged"
	if r.Changed {
		state = "changed"
	}
	return fmt.Sprintf("%s: %s: %s", r.Name, state, r.Detail)
}

// ErrInvalidOptions marks options refused before anything ran on the host.
var ErrInvalidOptions = errors.New("bootstrap: invalid options")

// StepError is a step that failed. It unwraps to the cause, often an
// *ssh.ExitError carrying the tail of the command's output.
type StepError struct {
	// Step is the step's name.
	Step string
	// Op says what the step was doing.
	Op string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *StepError) Error() string {
	return fmt.Sprintf("bootstrap %s: %s: %v", e.Step, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// Bootstrapper runs the steps on one host.
type Bootstrapper struct {
	ssh      *ssh.Client
	root     string
	log      *slog.Logger
	progress func(step, line string)
}

// Option configures a Bootstrapper. A nil Option is ignored.
type Option func(*Bootstrapper)

// WithRoot makes every path the steps touch relative to dir on the host
// (default "/"). Tests use a scratch directory.
func WithRoot(dir string) Option { return func(b *Bootstrapper) { b.root = dir } }

// WithLogger sets the logger (nil discards). Steps log at Info what they
// change and at Debug what they find; the installer's output goes at Debug.
func WithLogger(l *slog.Logger) Option { return func(b *Bootstrapper) { b.log = l } }

// WithProgress receives every line of output of long-running commands (the
// installer), for example to show progress in Terraform's logs.
func WithProgress(f func(step, line string)) Option {
	return func(b *Bootstrapper) { b.progress = f }
}

// New returns a Bootstrapper working through c. c may be nil for a
// Bootstrapper that only runs the health checks over the API.
func New(c *ssh.Client, opts ...Option) *Bootstrapper {
	b := &Bootstrapper{ssh: c, root: "/"}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b
}

// path returns p (absolute) under the root.
func (b *Bootstrapper) path(p string) string {
	return path.Join(b.root, p)
}

var errNoSSH = errors.New("no SSH connection")

// script runs a shell script (on stdin) with positional parameters and
// returns its standard output.
func (b *Bootstrapper) script(ctx context.Context, step, op, script string, args ...string) (string, error) {
	if b.ssh == nil {
		return "", &StepError{Step: step, Op: op, Err: errNoSSH}
	}
	res, err := b.ssh.Run(ctx, ssh.Command{Script: script, Args: args})
	if err != nil {
		return "", &StepError{Step: step, Op: op, Err: err}
	}
	return string(res.Stdout), nil
}

// lineWriter calls fn for every complete line written to it.
// It is safe for concurrent use (stdout and stderr share one).
type lineWriter struct {
	fn  func(string)
	mu  sync.Mutex
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.fn(strings.TrimRight(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.fn(string(w.buf))
		w.buf = nil
	}
}

// parseKV reads key=value lines (Webmin's configuration files).
func parseKV(s string) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	return kv
}

var _ io.Writer = (*lineWriter)(nil)
