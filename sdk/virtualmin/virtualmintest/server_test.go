package virtualmintest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type call struct {
	status int
	ctype  string
	body   string
}

func post(t testing.TB, c *http.Client, s *Server, user, pass string, kv ...string) call {
	t.Helper()
	var ps [][2]string
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, [2]string{kv[i], kv[i+1]})
	}
	req, err := http.NewRequest("POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader(encodeParams(ps)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return call{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

type jsonBody struct {
	Status    string `json:"status"`
	Output    string `json:"output"`
	Error     string `json:"error"`
	FullError string `json:"full_error"`
	Data      []struct {
		Name   string              `json:"name"`
		Value  string              `json:"value"`
		Values map[string][]string `json:"values"`
	} `json:"data"`
}

func decode(t testing.TB, c call) jsonBody {
	t.Helper()
	var j jsonBody
	if err := json.Unmarshal([]byte(c.body), &j); err != nil {
		t.Fatalf("not JSON (%v): %s", err, c.body)
	}
	return j
}

func newTestServer(t *testing.T, opts ...Option) (*Server, *http.Client) {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddUser("admin", "secret", RoleMaster)
	return s, insecureClient()
}

func createAlpha(t *testing.T, c *http.Client, s *Server) {
	t.Helper()
	r := decode(t, post(t, c, s, "admin", "secret", "program", "create-domain", "domain", "alpha.test", "pass", "AlphaPass1",
		"desc", "Alpha", "unix", "", "dir", "", "web", "", "dns", "", "mail", "", "mysql", "", "webmin", "", "json", "1"))
	if r.Status != "success" {
		t.Fatalf("create-domain: %+v", r)
	}
}

func TestCertificatePinning(t *testing.T) {
	s, _ := newTestServer(t)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatal("CertificatePEM is not PEM")
	}
	var seen string
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			seen = hex.EncodeToString(sum[:])
			return nil
		},
	}}}
	r := post(t, c, s, "admin", "secret", "program", "list-domains", "json", "1")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if seen != s.CertificateSHA256() {
		t.Fatalf("pinned fingerprint %s, server says %s", seen, s.CertificateSHA256())
	}
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || !strings.HasSuffix(s.URL(), s.Endpoint()) {
		t.Fatalf("URL %q Endpoint %q", s.URL(), s.Endpoint())
	}
}

func TestRolesAndAuth(t *testing.T) {
	s, c := newTestServer(t, WithBlock(3, time.Hour))
	s.AddUser("limited", "pw", RoleRestricted)
	s.AddUser("nomod", "pw", RoleNoModule)
	r := post(t, c, s, "limited", "pw", "program", "list-domains", "json", "1")
	if r.status != 200 || r.ctype != "text/plain" || r.body != "ERROR: You are not allowed to run remote commands\n" {
		t.Fatalf("restricted: %+v", r)
	}
	r = post(t, c, s, "nomod", "pw", "program", "list-domains", "json", "1")
	if r.status != 200 || !strings.HasPrefix(r.ctype, "text/html") || !strings.Contains(r.body, "User <i>nomod</i> is not allowed") {
		t.Fatalf("no module: %+v", r)
	}
	for i := 1; i <= 2; i++ {
		if r = post(t, c, s, "admin", "wrong", "program", "list-domains"); r.status != 401 {
			t.Fatalf("wrong password %d: %d", i, r.status)
		}
	}
	// A success resets the consecutive count.
	if r = post(t, c, s, "admin", "secret", "program", "list-domains"); r.status != 200 {
		t.Fatalf("correct password: %d", r.status)
	}
	for i := 1; i <= 2; i++ {
		if r = post(t, c, s, "admin", "wrong", "program", "list-domains"); r.status != 401 {
			t.Fatalf("wrong password %d after success: %d", i, r.status)
		}
	}
	if r = post(t, c, s, "admin", "wrong", "program", "list-domains"); r.status != 403 || !strings.Contains(r.body, "too many authentication failures") {
		t.Fatalf("third consecutive failure: %d", r.status)
	}
	if r = post(t, c, s, "admin", "secret", "program", "list-domains"); r.status != 403 {
		t.Fatalf("correct credentials while blocked: %d, want 403", r.status)
	}
	got := s.Requests()
	if len(got) != 9 || got[len(got)-1].Status != 403 || got[0].User != "limited" {
		t.Fatalf("Requests() = %+v", got)
	}
}

