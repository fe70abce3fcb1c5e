package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

const (
	// DefaultTailSize is how much of the end of a command's output an
	// ExitError keeps.
	DefaultTailSize = 4096
	// MaxCapture bounds Result.Stdout and Result.Stderr; more output is
	// dropped and Result.Truncated set (stream with Command.Stdout instead).
	MaxCapture = 16 << 20
)

// Command is what Run executes: Args, or Script, optionally with Args as the
// script's positional parameters.
type Command struct {
	// Args is a program and its arguments. Each one is quoted with Quote for
	// the remote shell, so no value can inject shell syntax.
	Args []string
	// Script is POSIX shell code sent on stdin to "sh -s" (never on a command
	// line, so it does not show in the remote process list). With a Script,
	// Args are the script's positional parameters ($1...), and Stdin must be
	// nil.
	Script string
	// Stdin is sent to the command's standard input, then EOF. A read error
	// kills the command (it never sees a premature EOF).
	Stdin io.Reader
	// Stdout and Stderr receive the output as it arrives. When nil, the
	// output is captured in Result instead.
	Stdout, Stderr io.Writer
	// Env sets environment variables. With a Script they are set by the
	// script itself; with Args they are assignments on the command line,
	// visible in the remote process list: pass secrets on Stdin instead.
	Env map[string]string
	// Secrets are replaced by "[REDACTED]" in logs, in errors and in the
	// output tail of an ExitError.
	Secrets []string
	// TailSize is how many bytes of output an ExitError keeps; zero means
	// DefaultTailSize.
	TailSize int
}

// Result is a finished command's output.
type Result struct {
	// Stdout and Stderr hold the output when Command.Stdout or Command.Stderr
	// was nil (at most MaxCapture bytes each).
	Stdout, Stderr []byte
	// Truncated is set when captured output exceeded MaxCapture.
	Truncated bool
	// Duration is the command's run time as seen by the client.
	Duration time.Duration
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// build returns the remote command line, its description for logs and
// errors (secrets redacted), and what goes on stdin.
func (cmd *Command) build() (line, desc string, stdin io.Reader, err error) {
	invalid := func(format string, a ...any) error {
		return fmt.Errorf("%w: command: %s", ErrInvalidConfig, fmt.Sprintf(format, a...))
	}
	if cmd.Script == "" && len(cmd.Args) == 0 {
		return "", "", nil, invalid("neither Args nor Script given")
	}
	if cmd.Script != "" && cmd.Stdin != nil {
		return "", "", nil, invalid("a Script is sent on stdin: Stdin must be nil")
	}
	for _, a := range cmd.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return "", "", nil, invalid("an argument contains a NUL byte, which no remote command can receive")
		}
	}
	keys := make([]string, 0, len(cmd.Env))
	for k, v := range cmd.Env {
		if !envName.MatchString(k) {
			return "", "", nil, invalid("environment variable name %q is not a shell name", k)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return "", "", nil, invalid("environment variable %s contains a NUL byte", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var env, envDesc strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&env, "%s=%s ", k, Quote(cmd.Env[k]))
		fmt.Fprintf(&envDesc, "%s=... ", k)
	}

	// Secrets are redacted before quoting: quoting changes a secret holding
	// a single quote, which would then escape redaction.
	redactedArgs := make([]string, len(cmd.Args))
	for i, a := range cmd.Args {
		redactedArgs[i] = Redact(a, cmd.Secrets)
	}

	if cmd.Script != "" {
		line = "sh -s"
		if len(cmd.Args) > 0 {
			line += " -- " + QuoteArgs(cmd.Args)
		}
		var script strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&script, "%s=%s; export %s\n", k, Quote(cmd.Env[k]), k)
		}
		script.WriteString(cmd.Script)
		if !strings.HasSuffix(cmd.Script, "\n") {
			script.WriteString("\n")
		}
		desc = envDesc.String() + "sh -s"
		if len(cmd.Args) > 0 {
			desc += " -- " + QuoteArgs(redactedArgs)
		}
		desc += fmt.Sprintf(" (script of %d bytes on stdin)", len(cmd.Script))
		return line, desc, strings.NewReader(script.String()), nil
	}
	line = env.String() + QuoteArgs(cmd.Args)
	desc = envDesc.String() + QuoteArgs(redactedArgs)
	return line, desc, cmd.Stdin, nil
}

