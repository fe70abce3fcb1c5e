package bootstrap_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
)

// TestHealth: a bootstrapped host (installed, API user, hardened) is
// healthy with five passing checks and resources; a user with more modules
// is degraded; once Webmin (the simulator) is stopped, it is unavailable.
func TestHealth(t *testing.T) {
	t.Parallel()
	h := newHost(t, 7, hostOptions{firewall: bootstraptest.UFW})
	ctx := testContext(t)
	h.install(t, ctx)
	user, pass := "praho-api", "Health-"+nastyPassword
	if _, err := h.b.EnsureAPIUser(ctx, bootstrap.APIUserOptions{Name: user, Password: pass, AllowFrom: []string{h.ns.HostAddr}}); err != nil {
		t.Fatal(err)
	}
	hard, err := h.b.Harden(ctx, bootstrap.HardenOptions{OpenPorts: []int{10000}, Fail2ban: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := bootstrap.HealthOptions{
		APIUser: user, APIPassword: pass, TLSFingerprintSHA256: hard.TLSFingerprintSHA256,
		// The test machine's own headroom is not under test.
		MinMemoryAvailable: 1 << 20, MinDiskFree: 1 << 20,
	}
	rep, err := h.b.Health(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != bootstrap.Healthy {
		t.Fatalf("report:\n%s", rep)
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
		if c.Verdict != bootstrap.Pass || c.Reason == "" {
			t.Errorf("%s: %s: %s", c.Name, c.Verdict, c.Reason)
		}
	}
	if got := strings.Join(names, " "); got != "services api permissions programs security resources" {
		t.Errorf("checks %s", got)
	}
	if rep.VirtualminVersion == "" || rep.WebminVersion == "" || rep.TLSFingerprintSHA256 != hard.TLSFingerprintSHA256 {
		t.Errorf("report %+v", rep)
	}

	// Without SSH: API checks only, the others unknown; still healthy.
	apiOnly := bootstrap.New(nil)
	o2 := opts
	o2.Endpoint = "https://" + h.ns.Addr + ":10000"
	rep2, err := apiOnly.Health(ctx, o2)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := rep2.Check(bootstrap.CheckResources); rep2.Status != bootstrap.Healthy || c.Verdict != bootstrap.Unknown {
		t.Errorf("API-only report:\n%s", rep2)
	}

	// A program the server lacks and a firewall turned off: degraded, with
	// reasons.
	o3 := opts
	o3.RequiredPrograms = append([]string{"no-such-program"}, bootstrap.DefaultRequiredPrograms...)
	if _, err := h.client.Run(ctx, sshCommand("ufw disable || rm -f \"$STANDIN_STATE/ufw.enabled\"")); err != nil {
		t.Fatal(err)
	}
	rep3, err := h.b.Health(ctx, o3)
	if err != nil {
		t.Fatal(err)
	}
	progs, _ := rep3.Check(bootstrap.CheckPrograms)
	sec, _ := rep3.Check(bootstrap.CheckSecurity)
	if rep3.Status != bootstrap.Degraded || progs.Verdict != bootstrap.Fail || !strings.Contains(progs.Reason, "no-such-program") ||
		sec.Verdict != bootstrap.Fail || !strings.Contains(sec.Reason, "ufw is not active") {
		t.Errorf("degraded report:\n%s", rep3)
	}

	// The API user was given another module: more rights than it needs.
	aclFile := filepath.Join(h.root, "etc/webmin/webmin.acl")
	acl := readFile(t, aclFile)
	writeFile(t, aclFile, strings.Replace(acl, user+": virtual-server", user+": virtual-server acl", 1))
	repACL, err := h.b.Health(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if perm, _ := repACL.Check(bootstrap.CheckPermissions); repACL.Status != bootstrap.Degraded || perm.Verdict != bootstrap.Fail || !strings.Contains(perm.Reason, "acl") {
		t.Errorf("extra module:\n%s", repACL)
	}
	writeFile(t, aclFile, acl)

	// A wrong pin: the API is unavailable (and says why).
	o4 := opts
	o4.TLSFingerprintSHA256 = strings.Repeat("00", 32)
	rep4, err := h.b.Health(ctx, o4)
	if err != nil {
		t.Fatal(err)
	}
	if api, _ := rep4.Check(bootstrap.CheckAPI); rep4.Status != bootstrap.Unavailable || api.Verdict != bootstrap.Fail {
		t.Errorf("wrong pin:\n%s", rep4)
	}

	// A host without systemd: miniserv's pid file tells.
	if err := os.Remove(filepath.Join(h.Bin, "systemctl")); err != nil {
		t.Fatal(err)
	}
	rep6, err := h.b.Health(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if svc, _ := rep6.Check(bootstrap.CheckServices); svc.Verdict != bootstrap.Pass {
		t.Errorf("without systemd:\n%s", rep6)
	}

	// Webmin stopped.
	h.stopMiniserv()
	rep5, err := h.b.Health(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := rep5.Check(bootstrap.CheckServices)
	if rep5.Status != bootstrap.Unavailable || svc.Verdict != bootstrap.Fail || !strings.Contains(svc.Reason, "not running") {
		t.Errorf("stopped:\n%s", rep5)
	}
	if strings.Contains(h.logs.String(), pass) {
		t.Errorf("the password is in the logs")
	}
}
