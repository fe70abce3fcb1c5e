package virtualmin_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// A fleet of two simulated systems that reach each other on loopback like
// two real servers: A, the source, and B, the target.
type fleet struct {
	a, b   *virtualmintest.Server
	ca, cb *virtualmin.Client
}

const (
	fleetPass = "FleetPass-123" // the master admin "admin" on both systems
	account   = "shop.test"
	sub       = "blog.shop.test"
	alias     = "shop-alias.test"
)

func simClient(t *testing.T, sim *virtualmintest.Server, opts ...virtualmin.Option) *virtualmin.Client {
	t.Helper()
	base := []virtualmin.Option{
		virtualmin.WithBasicAuth("admin", fleetPass),
		virtualmin.WithPinnedCertificateSHA256(sim.CertificateSHA256()),
		virtualmin.WithRateLimit(100, 100),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}),
	}
	c, err := virtualmin.NewClient(sim.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{}
	for _, s := range []**virtualmintest.Server{&f.a, &f.b} {
		sim, err := virtualmintest.NewServer()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		// "admin" may make Webmin RPC calls by Webmin's default ACL.
		sim.AddUser("admin", fleetPass, virtualmintest.RoleMaster)
		*s = sim
	}
	f.ca, f.cb = simClient(t, f.a), simClient(t, f.b)
	return f
}