// Run runs cmd on the host and waits for it. Output streams to cmd.Stdout and
// cmd.Stderr as it arrives (or is captured in the Result). A non-zero exit
// status is an *ExitError carrying the tail of the output; the Result is
// returned with it. Cancelling ctx kills the command and closes its session.
func (c *Client) Run(ctx context.Context, cmd Command) (*Result, error) {
	line, desc, stdin, err := cmd.build()
	if err != nil {
		return nil, err
	}
	return c.run(ctx, line, desc, stdin, &cmd)
}

func (c *Client) run(ctx context.Context, line, desc string, stdin io.Reader, cmd *Command) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ssh: command %s on %s not started: %w", desc, c.addr, err)
	}
	start := time.Now()
	select {
	case c.sessions <- struct{}{}:
		defer func() { <-c.sessions }()
	case <-ctx.Done():
		return nil, fmt.Errorf("ssh: command %s on %s not started: waiting for a free session: %w", desc, c.addr, context.Cause(ctx))
	}
	sess, err := c.newSession(ctx)
	if err != nil {
		return nil, fmt.Errorf("ssh: new session on %s: %w", c.addr, err)
	}
	defer sess.Close()

	size := cmd.TailSize
	if size <= 0 {
		size = DefaultTailSize
	}
	// One lock for both streams: the tail keeps their interleaving, and a
	// caller may pass the same writer as Stdout and Stderr.
	var mu sync.Mutex
	tail := newTailBuffer(size, cmd.Secrets)
	errTail := newTailBuffer(size, cmd.Secrets)
	res := &Result{}
	outCap := &capBuffer{limit: MaxCapture}
	errCap := &capBuffer{limit: MaxCapture}
	outW := &lockedWriter{mu: &mu, w: io.MultiWriter(orWriter(cmd.Stdout, outCap), tail)}
	errW := &lockedWriter{mu: &mu, w: io.MultiWriter(orWriter(cmd.Stderr, errCap), tail, errTail)}
	sess.Stdout = outW
	pid := &pidFilter{w: errW}
	sess.Stderr = pid
	in, err := sess.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ssh: stdin for %s on %s: %w", desc, c.addr, err)
	}

	c.log.DebugContext(ctx, "ssh: run", "addr", c.addr, "command", desc)
	// The shell first reports its PID (the process group sshd made for the
	// session) so that a cancelled command can be killed: sshd refuses
	// "signal" requests on root logins, the usual case when bootstrapping.
	if err := sess.Start(pidMarkerCmd + line); err != nil {
		return nil, fmt.Errorf("ssh: start %s on %s: %w", desc, c.addr, err)
	}
	var ended atomic.Bool
	kill := func() {
		_ = sess.Signal(xssh.SIGKILL)
		// Only a session still running: once it ended, its PID may be reused.
		if p := pid.get(); p > 0 && !ended.Load() {
			c.killGroup(p)
		}
		_ = sess.Close()
	}
	stopCancel := context.AfterFunc(ctx, kill)
	readErr := make(chan error, 1)
	go func() {
		if stdin == nil {
			in.Close()
			readErr <- nil
			return
		}
		er := &errReader{r: stdin}
		_, _ = io.Copy(in, er)
		if er.err != nil {
			// Never send EOF after a failed read: the command would take the
			// partial input for the whole.
			readErr <- er.err
			kill()
			return
		}
		// A write error means the command stopped reading; its exit status
		// tells whether that was a failure.
		in.Close()
		readErr <- nil
	}()

	waited := make(chan error, 1)
	go func() {
		err := sess.Wait()
		ended.Store(true)
		waited <- err
	}()
	var werr error
	finished := true
	select {
	case werr = <-waited:
	case <-ctx.Done():
		// kill runs; give the session a moment to end so that no output
		// arrives after Run returned.
		select {
		case werr = <-waited:
		case <-time.After(cancelGrace):
			finished = false
		}
	}
	canceled := !stopCancel()
	res.Duration = time.Since(start)
	var tailText, errTailText string
	var writeErr error
	if finished {
		pid.flush()
		mu.Lock()
		res.Stdout, res.Stderr = outCap.Bytes(), errCap.Bytes()
		res.Truncated = outCap.dropped || errCap.dropped
		tailText, errTailText = mergeTails(tail.String(), errTail.String(), size), errTail.String()
		writeErr = errors.Join(outW.err, errW.err)
		mu.Unlock()
	}

	var rerr error
	select {
	case rerr = <-readErr:
	default:
	}
	var exitErr *xssh.ExitError
	var missing *xssh.ExitMissingError
	switch {
	case canceled:
		err = fmt.Errorf("ssh: command %s on %s cancelled: %w", desc, c.addr, context.Cause(ctx))
	case rerr != nil:
		err = fmt.Errorf("ssh: command %s on %s killed: reading its stdin failed: %w", desc, c.addr, rerr)
	case werr == nil && writeErr != nil:
		err = fmt.Errorf("ssh: command %s on %s: writing its output: %w", desc, c.addr, writeErr)
	case werr == nil:
		c.log.DebugContext(ctx, "ssh: command done", "addr", c.addr, "command", desc, "status", 0, "elapsed", res.Duration.Round(time.Millisecond))
		return res, nil
	case errors.As(werr, &exitErr):
		err = &ExitError{Addr: c.addr, Command: desc, Status: exitErr.ExitStatus(), Signal: exitErr.Signal(), Tail: tailText, StderrTail: errTailText}
		if exitErr.Signal() != "" && exitErr.ExitStatus() == 0 {
			err.(*ExitError).Status = -1
		}
	case errors.As(werr, &missing):
		err = fmt.Errorf("%w: %s on %s; last output:\n%s", ErrExitMissing, desc, c.addr, tailText)
	default:
		err = fmt.Errorf("ssh: command %s on %s: %w", desc, c.addr, werr)
	}
	c.log.DebugContext(ctx, "ssh: command failed", "addr", c.addr, "command", desc, "error", Redact(err.Error(), cmd.Secrets), "elapsed", res.Duration.Round(time.Millisecond))
	return res, err
}

