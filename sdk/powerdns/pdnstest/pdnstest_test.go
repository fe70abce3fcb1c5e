package pdnstest

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestStartServesAPIAndDNS starts each backend from nothing and checks that
// the API needs the key, DNS answers on UDP and TCP, and Stop cleans up.
func TestStartServesAPIAndDNS(t *testing.T) {
	for _, b := range []Backend{LMDB, SQLite3} {
		t.Run(string(b), func(t *testing.T) {
			s := Start(t, WithBackend(b))
			if s.Backend != b {
				t.Fatalf("backend = %q, want %q", s.Backend, b)
			}
			conf, err := os.ReadFile(s.Dir + "/pdns.conf")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"local-address=127.0.0.1", "security-poll-suffix=", "only-notify=127.0.0.0/8", "socket-dir=" + s.Dir} {
				if !strings.Contains(string(conf), want) {
					t.Errorf("pdns.conf lacks %q", want)
				}
			}

			for key, want := range map[string]int{s.APIKey: 200, "wrong": 401} {
				req, _ := http.NewRequest(http.MethodGet, s.APIURL+"/api/v1/servers/localhost", nil)
				req.Header.Set("X-API-Key", key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("status with key %q = %d, want %d", key[:3], resp.StatusCode, want)
				}
			}

			// No zone yet: the server answers REFUSED, over both transports.
			for _, netw := range []string{"udp", "tcp"} {
				c := &dns.Client{Net: netw, Timeout: 5 * time.Second}
				m := new(dns.Msg)
				m.SetQuestion("nothing.example.", dns.TypeA)
				r, _, err := c.Exchange(m, s.DNSAddr)
				if err != nil {
					t.Fatalf("%s query: %v", netw, err)
				}
				if r.Rcode != dns.RcodeRefused {
					t.Errorf("%s rcode = %s, want REFUSED", netw, dns.RcodeToString[r.Rcode])
				}
			}

			pid := s.cmd.Process.Pid
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if s.Running() {
				t.Fatal("still running after Stop")
			}
			if err := syscall.Kill(pid, 0); err == nil {
				t.Errorf("pid %d still exists", pid)
			}
			if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
				t.Errorf("dir %s not removed: %v", s.Dir, err)
			}
		})
	}
}

// TestSharedReturnsSameServer checks that Shared starts one server per backend.
func TestSharedReturnsSameServer(t *testing.T) {
	a := Shared(t)
	b := Shared(t)
	if a != b {
		t.Fatal("Shared started two servers")
	}
	StopShared()
	if a.Running() {
		t.Fatal("StopShared left the server running")
	}
	c := Shared(t)
	if c == a || !c.Running() {
		t.Fatal("Shared after StopShared did not start a new server")
	}
	StopShared()
}

func TestMissingBinaryFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := StartProcess(t.Context(), Config{})
	if err == nil || !strings.Contains(err.Error(), "tools/install-deps.sh") {
		t.Fatalf("err = %v, want a hint to run tools/install-deps.sh", err)
	}
}

// TestKeepRunningKeepsDir: a server meant to outlive its starter keeps its
// directory (config, data, log) and can still be stopped.
func TestKeepRunningKeepsDir(t *testing.T) {
	dir := t.TempDir()
	s, err := StartProcess(t.Context(), Config{Dir: dir, KeepRunning: true, APIKey: "demo-key"})
	if err != nil {
		t.Fatal(err)
	}
	if s.PID == 0 || s.cmd.SysProcAttr.Pdeathsig != 0 || s.APIKey != "demo-key" {
		t.Errorf("pid %d pdeathsig %v key %q", s.PID, s.cmd.SysProcAttr.Pdeathsig, s.APIKey)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.LogFile); err != nil {
		t.Errorf("log removed: %v", err)
	}
}

// TestSharedPerConfig: different configurations get different servers.
func TestSharedPerConfig(t *testing.T) {
	defer StopShared()
	a, b := Shared(t), Shared(t, WithBackend(SQLite3))
	c := Shared(t, WithBackend(SQLite3), WithSQLiteSync())
	if a == b || b == c || a.Backend != LMDB || b.Backend != SQLite3 {
		t.Fatal("Shared mixed configurations")
	}
	if Shared(t, WithBackend(SQLite3)) != b {
		t.Fatal("Shared did not reuse the sqlite3 server")
	}
}
