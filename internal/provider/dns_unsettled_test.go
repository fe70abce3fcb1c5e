package provider

import (
	"cmp"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// lossyProxy forwards to PowerDNS; once armed, it lets the next write of
// method (PATCH when empty) reach PowerDNS, loses its answer (a reset) and
// then resets every connection, as a network cut right after a write would,
// until disarmed.
type lossyProxy struct {
	method      string
	armed, down atomic.Bool
}

func (p *lossyProxy) start(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	cut := func(w http.ResponseWriter) {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case p.down.Load():
			cut(w)
		case r.Method == cmp.Or(p.method, http.MethodPatch) && p.armed.CompareAndSwap(true, false):
			rp.ServeHTTP(httptest.NewRecorder(), r) // PowerDNS applies it...
			p.down.Store(true)
			cut(w) // ...and the answer is lost
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAccDNSRecord_lostAnswer: the PATCH that creates an RRset reaches
// PowerDNS, and then PowerDNS cannot be reached. The RRset is kept in the
// state (tainted) instead of being lost; the next apply reads it, finds it
// as asked, and leaves it once in PowerDNS and in the state, with an empty
// plan after.
func TestAccDNSRecord_lostAnswer(t *testing.T) {
	acctest.PreCheckCLI(t)
	p := acctest.StartPowerDNS(t)
	zone := acctest.UniqueName("lost") + ".test."
	p.CreateZone(t, zone)
	proxy := &lossyProxy{}
	w := acctest.NewWorkdir(t, "PDNS_API_URL="+proxy.start(t, p.Server.APIURL))
	w.Write(`
resource "praho_dns_record" "www" {
  zone     = "` + zone + `"
  name     = "www"
  type     = "A"
  records  = ["192.0.2.10"]
  timeouts = { create = "20s" }
}
`)
	applyThroughLostAnswer(t, w, proxy, "praho_dns_record", "RRset")
	if err := checkRRset(t, p, zone, "www", "A", defaultTTL, "192.0.2.10")(nil); err != nil {
		t.Fatal(err)
	}
}

// applyThroughLostAnswer applies w's configuration, of one resource of type
// typ, with the answer to its create lost by proxy: the first apply fails
// and keeps the object (what) in the state, tainted; once PowerDNS answers
// again, the next apply settles it, leaving it once in the state, untainted,
// with an empty plan after.
func applyThroughLostAnswer(t *testing.T, w *acctest.Workdir, proxy *lossyProxy, typ, what string) {
	t.Helper()
	proxy.armed.Store(true)
	w.Run([]string{"apply", "-auto-approve"}, 1)
	if first := w.Output(); !strings.Contains(first, "Cannot tell whether the "+what+" was created") {
		t.Fatalf("the first apply did not keep the %s of unknown outcome:\n%s", what, first)
	}
	if ids, tainted := stateIDs(t, w, typ); len(ids) != 1 || tainted != 1 {
		t.Fatalf("state holds %v (%d tainted), want the %s kept, tainted", ids, tainted, what)
	}
	proxy.down.Store(false)
	w.Run([]string{"apply", "-auto-approve"})
	if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 0, 2); code != 0 {
		t.Fatalf("the plan after the second apply is not empty:\n%s", w.Output())
	}
	if ids, tainted := stateIDs(t, w, typ); len(ids) != 1 || tainted != 0 {
		t.Fatalf("state holds %v (%d tainted), want the %s once, untainted", ids, tainted, what)
	}
}

// TestAccDNSZone_lostAnswer: the POST that creates a zone with its records
// reaches PowerDNS, and then PowerDNS cannot be reached. The zone is kept in
// the state (tainted) instead of being lost; the next apply reads it, finds
// it as asked, and keeps it once in PowerDNS and in the state, with an empty
// plan after.
func TestAccDNSZone_lostAnswer(t *testing.T) {
	acctest.PreCheckCLI(t)
	p := acctest.StartPowerDNS(t)
	zone := acctest.UniqueName("lostzone") + ".example"
	proxy := &lossyProxy{method: http.MethodPost}
	w := acctest.NewWorkdir(t, "PDNS_API_URL="+proxy.start(t, p.Server.APIURL))
	w.Write(zoneConfig{name: zone, nameservers: fmt.Sprintf(`["ns1.%s."]`, zone), records: zoneRecords(zone, "192.0.2.20")}.String())
	applyThroughLostAnswer(t, w, proxy, "praho_dns_zone", "zone")
	if err := checkRRset(t, p, zone, "www", "A", 300, "192.0.2.20")(nil); err != nil {
		t.Fatal(err)
	}
}
