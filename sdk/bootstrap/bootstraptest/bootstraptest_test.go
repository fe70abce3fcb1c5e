package bootstraptest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// TestFakeMiniserv: the stand-in installer starts a fake miniserv on the
// host's address that logs users in from miniserv.users (SHA-512 crypt) and
// webmin.acl the way Webmin does: a user with virtual-server and the
// default ACL is a master admin, noconfig=1 is refused by remote.cgi, no
// module gets the access-denied page, a wrong password is refused, and an
// address not in allow= gets a 403. A second installer run exits 100.
func TestFakeMiniserv(t *testing.T) {
	h := bootstraptest.NewHost(t, "prahobt9", "10.200.99.2", bootstraptest.WithFirewall(bootstraptest.UFW))
	c := h.Dial(t, h.SSHConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Upload(ctx, h.Root+"/tmp/i.sh", 0o700, strings.NewReader(readFile(t, h.InstallerFile()))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(ctx, ssh.Command{Args: []string{"sh", h.Root + "/tmp/i.sh", "--minimal", "--force"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Run(ctx, ssh.Command{Args: []string{"sh", h.Root + "/tmp/i.sh", "--minimal", "--force"}})
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.Status != 100 {
		t.Errorf("second installer run: %v", err)
	}
	if got := h.InstallerRuns(); len(got) != 2 || got[0] != "--minimal --force" {
		t.Errorf("installer runs %q", got)
	}

	config := filepath.Join(h.Root, "etc/webmin")
	var users, acl strings.Builder
	for _, u := range []string{"master", "restricted", "nomodule"} {
		out, err := exec.Command("openssl", "passwd", "-6", "pw-"+u).Output()
		if err != nil {
			t.Fatal(err)
		}
		users.WriteString(u + ":" + strings.TrimSpace(string(out)) + ":::::0::::::::\n")
	}
	acl.WriteString("master: virtual-server\nrestricted: virtual-server\nnomodule: useradmin\n")
	writeFile(t, filepath.Join(config, "miniserv.users"), users.String())
	writeFile(t, filepath.Join(config, "webmin.acl"), acl.String())
	writeFile(t, filepath.Join(config, "virtual-server/restricted.acl"), "noconfig=1\n")

	client := func(user, pass string) *virtualmin.Client {
		cl, err := virtualmin.NewClient(h.WebminURL(), virtualmin.WithBasicAuth(user, pass), virtualmin.WithInsecureSkipVerify(),
			virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	if _, err := client("master", "pw-master").System.Info(ctx); err != nil {
		t.Errorf("master: %v", err)
	}
	if _, err := client("master", "wrong").System.Info(ctx); !errors.Is(err, virtualmin.ErrAuth) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := client("restricted", "pw-restricted").System.Info(ctx); err == nil || !strings.Contains(err.Error(), "not allowed to run remote commands") {
		t.Errorf("restricted: %v", err)
	}
	if _, err := client("nomodule", "pw-nomodule").System.Info(ctx); err == nil {
		t.Errorf("a user without the module ran info")
	}

	conf := readFile(t, filepath.Join(config, "miniserv.conf"))
	writeFile(t, filepath.Join(config, "miniserv.conf"), conf+"allow=192.0.2.1\n")
	if _, err := c.Run(ctx, ssh.Command{Args: []string{"systemctl", "restart", "webmin"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := client("master", "pw-master").System.Info(ctx)
		if err != nil {
			if !strings.Contains(err.Error(), "403") {
				t.Errorf("refused address: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("allow= not applied after a restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(h.Commands(), "systemctl restart webmin\n") {
		t.Errorf("commands: %s", h.Commands())
	}

	h.StopWebmin()
	if _, err := client("master", "pw-master").System.Info(ctx); err == nil {
		t.Errorf("Webmin still answers after StopWebmin")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