// Upload writes the content of r to remotePath with the given permissions
// (zero means 0600). The path is quoted with Quote and the content goes on
// stdin, never on a command line. The file is written next to remotePath
// under a temporary name (umask 077) and renamed into place only once its size
// matches what was sent, so remotePath never holds a partial file.
func (c *Client) Upload(ctx context.Context, remotePath string, mode os.FileMode, r io.Reader) error {
	if remotePath == "" || strings.IndexByte(remotePath, 0) >= 0 {
		return fmt.Errorf("%w: upload path %q: empty or contains a NUL byte", ErrInvalidConfig, remotePath)
	}
	if mode == 0 {
		mode = 0o600
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("ssh: upload: %w", err)
	}
	tmp := Quote(remotePath + ".upload-" + hex.EncodeToString(rnd[:]))
	dst := Quote(remotePath)
	desc := "upload to " + dst

	cr := &countingReader{r: r}
	if _, err := c.run(ctx, "umask 077 && cat > "+tmp, desc, cr, &Command{}); err != nil {
		c.removeQuietly(ctx, tmp)
		return fmt.Errorf("ssh: upload to %s on %s: %w", dst, c.addr, err)
	}
	commit := fmt.Sprintf(`if [ $(wc -c < %[1]s) -eq %[2]d ] && chmod %04[3]o -- %[1]s && mv -f -- %[1]s %[4]s; then exit 0; fi
rm -f -- %[1]s
echo "upload incomplete or not renamed: expected %[2]d bytes" >&2
exit 1`, tmp, cr.n, uint32(mode.Perm()), dst)
	if _, err := c.run(ctx, commit, desc+" (commit)", nil, &Command{}); err != nil {
		return fmt.Errorf("ssh: upload to %s on %s: %w", dst, c.addr, err)
	}
	return nil
}

// removeQuietly deletes a temporary file even if ctx was cancelled.
func (c *Client) removeQuietly(ctx context.Context, quotedPath string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, _ = c.run(ctx, "rm -f -- "+quotedPath, "remove "+quotedPath, nil, &Command{})
}

// newSession opens a session, retrying for a while when sshd refuses it: sshd
// counts a session against its MaxSessions until it has processed the close,
// a moment after the previous Run returned.
func (c *Client) newSession(ctx context.Context) (*xssh.Session, error) {
	waitCtx, cancel := context.WithTimeout(ctx, sessionRetry)
	defer cancel()
	var sess *xssh.Session
	hooks := retry.Hooks{OnRetry: func(_ int, _ time.Duration, err error) {
		c.log.DebugContext(ctx, "ssh: session refused, retrying", "addr", c.addr, "error", err.Error())
	}}
	_, err := retry.Do(waitCtx, retry.Policy{MinBackoff: 20 * time.Millisecond, MaxBackoff: time.Second}, hooks, func(int) (bool, error) {
		var err error
		sess, err = c.conn.NewSession()
		var oce *xssh.OpenChannelError
		return errors.As(err, &oce) && oce.Reason == xssh.ConnectionFailed, err
	})
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w (last error: %v)", context.Cause(ctx), err)
	}
	return sess, err
}

