package bootstrap_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
)

// TestBootstrapTwice: the whole bootstrap on a bare RHEL-like host
// (firewalld, fail2ban already installed) makes it healthy; a second run
// installs nothing and changes nothing; the API password is in no log line
// at Debug, in no recorded argv or environment of the programs run, and in
// no result.
func TestBootstrapTwice(t *testing.T) {
	t.Parallel()
	h := newHost(t, 8, hostOptions{firewall: bootstraptest.Firewalld, fail2ban: true})
	ctx := testContext(t)
	var progress []string
	b := bootstrap.New(h.client, bootstrap.WithRoot(h.root), bootstrap.WithLogger(h.logger),
		bootstrap.WithProgress(func(step, line string) { progress = append(progress, step+": "+line) }))
	const password = "Bootstrap-" + nastyPassword
	spec := bootstrap.Spec{
		Install: bootstrap.InstallOptions{Mode: bootstrap.BundleLAMP, Hostname: "vm8.example.test", Force: true, InstallerFile: h.InstallerFile()},
		Harden:  bootstrap.HardenOptions{OpenPorts: []int{80, 443, 10000}, Fail2ban: true, TLS: bootstrap.TLSOptions{Hostname: "vm8.example.test"}},
		APIUser: bootstrap.APIUserOptions{Name: "praho", Password: password, AllowFrom: []string{h.ns.HostAddr}},
		Health:  bootstrap.HealthOptions{MinMemoryAvailable: 1 << 20, MinDiskFree: 1 << 20},
	}
	rep, err := b.Bootstrap(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rep.Steps {
		names = append(names, s.Name)
		if !s.Changed {
			t.Errorf("first run: %v", s)
		}
	}
	if got := strings.Join(names, " "); got != "install firewall fail2ban tls api-user" {
		t.Errorf("steps %s", got)
	}
	if rep.Health.Status != bootstrap.Healthy {
		t.Fatalf("health:\n%s", rep.Health)
	}
	if rep.TLSFingerprintSHA256 != servedFingerprint(t, h.ns.Addr+":10000") {
		t.Errorf("fingerprint %s is not the one served", rep.TLSFingerprintSHA256)
	}
	if !strings.Contains(strings.Join(progress, "\n"), "install: Installation Complete") {
		t.Errorf("progress: %q", progress)
	}

	rep2, err := b.Bootstrap(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Changed() {
		t.Errorf("second run changed: %v", rep2.Steps)
	}
	if rep2.Health.Status != bootstrap.Healthy || rep2.TLSFingerprintSHA256 != rep.TLSFingerprintSHA256 {
		t.Errorf("second run: %s %s", rep2.Health.Status, rep2.TLSFingerprintSHA256)
	}
	if n := strings.Count(readFile(t, filepath.Join(h.root, "installer.args")), "\n"); n != 1 {
		t.Errorf("the installer ran %d times", n)
	}

	cmds := h.commands(t)
	if !strings.Contains(cmds, "perl ") {
		t.Fatalf("perl was not recorded:\n%s", cmds)
	}
	env, err := os.ReadFile(filepath.Join(h.state, "perl.env"))
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for _, s := range append(rep.Steps, rep2.Steps...) {
		results = append(results, s.String())
	}
	for where, text := range map[string]string{
		"debug logs":       h.logs.String(),
		"argv of programs": cmds,
		"environment":      string(env),
		"results":          strings.Join(results, "\n") + rep.Health.String(),
		"progress":         strings.Join(progress, "\n"),
		"sshd log":         h.srv.Log(),
	} {
		if strings.Contains(text, password) || strings.Contains(text, "pwned") {
			t.Errorf("the password appears in the %s", where)
		}
	}
	if !strings.Contains(h.logs.String(), "level=DEBUG") {
		t.Errorf("nothing logged at Debug: the check above proves nothing")
	}
}
