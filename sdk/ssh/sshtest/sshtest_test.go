package sshtest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"
)

func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

func login(t *testing.T, s *Server, auth xssh.AuthMethod) string {
	t.Helper()
	c, err := xssh.Dial("tcp", s.Addr, &xssh.ClientConfig{
		User:            s.User,
		Auth:            []xssh.AuthMethod{auth},
		HostKeyCallback: xssh.FixedHostKey(s.HostKey),
		Timeout:         30 * time.Second,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output(`echo "$HOME $SSH_CONNECTION"`)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestNamespaceLeftoversRemoved plays a crashed earlier run that left its
// namespace and veth pair behind: NewNamespace removes them and starts clean,
// and everything is gone after the test.
func TestNamespaceLeftoversRemoved(t *testing.T) {
	const name, addr = "praho-sshtest-left", "10.200.73.2"
	suffix := shortHash(name)
	LockNamespaceName(t, name)
	run(t, "ip", "netns", "add", name)
	run(t, "ip", "link", "add", "ph"+suffix, "type", "veth", "peer", "name", "pn"+suffix)
	run(t, "ip", "addr", "add", "10.200.73.1/24", "dev", "ph"+suffix)

	t.Run("in use", func(t *testing.T) {
		s := InNamespace(t, name, addr)
		if got := login(t, s, xssh.PublicKeys(s.ClientKey)); !strings.HasPrefix(got, s.Dir+" 10.200.73.1 ") {
			t.Errorf("HOME and SSH_CONNECTION = %q, want %s and a client at 10.200.73.1", got, s.Dir)
		}
	})
	if out := run(t, "ip", "netns", "list"); strings.Contains(out, name) {
		t.Errorf("namespace left behind:\n%s", out)
	}
	if _, err := net.InterfaceByName("ph" + suffix); err == nil {
		t.Error("veth left behind")
	}
}

// TestPasswordKeepsShadowUntouched logs in with a password inside a network
// namespace: the machine's /etc/shadow is never changed.
func TestPasswordKeepsShadowUntouched(t *testing.T) {
	before, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatal(err)
	}
	const pw = "shadow-copy-pw"
	s := InNamespace(t, "praho-sshtest-pw", "10.200.74.2", WithPassword(pw))
	if got := login(t, s, xssh.Password(pw)); !strings.HasPrefix(got, s.Dir+" 10.200.74.1 ") {
		t.Errorf("HOME and SSH_CONNECTION = %q", got)
	}
	if !strings.Contains(s.Log(), "Accepted password") {
		t.Errorf("no password login in the log:\n%s", s.Log())
	}
	after, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("/etc/shadow changed")
	}
}

// TestStopAndRestart checks that Stop ends sshd and New/Start can start a
// prepared server later.
func TestStopAndRestart(t *testing.T) {
	s := New(t)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	login(t, s, xssh.PublicKeys(s.ClientKey))
	s.Stop()
	if c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second); err == nil {
		c.Close()
		t.Fatal("sshd still listens after Stop")
	}
}

// TestBindMount shows a directory at another path to the sessions only:
// with a password login too, whose /etc/shadow is bind-mounted the same way.
func TestBindMount(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/marker", []byte("from the test"), 0o600); err != nil {
		t.Fatal(err)
	}
	const pw = "bind-mount-pw"
	s := Start(t, WithPassword(pw), WithBindMount(dir, "/mnt"))
	c, err := xssh.Dial("tcp", s.Addr, &xssh.ClientConfig{User: s.User, Auth: []xssh.AuthMethod{xssh.Password(pw)},
		HostKeyCallback: xssh.FixedHostKey(s.HostKey), Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("cat /mnt/marker")
	if err != nil || string(out) != "from the test" {
		t.Fatalf("cat /mnt/marker in a session: %q, %v", out, err)
	}
	if _, err := os.Stat("/mnt/marker"); err == nil {
		t.Fatal("the bind mount is visible on the host")
	}
}
