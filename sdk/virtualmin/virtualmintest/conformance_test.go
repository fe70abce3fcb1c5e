package virtualmintest

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	rec "github.com/praho/terraform-provider-praho/sdk/virtualmin/internal/transcript"
)

// transcript is one recorded call, as the conformance test replays it.
type transcript struct {
	file     string
	num      int
	method   string
	path     string
	user     string
	pass     string
	hasAuth  bool
	inQuery  bool
	params   [][2]string
	code     int
	ctype    string
	body     string
	location string
	// statusLine and headers are the recorded response head ("HTTP/1.0 200
	// Document follows", "Server: MiniServ", ...), when recorded.
	statusLine string
	headers    http.Header
	// note says which server got the call in a set recorded on two.
	note string
}

// oldTranscripts and stockTranscripts are the two recording sets, kept once
// in the SDK's testdata (docs/virtualmin-api.md).
const (
	oldTranscripts   = "../testdata/transcripts"
	stockTranscripts = "../testdata/transcripts-stock"
)

// parseTranscript reads a recording with the parser the SDK's tests share.
func parseTranscript(t *testing.T, path string) *transcript {
	r, err := rec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{file: r.File, num: r.Num, method: r.Method, path: r.Path, user: r.User, pass: r.Password,
		hasAuth: r.HasAuth, inQuery: r.InQuery, code: r.Code, ctype: r.ContentType, body: r.Body,
		location: r.Header.Get("Location"), statusLine: r.StatusLine, note: r.Note}
	if r.StatusLine != "" {
		tr.headers = r.Header
	}
	for _, p := range r.Params {
		tr.params = append(tr.params, [2]string{p.Name, p.Value})
	}
	return tr
}

// notClaimed lists the recordings the simulator does not reproduce, with the
// reason. TestConformanceCoversEveryTranscript fails if a transcript is
// neither replayed nor listed here.
var notClaimed = map[string]string{
	"52-info-json.txt":                   "info blob: the recorded host's CPU, disks and pending apt updates; the simulator prints its own host data",
	"53-info-text.txt":                   "info blob (host-specific), see 52",
	"301-info-multiline-json.txt":        "info blob (host-specific), see 52",
	"322-acl-apibootstrap-info-json.txt": "info blob (host-specific), see 52",
	"100-list-domains-concurrency10.txt": "a timing summary, not a call (covered by the benchmarks)",
	// Programs outside the simulator's scope.
	"300-validate-domains-all-domains-json.txt": "domains come in readdir order of /etc/webmin/virtual-server/domains on the recorded host (random); the simulator lists them in list-domains order",
	// Webmin pages other than remote.cgi.
	"323-page-acl-index-apibootstrap.txt":                      "Webmin HTML pages other than remote.cgi are not simulated",
	"324-page-useradmin-index-apibootstrap.txt":                "Webmin HTML pages are not simulated",
	"325-page-acl-save_user-apibootstrap.txt":                  "Webmin HTML pages are not simulated",
	"326-page-virtual-server-index-apibootstrap.txt":           "Webmin HTML pages are not simulated",
	"327-page-webmin-root-apibootstrap.txt":                    "Webmin HTML pages are not simulated",
	"328-page-acl-index-ua-webmin-apibootstrap.txt":            "Webmin HTML pages are not simulated",
	"329-page-useradmin-index-ua-webmin-apibootstrap.txt":      "Webmin HTML pages are not simulated",
	"330-page-acl-save_user-ua-webmin-apibootstrap.txt":        "Webmin HTML pages are not simulated",
	"331-page-virtual-server-index-ua-webmin-apibootstrap.txt": "Webmin HTML pages are not simulated",
	"332-page-acl-index-ua-webmin-admin-admin.txt":             "Webmin HTML pages are not simulated",
}

