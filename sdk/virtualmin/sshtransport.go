package virtualmin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// The break-glass transport: when Webmin's remote API is down (miniserv
// stopped, port 10000 firewalled, a broken certificate), the same operations
// run as `virtualmin <program> --flag value ...` over SSH. remote.cgi does
// nothing else: it turns the form fields into these argv words, runs the
// program and converts its text output into JSON (json-lib.pl's
// convert_remote_format). This transport does that conversion on the client,
// with the same rules, and hands the result to the same parser, so results,
// typed errors and policies (rate limit, calls in flight, breakers, timeouts,
// retries) are those of the HTTPS transport.

// DefaultSSHCommand is the virtualmin command the SSH transport runs unless
// SSHTransportOptions.Command says otherwise. Virtualmin's post-install step
// writes it to /usr/sbin/virtualmin, on root's PATH.
const DefaultSSHCommand = "virtualmin"

// SSHTransportOptions configures the SSH transport.
type SSHTransportOptions struct {
	// Command is the virtualmin command on the host: a name looked up on the
	// remote PATH or an absolute path. Empty means DefaultSSHCommand.
	Command string
	// Sudo runs the command through "sudo -n" (never prompting), for a login
	// user other than root: the virtualmin command refuses to run as anyone
	// but root.
	Sudo bool
}

// WithSSHTransport makes the client run every program through the virtualmin
// command over an established SSH connection instead of calling remote.cgi
// over HTTPS. The caller owns c (and closes it). Every argument is quoted for
// the remote shell, so no value can inject shell syntax; a password given to
// create-domain, modify-domain, create-user or modify-user never appears on a
// command line: it travels on stdin into a temporary file (mode 0600, removed
// when the program ends) passed with --passfile. Other secret parameters
// (such as a MySQL password) are passed as arguments and redacted from logs
// and errors only.
//
// Writes run detached from the SSH session (in a session of their own, with
// setsid from util-linux, present on Debian, Ubuntu and RHEL hosts): if the
// call is cancelled, times out or the connection drops, the program still runs
// to completion on the host (as it does when an HTTP client goes away), and
// the call fails with KindUnknownOutcome. Reads are killed instead.
//
// The virtualmin command runs only as root: log in as root or set
// SSHTransportOptions.Sudo. Credentials, TLS and User-Agent options do not
// apply to this transport; the rate limit, calls in flight, retries, circuit
// breakers and call timeouts do.
func WithSSHTransport(c *ssh.Client, so SSHTransportOptions) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("WithSSHTransport: nil SSH client")
		}
		cmd := so.Command
		if cmd == "" {
			cmd = DefaultSSHCommand
		}
		if strings.ContainsAny(cmd, "\x00\r\n") {
			return errors.New("WithSSHTransport: the command must be one line without NUL")
		}
		// o is NewClient's options, complete once NewClient returns: the
		// transport reads the rate limit, retry policy and clock from it
		// lazily. A fresh transport per application keeps two clients built
		// with the same Option from sharing a limiter.
		o.transport = &sshTransport{client: c, command: cmd, sudo: so.Sudo, opts: o}
		return nil
	}
}

// NewSSHClient returns a client that runs every program through the virtualmin
// command over c (see WithSSHTransport). Errors and logs name the SSH address
// as the server.
func NewSSHClient(c *ssh.Client, so SSHTransportOptions, opts ...Option) (*Client, error) {
	if c == nil {
		return nil, errors.New("virtualmin: NewSSHClient: nil SSH client")
	}
	all := append(append([]Option(nil), opts...), WithSSHTransport(c, so))
	return NewClient(c.Addr(), all...)
}

// sshTransport runs calls as virtualmin commands over SSH.
type sshTransport struct {
	client  *ssh.Client
	command string
	sudo    bool
	opts    *options

	limOnce sync.Once
	lim     *limiter
}

