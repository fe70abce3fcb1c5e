package ssh_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// nasty returns values full of shell syntax. Each one that a broken quoting
// would execute touches canary, which must never exist.
func nasty(canary string) []string {
	c := ssh.Quote(canary)
	return []string{
		"",
		" ",
		"plain",
		"it's",
		"''",
		`'\''`,
		`"double" and 'single'`,
		"a;touch " + c,
		"; touch " + c + " ;",
		"$(touch " + c + ")",
		"`touch " + c + "`",
		"${IFS}$HOME$((1+1))",
		"a && touch " + c + " || touch " + c,
		"| touch " + c,
		"> " + c,
		"new\nline;touch " + c + "\n",
		"\ttab\r\n",
		"*", "?", "[a-z]*", "~", "~root", "{a,b}",
		`back\slash\`,
		"\\'",
		"-n", "--", "-e \\n",
		"#comment",
		"!event",
		"%s%d%n",
		"unicode: é ✓ 日本",
		"\x01\x7f\xff bytes",
		"' ; touch " + c + " ; '",
	}
}

// TestQuoteLocalShells checks Quote against the local sh and bash, without
// any sshd: each value must come back byte for byte.
func TestQuoteLocalShells(t *testing.T) {
	t.Parallel()
	canary := filepath.Join(t.TempDir(), "canary")
	for _, shell := range []string{"/bin/sh", "/bin/bash", "/bin/dash"} {
		if _, err := os.Stat(shell); err != nil {
			continue
		}
		for _, v := range nasty(canary) {
			out, err := exec.Command(shell, "-c", "printf '%s' "+ssh.Quote(v)).Output()
			if err != nil {
				t.Fatalf("%s: %q: %v", shell, v, err)
			}
			if string(out) != v {
				t.Errorf("%s: Quote(%q) came back as %q", shell, v, out)
			}
		}
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a quoted value was executed: the canary exists")
	}
}

// TestQuotingRemote sends the values as arguments, as script parameters and
// as environment values through a real sshd and the login shell.
func TestQuotingRemote(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	ctx := testContext(t)
	canary := filepath.Join(t.TempDir(), "canary")
	values := nasty(canary)

	for _, v := range values {
		res, err := c.Run(ctx, ssh.Command{Args: []string{"printf", "%s\n", v}})
		if err != nil {
			t.Fatalf("printf %q: %v", v, err)
		}
		if got := string(res.Stdout); got != v+"\n" {
			t.Errorf("printf '%%s\\n' %q printed %q", v, got)
		}
	}

	// All at once as a script's positional parameters.
	res, err := c.Run(ctx, ssh.Command{Script: `for a in "$@"; do printf '%s\0' "$a"; done`, Args: values})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Stdout), strings.Join(values, "\x00")+"\x00"; got != want {
		t.Errorf("script parameters came back as %q, want %q", got, want)
	}

	// As environment values, with Args and with a Script.
	for i, v := range values {
		env := map[string]string{"V": v}
		res, err := c.Run(ctx, ssh.Command{Args: []string{"sh", "-c", `printf '%s' "$V"`}, Env: env})
		if err != nil {
			t.Fatalf("env %d: %v", i, err)
		}
		if string(res.Stdout) != v {
			t.Errorf("env with Args: %q came back as %q", v, res.Stdout)
		}
		res, err = c.Run(ctx, ssh.Command{Script: `printf '%s' "$V"`, Env: env})
		if err != nil {
			t.Fatalf("env script %d: %v", i, err)
		}
		if string(res.Stdout) != v {
			t.Errorf("env with Script: %q came back as %q", v, res.Stdout)
		}
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a value was executed by the remote shell: the canary exists")
	}

	// Values no remote command can receive are refused, not truncated.
	if _, err := c.Run(ctx, ssh.Command{Args: []string{"echo", "a\x00b"}}); !errors.Is(err, ssh.ErrInvalidConfig) {
		t.Errorf("NUL byte: err = %v, want ErrInvalidConfig", err)
	}
	if _, err := c.Run(ctx, ssh.Command{Args: []string{"true"}, Env: map[string]string{"A;B": "x"}}); !errors.Is(err, ssh.ErrInvalidConfig) {
		t.Errorf("bad env name: err = %v, want ErrInvalidConfig", err)
	}
	if _, err := c.Run(ctx, ssh.Command{}); !errors.Is(err, ssh.ErrInvalidConfig) {
		t.Errorf("empty command: err = %v, want ErrInvalidConfig", err)
	}
	if _, err := c.Run(ctx, ssh.Command{Script: "cat", Stdin: strings.NewReader("x")}); !errors.Is(err, ssh.ErrInvalidConfig) {
		t.Errorf("Script with Stdin: err = %v, want ErrInvalidConfig", err)
	}
}

// TestRunStdinAndStreaming proves output streams while the command runs: the
// command waits for a line that the test writes only after reading the
// command's first output, which could not happen if output were buffered
// until the end.
func TestRunStdinAndStreaming(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))

	stdinR, stdinW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(testContext(t), ssh.Command{
			Args:   []string{"sh", "-c", `echo ready; read a; echo "got $a"; echo "to stderr" >&2; read b; echo "got $b"`},
			Stdin:  stdinR,
			Stdout: outW,
			Stderr: &stderr,
		})
		outW.Close()
		done <- err
	}()
	lines := bufio.NewScanner(outR)
	expect := func(want string) {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("output ended before %q: %v", want, lines.Err())
		}
		if lines.Text() != want {
			t.Fatalf("line = %q, want %q", lines.Text(), want)
		}
	}
	expect("ready")
	fmt.Fprintln(stdinW, "first")
	expect("got first")
	fmt.Fprintln(stdinW, "second")
	stdinW.Close()
	expect("got second")
	if lines.Scan() {
		t.Errorf("unexpected line %q", lines.Text())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if stderr.String() != "to stderr\n" {
		t.Errorf("stderr = %q", stderr.String())
	}

	// A failing output writer neither stalls the command nor goes unnoticed.
	_, err := c.Run(testContext(t), ssh.Command{Args: []string{"sh", "-c", "yes | head -c 5000000"}, Stdout: failingWriter{}})
	if err == nil || !strings.Contains(err.Error(), "writing its output: disk on fire") {
		t.Errorf("err = %v, want the writer's error", err)
	}

	// Large stdin round trip, captured output.
	data := make([]byte, 3<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	res, err := c.Run(testContext(t), ssh.Command{Args: []string{"cat"}, Stdin: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Stdout, data) || len(res.Stderr) != 0 || res.Truncated {
		t.Errorf("cat returned %d bytes (stderr %q, truncated %v), want the %d bytes sent", len(res.Stdout), res.Stderr, res.Truncated, len(data))
	}
}

func TestRunExitError(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	ctx := testContext(t)

	// 20,000 lines, then an error on stderr and status 3: the tail keeps the
	// end of the output only.
	res, err := c.Run(ctx, ssh.Command{Script: `
i=0
while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done
echo "installer failed: disk full" >&2
exit 3`})
	var ee *ssh.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v (%T), want *ExitError", err, err)
	}
	if ee.Status != 3 || ee.Signal != "" {
		t.Errorf("Status = %d, Signal = %q, want 3 and none", ee.Status, ee.Signal)
	}
	if len(ee.Tail) > ssh.DefaultTailSize || len(ee.Tail) < ssh.DefaultTailSize-100 {
		t.Errorf("tail is %d bytes, want about %d", len(ee.Tail), ssh.DefaultTailSize)
	}
	// stdout and stderr travel separately: their order is not guaranteed.
	if !strings.HasSuffix(ee.StderrTail, "installer failed: disk full\n") || !strings.HasSuffix(ee.Tail, "line 19999\ninstaller failed: disk full\n") || strings.Contains(ee.Tail, "line 0\n") {
		t.Errorf("tail does not hold the end of the output: ...%q (stderr %q)", ee.Tail[max(0, len(ee.Tail)-120):], ee.StderrTail)
	}
	if !strings.Contains(err.Error(), "exited with status 3") || !strings.Contains(err.Error(), "installer failed: disk full") {
		t.Errorf("error text lacks the status or the output: %v", err)
	}
	if !strings.Contains(ee.Command, "script of") || strings.Contains(err.Error(), "while [") {
		t.Errorf("the error must describe the script, not show it: %q", ee.Command)
	}
	if res == nil || !bytes.HasPrefix(res.Stdout, []byte("line 0\nline 1\n")) || string(res.Stderr) != "installer failed: disk full\n" {
		t.Errorf("Result must still hold the captured output")
	}

	// Killed by a signal.
	_, err = c.Run(ctx, ssh.Command{Args: []string{"sh", "-c", `echo dying; kill -TERM $$`}})
	if !errors.As(err, &ee) || ee.Signal != "TERM" || ee.Tail != "dying\n" {
		t.Errorf("err = %v, want an ExitError with signal TERM and tail \"dying\\n\"", err)
	}

	// Not found: status 127 and the shell's message.
	_, err = c.Run(ctx, ssh.Command{Args: []string{"/nonexistent/program", "arg"}})
	if !errors.As(err, &ee) || ee.Status != 127 || !strings.Contains(ee.Tail, "/nonexistent/program") {
		t.Errorf("err = %v, want status 127 naming the program", err)
	}
}

// TestRunContextCancel cancels a running command: Run returns at once with
// the context's error and the remote process is killed.
func TestRunContextCancel(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	marker := fmt.Sprintf("%d.%d", 400+time.Now().Nanosecond()%100, time.Now().Nanosecond()%1000) // unique sleep argument

	ctx, cancel := context.WithCancel(testContext(t))
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, ssh.Command{Args: []string{"sh", "-c", "echo started; exec sleep " + marker}, Stdout: outW})
		outW.Close()
		done <- err
	}()
	sc := bufio.NewScanner(outR)
	if !sc.Scan() || sc.Text() != "started" {
		t.Fatalf("no start line: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	// sshd runs on this machine: the remote processes are in our /proc. The
	// shell execs sleep just after printing the line.
	for i := 0; !processRunning(t, "sleep\x00"+marker); i++ {
		if i == 200 {
			t.Fatal("the remote sleep is not seen in /proc")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	// The remote sleep is gone (killed, not left to run its 400 s).
	for i := 0; processRunning(t, "sleep\x00"+marker); i++ {
		if i == 200 {
			t.Fatal("the remote command still runs after cancel")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The connection stays usable.
	if got := strings.TrimSpace(output(t, c, "echo", "still here")); got != "still here" {
		t.Errorf("output = %q", got)
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	ctx := testContext(t)
	// sshd runs on this machine, so the remote file system is the local one.
	dir := filepath.Join(t.TempDir(), "dir with 'quotes'; $(x) `y`")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Commands run in the login user's home, the server's directory: an
	// injected "touch canary" would create this file.
	canary := filepath.Join(srv.Dir, "canary")
	name := "name'; touch canary; echo '$(touch canary)`touch canary`\n*?[x] -rf.txt\\"
	path := filepath.Join(dir, name)
	data := make([]byte, 1<<20+17)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}

	if err := c.Upload(ctx, path, 0o640, bytes.NewReader(data)); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("uploaded file has %d bytes, different from the %d sent", len(got), len(data))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %o, want 640", fi.Mode().Perm())
	}
	// Overwrite with an empty file, default mode 0600.
	if err := c.Upload(ctx, path, 0, strings.NewReader("")); err != nil {
		t.Fatalf("Upload empty: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("after empty upload: %v, %v", fi, err)
	}

	// A reader failing half-way: an error, and the previous file untouched.
	if err := os.WriteFile(path, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	failing := io.MultiReader(bytes.NewReader(data[:300000]), iotestErrReader{})
	if err := c.Upload(ctx, path, 0o644, failing); err == nil || !strings.Contains(err.Error(), "read failed on purpose") {
		t.Errorf("Upload with a failing reader: err = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "previous" {
		t.Errorf("a failed upload changed the file to %d bytes", len(got))
	}

	// A missing directory: an ExitError carrying the shell's message.
	var ee *ssh.ExitError
	err = c.Upload(ctx, filepath.Join(dir, "missing", "f"), 0o644, strings.NewReader("x"))
	if !errors.As(err, &ee) || !strings.Contains(ee.Tail, "No such file or directory") {
		t.Errorf("upload into a missing directory: err = %v", err)
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only the uploaded file (no temporary leftovers)", names)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("the path was executed by the remote shell: the canary exists")
	}
}

// processRunning says whether a live process has a command line (NUL-separated
// arguments) containing cmdline.
func processRunning(t *testing.T, cmdline string) bool {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue // the process ended meanwhile
		}
		stat, _ := os.ReadFile(strings.TrimSuffix(d, "cmdline") + "stat")
		if fields := strings.Fields(string(stat)); len(fields) > 2 && fields[2] == "Z" {
			continue // a zombie is dead
		}
		if strings.Contains(string(b), cmdline) {
			return true
		}
	}
	return false
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("read failed on purpose") }

// TestSecretsNeverLogged collects every Debug log line, error and printed
// config of a session that uses a password, an encrypted key and a command
// with secrets, and looks for any of them.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	const (
		password   = "S3cret-Passw0rd-in-log?"
		passphrase = "key-Passphrase-9f8e7d"
		apiSecret  = "api-T0ken-'a1b2\"c3$d4e5"
	)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := xssh.MarshalPrivateKeyWithPassphrase(priv, "enc", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := xssh.NewSignerFromKey(priv)
	keyPEM := pem.EncodeToMemory(block)
	keyBody := strings.Split(string(keyPEM), "\n")[2] // a line of the key material
	srv := sshtest.Start(t, sshtest.WithPassword(password), sshtest.WithAuthorizedKey(signer.PublicKey()))

	logger, logs := debugLogger()
	var errs []string
	ctx := testContext(t)

	// Wrong credentials first, then right ones.
	bad := ssh.Config{Addr: srv.Addr, User: srv.User, HostKey: ssh.PinnedKey(srv.HostKeyLine), Logger: logger,
		Auth: []ssh.AuthMethod{ssh.PrivateKey(keyPEM, passphrase+"x"), ssh.Password(password + "x")}}
	if _, err := ssh.Dial(ctx, bad); err == nil {
		t.Fatal("Dial with wrong credentials succeeded")
	} else {
		errs = append(errs, err.Error())
	}
	bad.Auth = []ssh.AuthMethod{ssh.Password(password + "x")}
	if _, err := ssh.Dial(ctx, bad); !errors.Is(err, ssh.ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	} else {
		errs = append(errs, err.Error())
	}
	for _, auth := range [][]ssh.AuthMethod{{ssh.Password(password)}, {ssh.PrivateKey(keyPEM, passphrase)}} {
		cfg := ssh.Config{Addr: srv.Addr, User: srv.User, HostKey: ssh.PinnedKey(srv.HostKeyLine), Logger: logger, Auth: auth}
		errs = append(errs, fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, auth[0]))
		logger.Debug("config", "cfg", cfg, "auth", auth[0])
		c := dial(t, cfg)

		// A command carrying the secret in an argument, on stdin and in its output.
		res, err := c.Run(ctx, ssh.Command{
			Args:    []string{"sh", "-c", `read -r s; echo "token is $s"; echo "$1 failed" >&2; exit 4`, "sh", apiSecret},
			Stdin:   strings.NewReader(apiSecret + "\n"),
			Secrets: []string{apiSecret},
		})
		var ee *ssh.ExitError
		if !errors.As(err, &ee) || ee.Status != 4 {
			t.Fatalf("err = %v, want exit status 4", err)
		}
		if !strings.Contains(ee.Tail, "token is [REDACTED]") {
			t.Errorf("tail = %q, want the secret redacted", ee.Tail)
		}
		if !strings.Contains(string(res.Stdout), apiSecret) {
			t.Errorf("the caller's own captured output must stay intact: %q", res.Stdout)
		}
		errs = append(errs, err.Error(), ee.Tail, ee.StderrTail, ee.Command)
		// A script with the secret in its environment.
		if _, err := c.Run(ctx, ssh.Command{Script: `test "$T" = "$1"`, Args: []string{apiSecret}, Env: map[string]string{"T": apiSecret}, Secrets: []string{apiSecret}}); err != nil {
			t.Fatal(err)
		}
		// An upload of secret content.
		if err := c.Upload(ctx, filepath.Join(t.TempDir(), "secret"), 0o600, strings.NewReader(apiSecret)); err != nil {
			t.Fatal(err)
		}
	}

	all := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "[REDACTED]") {
		t.Fatalf("the debug log is not being captured:\n%s", logs.String())
	}
	for name, secret := range map[string]string{"password": password, "passphrase": passphrase, "private key": keyBody, "command secret": apiSecret, "part after its quote": `a1b2"c3$d4e5`} {
		if strings.Contains(all, secret) {
			t.Errorf("the %s appears in logs or errors:\n%s", name, all)
		}
	}
}