func TestLoginFailureDelayGrows(t *testing.T) {
	s, c := newTestServer(t, WithLoginFailureDelay(100*time.Millisecond))
	for i := 1; i <= 3; i++ {
		start := time.Now()
		post(t, c, s, "admin", "wrong", "program", "list-domains")
		d := time.Since(start)
		if d < time.Duration(i)*100*time.Millisecond {
			t.Fatalf("failure %d answered after %v, want at least %v", i, d, time.Duration(i)*100*time.Millisecond)
		}
	}
}

func TestRequestParsing(t *testing.T) {
	s, c := newTestServer(t)
	createAlpha(t, c, s)
	// multiline=1 passes a stray "1".
	j := decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "multiline", "1", "json", "1"))
	if j.Status != "failure" || j.Error != "Unknown parameter 1" || !strings.Contains(j.FullError, "virtualmin list-domains") {
		t.Fatalf("multiline=1: %+v", j)
	}
	// A newline makes two argv words.
	j = decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "domain", "alpha.test\nbeta.test", "json", "1"))
	if j.Error != "Unknown parameter beta.test" {
		t.Fatalf("newline: %+v", j)
	}
	// JSON without multiline gives the table rows as objects.
	j = decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "json", "1"))
	if len(j.Data) != 3 || !strings.HasPrefix(j.Data[0].Name, "Domain ") || !strings.HasPrefix(j.Data[2].Name, "alpha.test ") {
		t.Fatalf("table garbage: %+v", j.Data)
	}
	// GET and POST answer the same.
	resp, err := c.Get(s.URL() + "/virtual-server/remote.cgi?program=list-domains&name-only=")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("GET without auth: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", s.URL()+"/virtual-server/remote.cgi?program=list-domains&name-only=", nil)
	req.SetBasicAuth("admin", "secret")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "alpha.test\n\nExit status: 0\n" {
		t.Fatalf("GET text: %q", b)
	}
	// JSON request bodies are ignored: the help text.
	req, _ = http.NewRequest("POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader(`{"program":"list-domains"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", "secret")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "This CGI is designed") {
		t.Fatalf("JSON body: %q", b)
	}
	// Passwords are shown to the master admin (clients must redact them).
	j = decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "multiline", "", "json", "1"))
	v := j.Data[0].Values
	if len(v["password_for_mysql"]) != 1 || len(v["password_for_mysql"][0]) != 25 || !strings.HasPrefix(v["hashed_password"][0], "$y$") {
		t.Fatalf("secrets not shown to master: %v", v)
	}
	// Minified JSON and XML.
	r := post(t, c, s, "admin", "secret", "program", "list-domains", "name-only", "", "json", "minified")
	if strings.Count(r.body, "\n") != 1 {
		t.Fatalf("minified: %q", r.body)
	}
	r = post(t, c, s, "admin", "secret", "program", "list-domains", "name-only", "", "xml", "1")
	if r.ctype != "application/xml" || !strings.Contains(r.body, `<data name="alpha.test">`) {
		t.Fatalf("xml: %+v", r)
	}
}