// limiter is built on first use, from the options as NewClient finished them.
func (t *sshTransport) limiter() *limiter {
	t.limOnce.Do(func() { t.lim = newLimiter(t.opts.ratePerSecond, t.opts.rateBurst, t.opts.clock) })
	return t.lim
}

// roundTrip runs the call, retrying under the client's RetryPolicy like the
// HTTPS transport: reads after any failure to get an answer, writes only when
// the command provably never started. A program's answer (whatever its exit
// status) is never retried.
func (t *sshTransport) roundTrip(ctx context.Context, cl *call) (rawResult, error) {
	log := callLogger(ctx)
	res := rawResult{header: http.Header{}}
	hooks := retry.Hooks{Sleep: t.opts.clock.Sleep, OnRetry: func(attempt int, wait time.Duration, _ error) {
		if log != nil {
			log.DebugContext(ctx, "virtualmin retry", "attempt", attempt+1, "transport", "ssh", "wait", wait.String())
		}
	}}
	var terr *transportErr
	n, _ := retry.Do(ctx, retry.Policy(t.opts.retry), hooks, func(int) (bool, error) {
		if err := t.limiter().wait(ctx); err != nil {
			terr = &transportErr{err: fmt.Errorf("waiting for the rate limiter: %w", err)}
			return false, terr
		}
		var body []byte
		if body, terr = t.attempt(ctx, cl); terr == nil {
			res.body = body
			return false, nil
		}
		return sshRetryable(cl, terr), terr
	})
	res.attempts = n
	if terr != nil {
		return res, terr
	}
	return res, nil
}

// sshRetryable: a classified failure (a missing command, sudo refusing) gives
// the same answer again; an unsent call may be repeated, a sent one only if
// it changes nothing.
func sshRetryable(cl *call, terr *transportErr) bool {
	var e *Error
	if errors.As(terr.err, &e) || errors.Is(terr.err, ssh.ErrInvalidConfig) {
		return false
	}
	return cl.kind == read || !terr.sent
}

// attempt runs the command once. It returns the answer converted to
// remote.cgi's JSON, or a failure to get one.
func (t *sshTransport) attempt(ctx context.Context, cl *call) ([]byte, *transportErr) {
	if err := ctx.Err(); err != nil {
		return nil, &transportErr{err: err}
	}
	cmd, err := t.buildCommand(cl)
	if err != nil {
		return nil, &transportErr{err: err}
	}
	out := newCLIOutput(maxBody)
	cmd.Stdout, cmd.Stderr = out.stream(&out.stdout), out.stream(&out.stderr)
	actx, cancel, expired := withAttemptTimeout(ctx)
	_, rerr := t.client.Run(actx, cmd)
	cancel()
	out.flush()

	status := 0
	if rerr != nil {
		var ee *ssh.ExitError
		if !errors.As(rerr, &ee) {
			cause := sshCause(rerr, t.client.Addr())
			if expired() {
				cause = attemptTimeoutError(ctx)
			}
			return nil, &transportErr{sent: sshSent(rerr), err: cause}
		}
		if ee.Signal != "" {
			// Killed before it could answer (never with its output tail:
			// a listing there may hold a password).
			return nil, &transportErr{sent: true, err: fmt.Errorf("the virtualmin command on %s was killed by signal %s", t.client.Addr(), ee.Signal)}
		}
		status = ee.Status
	}
	if out.over {
		return nil, &transportErr{sent: true, err: &Error{Kind: KindUnexpectedResponse,
			Reason: "the command printed more than " + strconv.Itoa(maxBody) + " bytes"}}
	}
	if e := t.wrapperError(cl, status, out); e != nil {
		return nil, &transportErr{err: e}
	}
	return cliEnvelope(cl, status, out.all.String(), out.stdout.String(), out.stderr.String()), nil
}

// sshSent tells whether a failed Run may have started the command. Only the
// failures that happen before the exec request are "not sent"; anything later
// (or unknown) may have run it.
func sshSent(err error) bool {
	if errors.Is(err, ssh.ErrInvalidConfig) {
		return false
	}
	msg := err.Error()
	return !strings.HasPrefix(msg, "ssh: new session on ") && !strings.HasPrefix(msg, "ssh: stdin for ")
}

