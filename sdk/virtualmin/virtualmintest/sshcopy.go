package virtualmintest

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// SSH from the simulated Virtualmin to another host: ssh:// backup
// destinations and restore sources, and transfer-domain's default protocol.
// The other host is a real SSH server (sdk/ssh/sshtest in tests): files are
// written with "cat >" and read with "cat" through the login's shell, as
// Virtualmin's scp would put them. Like Virtualmin, which answers "yes" to
// ssh's question about an unknown host key, it accepts any host key: this
// is the simulated server's behaviour, not the SDK's.

// sshConnectTimeout bounds the TCP connection and the SSH handshake.
const sshConnectTimeout = 30 * time.Second

// sshDial connects and logs in with the location's user and password. Its
// errors are worded as OpenSSH's client prints them.
func sshDial(ctx context.Context, l location) (*xssh.Client, error) {
	addr := net.JoinHostPort(l.host, strconv.Itoa(l.port))
	prefix := "ssh: connect to host " + l.host + " port " + strconv.Itoa(l.port) + ": "
	d := net.Dialer{Timeout: sshConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, errors.New(prefix + "Connection refused")
		}
		return nil, errors.New(prefix + err.Error())
	}
	_ = conn.SetDeadline(time.Now().Add(sshConnectTimeout))
	cfg := &xssh.ClientConfig{
		User: l.user,
		Auth: []xssh.AuthMethod{xssh.Password(l.pass), xssh.KeyboardInteractive(
			func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range answers {
					answers[i] = l.pass
				}
				return answers, nil
			})},
		HostKeyCallback: xssh.InsecureIgnoreHostKey(), //nolint:gosec // the simulated Virtualmin accepts unknown host keys, as the real one does
		Timeout:         sshConnectTimeout,
	}
	c, chans, reqs, err := xssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		_ = conn.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, errors.New(l.user + "@" + l.host + ": Permission denied (publickey,password).")
		}
		return nil, errors.New(prefix + err.Error())
	}
	_ = conn.SetDeadline(time.Time{})
	return xssh.NewClient(c, chans, reqs), nil
}

// sshRun runs a shell command on the host with stdin and returns its
// output; a failure's text is what the command printed (or the connection
// error).
func sshRun(ctx context.Context, l location, cmd string, stdin []byte) ([]byte, error) {
	c, err := sshDial(ctx, l)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = c.Close()
		return nil, ctx.Err()
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, errors.New(msg)
	}
	return stdout.Bytes(), nil
}

// sshPut writes data to path on the host.
func sshPut(ctx context.Context, l location, path string, data []byte) error {
	_, err := sshRun(ctx, l, "cat > "+ssh.Quote(path), data)
	return err
}

// sshGet reads path on the host.
func sshGet(ctx context.Context, l location, path string) ([]byte, error) {
	return sshRun(ctx, l, "cat "+ssh.Quote(path), nil)
}