// seedAccount creates on A an account with a mailbox, a second database, a
// sub-server with its own database and an alias domain, and puts content in
// each: a file, a mail, rows.
func (f *fleet) seedAccount(t *testing.T) {
	t.Helper()
	x := ctx(t)
	if _, err := f.ca.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: account, Pass: "ShopPass-123",
		Features: []string{"unix", "dir", "web", "mail", "mysql"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Users.Create(x, &virtualmin.CreateUserRequest{Domain: account, User: "box", Pass: "BoxPass-123"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Databases.Create(x, account, "mysql", "shop_extra"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: sub, Parent: account,
		Features: []string{"dir", "web", "mail", "mysql"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: alias, Alias: account,
		Features: []string{"web", "mail"}}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.a.PutFile(account, "public_html/marker.txt", []byte("the shop's marker\x00\xff")))
	_, err := f.a.PutMail(account, "box", []byte("Subject: hello\n\nmail for box\n"))
	must(err)
	must(f.a.PutRow(account, "shop", "orders", "1,first order"))
	must(f.a.PutRow(account, "shop_extra", "log", "1,extra row"))
	must(f.a.PutFile(sub, "public_html/blog.txt", []byte("a post")))
	must(f.a.PutRow(sub, "blog", "posts", "1,post"))
}

func digest(t *testing.T, s *virtualmintest.Server, name string) string {
	t.Helper()
	d, err := s.ContentDigest(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// verify reads the account back on both systems: nothing may differ.
func (f *fleet) verify(t *testing.T) {
	t.Helper()
	x := ctx(t)
	src, err := f.ca.Moves.ReadAccount(x, account)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := f.cb.Moves.ReadAccount(x, account)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Domains) != 3 || len(src.Mailboxes[account]) != 1 || len(src.Databases[account]) != 2 || len(src.Databases[sub]) != 1 {
		t.Fatalf("source account read back as %+v", src)
	}
	if d := src.Diff(dst); len(d) > 0 {
		t.Fatalf("target differs: %q", d)
	}
	if a, b := digest(t, f.a, account), digest(t, f.b, account); a != b {
		t.Fatal("content digests differ between source and target")
	}
}

// absent checks that a system does not have the account.
func absent(t *testing.T, c *virtualmin.Client, name string) {
	t.Helper()
	if _, err := c.Moves.ReadAccount(ctx(t), name); !errors.Is(err, virtualmin.ErrNotFound) {
		t.Fatalf("%s on %s: %v, want not found", name, c.Server(), err)
	}
}

// TestMoveEndToEnd moves an account with content by each way that takes a
// backup: on A to a destination, restored on B, verified, deleted on A.
func TestMoveEndToEnd(t *testing.T) {
	// Way 1, transfer-domain, is TestTransferCopiesAccount.
	for _, way := range []string{"webmin", "ssh", "relay"} {
		t.Run(way, func(t *testing.T) {
			f := newFleet(t)
			f.seedAccount(t)
			before := digest(t, f.a, account)
			x := ctx(t)
			loc := virtualmin.BackupLocation{Path: "/var/backups/virtualmin/shop.tar.gz"}
			if way == "webmin" {
				// Way 2: straight to B over Webmin RPC, with B's login.
				loc = virtualmin.BackupLocation{Protocol: virtualmin.LocationWebmin, Host: f.b.Endpoint(),
					User: "admin", Pass: fleetPass, Path: "/tmp/shop.tar.gz"}
			}
			if way == "ssh" {
				// Way 2 over SSH: to B's sshd with a Unix login.
				const pw = "B-root-pw-1"
				sshd := sshtest.Start(t, sshtest.WithPassword(pw), sshtest.WithBindMount(f.b.HostPath("/var/backups"), "/var/backups"))
				loc = virtualmin.BackupLocation{Protocol: virtualmin.LocationSSH, Host: sshd.Addr, User: sshd.User, Pass: pw,
					Path: "/var/backups/virtualmin/shop.tar.gz"}
			}
			dest, err := loc.URL()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.ca.Backups.Backup(x, account, dest, &virtualmin.BackupOptions{Account: true}); err != nil {
				t.Fatal(err)
			}
			src := loc.Path
			if way == "relay" {
				// Way 3: the caller carries the archive over its own SSH
				// sessions to each host (real sshds that see the simulated
				// hosts' /var/backups).
				relay(t, f, loc.Path)
			}
			if _, err := f.cb.Backups.Restore(x, src, account, &virtualmin.BackupOptions{Account: true}); err != nil {
				t.Fatal(err)
			}
			f.verify(t)
			// Same ID, hashes and content; new Unix IDs.
			da, _ := f.a.Domain(account)
			db, _ := f.b.Domain(account)
			if da.ID != db.ID {
				t.Fatalf("ID %s on B, want %s", db.ID, da.ID)
			}
			if err := f.ca.Domains.Delete(x, account); err != nil {
				t.Fatal(err)
			}
			absent(t, f.ca, account)
			if got := digest(t, f.b, account); got != before {
				t.Fatal("the account on B is not the one A had")
			}
		})
	}
}

func TestTransferCopiesAccount(t *testing.T) {
	f := newFleet(t)
	f.seedAccount(t)
	res, err := f.ca.Moves.Transfer(ctx(t), &virtualmin.TransferRequest{Domain: account, Host: f.b.Endpoint(),
		Protocol: virtualmin.TransferWebmin, User: "admin", Pass: fleetPass})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "Transferring shop.test and 2 sub-servers") || !strings.Contains(res.Output, "Restore completed successfully") {
		t.Fatalf("output:\n%s", res.Output)
	}
	f.verify(t)
	// A keeps its copy until the caller deletes it.
	if _, ok := f.a.Domain(account); !ok {
		t.Fatal("the source was removed by a copy")
	}
}

// TestTransferRefusals: every refusal leaves both systems as they were and
// says why with a typed error.
func TestTransferRefusals(t *testing.T) {
	type tc struct {
		name    string
		prepare func(t *testing.T, f *fleet, req *virtualmin.TransferRequest)
		refusal virtualmin.TransferRefusal
		kind    error
	}
	for _, c := range []tc{
		{"disabled", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			if err := f.ca.Domains.Disable(ctx(t), account, "unpaid"); err != nil {
				t.Fatal(err)
			}
		}, virtualmin.RefusalDisabled, virtualmin.ErrFailed},
		{"already hosted", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			if _, err := f.cb.Domains.Create(ctx(t), &virtualmin.CreateDomainRequest{Domain: alias, Pass: "Other-123", Features: []string{"unix", "dir"}}); err != nil {
				t.Fatal(err)
			}
		}, virtualmin.RefusalAlreadyHosted, virtualmin.ErrAlreadyExists},
		{"missing parent", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			req.Domain = sub
		}, virtualmin.RefusalMissingParent, virtualmin.ErrNotFound},
		{"rpc not allowed", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			// A least-privilege Webmin user: the module, the default ACL.
			f.b.AddUser("praho", "PrahoPass-123", virtualmintest.RoleMaster)
			req.User, req.Pass = "praho", "PrahoPass-123"
		}, virtualmin.RefusalRPCNotAllowed, virtualmin.ErrNotPermitted},
		{"wrong password", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			req.Pass = "Wrong-Pass-1"
		}, virtualmin.RefusalLogin, virtualmin.ErrNotPermitted},
		{"closed port", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			req.Host = closedPort(t)
		}, virtualmin.RefusalUnreachable, virtualmin.ErrTransient},
		{"target down", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			f.b.Close()
		}, virtualmin.RefusalUnreachable, virtualmin.ErrTransient},
		{"ssh unreachable", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			req.Protocol, req.Host, req.User = virtualmin.TransferSSH, closedPort(t), "root"
		}, virtualmin.RefusalUnreachable, virtualmin.ErrTransient},
		{"check on the target fails", func(t *testing.T, f *fleet, req *virtualmin.TransferRequest) {
			f.a.FailNext("transfer-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepValidate})
		}, virtualmin.RefusalUnreachable, virtualmin.ErrTransient},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFleet(t)
			f.seedAccount(t)
			req := &virtualmin.TransferRequest{Domain: account, Host: f.b.Endpoint(), Protocol: virtualmin.TransferWebmin,
				User: "admin", Pass: fleetPass, Source: virtualmin.DeleteSourceBeforeRestore}
			c.prepare(t, f, req)
			before := digest(t, f.a, account)
			_, err := f.ca.Moves.Transfer(ctx(t), req)
			var r *virtualmin.TransferRefusedError
			if !errors.Is(err, virtualmin.ErrTransferRefused) || !errors.As(err, &r) || r.Refusal != c.refusal {
				t.Fatalf("got %v, want refusal %q", err, c.refusal)
			}
			if !errors.Is(err, &virtualmin.TransferRefusedError{Refusal: c.refusal}) || !errors.Is(err, c.kind) {
				t.Fatalf("%v does not match its refusal and kind %v", err, c.kind)
			}
			if strings.Contains(err.Error(), req.Pass) {
				t.Fatalf("the error shows the password: %v", err)
			}
			if digest(t, f.a, account) != before {
				t.Fatal("a refused transfer changed the source")
			}
			if c.name != "already hosted" && c.name != "target down" {
				if _, ok := f.b.Domain(account); ok {
					t.Fatal("a refused transfer left the account on the target")
				}
			}
		})
	}
}

