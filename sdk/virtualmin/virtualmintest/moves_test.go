package virtualmintest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// twoHosts starts two simulators, A and B, each with the master admin
// "admin" (allowed Webmin RPC by Webmin's default ACL), and an account on A
// with content.
func twoHosts(t *testing.T) (a, b *Server, run func(s *Server, kv ...string) jsonBody) {
	t.Helper()
	a, _ = newTestServer(t)
	b, c := newTestServer(t)
	run = func(s *Server, kv ...string) jsonBody {
		t.Helper()
		return decode(t, post(t, c, s, "admin", "secret", append(kv, "json", "1")...))
	}
	if j := run(a, "program", "create-domain", "domain", "shop.test", "pass", "Shop-Pass-1", "unix", "", "dir", "", "web", "", "mail", "", "mysql", ""); j.Status != "success" {
		t.Fatalf("create: %+v", j)
	}
	if j := run(a, "program", "create-user", "domain", "shop.test", "user", "box", "pass", "Box-Pass-1"); j.Status != "success" {
		t.Fatalf("create-user: %+v", j)
	}
	if err := a.PutFile("shop.test", "public_html/a.txt", []byte("from A")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutMail("shop.test", "box", []byte("Subject: x\n\nhi\n")); err != nil {
		t.Fatal(err)
	}
	if err := a.PutRow("shop.test", "shop", "t", "1,row"); err != nil {
		t.Fatal(err)
	}
	return a, b, run
}

func mustDigest(t *testing.T, s *Server, d string) string {
	t.Helper()
	v, err := s.ContentDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBackupOverSSH backs up to ssh:// on a real sshd that plays host B (its
// /var/backups is B's), restores there from the path and from ssh://, and
// sees a wrong password refused.
func TestBackupOverSSH(t *testing.T) {
	a, b, run := twoHosts(t)
	const pw = "ssh-host-pw"
	sshd := sshtest.Start(t, sshtest.WithPassword(pw), sshtest.WithBindMount(b.HostPath("/var/backups"), "/var/backups"))
	dest := "ssh://" + sshd.User + ":" + pw + "@" + sshd.Addr + ":/var/backups/virtualmin/shop.tar.gz"
	j := run(a, "program", "backup-domain", "domain", "shop.test", "dest", dest, "all-features", "")
	if j.Status != "success" || !strings.Contains(j.Output, "Uploading archive to SSH server 127.0.0.1 ..\n.. done") {
		t.Fatalf("backup: %+v", j)
	}
	if _, err := os.Stat(b.HostPath("/var/backups/virtualmin/shop.tar.gz")); err != nil {
		t.Fatalf("the archive is not on B: %v", err)
	}
	if j := run(b, "program", "restore-domain", "source", "/var/backups/virtualmin/shop.tar.gz", "domain", "shop.test", "all-features", ""); j.Status != "success" {
		t.Fatalf("restore: %+v", j)
	}
	if mustDigest(t, a, "shop.test") != mustDigest(t, b, "shop.test") {
		t.Fatal("B's copy differs from A's")
	}
	// Read back over SSH, onto a third host.
	c, _ := newTestServer(t)
	if j := run(c, "program", "restore-domain", "source", dest, "domain", "shop.test", "all-features", ""); j.Status != "success" {
		t.Fatalf("restore from ssh://: %+v", j)
	}
	if mustDigest(t, a, "shop.test") != mustDigest(t, c, "shop.test") {
		t.Fatal("C's copy differs from A's")
	}
	bad := strings.Replace(dest, ":"+pw+"@", ":wrong@", 1)
	j = run(a, "program", "backup-domain", "domain", "shop.test", "dest", bad, "all-features", "")
	if j.Status != "failure" || !strings.Contains(j.FullError, "Permission denied") || strings.Contains(j.FullError, "wrong") {
		t.Fatalf("wrong password: %+v", j)
	}
}

// TestTransferOverSSHNeedsVirtualmin: transfer-domain's default protocol
// reaches a real sshd, whose host has no virtualmin command, and says so.
func TestTransferOverSSHNeedsVirtualmin(t *testing.T) {
	a, _, run := twoHosts(t)
	const pw = "ssh-host-pw"
	sshd := sshtest.Start(t, sshtest.WithPassword(pw))
	j := run(a, "program", "transfer-domain", "domain", "shop.test", "host", sshd.Addr, "user", sshd.User, "pass", pw)
	if j.Status != "failure" || !strings.HasPrefix(j.Error, "Failed to contact Virtualmin on destination system : ") || !strings.Contains(j.Error, "virtualmin") {
		t.Fatalf("got %+v", j)
	}
}

// TestRestoreOverwriteKeepsFiles: copying over an account keeps the files
// only the target has, unless delete-missing-files is given; databases are
// replaced; the target keeps its Unix IDs.
func TestRestoreOverwriteKeepsFiles(t *testing.T) {
	a, b, run := twoHosts(t)
	transfer := func(extra ...string) {
		t.Helper()
		kv := append([]string{"program", "transfer-domain", "domain", "shop.test", "host", b.Endpoint(), "webmin", "",
			"user", "admin", "pass", "secret"}, extra...)
		if j := run(a, kv...); j.Status != "success" || strings.Contains(j.Output, "failed") {
			t.Fatalf("transfer %q: %+v", extra, j)
		}
	}
	transfer()
	if err := b.PutFile("shop.test", "public_html/only-b.txt", []byte("B's own")); err != nil {
		t.Fatal(err)
	}
	if err := b.PutRow("shop.test", "shop", "t", "2,only on B"); err != nil {
		t.Fatal(err)
	}
	s := b.st.find("shop.test")
	uid := s.UID
	transfer("overwrite", "")
	if _, ok := b.File("shop.test", "public_html/only-b.txt"); !ok {
		t.Fatal("overwrite removed a file only B had")
	}
	if s := b.st.find("shop.test"); s.UID != uid || len(s.Databases[0].Tables["t"]) != 1 {
		t.Fatalf("after overwrite: uid %d (was %d), rows %q", s.UID, uid, s.Databases[0].Tables["t"])
	}
	transfer("overwrite", "", "delete-missing-files", "")
	if _, ok := b.File("shop.test", "public_html/only-b.txt"); ok {
		t.Fatal("delete-missing-files kept a file only B had")
	}
	if mustDigest(t, a, "shop.test") != mustDigest(t, b, "shop.test") {
		t.Fatal("B differs from A after a full overwrite")
	}
}

func TestContentAPI(t *testing.T) {
	a, _, _ := twoHosts(t)
	if err := a.PutFile("shop.test", "../etc/passwd", []byte("x")); err == nil {
		t.Error("a path out of the home directory was accepted")
	}
	if _, err := a.PutMail("shop.test", "nobody", []byte("x")); err == nil {
		t.Error("mail to a missing mailbox was delivered")
	}
	if err := a.PutRow("shop.test", "nosuchdb", "t", "x"); err == nil {
		t.Error("a row in a missing database was stored")
	}
	if err := a.PutFile("nosuch.test", "x", nil); err == nil {
		t.Error("a file in a missing server was stored")
	}
	before := mustDigest(t, a, "shop.test")
	if err := a.PutFile("shop.test", "public_html/a.txt", []byte("from A!")); err != nil {
		t.Fatal(err)
	}
	if mustDigest(t, a, "shop.test") == before {
		t.Fatal("the digest did not see a changed byte")
	}
	a.SetDiskSpace(a.DiskUsed() + 10)
	if err := a.PutFile("shop.test", "big", make([]byte, 11)); !errors.Is(err, errNoSpace) {
		t.Fatalf("past the disk size: %v", err)
	}
	if err := a.PutFile("shop.test", "small", make([]byte, 10)); err != nil {
		t.Fatalf("within the disk size: %v", err)
	}
}

// TestContentAndRPCPersist: the state file keeps content and rpc ACLs.
func TestContentAndRPCPersist(t *testing.T) {
	file := t.TempDir() + "/state.json"
	s, err := NewServer(WithStateFile(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDomain("admin", "domain", "keep.test", "pass", "Keep-Pass-1", "unix", "", "dir", "", "mysql", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile("keep.test", "f", []byte{0, 1, 2, 255}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRow("keep.test", "keep", "t", "r"); err != nil {
		t.Fatal(err)
	}
	s.SetRPCAccess("praho", RPCAllowed)
	want := mustDigest(t, s, "keep.test")
	s.Close()
	s2, err := NewServer(WithStateFile(file))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if mustDigest(t, s2, "keep.test") != want {
		t.Fatal("content changed across a restart")
	}
	if !s2.canRPC("praho") || s2.canRPC("other") || !s2.canRPC("admin") {
		t.Fatal("rpc ACL not kept")
	}
}

// TestTransferToFullDisk: the copy fails on the target's full disk; without
// --output the answer still says so, with status "success" as ever; nothing
// is left of the account on the target but the transfer's directory.
func TestTransferToFullDisk(t *testing.T) {
	a, b, run := twoHosts(t)
	b.SetDiskSpace(b.DiskUsed() + 100)
	j := run(a, "program", "transfer-domain", "domain", "shop.test", "host", b.Endpoint(), "webmin", "", "user", "admin", "pass", "secret", "delete", "")
	if j.Status != "success" || !strings.Contains(j.Output, ".. upload failed : RPC error : Failed to write to /tmp/virtualmin-transfer-") ||
		!strings.Contains(j.Output, "No space left on device") || !strings.HasSuffix(j.Output, ".. transfer failed\n\n") {
		t.Fatalf("got %+v", j)
	}
	if _, ok := a.Domain("shop.test"); !ok {
		t.Fatal("the source was deleted although the copy failed")
	}
	if _, ok := b.Domain("shop.test"); ok {
		t.Fatal("the account is on the full target")
	}
}