func TestPlainHTTPRedirect(t *testing.T) {
	s, _ := newTestServer(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Post("http://"+s.Endpoint()+"/virtual-server/remote.cgi", "application/x-www-form-urlencoded", strings.NewReader("program=list-domains"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://"+s.Endpoint() {
		t.Fatalf("plain HTTP: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestDomainLifecycle(t *testing.T) {
	s, c := newTestServer(t)
	createAlpha(t, c, s)
	j := decode(t, post(t, c, s, "admin", "secret", "program", "create-domain", "domain", "alpha.test", "pass", "x", "unix", "", "json", "1"))
	if j.Error != "You are already hosting this domain" {
		t.Fatalf("duplicate: %+v", j)
	}
	decode(t, post(t, c, s, "admin", "secret", "program", "create-domain", "domain", "sub.alpha.test", "parent", "alpha.test", "dir", "", "web", "", "json", "1"))
	decode(t, post(t, c, s, "admin", "secret", "program", "create-domain", "domain", "alias.test", "alias", "alpha.test", "web", "", "json", "1"))
	j = decode(t, post(t, c, s, "admin", "secret", "program", "disable-domain", "domain", "alpha.test", "why", "unpaid", "json", "1"))
	if j.Status != "success" {
		t.Fatalf("disable: %+v", j)
	}
	if d, _ := s.Domain("alpha.test"); !d.Disabled || d.DisabledWhy != "unpaid" {
		t.Fatalf("after disable: %+v", d)
	}
	if j = decode(t, post(t, c, s, "admin", "secret", "program", "disable-domain", "domain", "alpha.test", "json", "1")); j.Error != "Virtual server alpha.test is already disabled" {
		t.Fatalf("disable again: %+v", j)
	}
	decode(t, post(t, c, s, "admin", "secret", "program", "enable-domain", "domain", "alpha.test", "json", "1"))
	if j = decode(t, post(t, c, s, "admin", "secret", "program", "enable-domain", "domain", "alpha.test", "json", "1")); j.Error != "Virtual server alpha.test is not disabled" {
		t.Fatalf("enable again: %+v", j)
	}
	if j = decode(t, post(t, c, s, "admin", "secret", "program", "modify-domain", "domain", "nosuch.test", "desc", "x", "json", "1")); j.Error != "Virtual server nosuch.test does not exist." {
		t.Fatalf("modify nonexistent: %+v", j)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "parent", "alpha.test", "name-only", "", "json", "1"))
	if len(j.Data) != 2 || j.Data[0].Name != "sub.alpha.test" || j.Data[1].Name != "alias.test" {
		t.Fatalf("children: %+v", j.Data)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "delete-domain", "domain", "alpha.test", "json", "1"))
	if j.Status != "success" || !strings.Contains(j.Output, "Deleting sub-server sub.alpha.test") || !strings.Contains(j.Output, "Deleting sub-server alias.test") {
		t.Fatalf("delete: %+v", j)
	}
	if got := s.Domains(); len(got) != 0 {
		t.Fatalf("left after delete: %v", got)
	}
	if s.Calls("delete-domain") != 1 || s.Calls("create-domain") != 4 {
		t.Fatalf("calls: delete %d create %d", s.Calls("delete-domain"), s.Calls("create-domain"))
	}
}

func TestUsersAndDatabases(t *testing.T) {
	s, c := newTestServer(t, WithProfile(MinimalProfile())) // user.owner names
	createAlpha(t, c, s)
	post(t, c, s, "admin", "secret", "program", "create-user", "domain", "alpha.test", "user", "bob", "pass", "p", "real", "Bob", "json", "1")
	j := decode(t, post(t, c, s, "admin", "secret", "program", "create-user", "domain", "alpha.test", "user", "bob", "pass", "p", "json", "1"))
	if j.Error != "A user or mail alias with the same name and domain already exists" {
		t.Fatalf("duplicate user: %+v", j)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "list-users", "domain", "alpha.test", "multiline", "", "json", "1"))
	if len(j.Data) != 1 || j.Data[0].Name != "bob.alpha" || j.Data[0].Values["real_name"][0] != "Bob" {
		t.Fatalf("list-users: %+v", j.Data)
	}
	post(t, c, s, "admin", "secret", "program", "create-database", "domain", "alpha.test", "name", "alpha_x", "type", "mysql", "json", "1")
	if d, _ := s.Domain("alpha.test"); strings.Join(d.Databases, ",") != "alpha,alpha_x" || strings.Join(d.Users, ",") != "bob" {
		t.Fatalf("domain: %+v", d)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "delete-database", "domain", "alpha.test", "name", "nope", "type", "mysql", "json", "1"))
	if j.Error != "The specified database is not associated with this server" {
		t.Fatalf("delete missing db: %+v", j)
	}
	s.SetMySQLDown(true)
	j = decode(t, post(t, c, s, "admin", "secret", "program", "create-database", "domain", "alpha.test", "name", "alpha_y", "type", "mysql", "json", "1"))
	if j.Status != "failure" || !strings.HasPrefix(j.Error, "[") || !strings.Contains(j.FullError, "DBI connect failed") {
		t.Fatalf("mysql down: %+v", j)
	}
}