// sessionRetry bounds how long newSession retries a refused session.
const sessionRetry = 30 * time.Second

// pidMarkerCmd makes the remote shell print its PID on stderr before the
// command; pidFilter takes that line out of the output.
const pidMarkerCmd = `printf 'praho-ssh-pid:%s\n' "$$" >&2; `

// cancelGrace is how long a cancelled Run waits for the killed session to end.
const cancelGrace = 10 * time.Second

// killGroup kills the process group of a cancelled command from a new
// session; best effort, bounded in time.
func (c *Client) killGroup(pid int) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err := c.conn.NewSession()
		if err != nil {
			return
		}
		defer s.Close()
		err = s.Run(fmt.Sprintf("kill -s KILL -- -%d", pid))
		c.log.Debug("ssh: killed cancelled command", "addr", c.addr, "pgid", pid, "error", fmt.Sprint(err))
	}()
	select {
	case <-done:
	case <-time.After(cancelGrace):
	}
}

// pidFilter removes the PID line pidMarkerCmd prints from the start of
// stderr and remembers the PID.
type pidFilter struct {
	w    io.Writer
	mu   sync.Mutex
	buf  []byte
	done bool
	pid  int
}

func (f *pidFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return f.w.Write(p)
	}
	f.buf = append(f.buf, p...)
	i := bytes.IndexByte(f.buf, '\n')
	if i < 0 && len(f.buf) < 64 {
		f.mu.Unlock()
		return len(p), nil
	}
	rest := f.buf
	if i >= 0 {
		if v, ok := strings.CutPrefix(string(f.buf[:i]), "praho-ssh-pid:"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				f.pid = n
				rest = f.buf[i+1:]
			}
		}
	}
	f.done, f.buf = true, nil
	f.mu.Unlock()
	if len(rest) > 0 {
		if _, err := f.w.Write(rest); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush passes on what was held back (a shell that died before its first
// newline).
func (f *pidFilter) flush() {
	f.mu.Lock()
	rest := f.buf
	f.done, f.buf = true, nil
	f.mu.Unlock()
	if len(rest) > 0 {
		_, _ = f.w.Write(rest)
	}
}

func (f *pidFilter) get() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pid
}

// mergeTails makes sure the combined tail ends with the end of stderr, where
// the reason for a failure usually is. x/crypto delivers stdout and stderr
// through separate buffers, so after a burst of stdout the last stderr lines
// may sit before it in the combined tail, or have been pushed out of it.
func mergeTails(combined, stderr string, size int) string {
	last := lastLine(strings.TrimRight(stderr, "\n"))
	if last == "" || strings.HasSuffix(strings.TrimRight(combined, "\n"), last) {
		return combined
	}
	errPart := stderr
	if len(errPart) > size/2 {
		errPart = errPart[len(errPart)-size/2:]
	}
	// Drop the stderr bytes already in the combined tail, then keep as much
	// of the rest as fits before them.
	if i := strings.LastIndex(combined, errPart); i >= 0 {
		combined = combined[:i] + combined[i+len(errPart):]
	}
	if room := size - len(errPart); len(combined) > room {
		combined = combined[len(combined)-room:]
	}
	if combined != "" && !strings.HasSuffix(combined, "\n") {
		combined += "\n"
	}
	return combined + errPart
}

func orWriter(w io.Writer, fallback io.Writer) io.Writer {
	if w != nil {
		return w
	}
	return fallback
}

// lockedWriter serialises writes. A failing writer does not stop the
// session (it would stall the remote command once the SSH window is full):
// its first error is kept and later output discarded.
type lockedWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	err error
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		if _, err := l.w.Write(p); err != nil {
			l.err = err
		}
	}
	return len(p), nil
}

// capBuffer captures up to limit bytes and drops the rest.
type capBuffer struct {
	buf     bytes.Buffer
	limit   int
	dropped bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.buf.Len(); room < len(p) {
		b.dropped = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *capBuffer) Bytes() []byte { return b.buf.Bytes() }

// errReader remembers a read error other than EOF.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