// transcriptFiles lists the recordings of a set in call order.
func transcriptFiles(t *testing.T, dir string) []string {
	files, err := rec.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestConformanceCoversEveryTranscript(t *testing.T) {
	files := transcriptFiles(t, oldTranscripts)
	if len(files) == 0 {
		t.Fatal("no transcripts in " + oldTranscripts)
	}
	names := map[string]bool{}
	for _, f := range files {
		names[filepath.Base(f)] = true
	}
	for n, why := range notClaimed {
		if !names[n] {
			t.Errorf("notClaimed lists %s, which is not a transcript", n)
		}
		if strings.TrimSpace(why) == "" {
			t.Errorf("notClaimed gives no reason for %s", n)
		}
	}
	claimed := len(files) - len(notClaimed)
	t.Logf("conformance: %d of %d transcripts claimed, %d listed as not claimed", claimed, len(files), len(notClaimed))
}

var (
	reTS      = regexp.MustCompile(`\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\]`)
	reDate    = regexp.MustCompile(`\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d`)
	reID      = regexp.MustCompile(`\b1\d{11,14}\b`)
	reUnix    = regexp.MustCompile(`\b1\d{9}\b`)
	reHash    = regexp.MustCompile(`\$y\$j9T\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+`)
	reSerial  = regexp.MustCompile(`\b20\d{8}\b`)
	reSize    = regexp.MustCompile(`Final size was [0-9.]+ [KMG]?i?B`)
	reSecs    = regexp.MustCompile(`completed in \d+ seconds`)
	reIDs     = regexp.MustCompile(`allocated user ID is \d+ and group ID is \d+`)
	reMyPass  = regexp.MustCompile(`(Password for mysql: )\S+`)
	reUIDLine = regexp.MustCompile(`((?:User|Group) ID: )\d+`)
	reXMLVol  = regexp.MustCompile(`<(user_id|group_id|password_for_mysql)>[^<]*<`)
	reDay     = regexp.MustCompile(`\[\d\d/[A-Z][a-z]{2}/\d{4}\b`)
	reTime    = regexp.MustCompile(`\b\d\d:\d\d:\d\d \+0000\]`)
	reXferDir = regexp.MustCompile(`virtualmin-transfer-\d+`)
	// get-ssl's notafter ("Dec  1 15:48:40 2031 GMT").
	reNotAfter = regexp.MustCompile(`^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$`)
	// get-ssl's modulus ("00:be:ef:...").
	reModulus = regexp.MustCompile(`^([0-9a-f]{2}:){16,}[0-9a-f]{2}$`)
	rePEMLine = regexp.MustCompile(`^[A-Za-z0-9+/]{1,64}={0,2}$`)
)

func normText(s string) string {
	s = reTS.ReplaceAllString(s, "[TS]")
	s = reDate.ReplaceAllString(s, "<DATE>")
	s = reID.ReplaceAllString(s, "<ID>")
	s = reUnix.ReplaceAllString(s, "<UNIX>")
	s = reHash.ReplaceAllString(s, "<HASH>")
	s = reSerial.ReplaceAllString(s, "<SERIAL>")
	s = reSize.ReplaceAllString(s, "Final size was <SIZE>")
	s = reSecs.ReplaceAllString(s, "completed in <N> seconds")
	s = reIDs.ReplaceAllString(s, "allocated user ID is <UID> and group ID is <GID>")
	s = reMyPass.ReplaceAllString(s, "${1}<PASS>")
	s = reUIDLine.ReplaceAllString(s, "${1}<N>")
	s = reXMLVol.ReplaceAllString(s, "<$1><VOLATILE><")
	s = reDay.ReplaceAllString(s, "[DAY")
	s = reTime.ReplaceAllString(s, "TIME]")
	s = reXferDir.ReplaceAllString(s, "virtualmin-transfer-<PID>")
	return s
}

// volatileKeys hold generated values: passwords, uid/gid numbers.
var volatileKeys = map[string]bool{"password_for_mysql": true, "user_id": true, "group_id": true}

func normJSON(v interface{}) interface{} {
	switch t := v.(type) {
	case string:
		switch {
		case reNotAfter.MatchString(t):
			return "<NOTAFTER>"
		case reModulus.MatchString(t):
			return "<MODULUS>"
		}
		return normText(t)
	case []interface{}:
		// list-certs gives one object per PEM line (stock 23); a new key
		// and certificate have other lines, and maybe another count.
		out := make([]interface{}, 0, len(t))
		for i := range t {
			if m, ok := t[i].(map[string]interface{}); ok && rePEMLine.MatchString(fmt.Sprint(m["name"])) {
				if n := len(out); n > 0 && reflect.DeepEqual(out[n-1], "<PEM LINES>") {
					continue
				}
				out = append(out, "<PEM LINES>")
				continue
			}
			out = append(out, normJSON(t[i]))
		}
		return out
	case map[string]interface{}:
		out := map[string]interface{}{}
		for k, x := range t {
			if volatileKeys[k] {
				out[k] = "<VOLATILE>"
				continue
			}
			out[k] = normJSON(x)
		}
		return out
	}
	return v
}

// perlToJSON turns Data::Dumper output (72) into JSON, so that it can be
// compared without Perl's random hash order.
func perlToJSON(s string) (string, bool) {
	if !strings.HasPrefix(s, "$VAR1 = ") {
		return "", false
	}
	s = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(s, "$VAR1 = ")), ";")
	var b strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && c == '\\' && i+1 < len(s):
			i++
			if s[i] == '"' {
				b.WriteString(`\"`)
			} else if s[i] == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteByte(s[i])
			}
		case c == '\'':
			inStr = !inStr
			b.WriteByte('"')
		case inStr && c == '"':
			b.WriteString(`\"`)
		case !inStr && c == '=' && i+1 < len(s) && s[i+1] == '>':
			b.WriteByte(':')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// compareBodies reports the first difference, or "".