// TestTailRedactsSecretCutByWindow writes a secret that straddles the start of
// the kept tail: no fragment of it may survive.
func TestTailRedactsSecretCutByWindow(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	const secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for cut := 1; cut < len(secret); cut += 7 {
		// The tail (64 bytes) starts `cut` bytes before the end of the secret.
		filler := strings.Repeat("x", 64-cut)
		_, err := c.Run(testContext(t), ssh.Command{
			Script:   `printf '%s%s' "head $1" "$2"; exit 1`,
			Args:     []string{secret, filler},
			Secrets:  []string{secret},
			TailSize: 64,
		})
		var ee *ssh.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("err = %v", err)
		}
		for i := 0; i+4 <= len(secret); i++ {
			if strings.Contains(ee.Tail, secret[i:i+4]) {
				t.Fatalf("cut %d: tail %q holds a fragment of the secret", cut, ee.Tail)
			}
		}
		if !strings.HasSuffix(ee.Tail, filler) {
			t.Errorf("cut %d: tail %q lost the output after the secret", cut, ee.Tail)
		}
	}
}

// TestConcurrentRuns runs more commands at once than sshd's MaxSessions (10):
// the client queues them instead of failing.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	const n = 30
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			res, err := c.Run(testContext(t), ssh.Command{Args: []string{"sh", "-c", `sleep 0.2; echo "$1"`, "sh", fmt.Sprint(i)}})
			if err == nil && strings.TrimSpace(string(res.Stdout)) != fmt.Sprint(i) {
				err = fmt.Errorf("run %d printed %q", i, res.Stdout)
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
