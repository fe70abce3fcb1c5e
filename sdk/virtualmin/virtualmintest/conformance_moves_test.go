package virtualmintest

import (
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// movesTranscripts are the calls recorded between two real 8.1.0 systems:
// server 1 (vm) moving accounts to server 2 (vm2, 10.99.0.2:10000), a bare
// chroot.
const movesTranscripts = "../testdata/transcripts-moves"

// notClaimedMoves lists the moves recordings the simulator does not
// reproduce, with the reason.
var notClaimedMoves = map[string]string{}

// movesSizes: the databases' sizes differ between the recorded systems for
// the same content (InnoDB files of a database re-loaded from a dump are
// larger than those of the one made in place: 94208 bytes against 77824 for
// one table); the simulator sizes both alike.
var movesSizes = regexp.MustCompile(`("(?:databases_byte_size|databases_size|byte_size|size)"\s*:\s*\[\s*)"[^"]*"`)

// movesServers are the two simulated systems and the addresses that stand
// for the recorded ones.
type movesServers struct {
	s1, s2 *Server
	// closedWebmin and closedSSH are loopback ports nothing listens on: the
	// recorded 10.99.0.2:10001 and 10.99.0.2 port 22.
	closedWebmin, closedSSH string
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func newMovesServers(t *testing.T, clock *atomic.Int64) *movesServers {
	recorded := time.Date(2026, 12, 2, 15, 46, 0, 0, time.UTC)
	now := WithClock(func() time.Time { return recorded.Add(time.Duration(clock.Load())) })
	// Built from source, not by the installer: Apache has no default site
	// of its own.
	p1 := StockProfile()
	p1.ApacheDefaultSite = false
	s1, err := NewServer(WithProfile(p1), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s1.Close)
	p2 := p1
	p2.Chroot = true
	s2, err := NewServer(WithProfile(p2), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s2.Close)
	s1.AddUser("root", "<SERVER1_ROOT_PASS>", RoleMaster)
	s2.AddUser("root", "<SERVER2_ROOT_PASS>", RoleMaster)
	// A Webmin user with the virtual-server module and the default ACL.
	s2.AddUser("praho", "<PRAHO_PASS>", RoleMaster)
	return &movesServers{s1: s1, s2: s2, closedWebmin: freePort(t), closedSSH: freePort(t)}
}

// params points the recorded addresses of server 2 at the simulators.
func (m *movesServers) params(ps [][2]string) [][2]string {
	out := make([][2]string, len(ps))
	for i, p := range ps {
		v := strings.ReplaceAll(p[1], "10.99.0.2:10000", m.s2.Endpoint())
		v = strings.ReplaceAll(v, "10.99.0.2:10001", m.closedWebmin)
		if p[0] == "host" && v == "10.99.0.2" {
			v = m.closedSSH // SSH, port 22 on the recorded system
		}
		out[i] = [2]string{p[0], v}
	}
	return out
}

// body puts the recorded addresses back into an answer.
func (m *movesServers) body(b string) string {
	_, sshPort, _ := net.SplitHostPort(m.closedSSH)
	return strings.NewReplacer(
		m.s2.Endpoint(), "10.99.0.2:10000",
		m.closedWebmin, "10.99.0.2:10001",
		"ssh: connect to host 127.0.0.1 port "+sshPort+":", "ssh: connect to host 10.99.0.2 port 22:",
		"Failed to connect to 127.0.0.1 :", "Failed to connect to 10.99.0.2 :",
		"Webmin server 127.0.0.1 ", "Webmin server 10.99.0.2 ",
	).Replace(b)
}

// prepareMoves does what the recorder did between calls: content put in
// the accounts, the rpc ACL granted, MariaDB stopped and started, Unix users
// made by hand on server 2.
func (m *movesServers) prepare(t *testing.T, num int, done map[int]bool) {
	step := func(at int, f func() error) {
		if num >= at && !done[at] {
			done[at] = true
			if err := f(); err != nil {
				t.Fatalf("before %d: %v", at, err)
			}
		}
	}
	s1, s2 := m.s1, m.s2
	step(5, func() error {
		// A marker file, a mail and a row in each database (mv-a.test).
		if err := s1.PutFile("mv-a.test", "public_html/marker.txt", []byte("marker A\n")); err != nil {
			return err
		}
		if _, err := s1.PutMail("mv-a.test", "box1", []byte("Subject: move test\n\nhello box1\n")); err != nil {
			return err
		}
		if err := s1.PutRow("mv-a.test", "mv_a", "t1", "1,first row"); err != nil {
			return err
		}
		return s1.PutRow("mv-a.test", "mva_extra", "t2", "1,extra row")
	})
	step(10, func() error {
		if err := s1.PutFile("mv-a.test", "public_html/marker2.txt", []byte("marker A2\n")); err != nil {
			return err
		}
		if err := s1.PutRow("mv-a.test", "mv_a", "t1", "2,second row"); err != nil {
			return err
		}
		return s2.PutFile("mv-a.test", "public_html/only-s2.txt", []byte("made on server 2\n"))
	})
	step(15, func() error { s2.SetRPCAccess("praho", RPCAllowed); return nil }) // /etc/webmin/praho.acl: rpc=1
	step(17, func() error {
		if err := s1.PutFile("mv-b.test", "public_html/marker.txt", []byte("marker B\n")); err != nil {
			return err
		}
		return s1.PutRow("mv-b.test", "mv_b", "t1", "1,b row")
	})
	step(36, func() error { s1.SetMySQLDown(true); return nil })
	step(37, func() error { s1.SetMySQLDown(false); return nil })
	step(38, func() error { return s2.AddUnixUser("mv-d") })
	step(41, func() error { return s2.AddUnixUser("mv-e") })
}

// checkFacts checks after a call what the recorder found on the systems
// (by hand, in the chroots): what a transfer brought and what it left.
func (m *movesServers) checkFacts(t *testing.T, num int) {
	s1, s2 := m.s1, m.s2
	digest := func(s *Server, d string) string {
		t.Helper()
		v, err := s.ContentDigest(d)
		if err != nil {
			t.Errorf("after %d: %v", num, err)
		}
		return v
	}
	has := func(s *Server, d, path, want string) {
		t.Helper()
		got, ok := s.File(d, path)
		if !ok || string(got) != want {
			t.Errorf("after %d: %s %s = %q (%v), want %q", num, d, path, got, ok, want)
		}
	}
	switch num {
	case 5:
		// The same account on both: ID, password hashes, files, mail, rows.
		if a, b := digest(s1, "mv-a.test"), digest(s2, "mv-a.test"); a != b {
			t.Errorf("after 05: content differs between the servers")
		}
		d1, _ := s1.Domain("mv-a.test")
		d2, _ := s2.Domain("mv-a.test")
		if d1.ID != d2.ID {
			t.Errorf("after 05: ID %s on server 2, want %s", d2.ID, d1.ID)
		}
	case 10:
		has(s2, "mv-a.test", "public_html/marker2.txt", "marker A2\n")
		has(s2, "mv-a.test", "public_html/only-s2.txt", "made on server 2\n") // kept without delete-missing-files
	case 20:
		has(s2, "mv-a.test", "public_html/marker.txt", "marker A\n")
	case 30:
		if _, ok := s1.Domain("mv-b.test"); ok {
			t.Error("after 30: mv-b.test still on server 1")
		}
		has(s2, "mv-b.test", "public_html/marker.txt", "marker B\n")
	case 38:
		// The recorded data loss: deleted on 1, the restore on 2 failed.
		_, on1 := s1.Domain("mv-d.test")
		_, on2 := s2.Domain("mv-d.test")
		if on1 || on2 {
			t.Errorf("after 38: mv-d.test on server 1 %v, on server 2 %v; want on neither", on1, on2)
		}
	case 41:
		d, _ := s1.Domain("mv-e.test")
		if !d.Disabled {
			t.Error("after 41: mv-e.test not disabled on server 1")
		}
		if _, ok := s2.Domain("mv-e.test"); ok {
			t.Error("after 41: mv-e.test on server 2")
		}
	case 42:
		if d, ok := s2.Domain("mv-csub.test"); !ok || d.Parent != "mv-c.test" {
			t.Errorf("after 42: mv-csub.test on server 2: %+v %v", d, ok)
		}
	}
}

func TestConformanceMoves(t *testing.T) {
	var clock atomic.Int64
	m := newMovesServers(t, &clock)
	c := insecureClient()
	c.Timeout = 5 * time.Minute
	done := map[int]bool{}
	matched, claimed := 0, 0
	for _, f := range transcriptFiles(t, movesTranscripts) {
		tr := parseTranscript(t, f)
		m.prepare(t, tr.num, done)
		target := m.s1
		if strings.HasPrefix(tr.note, "(server 2") {
			target = m.s2
		}
		sent := *tr
		sent.params = m.params(tr.params)
		r := replay(t, target, c, &sent)
		m.checkFacts(t, tr.num)
		if _, skip := notClaimedMoves[tr.file]; skip {
			continue
		}
		claimed++
		if r.code != tr.code || r.ctype != tr.ctype {
			t.Errorf("%s: HTTP %d %s, want %d %s", tr.file, r.code, r.ctype, tr.code, tr.ctype)
			continue
		}
		want := movesSizes.ReplaceAllString(tr.body, `$1"<SIZE>"`)
		got := movesSizes.ReplaceAllString(m.body(r.body), `$1"<SIZE>"`)
		if d := compareBodies(tr.ctype, want, got); d != "" {
			t.Errorf("%s: body differs:\n%s", tr.file, d)
			continue
		}
		matched++
	}
	t.Logf("conformance (%s): %d transcripts matched", movesTranscripts, matched)
	if matched != claimed {
		t.Errorf("%d of %d claimed transcripts matched", matched, claimed)
	}
}

func TestConformanceMovesCoversEveryTranscript(t *testing.T) {
	files := transcriptFiles(t, movesTranscripts)
	if len(files) != 47 {
		t.Fatalf("%d moves transcripts, want 47", len(files))
	}
	names := map[string]bool{}
	for _, f := range files {
		names[filepath.Base(f)] = true
	}
	for n, why := range notClaimedMoves {
		if !names[n] || strings.TrimSpace(why) == "" {
			t.Errorf("notClaimedMoves: %s is not a transcript or has no reason", n)
		}
	}
	t.Logf("conformance (moves): %d of %d claimed", len(files)-len(notClaimedMoves), len(files))
}