// sshCause drops the output tail sdk/ssh attaches to a lost exit status: a
// listing's tail can hold secrets, and the cause ends up in Error.Reason.
func sshCause(err error, addr string) error {
	if errors.Is(err, ssh.ErrExitMissing) {
		return fmt.Errorf("%w (%s): the SSH session was lost while the command ran", ssh.ErrExitMissing, addr)
	}
	return err
}

// passfilePrograms take --passfile, which their recorded usage texts list and
// whose file they read as the password (CR and LF removed).
var passfilePrograms = map[string]bool{
	"create-domain": true, "modify-domain": true, "create-user": true, "modify-user": true,
}

// cliArgs turns the call's parameters into the argv words remote.cgi would
// give the program (remote.cgi:61-75): "--name", then the value, split into
// several words at newlines (only multiword parameters have any: checkCall
// refused the others); an empty value or a flag is the bare "--name";
// multiline= comes last. A password for a passfile program is taken out and
// returned separately.
func cliArgs(cl *call) (args []string, pass *string, secrets []string, err error) {
	args = make([]string, 0, 2*len(cl.params)+1)
	for _, p := range cl.params {
		if p.name == "pass" && !p.flag && p.value != "" && passfilePrograms[cl.program] {
			if pass != nil {
				return nil, nil, nil, &Error{Kind: KindInvalidInput, Program: cl.program, Field: "pass", Reason: "more than one password given"}
			}
			v := p.value
			pass = &v
			secrets = append(secrets, v)
			continue
		}
		args = append(args, "--"+p.name)
		if p.flag || p.value == "" {
			continue
		}
		if isSecretParam(p.name) {
			secrets = append(secrets, p.value)
		}
		words := strings.Split(p.value, "\n")
		for len(words) > 0 && words[len(words)-1] == "" { // Perl's split drops trailing empty fields
			words = words[:len(words)-1]
		}
		args = append(args, words...)
	}
	if cl.multiline {
		args = append(args, "--multiline")
	}
	return args, pass, secrets, nil
}

// writeScript runs a write (or any call with a password file) so that it
// survives the SSH session: when a call is cancelled, sdk/ssh signals the
// session and sshd kills its whole process group, and a program killed
// half-way through create-domain would leave a half-made server. The program
// runs in a session of its own (setsid, from util-linux, when the host has
// it) with SIGHUP and SIGPIPE ignored, and completes as it would after an
// HTTP client went away. $1 is "plain" or "passfile"; the rest is the
// command. With "passfile" the password arrives on stdin, goes into a mktemp
// file (always mode 0600), is passed as --passfile and is removed by the
// detached shell when the program ends. The text holds no secret.
const writeScript = `trap '' HUP PIPE
mode=$1
shift
detach=
if command -v setsid >/dev/null 2>&1; then detach=setsid; fi
pf=
if [ "$mode" = passfile ]; then
	pf=$(mktemp "${TMPDIR:-/tmp}/praho-virtualmin-pass.XXXXXXXXXX") || { echo 'praho: cannot create a temporary password file' >&2; exit 197; }
	if ! cat > "$pf"; then rm -f -- "$pf"; echo 'praho: cannot write the temporary password file' >&2; exit 197; fi
fi
$detach sh -c 'pf=$1; shift
if [ -n "$pf" ]; then "$@" --passfile "$pf" </dev/null; rc=$?; rm -f -- "$pf"; exit $rc; fi
exec "$@" </dev/null' praho-virtualmin "$pf" "$@"
exit $?
`

// passfileFailure is writeScript's exit status when it could not make the
// password file (the program did not run).
const passfileFailure = 197