// TestTransferRPCGranted: the same least-privilege login works once it is
// granted Webmin RPC (rpc=1), which is root-equivalent on the target.
func TestTransferRPCGranted(t *testing.T) {
	f := newFleet(t)
	f.seedAccount(t)
	f.b.AddUser("praho", "PrahoPass-123", virtualmintest.RoleMaster)
	f.b.SetRPCAccess("praho", virtualmintest.RPCAllowed)
	if _, err := f.ca.Moves.Transfer(ctx(t), &virtualmin.TransferRequest{Domain: account, Host: f.b.Endpoint(),
		Protocol: virtualmin.TransferWebmin, User: "praho", Pass: "PrahoPass-123"}); err != nil {
		t.Fatal(err)
	}
	f.verify(t)
}

// TestTransferFailures: a fault at each step after the checks. transfer-
// domain answers "success"; the client tells the failure from the output,
// and reading the target tells the truth.
func TestTransferFailures(t *testing.T) {
	type tc struct {
		name    string
		source  virtualmin.SourceAction
		prepare func(t *testing.T, f *fleet)
		step    virtualmin.TransferStep
		reason  string
		// after the failure: the account on A (intact), on B (none, or a
		// half-restored one that reads back different)
		onA, onB   bool
		targetFull bool
	}
	fault := func(step virtualmintest.Step) func(t *testing.T, f *fleet) {
		return func(t *testing.T, f *fleet) {
			f.a.FailNext("transfer-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: step, Message: "injected at " + string(step)})
		}
	}
	for _, c := range []tc{
		{"backup", virtualmin.KeepSource, fault(virtualmintest.StepBackup), virtualmin.StepBackup, "injected at backup", true, false, false},
		{"mariadb down on the source", virtualmin.DeleteSourceBeforeRestore, func(t *testing.T, f *fleet) { f.a.SetMySQLDown(true) },
			virtualmin.StepBackup, "backup of mysql failed", true, false, false},
		{"copy", virtualmin.KeepSource, fault(virtualmintest.StepUpload), virtualmin.StepCopy, "injected at upload", true, false, false},
		{"target full", virtualmin.DeleteSourceBeforeRestore, func(t *testing.T, f *fleet) { f.b.SetDiskSpace(f.b.DiskUsed() + 300) },
			virtualmin.StepCopy, "No space left on device", true, false, true},
		{"restore", virtualmin.KeepSource, fault(virtualmintest.StepRestore), virtualmin.StepRestore, "injected at restore", true, false, false},
		{"unix user clash on the target", virtualmin.KeepSource, func(t *testing.T, f *fleet) {
			if err := f.b.AddUnixUser("shop"); err != nil {
				t.Fatal(err)
			}
		}, virtualmin.StepRestore, "A unix user named shop already exists", true, false, false},
		// The target's own restore-domain: the dry run, then the restore.
		{"dry run on the target", virtualmin.KeepSource, func(t *testing.T, f *fleet) {
			f.b.FailNext("restore-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Message: "dry run refused"})
		}, virtualmin.StepValidate, "dry run refused", true, false, false},
		{"restore on the target", virtualmin.KeepSource, func(t *testing.T, f *fleet) {
			f.b.FailNext("restore-domain", 2, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepRestore, Message: "target restore"})
		}, virtualmin.StepRestore, "target restore", true, false, false},
		{"half restored", virtualmin.KeepSource, fault(virtualmintest.StepHalfRestored), virtualmin.StepRestore, "injected at half-restored", true, true, false},
		{"delete of the source", virtualmin.DeleteSourceBeforeRestore, fault(virtualmintest.StepDelete), virtualmin.StepSource, "injected at delete", true, false, false},
		// The recorded data loss: deleted before a restore that failed.
		{"restore after delete", virtualmin.DeleteSourceBeforeRestore, fault(virtualmintest.StepRestore), virtualmin.StepRestore, "injected at restore", false, false, false},
		{"restore after disable", virtualmin.DisableSourceBeforeRestore, fault(virtualmintest.StepRestore), virtualmin.StepRestore, "injected at restore", true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFleet(t)
			f.seedAccount(t)
			before := digest(t, f.a, account)
			c.prepare(t, f)
			_, err := f.ca.Moves.Transfer(ctx(t), &virtualmin.TransferRequest{Domain: account, Host: f.b.Endpoint(),
				Protocol: virtualmin.TransferWebmin, User: "admin", Pass: fleetPass, Source: c.source})
			var fe *virtualmin.TransferFailedError
			if !errors.Is(err, virtualmin.ErrTransferFailed) || !errors.As(err, &fe) || !errors.Is(err, virtualmin.ErrFailed) {
				t.Fatalf("got %v, want a failed transfer", err)
			}
			if fe.Step != c.step || !strings.Contains(fe.Reason, c.reason) || fe.TargetFull != c.targetFull {
				t.Fatalf("got %+v, want step %s with %q", fe, c.step, c.reason)
			}
			if fe.SourceDeleted != (c.source == virtualmin.DeleteSourceBeforeRestore && !c.onA) {
				t.Fatalf("SourceDeleted %v: %v", fe.SourceDeleted, err)
			}
			if fe.SourceDisabled != (c.source == virtualmin.DisableSourceBeforeRestore) {
				t.Fatalf("SourceDisabled %v: %v", fe.SourceDisabled, err)
			}
			if _, on := f.a.Domain(account); on != c.onA {
				t.Fatalf("account on A: %v, want %v", on, c.onA)
			}
			if c.onA && digest(t, f.a, account) != before {
				t.Fatal("the source's content changed")
			}
			x := ctx(t)
			dst, err := f.cb.Moves.ReadAccount(x, account)
			switch {
			case !c.onB:
				if !errors.Is(err, virtualmin.ErrNotFound) {
					t.Fatalf("target: %v, want no account", err)
				}
			case err != nil:
				t.Fatal(err)
			case c.onA:
				src, err := f.ca.Moves.ReadAccount(x, account)
				if err != nil {
					t.Fatal(err)
				}
				if len(src.Diff(dst)) == 0 {
					t.Fatal("a half-restored account reads back like the source")
				}
			}
		})
	}
}