func TestBackupRestoreRealFile(t *testing.T) {
	root := t.TempDir()
	s, c := newTestServer(t, WithBackupRoot(root))
	createAlpha(t, c, s)
	before, _ := s.Domain("alpha.test")
	j := decode(t, post(t, c, s, "admin", "secret", "program", "backup-domain", "domain", "alpha.test", "dest", "/var/backups/virtualmin/a.tar.gz", "all-features", "", "json", "1"))
	if j.Status != "success" {
		t.Fatalf("backup: %+v", j)
	}
	if fi, err := os.Stat(filepath.Join(root, "var/backups/virtualmin/a.tar.gz")); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "backup-domain", "domain", "alpha.test", "dest", "/nonexistent/x.tar.gz", "json", "1"))
	if j.Error != "Starting backup.." || !strings.Contains(j.FullError, "Failed to open /nonexistent/x.tar.gz for writing") {
		t.Fatalf("bad dest: %+v", j)
	}
	post(t, c, s, "admin", "secret", "program", "delete-domain", "domain", "alpha.test", "json", "1")
	if _, ok := s.Domain("alpha.test"); ok {
		t.Fatal("still there after delete")
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "restore-domain", "source", "/var/backups/virtualmin/a.tar.gz", "domain", "alpha.test", "all-features", "", "json", "1"))
	if j.Status != "success" {
		t.Fatalf("restore: %+v", j)
	}
	after, ok := s.Domain("alpha.test")
	if !ok || after.ID != before.ID || after.Description != "Alpha" {
		t.Fatalf("restored %+v, was %+v", after, before)
	}
}

func TestStateFilePersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sim.json")
	s, c := newTestServer(t, WithStateFile(file))
	createAlpha(t, c, s)
	id, _ := s.Domain("alpha.test")
	s.Close()
	s2, err := NewServer(WithStateFile(file))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, ok := s2.Domain("alpha.test")
	if !ok || got.ID != id.ID {
		t.Fatalf("after reload: %+v", got)
	}
}

func TestFaults(t *testing.T) {
	s, c := newTestServer(t, WithHangDuration(time.Minute))
	s.FailNext("list-domains", 2, Fault{Kind: FaultHTTP500})
	if r := post(t, c, s, "admin", "secret", "program", "list-domains"); r.status != 200 {
		t.Fatalf("first call: %d", r.status)
	}
	if r := post(t, c, s, "admin", "secret", "program", "list-domains"); r.status != 500 {
		t.Fatalf("second call: %d, want 500", r.status)
	}
	s.FailNext("list-domains", 1, Fault{Kind: FaultFailure, Message: "Failed to lock"})
	if j := decode(t, post(t, c, s, "admin", "secret", "program", "list-domains", "json", "1")); j.Error != "Failed to lock" {
		t.Fatalf("failure fault: %+v", j)
	}

	s.FailNext("list-domains", 1, Fault{Kind: FaultReset})
	req, _ := http.NewRequest("POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader("program=list-domains"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", "secret")
	_, err := c.Do(req)
	if err == nil || !(errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF")) {
		t.Fatalf("reset: %v", err)
	}

	// A hang past the client's timeout changes nothing.
	s.FailNext("create-domain", 1, Fault{Kind: FaultHang})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	form := url.Values{"program": {"create-domain"}, "domain": {"hang.test"}, "pass": {"x"}, "unix": {""}}
	req, _ = http.NewRequestWithContext(ctx, "POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", "secret")
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	if _, ok := s.Domain("hang.test"); ok {
		t.Fatal("a hanging call must not run the program")
	}

	// A write that completes although the client timed out.
	s.FailNext("create-domain", 1, Fault{Kind: FaultCompleteThenHang})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	form.Set("domain", "done.test")
	req, _ = http.NewRequestWithContext(ctx2, "POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", "secret")
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("complete-then-hang: %v", err)
	}
	if _, ok := s.Domain("done.test"); !ok {
		t.Fatal("the write should have completed")
	}
}