// buildCommand builds the remote command of a call. Reads run the virtualmin
// command directly (killed when the call is cancelled); writes and password
// calls go through writeScript. Every word is quoted by sdk/ssh.
func (t *sshTransport) buildCommand(cl *call) (ssh.Command, error) {
	args, pass, secrets, err := cliArgs(cl)
	if err != nil {
		return ssh.Command{}, err
	}
	prog := make([]string, 0, len(args)+2)
	prog = append(prog, t.command, cl.program)
	prog = append(prog, args...)
	var argv []string
	if t.sudo {
		argv = append(argv, "sudo", "-n", "--")
	}
	if cl.kind == read && pass == nil {
		return ssh.Command{Args: append(argv, prog...), Secrets: secrets}, nil
	}
	mode := "plain"
	if pass != nil {
		mode = "passfile"
	}
	argv = append(argv, "sh", "-c", writeScript, "praho-virtualmin", mode)
	cmd := ssh.Command{Args: append(argv, prog...), Secrets: secrets}
	if pass != nil {
		cmd.Stdin = strings.NewReader(*pass)
	}
	return cmd, nil
}

// wrapperError recognises failures of the virtualmin wrapper, sudo or the
// shell, before any program ran: they are answers of a kind, but not the
// program's, so they become typed errors here rather than output to parse.
func (t *sshTransport) wrapperError(cl *call, status int, out *cliOutput) *Error {
	if status == 0 {
		return nil
	}
	stdout := strings.TrimSpace(out.stdout.String())
	stderr := strings.TrimSpace(out.stderr.String())
	fail := func(kind ErrorKind, reason string) *Error {
		return &Error{Kind: kind, Program: cl.program, Reason: clipReason(redactText(reason)), Output: clip(redactText(out.all.String()))}
	}
	switch {
	case t.sudo && stdout == "" && strings.HasPrefix(stderr, "sudo: ") && status == 1:
		return fail(KindNotPermitted, "sudo refused to run the virtualmin command: "+firstLine(stderr)+
			" (the login user needs passwordless sudo for it)")
	case status == 127 && stdout == "" && (strings.Contains(stderr, "not found") || strings.Contains(stderr, "No such file")):
		if t.sudo && strings.Contains(firstLine(stderr), "sudo") {
			return fail(KindFailed, "sudo is not installed on the host: "+firstLine(stderr))
		}
		return fail(KindFailed, fmt.Sprintf("the virtualmin command %q was not found on the host (is Virtualmin installed? "+
			"SSHTransportOptions.Command can give its path): %s", t.command, firstLine(stderr)))
	case status == 126 && stdout == "":
		return fail(KindNotPermitted, "the virtualmin command cannot be executed: "+firstLine(stderr))
	case status == 2 && strings.HasSuffix(stdout, "must be run as root") && !strings.Contains(stdout, "\n"):
		// The wrapper's own check (uid 0 only).
		return fail(KindNotPermitted, "the virtualmin command must run as root: log in as root or set SSHTransportOptions.Sudo")
	case status == 1 && stdout == "Command "+cl.program+".pl was not found":
		// The wrapper's answer for a program it has no script for; remote.cgi
		// says "Remote program X does not exist".
		return fail(KindUnknownProgram, "program "+cl.program+" does not exist on this server (virtualmin: "+stdout+")")
	case status == passfileFailure && strings.HasPrefix(stderr, "praho: cannot "):
		return fail(KindFailed, firstLine(stderr)+" on the host; the program did not run")
	}
	return nil
}

// cliOutput collects a command's stdout and stderr, each alone and both
// together in the order their lines arrived (remote.cgi reads both from one
// socket). Lines are merged whole, so a chunk boundary never splits one.
type cliOutput struct {
	mu             sync.Mutex
	all            bytes.Buffer
	stdout, stderr bytes.Buffer
	partial        map[*bytes.Buffer][]byte
	size, limit    int
	over           bool
}

func newCLIOutput(limit int) *cliOutput {
	return &cliOutput{limit: limit, partial: map[*bytes.Buffer][]byte{}}
}

type cliStream struct {
	o   *cliOutput
	dst *bytes.Buffer
}

