package bootstrap_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// nastyPassword holds everything that breaks a careless shell command.
const nastyPassword = `p'a"s$(touch /tmp/pwned)` + "`id`;|&\\ *?~#!{x}" + `é`

func apiClient(t *testing.T, h *testHost, user, pass string) *virtualmin.Client {
	t.Helper()
	c, err := virtualmin.NewClient("https://"+h.ns.Addr+":10000",
		virtualmin.WithBasicAuth(user, pass),
		virtualmin.WithPinnedCertificateSHA256(servedFingerprint(t, h.ns.Addr+":10000")),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}),
		virtualmin.WithCallTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEnsureAPIUser: the API user is created with the virtual-server module
// only, logins are restricted to the given addresses, the remote API
// accepts it as a master admin, a second run changes nothing, a new
// password and a tampered ACL are put right; the password is in no
// recorded command, log line, result, error or file in plain text.
func TestEnsureAPIUser(t *testing.T) {
	t.Parallel()
	h := newHost(t, 6, hostOptions{})
	ctx := testContext(t)
	h.install(t, ctx)
	pid := h.miniservPID()
	config := filepath.Join(h.root, "etc/webmin")

	opts := bootstrap.APIUserOptions{Name: "praho-api", Password: nastyPassword, AllowFrom: []string{h.ns.HostAddr, "192.0.2.0/24"}}
	res, err := h.b.EnsureAPIUser(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !strings.Contains(res.Detail, "created") || !strings.Contains(res.Detail, "reloaded miniserv") {
		t.Fatalf("first run: %+v", res)
	}
	if h.miniservPID() != pid {
		t.Errorf("Webmin was restarted, not reloaded")
	}
	if acl := readFile(t, filepath.Join(config, "webmin.acl")); !strings.Contains(acl, "\npraho-api: virtual-server\n") {
		t.Errorf("webmin.acl:\n%s", acl)
	}
	if users := readFile(t, filepath.Join(config, "miniserv.users")); !strings.Contains(users, "\npraho-api:$6$") {
		t.Errorf("miniserv.users:\n%s", users)
	}
	if conf := readFile(t, filepath.Join(config, "miniserv.conf")); !strings.Contains(conf, "\nallow="+h.ns.HostAddr+" 192.0.2.0/24\n") {
		t.Errorf("miniserv.conf:\n%s", conf)
	}
	info, err := apiClient(t, h, "praho-api", nastyPassword).System.Info(ctx)
	if err != nil {
		t.Fatalf("the API refuses the new user: %v", err)
	}
	if info.VirtualminVersion == "" {
		t.Errorf("info: %+v", info)
	}
	if _, err := apiClient(t, h, "praho-api", "wrong").System.Info(ctx); !errors.Is(err, virtualmin.ErrAuth) {
		t.Errorf("wrong password: %v", err)
	}

	// Second run: unchanged, no reload.
	res, err = h.b.EnsureAPIUser(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed {
		t.Errorf("second run changed: %+v", res)
	}

	// Someone gave the user more modules and a restricted Virtualmin ACL.
	acl := strings.Replace(readFile(t, filepath.Join(config, "webmin.acl")), "praho-api: virtual-server", "praho-api: virtual-server acl useradmin", 1)
	writeFile(t, filepath.Join(config, "webmin.acl"), acl)
	writeFile(t, filepath.Join(config, "virtual-server/praho-api.acl"), "noconfig=1\n")
	res, err = h.b.EnsureAPIUser(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !strings.Contains(res.Detail, "virtual-server only") || !strings.Contains(res.Detail, "default ACL") || strings.Contains(res.Detail, "password") {
		t.Errorf("repair: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(config, "virtual-server/praho-api.acl")); !os.IsNotExist(err) {
		t.Errorf("restricting ACL file left: %v", err)
	}

	// A new password.
	opts.Password = nastyPassword + "-2"
	res, err = h.b.EnsureAPIUser(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || !strings.Contains(res.Detail, "password of Webmin user praho-api updated") {
		t.Errorf("new password: %+v", res)
	}
	if _, err := apiClient(t, h, "praho-api", opts.Password).System.Info(ctx); err != nil {
		t.Errorf("new password refused: %v", err)
	}

	// Logins from elsewhere only: this client is refused.
	opts.AllowFrom = []string{"192.0.2.7"}
	if _, err := h.b.EnsureAPIUser(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := apiClient(t, h, "praho-api", opts.Password).System.Info(ctx); err == nil {
		t.Errorf("a login from an address not allowed succeeded")
	}

	// The password went nowhere it could be read.
	for _, where := range map[string]string{
		"logs":          h.logs.String(),
		"stand-in argv": h.commands(t),
		"sshd log":      h.srv.Log(),
		"results":       res.String(),
		"files on disk": grepTree(t, h.root),
		"scripts left":  grepTree(t, filepath.Join(h.root, "tmp")),
	} {
		if strings.Contains(where, nastyPassword) {
			t.Errorf("the password appears in %q", where)
		}
	}
	if _, err := os.Stat("/tmp/pwned"); err == nil {
		t.Errorf("the password was run by a shell")
	}
	if ents, _ := os.ReadDir(filepath.Join(h.root, "tmp")); len(ents) != 0 {
		t.Errorf("left in tmp: %v", ents)
	}

	// Removal: the user's lines go, the others stay, twice is a no-op.
	writeFile(t, filepath.Join(config, "virtual-server/praho-api.acl"), "noconfig=1\n")
	res, err = h.b.RemoveAPIUser(ctx, "praho-api")
	if err != nil || !res.Changed || !strings.Contains(res.Detail, "reloaded miniserv") {
		t.Fatalf("remove: %+v, %v", res, err)
	}
	users, acl := readFile(t, filepath.Join(config, "miniserv.users")), readFile(t, filepath.Join(config, "webmin.acl"))
	if strings.Contains(users, "praho-api:") || strings.Contains(acl, "praho-api:") || !strings.HasPrefix(users, "root:") || !strings.HasPrefix(acl, "root:") {
		t.Errorf("after removal:\n%s\n%s", users, acl)
	}
	if fi, err := os.Stat(filepath.Join(config, "miniserv.users")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("miniserv.users mode %v, %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(config, "virtual-server/praho-api.acl")); !os.IsNotExist(err) {
		t.Errorf("ACL file left: %v", err)
	}
	if res, err := h.b.RemoveAPIUser(ctx, "praho-api"); err != nil || res.Changed {
		t.Errorf("second removal: %+v, %v", res, err)
	}
}

// TestEnsureAPIUserInvalid: bad options are refused before anything runs,
// and the error does not hold the password.
func TestEnsureAPIUserInvalid(t *testing.T) {
	b := bootstrap.New(nil)
	for _, o := range []bootstrap.APIUserOptions{
		{Name: "bad name", Password: "secret-pw"},
		{Name: "-x", Password: "secret-pw"},
		{Name: "ok", Password: ""},
		{Name: "ok", Password: "two\nlines"},
		{Name: "ok", Password: "secret-pw", AllowFrom: []string{"10.0.0.1; rm -rf /"}},
	} {
		_, err := b.EnsureAPIUser(context.Background(), o)
		if !errors.Is(err, bootstrap.ErrInvalidOptions) {
			t.Errorf("%q: err = %v", o.Name, err)
		}
		if o.Password != "" && strings.Contains(err.Error(), o.Password) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// grepTree returns the content of every regular file under dir.
func grepTree(t *testing.T, dir string) string {
	var all strings.Builder
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			all.Write(data)
		}
		return nil
	})
	return all.String()
}