func TestWritesAreSerialised(t *testing.T) {
	const per = 60 * time.Millisecond
	s, c := newTestServer(t, WithLatency("create-user", per))
	createAlpha(t, c, s)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			post(t, c, s, "admin", "secret", "program", "create-user", "domain", "alpha.test", "user", "u"+string(rune('a'+i)), "pass", "p", "json", "1")
		}(i)
	}
	wg.Wait()
	// Five writes under one lock cannot finish faster than one after the
	// other (a lower bound, so a slow machine cannot make it fail).
	if el := time.Since(start); el < 5*per {
		t.Fatalf("5 writes of %v took %v: not serialised", per, el)
	}
	if d, _ := s.Domain("alpha.test"); len(d.Users) != 5 {
		t.Fatalf("users: %v", d.Users)
	}
}

func TestDNSAndPHP(t *testing.T) {
	s, c := newTestServer(t, WithProfile(MinimalProfile()), WithPHP(true)) // new websites in mode none
	createAlpha(t, c, s)
	post(t, c, s, "admin", "secret", "program", "modify-dns", "domain", "alpha.test", "add-record", "txt1 TXT v=x some words", "json", "1")
	j := decode(t, post(t, c, s, "admin", "secret", "program", "get-dns", "domain", "alpha.test", "type", "TXT", "multiline", "", "json", "1"))
	if len(j.Data) != 1 || j.Data[0].Name != "txt1.alpha.test." || j.Data[0].Values["value"][0] != "v=x some words" {
		t.Fatalf("TXT: %+v", j.Data)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "modify-web", "domain", "alpha.test", "mode", "fpm", "php-version", "8.2", "json", "1"))
	if j.Error != "Only the following PHP version are available for alpha.test : " {
		t.Fatalf("mode and version at once: %+v", j)
	}
	post(t, c, s, "admin", "secret", "program", "modify-web", "domain", "alpha.test", "mode", "fpm", "json", "1")
	if d, _ := s.Domain("alpha.test"); d.PHPMode != "fpm" || d.PHPVersion != "8.2" {
		t.Fatalf("php: %+v", d)
	}
	j = decode(t, post(t, c, s, "admin", "secret", "program", "generate-letsencrypt-cert", "domain", "alpha.test", "json", "1"))
	if j.Error != "Checking certificate names for resolvability .." {
		t.Fatalf("letsencrypt offline: %+v", j)
	}
	s.SetLetsEncrypt(true)
	if j = decode(t, post(t, c, s, "admin", "secret", "program", "generate-letsencrypt-cert", "domain", "alpha.test", "json", "1")); j.Status != "success" {
		t.Fatalf("letsencrypt: %+v", j)
	}
	if d, _ := s.Domain("alpha.test"); !d.SSL {
		t.Fatal("no certificate after success")
	}
}