func (o *cliOutput) stream(dst *bytes.Buffer) *cliStream { return &cliStream{o: o, dst: dst} }

func (s *cliStream) Write(p []byte) (int, error) {
	o := s.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.size+len(p) > o.limit {
		o.over = true
		return len(p), nil
	}
	o.size += len(p)
	s.dst.Write(p)
	buf := append(o.partial[s.dst], p...)
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		o.all.Write(buf[:i+1])
		buf = append([]byte(nil), buf[i+1:]...)
	}
	o.partial[s.dst] = buf
	return len(p), nil
}

// flush appends the unterminated last lines, stdout's first.
func (o *cliOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, b := range []*bytes.Buffer{&o.stdout, &o.stderr} {
		if p := o.partial[b]; len(p) > 0 {
			o.all.Write(p)
			o.all.WriteByte('\n')
			o.partial[b] = nil
		}
	}
}

// cliEnvelope converts a program's output and exit status into the JSON
// remote.cgi would have answered (json-lib.pl, convert_remote_format), so
// the HTTPS parser turns it into the same response or *Error.
func cliEnvelope(cl *call, status int, all, stdout, stderr string) []byte {
	env := map[string]any{"command": cl.program}
	if status != 0 {
		env["status"] = "failure"
		if first := firstNonBlank(all); first != "" {
			env["error"] = first
		}
		env["full_error"] = all
	} else {
		env["status"] = "success"
		if data, ok := cliData(cl, stdout, stderr); ok {
			env["data"] = data
		} else {
			env["output"] = all
		}
	}
	// JSON::PP escapes no HTML characters either; the debug log shows
	// the text as the program printed it.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil { // cannot happen: strings, maps and slices only
		return []byte(`{"status":"failure","error":"cannot encode the output"}`)
	}
	return b.Bytes()
}

var (
	reLineBreak  = regexp.MustCompile(`\r?\n`)
	reTopPair    = regexp.MustCompile(`^(\S[^:]+):\s*(.*)$`)
	reObjectName = regexp.MustCompile(`^(\S.*)$`)
	reObjectPair = regexp.MustCompile(`^\s+(\S[^:]+):\s*(.*)$`)
	reSSLPair    = regexp.MustCompile(`^(\S+):\s*(.*)`)
	reBWDomain   = regexp.MustCompile(`^(\S+):$`)
	reBWLine     = regexp.MustCompile(`^\s+(\S+):\s+(.*)$`)
	reValidDom   = regexp.MustCompile(`^(\S+)$`)
	reValidErr   = regexp.MustCompile(`^\s+((\S[^:]+)\s*:\s*(\S.*))$`)
)