// TestMoveStepFaults: the other steps of a move the caller runs itself
// fail as the simulator is told: the verification read on the target, the
// delete on the source, a restore that stops half-way.
func TestMoveStepFaults(t *testing.T) {
	f := newFleet(t)
	f.seedAccount(t)
	x := ctx(t)
	dest := "/var/backups/virtualmin/shop.tar.gz"
	if _, err := f.ca.Backups.Backup(x, account, dest, &virtualmin.BackupOptions{Account: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.a.HostPath(dest))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.b.HostPath(dest), b, 0o600); err != nil {
		t.Fatal(err)
	}

	// A restore that re-creates the account and stops before its content.
	f.b.FailNext("restore-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepHalfRestored})
	if _, err := f.cb.Backups.Restore(x, dest, account, &virtualmin.BackupOptions{Account: true}); !errors.Is(err, virtualmin.ErrFailed) {
		t.Fatalf("half restore: %v", err)
	}
	src, err := f.ca.Moves.ReadAccount(x, account)
	if err != nil {
		t.Fatal(err)
	}
	half, err := f.cb.Moves.ReadAccount(x, account)
	if err != nil {
		t.Fatal(err)
	}
	if d := src.Diff(half); len(d) == 0 {
		t.Fatal("the half-restored account reads back like the source")
	}
	// Restoring again completes it (over what is there).
	if _, err := f.cb.Backups.Restore(x, dest, account, &virtualmin.BackupOptions{Account: true}); err != nil {
		t.Fatal(err)
	}

	// The verification read fails, then works.
	f.b.FailNext("list-domains", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Message: "Injected failure"})
	if _, err := f.cb.Moves.ReadAccount(x, account); err == nil {
		t.Fatal("verification read did not fail")
	}
	f.verify(t)

	// The delete on the source fails: the source stays.
	f.a.FailNext("delete-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure})
	if err := f.ca.Domains.Delete(x, account); err == nil {
		t.Fatal("delete did not fail")
	}
	if _, ok := f.a.Domain(account); !ok {
		t.Fatal("a failed delete removed the source")
	}
	if err := f.ca.Domains.Delete(x, account); err != nil {
		t.Fatal(err)
	}
}

// TestRemoteBackupRefusals: backups to and restores from another system are
// refused with the transfer's typed errors.
func TestRemoteBackupRefusals(t *testing.T) {
	f := newFleet(t)
	f.seedAccount(t)
	x := ctx(t)
	f.b.AddUser("praho", "PrahoPass-123", virtualmintest.RoleMaster)
	for _, c := range []struct {
		name     string
		loc      virtualmin.BackupLocation
		refusal  virtualmin.TransferRefusal
		password string
	}{
		{"rpc not allowed", virtualmin.BackupLocation{Protocol: virtualmin.LocationWebmin, Host: f.b.Endpoint(), User: "praho", Pass: "PrahoPass-123", Path: "/tmp/x.tar.gz"},
			virtualmin.RefusalRPCNotAllowed, "PrahoPass-123"},
		{"wrong password", virtualmin.BackupLocation{Protocol: virtualmin.LocationWebmin, Host: f.b.Endpoint(), User: "admin", Pass: "Wrong:P@ss-1", Path: "/tmp/x.tar.gz"},
			virtualmin.RefusalLogin, "Wrong:P@ss-1"},
		{"closed port", virtualmin.BackupLocation{Protocol: virtualmin.LocationWebmin, Host: closedPort(t), User: "admin", Pass: fleetPass, Path: "/tmp/x.tar.gz"},
			virtualmin.RefusalUnreachable, fleetPass},
		{"ssh closed port", virtualmin.BackupLocation{Protocol: virtualmin.LocationSSH, Host: closedPort(t), User: "root", Pass: "Ssh-Pass-123", Path: "/tmp/x.tar.gz"},
			virtualmin.RefusalUnreachable, "Ssh-Pass-123"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := c.loc.URL()
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.ca.Backups.Backup(x, account, u, nil)
			var r *virtualmin.TransferRefusedError
			if !errors.As(err, &r) || r.Refusal != c.refusal {
				t.Fatalf("backup: %v, want %s", err, c.refusal)
			}
			if strings.Contains(err.Error(), c.password) {
				t.Fatalf("the error shows the password: %v", err)
			}
			_, err = f.cb.Backups.Restore(x, u, account, nil)
			if !errors.As(err, &r) || r.Refusal != c.refusal || strings.Contains(err.Error(), c.password) {
				t.Fatalf("restore: %v, want %s", err, c.refusal)
			}
		})
	}
}