func TestInstallCertTakesOverWebminCertificate(t *testing.T) {
	s, c := newTestServer(t, WithProfile(MinimalProfile())) // no certificate before install-cert
	createAlpha(t, c, s)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "alpha.test"},
		DNSNames: []string{"alpha.test", "www.alpha.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(key)
	tabs := func(typ string, b []byte) string {
		return strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})), "\n", "\t")
	}
	install := func() jsonBody {
		return decode(t, post(t, c, s, "admin", "secret", "program", "install-cert", "domain", "alpha.test",
			"cert", tabs("CERTIFICATE", der), "key", tabs("PRIVATE KEY", kd), "json", "1"))
	}
	own := s.CertificateSHA256()
	if j := install(); j.Status != "failure" || !strings.Contains(j.FullError, "ssl.cert for writing : No such file or directory") {
		t.Fatalf("install without the directory: %+v", j)
	}
	s.CreateSSLDirectory("alpha.test")
	if j := install(); j.Status != "success" || !strings.Contains(j.Output, "Re-starting Webmin") {
		t.Fatalf("install: %+v", j)
	}
	sum := sha256.Sum256(der)
	if got := s.CertificateSHA256(); got != hex.EncodeToString(sum[:]) || got == own {
		t.Fatalf("served certificate %s, want the installed one", got)
	}
	// A client pinning the old fingerprint is now refused.
	pinnedOld := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, //nolint:gosec // checked below
		VerifyConnection: func(cs tls.ConnectionState) error {
			s := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(s[:]) != own {
				return errors.New("pin mismatch")
			}
			return nil
		}}}}
	if _, err := pinnedOld.Get(s.URL() + "/virtual-server/remote.cgi"); err == nil || !strings.Contains(err.Error(), "pin mismatch") {
		t.Fatalf("old pin: %v", err)
	}
	j := decode(t, post(t, c, s, "admin", "secret", "program", "get-ssl", "domain", "alpha.test", "json", "1"))
	if j.Status != "success" {
		t.Fatalf("get-ssl: %+v", j)
	}
	s.RestoreWebminCertificate()
	if s.CertificateSHA256() != own {
		t.Fatal("RestoreWebminCertificate did not restore the simulator's certificate")
	}
}

func TestDomainOwnerLogin(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sim.json")
	s, c := newTestServer(t, WithStateFile(file))
	createAlpha(t, c, s) // webmin feature: login "alpha" with the domain's password
	if r := post(t, c, s, "alpha", "AlphaPass1", "program", "list-domains", "json", "1"); r.body != "ERROR: You are not allowed to run remote commands\n" {
		t.Fatalf("owner without remote_api: %q", r.body)
	}
	post(t, c, s, "admin", "secret", "program", "modify-limits", "domain", "alpha.test", "can-edit", "remote_api", "json", "1")
	post(t, c, s, "admin", "secret", "program", "create-domain", "domain", "other.test", "pass", "x", "unix", "", "dir", "", "json", "1")
	j := decode(t, post(t, c, s, "alpha", "AlphaPass1", "program", "list-domains", "name-only", "", "json", "1"))
	if len(j.Data) != 1 || j.Data[0].Name != "alpha.test" {
		t.Fatalf("owner sees %+v", j.Data)
	}
	if j = decode(t, post(t, c, s, "alpha", "AlphaPass1", "program", "list-users", "domain", "other.test", "json", "1")); j.Error != "Virtual server other.test does not exist" {
		t.Fatalf("other domain: %+v", j)
	}
	j = decode(t, post(t, c, s, "alpha", "AlphaPass1", "program", "list-domains", "multiline", "", "json", "1"))
	if _, ok := j.Data[0].Values["password_for_mysql"]; ok {
		t.Fatal("an owner must not see the MySQL password")
	}
	s.Close()
	s2, err := NewServer(WithStateFile(file))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if r := post(t, c, s2, "alpha", "AlphaPass1", "program", "list-domains", "name-only", "", "json", "1"); r.status != 200 || !strings.Contains(r.body, `"alpha.test"`) {
		t.Fatalf("owner after reload: %+v", r)
	}
}