// perlLines is Perl's split(/\r?\n/, $out): trailing empty fields dropped.
func perlLines(s string) []string {
	lines := reLineBreak.Split(s, -1)
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func firstNonBlank(s string) string {
	for _, l := range perlLines(s) {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

func hasParam(cl *call, name string) bool {
	for _, p := range cl.params {
		if p.name == name {
			return true
		}
	}
	return false
}

// cliData is convert_remote_format's data branch for a successful program, or
// false when remote.cgi would answer the raw output. Unlike remote.cgi, which
// reads stdout and stderr mixed, the listings are parsed from stdout alone:
// stderr lines come first as top-level pairs, which the parser reports as
// Warnings, so a late warning cannot become a bogus object.
func cliData(cl *call, stdout, stderr string) (any, bool) {
	prog := cl.program
	// remote.cgi forces multiline for a formatted answer unless
	// simple-multiline was sent without multiline.
	multiline := cl.multiline || !hasParam(cl, "simple-multiline")
	switch {
	case (strings.HasPrefix(prog, "list-") || strings.HasPrefix(prog, "get-dns")) && multiline,
		strings.HasPrefix(prog, "list-php-ini"), strings.HasPrefix(prog, "get-command"):
		data := stderrPairs(stderr)
		return append(data, multilineData(stdout)...), true
	case strings.HasPrefix(prog, "list-") && (hasParam(cl, "name-only") || hasParam(cl, "id-only")):
		lines := perlLines(stderr + stdout)
		data := make([]any, len(lines))
		for i, l := range lines {
			data[i] = l
		}
		return data, true
	case prog == "list-bandwidth":
		return bandwidthData(stdout), true
	case prog == "validate-domains":
		return validateData(stdout), true
	case prog == "get-ssl" || prog == "stat-file":
		data := []any{}
		for _, l := range perlLines(stderr + stdout) {
			if m := reSSLPair.FindStringSubmatch(l); m != nil {
				data = append(data, map[string]any{"name": m[1], "value": m[2]})
			}
		}
		return data, true
	}
	return nil, false
}

// stderrPairs turns stderr lines into top-level name/value pairs, as the
// multiline converter does with lines before the first object.
func stderrPairs(stderr string) []any {
	data := []any{}
	for _, l := range perlLines(stderr) {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if m := reTopPair.FindStringSubmatch(l); m != nil {
			data = append(data, map[string]any{"name": m[1], "value": m[2]})
			continue
		}
		data = append(data, map[string]any{"name": strings.TrimSpace(l), "value": ""})
	}
	return data
}

// multilineData applies json-lib.pl's multiline rules: an unindented
// "Key: value" line before any object is a top-level pair; any other
// unindented line starts an object; an indented "Key Name: value" adds value
// to the object's key_name (lower case, each whitespace character an
// underscore), repeated keys appending; other lines are dropped.
func multilineData(out string) []any {
	data := []any{}
	var obj map[string][]string
	for _, l := range perlLines(out) {
		if obj == nil {
			if m := reTopPair.FindStringSubmatch(l); m != nil {
				data = append(data, map[string]any{"name": m[1], "value": m[2]})
				continue
			}
		}
		if m := reObjectName.FindStringSubmatch(l); m != nil {
			obj = map[string][]string{}
			data = append(data, map[string]any{"name": m[1], "values": obj})
			continue
		}
		if m := reObjectPair.FindStringSubmatch(l); m != nil && obj != nil {
			k := perlKey(m[1])
			obj[k] = append(obj[k], m[2])
		}
	}
	return data
}

// perlKey is lc($k) =~ s/\s/_/g on bytes: ASCII lower case only.
func perlKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			b[i] = '_'
		}
	}
	return string(b)
}

// bandwidthData is the list-bandwidth branch: "dom:" starts a domain, each
// "  date: type:count ..." line is one day.
func bandwidthData(out string) []any {
	data := []any{}
	var days *[]any
	for _, l := range perlLines(out) {
		if m := reBWDomain.FindStringSubmatch(l); m != nil {
			bw := []any{}
			days = &bw
			data = append(data, map[string]any{"name": m[1], "bw": days})
			continue
		}
		if m := reBWLine.FindStringSubmatch(l); m != nil && days != nil {
			day := map[string]string{"date": m[1]}
			for _, tc := range strings.Fields(m[2]) {
				t, c, _ := strings.Cut(tc, ":")
				day[t] = c
			}
			*days = append(*days, day)
		}
	}
	return data
}

// validateData is the validate-domains branch (reached only on success, that
// is with no problem: the program exits with the number of problems).
func validateData(out string) []any {
	data := []any{}
	var dom map[string]any
	for _, l := range perlLines(out) {
		if m := reValidDom.FindStringSubmatch(l); m != nil {
			dom = map[string]any{"name": m[1], "errors": []any{}, "status": "success"}
			data = append(data, dom)
			continue
		}
		if m := reValidErr.FindStringSubmatch(l); m != nil && dom != nil &&
			m[1] != "All features are good" && m[1] != "All features OK" {
			dom["status"] = "failed"
			dom["errors"] = append(dom["errors"].([]any), map[string]any{"feature": m[2], "error": m[3]})
		}
	}
	return data
}