// TestBackupLocationSecrets: a destination's password never shows in the
// client's debug log, its errors or the location's String.
func TestBackupLocationSecrets(t *testing.T) {
	f := newFleet(t)
	f.seedAccount(t)
	var logs bytes.Buffer
	c := simClient(t, f.a, virtualmin.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	const secret = "Sup3r S3cret@pass" // a space and an @: Virtualmin reads up to the last @
	loc := virtualmin.BackupLocation{Protocol: virtualmin.LocationWebmin, Host: f.b.Endpoint(), User: "admin", Pass: secret, Path: "/tmp/x.tar.gz"}
	u, err := loc.URL()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(loc.String(), secret) || !strings.Contains(loc.String(), "webmin://admin:") {
		t.Fatalf("String: %s", loc.String())
	}
	_, err = c.Backups.Backup(ctx(t), account, u, nil) // the wrong password for B
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error: %v", err)
	}
	var e *virtualmin.Error
	if !errors.As(err, &e) || strings.Contains(e.Output, secret) {
		t.Fatalf("output shows the secret: %+v", e)
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "Sup3r") {
		t.Fatalf("the debug log shows the secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "backup-domain") {
		t.Fatal("nothing logged")
	}
	for _, bad := range []virtualmin.BackupLocation{
		{Protocol: virtualmin.LocationWebmin, Host: "h", User: "a:b", Pass: "x", Path: "/p"},
		{Protocol: virtualmin.LocationSSH, Host: "h", User: "a", Pass: "x", Path: "relative"},
		{Protocol: "ftp", Host: "h", User: "a", Pass: "x", Path: "/p"},
		{Protocol: virtualmin.LocationSSH, Host: "h h", User: "a", Pass: "x", Path: "/p"},
	} {
		if _, err := bad.URL(); !errors.Is(err, virtualmin.ErrInvalidInput) {
			t.Errorf("%v: %v, want invalid input", bad, err)
		}
	}
}

// relay downloads path from host A and uploads it to host B over SSH, as a
// provider with SSH access to both servers does.
func relay(t *testing.T, f *fleet, path string) {
	t.Helper()
	x := ctx(t)
	dial := func(s *virtualmintest.Server) *ssh.Client {
		t.Helper()
		sshd := sshtest.Start(t, sshtest.WithBindMount(s.HostPath("/var/backups"), "/var/backups"))
		c, err := ssh.Dial(x, sshd.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	res, err := dial(f.a).Run(x, ssh.Command{Args: []string{"cat", path}})
	if err != nil {
		t.Fatal(err)
	}
	if err := dial(f.b).Upload(x, path, 0o600, bytes.NewReader(res.Stdout)); err != nil {
		t.Fatal(err)
	}
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
