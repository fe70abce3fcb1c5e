package virtualmin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// These tests run the client against the Virtualmin simulator, which answers
// like the recorded server; the client has no test-only switches: it pins the
// simulator's certificate like a real deployment pins Webmin's.

func newSimulated(t *testing.T, opts ...virtualmin.Option) (*virtualmintest.Server, *virtualmin.Client) {
	t.Helper()
	return newSimulatedAs(t, virtualmintest.StockProfile(), opts...)
}

// newSimulatedAs starts a simulator configured as p, with PHP installed.
func newSimulatedAs(t *testing.T, p virtualmintest.Profile, opts ...virtualmin.Option) (*virtualmintest.Server, *virtualmin.Client) {
	t.Helper()
	sim, err := virtualmintest.NewServer(virtualmintest.WithProfile(p), virtualmintest.WithPHP(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	sim.AddUser("admin", "AdminPass123", virtualmintest.RoleMaster)
	sim.AddUser("limited", "LimitedPass1", virtualmintest.RoleRestricted)
	base := []virtualmin.Option{
		virtualmin.WithBasicAuth("admin", "AdminPass123"),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()),
		// The default 2 calls/s protects a real server; the simulator needs none.
		virtualmin.WithRateLimit(100, 100),
	}
	c, err := virtualmin.NewClient(sim.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestSimulatorDomainLifecycle(t *testing.T) {
	sim, c := newSimulated(t)
	x := ctx(t)
	d, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{
		Domain: "alpha.test", Pass: "AlphaPass123", Desc: "Alpha", User: "alphauser",
		Features: []string{"unix", "dir", "web", "dns", "mail", "mysql", "webmin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "alpha.test" || d.Username != "alphauser" || d.Description != "Alpha" || d.Type != virtualmin.DomainTypeTopLevel {
		t.Fatalf("created %+v", d)
	}
	// The simulator sends them, as the real server does to a master admin.
	for _, k := range []string{"password_for_mysql", "hashed_password"} {
		if _, ok := d.Raw[k]; ok {
			t.Errorf("secret key %q kept in Raw", k)
		}
	}
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "alpha.test", Pass: "x1234567", Features: []string{"unix", "dir"}}); !errors.Is(err, virtualmin.ErrAlreadyExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "sub.alpha.test", Parent: "alpha.test", Features: []string{"dir", "web"}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.Domains.List(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1].ParentDomain != "alpha.test" {
		t.Fatalf("list: %+v", list)
	}
	if err := c.Domains.Disable(x, "alpha.test", "unpaid"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Domains.Get(x, "alpha.test"); err != nil || !got.Disabled || !strings.Contains(got.DisabledReason, "unpaid") {
		t.Fatalf("after disable: %+v %v", got, err)
	}
	if err := c.Domains.Disable(x, "alpha.test", "again"); err == nil {
		t.Fatal("disabling twice succeeded")
	}
	if err := c.Domains.Enable(x, "alpha.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Domains.Modify(x, "alpha.test", &virtualmin.ModifyDomainRequest{Desc: "Renamed"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := sim.Domain("alpha.test"); got.Description != "Renamed" || got.Disabled {
		t.Fatalf("simulator state: %+v", got)
	}
	if err := c.Domains.Modify(x, "nosuch.test", &virtualmin.ModifyDomainRequest{Desc: "x"}); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("modify missing: %v", err)
	}
	if err := c.Domains.Delete(x, "alpha.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Domains.Get(x, "sub.alpha.test"); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("sub-server after parent delete: %v", err)
	}
	if err := c.Domains.Delete(x, "alpha.test"); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
}

func TestSimulatorUsersAndDatabases(t *testing.T) {
	// A mailbox's Unix name follows the server's append_style.
	for _, tc := range []struct {
		profile  virtualmintest.Profile
		unixName string
	}{{virtualmintest.StockProfile(), "carol@gamma.test"}, {virtualmintest.MinimalProfile(), "carol.gamma"}} {
		t.Run(tc.profile.Name, func(t *testing.T) { testSimulatorUsersAndDatabases(t, tc.profile, tc.unixName) })
	}
}

func testSimulatorUsersAndDatabases(t *testing.T, p virtualmintest.Profile, unixName string) {
	sim, c := newSimulatedAs(t, p)
	x := ctx(t)
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "gamma.test", Pass: "GammaPass123", User: "gamma",
		Features: []string{"unix", "dir", "web", "dns", "mail", "mysql"}}); err != nil {
		t.Fatal(err)
	}
	u, err := c.Users.Create(x, &virtualmin.CreateUserRequest{Domain: "gamma.test", User: "carol", Pass: "CarolPass123", RealName: "Carol", FTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.UnixUsername != unixName || !u.FTPAccess {
		t.Fatalf("user %+v", u)
	}
	if _, err := c.Users.Create(x, &virtualmin.CreateUserRequest{Domain: "gamma.test", User: "carol", Pass: "x1234567"}); !errors.Is(err, virtualmin.ErrAlreadyExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	if err := c.Users.Modify(x, "gamma.test", "carol", &virtualmin.ModifyUserRequest{RealName: "Carol R", AddForward: []string{"c@example.org"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Users.Get(x, "gamma.test", "carol")
	if err != nil || got.RealName != "Carol R" || len(got.ForwardTo) != 1 || !got.KeepLocalCopy {
		t.Fatalf("after modify: %+v %v", got, err)
	}
	if err := c.Users.Delete(x, "gamma.test", "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Get(x, "gamma.test", "carol"); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("deleted user: %v", err)
	}
	if _, err := c.Databases.Create(x, "gamma.test", "mysql", "gamma_app"); err != nil {
		t.Fatal(err)
	}
	dbs, err := c.Databases.List(x, "gamma.test", "")
	if err != nil || len(dbs) != 2 {
		t.Fatalf("databases: %+v %v", dbs, err)
	}
	if err := c.Databases.Delete(x, "gamma.test", "mysql", "gamma_app"); err != nil {
		t.Fatal(err)
	}
	if err := c.Databases.Delete(x, "gamma.test", "mysql", "gamma_app"); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("delete missing db: %v", err)
	}
	if d, _ := sim.Domain("gamma.test"); len(d.Databases) != 1 || len(d.Users) != 0 {
		t.Fatalf("simulator state: %+v", d)
	}
}

// A create whose answer is lost after the server did the work: the client
// must not repeat it blindly; it looks the domain up and succeeds. When the
// server did nothing, the look-up finds nothing and the create is sent again.
func TestSimulatorCreateCompletedAfterClientTimeout(t *testing.T) {
	sim, c := newSimulated(t, virtualmin.WithCallTimeout(4*time.Second))
	x := ctx(t)
	sim.FailNext("create-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultCompleteThenHang})
	d, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "late.test", Pass: "LatePass123", Features: []string{"unix", "dir", "web"}})
	if err != nil {
		t.Fatalf("create after lost answer: %v", err)
	}
	if d.Name != "late.test" {
		t.Fatalf("got %+v", d)
	}
	if n := sim.Calls("create-domain"); n != 1 {
		t.Fatalf("create-domain sent %d times, want exactly once", n)
	}

	// The same fault where the server did nothing: the look-up finds no
	// domain, so the create is sent again and makes it.
	sim.FailNext("create-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultHang})
	if _, err = c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "lost.test", Pass: "LostPass123", Features: []string{"unix", "dir"}}); err != nil {
		t.Fatalf("create that never ran: %v", err)
	}
	if n := sim.Calls("create-domain"); n != 3 {
		t.Fatalf("create-domain sent %d times in total, want 3 (late.test once, lost.test twice)", n)
	}
	if _, ok := sim.Domain("lost.test"); !ok {
		t.Fatal("lost.test was not created")
	}
}

// Webmin restarts while creates are in flight (connections reset, then
// refused): each create is settled with the server once it answers. A create
// still running when the client looks (it lands later, after its lock) is
// not taken for absent: the create sent again waits for it and is refused as
// a duplicate. Every domain ends up existing once.
func TestSimulatorCreatesSettledAcrossWebminRestart(t *testing.T) {
	sim, err := virtualmintest.NewServer(virtualmintest.WithLatency("create-domain", 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	sim.AddUser("admin", "AdminPass123", virtualmintest.RoleMaster)
	c, err := virtualmin.NewClient(sim.URL(), virtualmin.WithBasicAuth("admin", "AdminPass123"),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()), virtualmin.WithRateLimit(100, 100),
		virtualmin.WithBreaker(virtualmin.BreakerPolicy{}),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name              string
		resetFor, refused time.Duration
	}{
		{"lands after the look-up", 0, 0},
		{"look-ups fail for a while", 300 * time.Millisecond, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			domain := strings.ReplaceAll(tc.name, " ", "-") + ".test"
			before := sim.Calls("create-domain")
			sim.FailNext("create-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultOutage, ResetFor: tc.resetFor, RefuseFor: tc.refused})
			d, err := c.Domains.Create(ctx(t), &virtualmin.CreateDomainRequest{Domain: domain, Pass: "RestartPass123", Features: []string{"unix", "dir"}})
			if err != nil {
				t.Fatalf("create across the restart: %v", err)
			}
			if d.Name != domain {
				t.Fatalf("got %+v", d)
			}
			if n := sim.Calls("create-domain") - before; n < 1 || n > 2 {
				t.Errorf("create-domain sent %d times, want once or twice (again only after a look-up found nothing)", n)
			}
			found := 0
			for _, name := range sim.Domains() {
				if name == domain {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("%s exists %d times on the server, want once", domain, found)
			}
		})
	}
}

func TestSimulatorReadsRetriedAfter5xx(t *testing.T) {
	sim, c := newSimulated(t)
	sim.FailNext("list-domains", 1, virtualmintest.Fault{Kind: virtualmintest.FaultHTTP500})
	if _, err := c.Domains.List(ctx(t), nil); err != nil {
		t.Fatalf("list after one 500: %v", err)
	}
	if n := sim.Calls("list-domains"); n != 2 {
		t.Fatalf("list-domains called %d times, want 2 (one retry)", n)
	}
}

func TestSimulatorPermissions(t *testing.T) {
	sim, _ := newSimulated(t)
	c, err := virtualmin.NewClient(sim.URL(), virtualmin.WithBasicAuth("limited", "LimitedPass1"),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Domains.List(ctx(t), nil); !errors.Is(err, virtualmin.ErrNotPermitted) {
		t.Fatalf("restricted user: %v", err)
	}
	bad, err := virtualmin.NewClient(sim.URL(), virtualmin.WithBasicAuth("admin", "wrong-password"),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Domains.List(ctx(t), nil); !errors.Is(err, virtualmin.ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestSimulatorDNSAndPHP(t *testing.T) {
	_, c := newSimulated(t)
	x := ctx(t)
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "delta.test", Pass: "DeltaPass123",
		Features: []string{"unix", "dir", "web", "dns", "mail"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.DNS.AddRecord(x, "delta.test", virtualmin.DNSRecordSpec{Name: "api", Type: "A", Values: []string{"127.0.0.2"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := c.DNS.Get(x, "delta.test", &virtualmin.GetDNSOptions{Type: "A"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if r.Name == "api.delta.test." && len(r.Values) == 1 && r.Values[0] == "127.0.0.2" {
			found = true
		}
	}
	if !found {
		t.Fatalf("record not found in %+v", recs)
	}
	if err := c.PHP.SetMode(x, "delta.test", "fpm"); err != nil {
		t.Fatal(err)
	}
	if err := c.PHP.SetVersion(x, "delta.test", "8.2"); err != nil {
		t.Fatal(err)
	}
	d, err := c.Domains.Get(x, "delta.test")
	if err != nil || d.Raw["php_version"][0] != "8.2" {
		t.Fatalf("php: %+v %v", d, err)
	}
}

func TestSimulatorBackupRestoreAndHost(t *testing.T) {
	sim, c := newSimulated(t)
	x := ctx(t)
	created, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "epsilon.test", Pass: "EpsilonPass123", User: "epsilon",
		Features: []string{"unix", "dir", "web", "dns", "mail", "mysql", "webmin"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Backups.Backup(x, "epsilon.test", "/var/backups/virtualmin/epsilon.tar.gz", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Domains.Delete(x, "epsilon.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Backups.Restore(x, "/var/backups/virtualmin/epsilon.tar.gz", "epsilon.test", nil); err != nil {
		t.Fatal(err)
	}
	restored, err := c.Domains.Get(x, "epsilon.test")
	if err != nil || restored.ID != created.ID {
		t.Fatalf("restored %+v (%v), want ID %s", restored, err, created.ID)
	}
	if _, err := c.Backups.Restore(x, "/var/backups/virtualmin/nosuch.tar.gz", "epsilon.test", nil); err == nil {
		t.Fatal("restoring a missing file succeeded")
	}
	plans, err := c.Plans.List(x)
	if err != nil || len(plans) != 1 || plans[0].Name != "Default Plan" {
		t.Fatalf("plans: %+v %v", plans, err)
	}
	tmpls, err := c.Templates.List(x)
	if err != nil || len(tmpls) != 2 {
		t.Fatalf("templates: %+v %v", tmpls, err)
	}
	info, err := c.System.Info(x)
	if err != nil || info.Hostname != "vm" || info.VirtualminVersion != "8.1.0" {
		t.Fatalf("info: %+v %v", info, err)
	}
	if _, err := c.System.CheckConfig(x); err != nil {
		t.Fatal(err)
	}
	sim.SetMySQLDown(true)
	if _, err := c.System.CheckConfig(x); err == nil {
		t.Fatal("check-config succeeded with MariaDB down")
	}
}

// A Let's Encrypt certificate is installed the way install-cert does it,
// which moves Webmin itself onto the new certificate: a client pinning the
// old fingerprint is locked out until it pins the new one.
func TestSimulatorLetsEncryptMovesWebminCertificate(t *testing.T) {
	// A website without a certificate: only where ssl is not automatic.
	sim, c := newSimulatedAs(t, virtualmintest.MinimalProfile())
	x := ctx(t)
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "zeta.test", Pass: "ZetaPass123",
		Features: []string{"unix", "dir", "web", "dns"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Certificates.GenerateLetsEncrypt(x, "zeta.test", nil); !errors.Is(err, virtualmin.ErrFailed) {
		t.Fatalf("offline request: %v", err)
	}
	if _, err := c.Certificates.Get(x, "zeta.test"); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("certificate before: %v", err)
	}
	old := sim.CertificateSHA256()
	sim.SetLetsEncrypt(true)
	if _, err := c.Certificates.GenerateLetsEncrypt(x, "zeta.test", nil); err != nil {
		t.Fatal(err)
	}
	if sim.CertificateSHA256() == old {
		t.Fatal("Webmin's certificate did not change")
	}
	if _, err := c.Domains.List(x, nil); err == nil {
		t.Fatal("the old pin still works after Webmin's certificate changed")
	}
	c2, err := virtualmin.NewClient(sim.URL(), virtualmin.WithBasicAuth("admin", "AdminPass123"),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c2.Certificates.Get(x, "zeta.test")
	if err != nil || cert.CN != "zeta.test" || len(cert.AltNames) == 0 {
		t.Fatalf("certificate: %+v %v", cert, err)
	}
}