func compareBodies(ctype, want, got string) string {
	if wj, ok := perlToJSON(want); ok {
		gj, ok := perlToJSON(got)
		if !ok {
			return "not Data::Dumper output: " + got
		}
		want, got = wj, gj
		if strings.Count(want, "\n") > 1 {
			// keep the layout check below meaningful
			want, got = want+"\n", got+"\n"
		}
	}
	if strings.Contains(ctype, "json") || (strings.HasPrefix(strings.TrimSpace(want), "{") && strings.HasPrefix(strings.TrimSpace(got), "{")) {
		var wv, gv interface{}
		we := json.Unmarshal([]byte(want), &wv)
		ge := json.Unmarshal([]byte(got), &gv)
		if we == nil {
			if ge != nil {
				return "got invalid JSON: " + ge.Error() + "\n" + got
			}
			// Same layout (pretty or minified) as recorded.
			if strings.Count(want, "\n") > 1 != (strings.Count(got, "\n") > 1) {
				return "JSON layout differs (pretty vs minified)"
			}
			wn, gn := normJSON(wv), normJSON(gv)
			if !reflect.DeepEqual(wn, gn) {
				return jsonDiff(wn, gn, "")
			}
			return ""
		}
	}
	wn, gn := normText(want), normText(got)
	if wn != gn {
		return textDiff(wn, gn)
	}
	return ""
}

func jsonDiff(w, g interface{}, path string) string {
	switch wt := w.(type) {
	case map[string]interface{}:
		gt, ok := g.(map[string]interface{})
		if !ok {
			return fmt.Sprintf("%s: want object, got %T", path, g)
		}
		var keys []string
		for k := range wt {
			keys = append(keys, k)
		}
		for k := range gt {
			if _, ok := wt[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			wv, wok := wt[k]
			gv, gok := gt[k]
			switch {
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: unexpected %v", path, k, short(gv)))
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing, want %v", path, k, short(wv)))
			case !reflect.DeepEqual(wv, gv):
				out = append(out, jsonDiff(wv, gv, path+"."+k))
			}
		}
		return strings.Join(out, "\n")
	case []interface{}:
		gt, ok := g.([]interface{})
		if !ok || len(gt) != len(wt) {
			return fmt.Sprintf("%s: want %v, got %v", path, short(w), short(g))
		}
		for i := range wt {
			if !reflect.DeepEqual(wt[i], gt[i]) {
				return jsonDiff(wt[i], gt[i], fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case string:
		if gs, ok := g.(string); ok {
			return fmt.Sprintf("%s:\n%s", path, textDiff(wt, gs))
		}
	}
	return fmt.Sprintf("%s: want %v, got %v", path, short(w), short(g))
}

func short(v interface{}) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func textDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, w, g)
		}
	}
	return "texts differ"
}