func TestLatencyScale(t *testing.T) {
	s, c := newTestServer(t, WithLatencyScale(0.05))
	start := time.Now()
	createAlpha(t, c, s)
	// create-domain takes 5-9 s on the real server; scaled by 0.05 at least
	// 250 ms (a lower bound only).
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("create-domain took %v with scale 0.05", el)
	}
}

// An outage is a Webmin restart: the call that starts it loses its
// connection but its program runs to the end; new connections are reset,
// then refused; after it the server answers on the same address.
func TestOutage(t *testing.T) {
	s, c := newTestServer(t)
	createAlpha(t, c, s)
	addr := s.Endpoint()

	s.FailNext("create-user", 1, Fault{Kind: FaultOutage, ResetFor: time.Hour})
	form := url.Values{"program": {"create-user"}, "domain": {"alpha.test"}, "user": {"bob"}, "pass": {"BobPass123"}, "json": {"1"}}
	req, _ := http.NewRequest("POST", s.URL()+"/virtual-server/remote.cgi", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", "secret")
	if _, err := c.Do(req); err == nil {
		t.Fatal("the call that starts the outage was answered")
	}
	if s.Reachable() {
		t.Fatal("Reachable during an outage")
	}
	if conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}); err == nil {
		conn.Close()
		t.Fatal("a TLS handshake succeeded while Webmin is going down")
	}

	s.EndOutage()
	// A write waits for the lock the lost create-user holds: once it is
	// done, so is bob.
	if err := s.SeedDomain("admin", "domain", "beta.test", "pass", "BetaPass123", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Domain("alpha.test"); len(d.Users) != 1 || d.Users[0] != "bob" {
		t.Fatalf("users of alpha.test %v: the lost create-user did not run to its end", d.Users)
	}

	s.Outage(0, time.Hour)
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Fatal("connected while the port is closed")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial during the refusing phase: %v, want connection refused", err)
	}
	s.EndOutage()
	if !s.Reachable() || s.Endpoint() != addr {
		t.Fatalf("after the outage: reachable %v at %s, want %s", s.Reachable(), s.Endpoint(), addr)
	}
	if r := post(t, c, s, "admin", "secret", "program", "list-domains"); r.status != 200 {
		t.Fatalf("list-domains after the outage: %d", r.status)
	}
}

func TestMaxInFlight(t *testing.T) {
	// A clock that moves one second at each reading.
	var clockMu sync.Mutex
	clock := time.Date(2026, 12, 2, 22, 0, 0, 0, time.UTC)
	start := clock
	s, c := newTestServer(t, WithClock(func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}))
	if n := s.MaxInFlight(); n != 0 {
		t.Fatalf("MaxInFlight of a new server = %d, want 0", n)
	}
	// Three calls that hang until their client gives up stay in flight
	// together.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		s.FailNext("list-domains", i, Fault{Kind: FaultHang})
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/virtual-server/remote.cgi?program=list-domains&json=1", nil)
			req.SetBasicAuth("admin", "secret")
			if resp, err := c.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); s.Calls("list-domains") < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of the 3 hanging calls arrived", s.Calls("list-domains"))
		}
	}
	if n := s.MaxInFlight(); n != 3 {
		t.Fatalf("MaxInFlight with 3 calls hanging = %d, want 3", n)
	}
	// A reset starts from the calls in flight; one more call while they hang
	// makes 4.
	s.ResetMaxInFlight()
	if n := s.MaxInFlight(); n != 3 {
		t.Fatalf("MaxInFlight after a reset with 3 calls hanging = %d, want 3", n)
	}
	post(t, c, s, "admin", "secret", "program", "list-domains", "json", "1")
	if n := s.MaxInFlight(); n != 4 {
		t.Fatalf("MaxInFlight after one more call = %d, want 4", n)
	}
	// Requests carry their arrival and their end, from the server's clock.
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatal("no requests recorded")
	}
	for _, r := range reqs {
		if !r.At.After(start) || !r.Done.After(r.At) {
			t.Fatalf("request %s at %v, done %v (clock started at %v)", r.Program, r.At, r.Done, start)
		}
	}
}