// prepare puts the simulated host in the state the real one had before the
// numbered transcript: users from the auth lines, PHP installed after 105,
// bar-b.test created between the two batches, MariaDB stopped for 340-346.
func prepare(t *testing.T, s *Server, clock *atomic.Int64, num int, done map[int]bool) {
	step := func(at int, f func()) {
		if num >= at && !done[at] {
			done[at] = true
			f()
		}
	}
	step(82, func() {
		// The recorder granted apilimited edit_remote_api=1 here.
		s.AddUser("apilimited", "ApiLimited123", RoleRemoteAPI)
	})
	step(99, func() {
		// The recorder waited 62 s for the block to expire.
		clock.Add(int64(62 * time.Second))
	})
	step(106, func() { s.SetPHPInstalled(true) })
	step(200, func() {
		if err := s.SeedDomain("admin", "domain", "bar-b.test", "pass", "BarB-Pass1", "unix", "", "dir", "", "web", "", "mail", ""); err != nil {
			t.Fatal(err)
		}
	})
	step(274, func() {
		// The recorder created /etc/ssl/virtualmin/<id> by hand after 262.
		if !s.CreateSSLDirectory("gamma.test") {
			t.Fatal("gamma.test missing before 274")
		}
	})
	step(280, func() {
		// ... and reverted Webmin's certificate by hand after 279.
		s.RestoreWebminCertificate()
	})
	// The recorder moved /home/epsilon away for 296-298 and 305.
	step(296, func() { s.SetHomeMissing("epsilon.test", true) })
	step(299, func() { s.SetHomeMissing("epsilon.test", false) })
	step(305, func() { s.SetHomeMissing("epsilon.test", true) })
	step(340, func() { s.SetMySQLDown(true) })
	step(347, func() { s.SetMySQLDown(false) })
}

func newConformanceServer(t testing.TB, clock *atomic.Int64) *Server {
	// The clock of the recording: the certificate installed in 274 is valid
	// until 26 Dec 2026, and list-certs-expiry prints the days left.
	recorded := time.Date(2026, 11, 26, 10, 26, 30, 0, time.UTC)
	s, err := NewServer(WithProfile(MinimalProfile()), WithClock(func() time.Time { return recorded.Add(time.Duration(clock.Load())) }))
	if err != nil {
		t.Fatal(err)
	}
	s.AddUser("admin", "AdminPass123", RoleMaster)
	s.AddUser("apimaster", "ApiMaster123", RoleMaster)
	s.AddUser("apilimited", "ApiLimited123", RoleRestricted)
	s.AddUser("apinomod", "ApiNoMod123", RoleNoModule)
	s.AddUser("apibootstrap", "ApiBoot-7xQ2p9", RoleMaster)
	return s
}

func insecureClient() *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the test talks to its own simulator
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func encodeParams(ps [][2]string) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	return strings.Join(parts, "&")
}

// reply is what the simulator answered.
type reply struct {
	code       int
	ctype      string
	body       string
	location   string
	statusLine string
	headers    http.Header
}

// replay sends one transcript's request.
func replay(t *testing.T, s *Server, c *http.Client, tr *transcript) reply {
	switch {
	case strings.HasPrefix(tr.file, "111-"):
		conn, err := net.Dial("tcp", s.Endpoint())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		body := "program=list-domains&json=1"
		fmt.Fprintf(conn, "POST /virtual-server/remote.cgi HTTP/1.0\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", s.Endpoint(), len(body), body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return reply{code: resp.StatusCode, location: resp.Header.Get("Location"), statusLine: resp.Proto + " " + resp.Status, headers: resp.Header}
	}
	var req *http.Request
	var err error
	target := s.URL() + "/virtual-server/remote.cgi"
	switch {
	case strings.HasPrefix(tr.file, "116-"):
		req, err = http.NewRequest("POST", target, strings.NewReader(`{"program":"list-domains","json":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("admin", "AdminPass123")
	case strings.HasPrefix(tr.file, "117-"):
		body := "--XX\r\nContent-Disposition: form-data; name=\"program\"\r\n\r\nlist-domains\r\n--XX--\r\n"
		req, err = http.NewRequest("POST", target, strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		req.SetBasicAuth("admin", "AdminPass123")
	case tr.method == "GET":
		req, err = http.NewRequest("GET", target+"?"+encodeParams(tr.params), nil)
	default:
		req, err = http.NewRequest("POST", target, strings.NewReader(encodeParams(tr.params)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	if tr.hasAuth {
		req.SetBasicAuth(tr.user, tr.pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", tr.file, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{code: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b),
		location: resp.Header.Get("Location"), statusLine: resp.Proto + " " + resp.Status, headers: resp.Header}
}

// recordingSet is one server's recordings and how to replay them: the
// simulator configured like that server, and the changes the recorder made
// by hand between calls.
type recordingSet struct {
	dir        string
	newServer  func(t testing.TB, clock *atomic.Int64) *Server
	prepare    func(t *testing.T, s *Server, clock *atomic.Int64, num int, done map[int]bool)
	notClaimed map[string]string
}

var (
	// oldSet: the server of the first recordings, MinimalProfile.
	oldSet = recordingSet{dir: oldTranscripts, newServer: newConformanceServer, prepare: prepare, notClaimed: notClaimed}
	// stockSet: the installer-configured server, StockProfile.
	stockSet = recordingSet{dir: stockTranscripts, newServer: newStockServer, prepare: prepareStock, notClaimed: notClaimedStock}
)

// notClaimedStock lists the stock recordings the simulator does not
// reproduce, with the reason.
var notClaimedStock = map[string]string{
	"01-info-json.txt": "info blob: the recorded host's CPU, disks and pending apt updates; the simulator prints its own host data",
}

func newStockServer(t testing.TB, clock *atomic.Int64) *Server {
	recorded := time.Date(2026, 12, 2, 15, 47, 30, 0, time.UTC)
	s, err := NewServer(WithProfile(StockProfile()), WithClock(func() time.Time { return recorded.Add(time.Duration(clock.Load())) }))
	if err != nil {
		t.Fatal(err)
	}
	s.AddUser("root", "REDACTED", RoleMaster)
	return s
}

// prepareStock: MariaDB was stopped for 30 and started again right after.
func prepareStock(t *testing.T, s *Server, clock *atomic.Int64, num int, done map[int]bool) {
	step := func(at int, f func()) {
		if num >= at && !done[at] {
			done[at] = true
			f()
		}
	}
	step(30, func() { s.SetMySQLDown(true) })
	step(31, func() { s.SetMySQLDown(false) })
}

func TestConformance(t *testing.T) { replaySet(t, oldSet) }

func TestConformanceStock(t *testing.T) { replaySet(t, stockSet) }

func TestConformanceStockCoversEveryTranscript(t *testing.T) {
	files := transcriptFiles(t, stockTranscripts)
	if len(files) != 42 {
		t.Fatalf("%d stock transcripts, want 42", len(files))
	}
	names := map[string]bool{}
	for _, f := range files {
		names[filepath.Base(f)] = true
	}
	for n := range notClaimedStock {
		if !names[n] {
			t.Errorf("notClaimedStock lists %s, which is not a transcript", n)
		}
	}
}

// replaySet replays every claimed recording of a set in order against a
// simulator configured like the recorded server and compares the answers.
func replaySet(t *testing.T, set recordingSet) {
	var clock atomic.Int64 // nanoseconds after the recording's clock
	s := set.newServer(t, &clock)
	defer s.Close()
	c := insecureClient()
	done := map[int]bool{}
	matched, claimed := 0, 0
	for _, f := range transcriptFiles(t, set.dir) {
		tr := parseTranscript(t, f)
		set.prepare(t, s, &clock, tr.num, done)
		if _, skip := set.notClaimed[tr.file]; skip {
			// Still send remote.cgi calls, so the state follows the
			// recording (102 deletes alpha.test).
			if tr.path == "/virtual-server/remote.cgi" && tr.method != "" && tr.num != 100 {
				replay(t, s, c, tr)
			}
			continue
		}
		claimed++
		r := replay(t, s, c, tr)
		code, ctype, body, loc := r.code, r.ctype, r.body, r.location
		if tr.statusLine != "" && r.statusLine != tr.statusLine {
			t.Errorf("%s: status line %q, want %q", tr.file, r.statusLine, tr.statusLine)
		}
		for _, h := range []string{"Server", "Connection", "WWW-Authenticate"} {
			if tr.headers != nil && r.headers.Get(h) != tr.headers.Get(h) {
				t.Errorf("%s: header %s %q, want %q", tr.file, h, r.headers.Get(h), tr.headers.Get(h))
			}
		}
		if code != tr.code {
			t.Errorf("%s: HTTP %d, want %d", tr.file, code, tr.code)
			continue
		}
		if tr.code == 302 {
			if loc != s.URL() {
				t.Errorf("%s: Location %q, want %q (the recorded one was %q)", tr.file, loc, s.URL(), tr.location)
			}
			matched++
			continue
		}
		if ctype != tr.ctype {
			t.Errorf("%s: content type %q, want %q", tr.file, ctype, tr.ctype)
			continue
		}
		if d := compareBodies(tr.ctype, tr.body, body); d != "" {
			t.Errorf("%s: body differs:\n%s", tr.file, d)
			continue
		}
		matched++
	}
	t.Logf("conformance (%s): %d transcripts matched", set.dir, matched)
	if matched != claimed {
		t.Errorf("%d of %d claimed transcripts matched", matched, claimed)
	}
}
