package dns_test

// Tests of the zone model against a REAL pdns_server started by pdnstest.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// One pdns_server for the test binary, stopped at the end.
func TestMain(m *testing.M) { pdnstest.Main(m) }

// apiCounter counts the HTTP requests a client sends and keeps PATCH bodies.
type apiCounter struct {
	base    http.RoundTripper
	mu      sync.Mutex
	byVerb  map[string]int
	patches []string
}

func (c *apiCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	body := ""
	if req.Body != nil && req.Method == http.MethodPatch {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		body = string(b)
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	resp, err := c.base.RoundTrip(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byVerb == nil {
		c.byVerb = map[string]int{}
	}
	c.byVerb[req.Method]++
	if err != nil || resp.StatusCode >= 500 {
		// A failed attempt the client retries (sqlite3's "database is
		// locked"): counted apart so that call counts stay exact.
		c.byVerb[req.Method+" retried"]++
		return resp, err
	}
	if req.Method == http.MethodPatch {
		c.patches = append(c.patches, body)
	}
	return resp, err
}

func (c *apiCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byVerb, c.patches = map[string]int{}, nil
}

func (c *apiCounter) counts() (total int, byVerb map[string]int, patches []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byVerb = map[string]int{}
	for k, v := range c.byVerb {
		byVerb[k] = v
		if !strings.HasSuffix(k, " retried") {
			total += v // every attempt, retries included
		}
	}
	return total, byVerb, append([]string(nil), c.patches...)
}

var zoneSeq atomic.Int64

type pdnsEnv struct {
	srv     *pdnstest.Server
	client  *powerdns.Client
	backend *powerdns.Backend
	calls   *apiCounter
	zone    string
}

// newPDNSZone returns a client of the shared server and a fresh Native zone
// created the way the SDK does (soa_edit_api left to PowerDNS: DEFAULT),
// deleted at the end of the test.
func newPDNSZone(t testing.TB, bopts ...powerdns.BackendOption) *pdnsEnv {
	t.Helper()
	return newPDNSZoneOn(t, pdnstest.LMDB, bopts...)
}

// newPDNSZoneOn is newPDNSZone on a server with the given storage backend.
// The sqlite3 one answers 500 "database is locked" under concurrent writes,
// which the client's retries absorb.
func newPDNSZoneOn(t testing.TB, storage pdnstest.Backend, bopts ...powerdns.BackendOption) *pdnsEnv {
	t.Helper()
	srv := pdnstest.Shared(t, pdnstest.WithBackend(storage))
	calls := &apiCounter{base: http.DefaultTransport}
	c, err := powerdns.NewClient(srv.APIURL,
		powerdns.WithAPIKey(srv.APIKey),
		powerdns.WithHTTPClient(&http.Client{Transport: calls, Timeout: 60 * time.Second}),
		powerdns.WithRateLimit(0, 1),
	)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	zone := fmt.Sprintf("%s-%d.test.", strings.Trim(name, "-"), zoneSeq.Add(1))
	if _, err := c.Zones.Create(testCtx(t), powerdns.ZoneCreate{Name: zone, Nameservers: []string{"ns1." + zone, "ns2." + zone}}); err != nil {
		t.Fatalf("create zone %s: %v", zone, err)
	}
	t.Cleanup(func() {
		if err := c.Zones.Delete(context.Background(), zone); err != nil && !errors.Is(err, powerdns.ErrNotFound) {
			t.Errorf("delete zone %s: %v", zone, err)
		}
	})
	calls.reset()
	return &pdnsEnv{srv: srv, client: c, backend: c.Backend(bopts...), calls: calls, zone: zone}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// mixedForms is a zone's content written every way a user or Cloudflare
// writes it: relative and upper-case names, no trailing dots, AAAA in long
// form, TXT with and without quotes, records in any order.
func mixedForms(zone string) []dns.RRset {
	apex := strings.ToUpper(strings.TrimSuffix(zone, "."))
	return []dns.RRset{
		rrset("WWW", "a", 300, "192.0.2.11", "192.0.2.10"),
		rrset("v6."+apex, "AAAA", 300, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0:0:0:0:2"),
		rrset("@", "TXT", 600, "v=spf1 -all", `"hello world"   "second string"`),
		rrset("long", "TXT", 600, strings.Repeat("k", 300)),
		rrset(apex, "MX", 3600, "20 Mail2."+apex, "10 mail."+strings.ToLower(apex)+"."),
		rrset("alias", "CNAME", 300, "WWW."+apex),
		rrset("_sip._TCP", "SRV", 300, "0 5 5060 SIP."+apex),
		rrset("@", "CAA", 3600, `0 issue letsencrypt.org`),
		rrset("*.wild", "A", 300, "192.0.2.77"),
		rrset("Upper.Case."+apex+".", "A", 60, "192.0.2.5"),
	}
}

func TestPowerDNSRoundTripGivesEmptyDiff(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	desired := mixedForms(e.zone)
	res := dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{}, e.backend)
	if err := dns.Errors(res); err != nil {
		t.Fatal(err)
	}
	if len(res[0].Applied) != len(desired) {
		t.Fatalf("applied %d of %d: %v", len(res[0].Applied), len(desired), res[0].Applied)
	}
	_, verbs, patches := e.calls.counts()
	if verbs[http.MethodPatch]-verbs["PATCH retried"] != 1 || len(patches) != 1 {
		t.Errorf("want one PATCH for %d RRsets, got %v", len(desired), verbs)
	}

	actual, err := e.backend.RRsets(ctx, e.zone)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: e.zone, Exclusive: true, Managed: keysOf(desired)})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Empty() {
		t.Errorf("read back differs: %v", plan.Changes)
		for _, c := range plan.Changes {
			if c.Current != nil && c.Desired != nil {
				t.Logf("%v\n  sent %+v\n  read %+v", c, c.Desired.Records, c.Current.Records)
			}
		}
	}
	// And applying the same desired state again sends nothing.
	e.calls.reset()
	res = dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{Managed: keysOf(desired)}, e.backend)
	if err := dns.Errors(res); err != nil || len(res[0].Planned) != 0 {
		t.Errorf("second apply planned %v, %v", res[0].Planned, err)
	}
	if _, verbs, _ := e.calls.counts(); verbs[http.MethodPatch] != 0 {
		t.Errorf("second apply sent %d PATCH", verbs[http.MethodPatch])
	}
}

func keysOf(rrs []dns.RRset) []dns.Key {
	out := make([]dns.Key, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Key{Name: rr.Name, Type: rr.Type}
	}
	return out
}

// soaSerial reads the serial served over DNS and the one the API reports.
func soaSerial(t *testing.T, e *pdnsEnv) (dnsSerial, apiSerial uint32) {
	t.Helper()
	ans, err := dns.Query(testCtx(t), e.srv.DNSAddr, e.zone, "SOA", "udp")
	if err != nil || len(ans.RRset.Records) != 1 {
		t.Fatalf("SOA query: %+v, %v", ans, err)
	}
	f := strings.Fields(ans.RRset.Records[0].Content)
	if _, err := fmt.Sscan(f[2], &dnsSerial); err != nil {
		t.Fatalf("SOA %q: %v", ans.RRset.Records[0].Content, err)
	}
	z, err := e.client.Zones.GetWithoutRRsets(testCtx(t), e.zone)
	if err != nil {
		t.Fatal(err)
	}
	return dnsSerial, z.Serial
}

func TestPowerDNSSerialGoesUpWithEveryAppliedChange(t *testing.T) {
	t.Parallel()
	for _, storage := range []pdnstest.Backend{pdnstest.LMDB, pdnstest.SQLite3} {
		t.Run(string(storage), func(t *testing.T) {
			t.Parallel()
			testSerialGoesUp(t, newPDNSZoneOn(t, storage))
		})
	}
}

func testSerialGoesUp(t *testing.T, e *pdnsEnv) {
	ctx := testCtx(t)
	steps := []struct {
		what    string
		desired []dns.RRset
	}{
		{"create", []dns.RRset{rrset("www", "A", 300, "192.0.2.1")}},
		{"ttl change", []dns.RRset{rrset("www", "A", 60, "192.0.2.1")}},
		{"value change", []dns.RRset{rrset("www", "A", 60, "192.0.2.2")}},
		{"second record", []dns.RRset{rrset("www", "A", 60, "192.0.2.2", "192.0.2.3")}},
		{"delete", []dns.RRset{rrset("www", "A", 60)}},
	}
	prevDNS, prevAPI := soaSerial(t, e)
	for _, s := range steps {
		res := dns.ApplyDesired(ctx, e.zone, s.desired, dns.DiffOptions{Ownership: dns.Adopt}, e.backend)
		if err := dns.Errors(res); err != nil || len(res[0].Applied) != 1 {
			t.Fatalf("%s: %+v, %v", s.what, res[0], err)
		}
		d, a := soaSerial(t, e)
		if d <= prevDNS || a <= prevAPI {
			t.Errorf("%s: serial did not go up: DNS %d → %d, API %d → %d", s.what, prevDNS, d, prevAPI, a)
		}
		prevDNS, prevAPI = d, a
	}
}

// probe queries names over UDP in a loop until stop is closed and classifies
// every answer: it must always be one of the allowed RRsets.
type probe struct {
	queries, nxdomain, empty, unexpected, errs atomic.Int64
	mu                                         sync.Mutex
	firstBad                                   string
}

func (p *probe) run(ctx context.Context, server string, allowed map[dns.Key][]dns.RRset, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for k, ok := range allowed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				ans, err := dns.Query(qctx, server, k.Name, k.Type, "udp")
				cancel()
				p.queries.Add(1)
				switch {
				case err != nil:
					p.errs.Add(1) // a lost UDP packet on a loaded machine is not an answer
				case ans.Rcode == "NXDOMAIN":
					p.nxdomain.Add(1)
					p.note(k, ans)
				case len(ans.RRset.Records) == 0:
					p.empty.Add(1)
					p.note(k, ans)
				default:
					match := false
					for _, rr := range ok {
						match = match || dns.Served(ans, rr)
					}
					if !match {
						p.unexpected.Add(1)
						p.note(k, ans)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (p *probe) note(k dns.Key, ans *dns.Answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstBad == "" {
		p.firstBad = k.String() + ": " + ans.String()
	}
}

func TestPowerDNSProbeNeverSeesNXDOMAINDuringTTLAndValueChanges(t *testing.T) {
	t.Parallel()
	for _, storage := range []pdnstest.Backend{pdnstest.LMDB, pdnstest.SQLite3} {
		t.Run(string(storage), func(t *testing.T) {
			t.Parallel()
			testProbe(t, newPDNSZoneOn(t, storage))
		})
	}
}

func testProbe(t *testing.T, e *pdnsEnv) {
	ctx := testCtx(t)
	z := e.zone
	stateA := []dns.RRset{rrset("www."+z, "A", 300, "192.0.2.10", "192.0.2.11"), rrset("mail."+z, "A", 300, "192.0.2.20")}
	stateTTL := []dns.RRset{rrset("www."+z, "A", 60, "192.0.2.10", "192.0.2.11"), rrset("mail."+z, "A", 60, "192.0.2.20")}
	stateValue := []dns.RRset{rrset("www."+z, "A", 60, "198.51.100.10", "192.0.2.11"), rrset("mail."+z, "A", 60, "198.51.100.20")}
	opts := dns.DiffOptions{Managed: keysOf(stateA)}
	if err := dns.Errors(dns.ApplyDesired(ctx, z, stateA, opts, e.backend)); err != nil {
		t.Fatal(err)
	}
	allowed := map[dns.Key][]dns.RRset{}
	for i := range stateA {
		k := stateA[i].Key()
		allowed[k] = []dns.RRset{stateA[i], stateTTL[i], stateValue[i]}
	}

	var p probe
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { p.run(ctx, e.srv.DNSAddr, allowed, stop); close(done) }()

	e.calls.reset()
	const rounds = 10
	for i := range rounds {
		for _, st := range [][]dns.RRset{stateTTL, stateValue, stateTTL, stateA} {
			res := dns.ApplyDesired(ctx, z, st, opts, e.backend)
			if err := dns.Errors(res); err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
			for _, c := range res[0].Applied {
				if c.Op != dns.Update {
					t.Errorf("round %d: %v is not an update", i, c)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	close(stop)
	<-done

	_, verbs, patches := e.calls.counts()
	if verbs[http.MethodPatch]-verbs["PATCH retried"] != rounds*4 || verbs[http.MethodDelete] != 0 {
		t.Errorf("want %d PATCH and no DELETE, got %v", rounds*4, verbs)
	}
	for _, body := range patches {
		if strings.Contains(body, `"DELETE"`) || !strings.Contains(body, `"REPLACE"`) {
			t.Errorf("a TTL or value change must be one REPLACE, sent %s", body)
			break
		}
	}
	t.Logf("probe: %d queries, %d NXDOMAIN, %d empty, %d unexpected, %d lost", p.queries.Load(), p.nxdomain.Load(), p.empty.Load(), p.unexpected.Load(), p.errs.Load())
	if p.queries.Load()-p.errs.Load() < 20 {
		t.Fatalf("probe got too few answers (%d queries, %d lost) to show anything", p.queries.Load(), p.errs.Load())
	}
	if p.nxdomain.Load() != 0 || p.empty.Load() != 0 || p.unexpected.Load() != 0 {
		t.Errorf("probe saw %d NXDOMAIN, %d empty, %d unexpected answers; first: %s", p.nxdomain.Load(), p.empty.Load(), p.unexpected.Load(), p.firstBad)
	}
}

// The probe's detector works: a delete followed by a create (what the
// providers we replace do) is visible as NXDOMAIN in between.
func TestPowerDNSDeleteThenCreateIsAnOutage(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	rr := rrset("www."+e.zone, "A", 300, "192.0.2.10")
	if err := dns.Errors(dns.Apply(ctx, e.zone, []dns.Change{{Op: dns.Create, Desired: &rr}}, e.backend)); err != nil {
		t.Fatal(err)
	}
	if err := dns.Errors(dns.Apply(ctx, e.zone, []dns.Change{{Op: dns.Delete, Current: &rr}}, e.backend)); err != nil {
		t.Fatal(err)
	}
	ans, err := dns.Query(ctx, e.srv.DNSAddr, rr.Name, "A", "udp")
	if err != nil || ans.Rcode != "NXDOMAIN" {
		t.Errorf("between delete and create: %v, %v; want NXDOMAIN", ans, err)
	}
}

func TestPowerDNSWaitServedOverUDPAndTCP(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	want := []dns.RRset{
		rrset("www", "A", 120, "192.0.2.10"),
		rrset("@", "TXT", 120, "v=spf1 -all", "long "+strings.Repeat("x", 400)),
		rrset("v6", "AAAA", 120, "2001:0db8::0001"),
	}
	if err := dns.Errors(dns.ApplyDesired(ctx, e.zone, want, dns.DiffOptions{}, e.backend)); err != nil {
		t.Fatal(err)
	}
	for _, rr := range want {
		rr.Name = dns.AbsoluteName(rr.Name, e.zone)
		for _, tcp := range []bool{false, true} {
			if err := dns.WaitServed(ctx, e.srv.DNSAddr, rr, dns.WaitOptions{Timeout: 30 * time.Second, TCP: tcp}); err != nil {
				t.Errorf("tcp=%v: %v", tcp, err)
			}
		}
	}
	// An RRset that is not what is served times out with what was seen.
	err := dns.WaitServed(ctx, e.srv.DNSAddr, rrset("www."+e.zone, "A", 120, "203.0.113.1"), dns.WaitOptions{Timeout: 3 * time.Second})
	var nse *dns.NotServedError
	if !errors.As(err, &nse) || !strings.Contains(err.Error(), "192.0.2.10") {
		t.Errorf("want NotServedError showing 192.0.2.10, got %v", err)
	}
}

func TestPowerDNSRefusesUnmanagedRRset(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	// Someone else's RRset, written straight through the client.
	if err := e.client.Zones.PatchRRsets(ctx, e.zone, []powerdns.RRsetChange{{
		Name: "www." + e.zone, Type: "A", ChangeType: powerdns.Replace, TTL: 300,
		Records: []powerdns.Record{{Content: "192.0.2.50"}},
	}}); err != nil {
		t.Fatal(err)
	}
	e.calls.reset()
	desired := []dns.RRset{rrset("www", "A", 300, "192.0.2.1"), rrset("new", "A", 300, "192.0.2.2")}
	res := dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{Ownership: dns.RefuseUnmanaged}, e.backend)
	var ce *dns.ConflictError
	if !errors.As(res[0].Err, &ce) || ce.Existing.Records[0].Content != "192.0.2.50" {
		t.Fatalf("want a ConflictError on www A, got %v", res[0].Err)
	}
	if _, verbs, _ := e.calls.counts(); verbs[http.MethodPatch] != 0 {
		t.Errorf("sent %d PATCH despite the conflict", verbs[http.MethodPatch])
	}
	got, err := e.client.Zones.GetRRset(ctx, e.zone, "www."+e.zone, "A")
	if err != nil || len(got.Records) != 1 || got.Records[0].Content != "192.0.2.50" {
		t.Errorf("the unmanaged RRset changed: %+v, %v", got, err)
	}
	// An identical existing RRset is not a conflict.
	same := []dns.RRset{rrset("WWW", "A", 300, "192.0.2.50")}
	if res := dns.ApplyDesired(ctx, e.zone, same, dns.DiffOptions{}, e.backend); res[0].Err != nil || len(res[0].Planned) != 0 {
		t.Errorf("identical RRset: %+v", res[0])
	}
	// Adopting updates it in place.
	if res := dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{Ownership: dns.Adopt}, e.backend); dns.Errors(res) != nil || len(res[0].Applied) != 2 {
		t.Errorf("adopt: %+v", res[0])
	}
}

func TestPowerDNSAndFailingBackend(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	other := dnstest.New("cloudflare")
	other.AddZone(e.zone)
	other.FailApplies(errors.New("cloudflare: 503 service unavailable"))
	desired := []dns.RRset{rrset("www", "A", 300, "192.0.2.1")}
	res := dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{}, e.backend, other)
	if res[0].Backend != "powerdns" || !res[0].OK() || len(res[0].Applied) != 1 {
		t.Errorf("powerdns: %+v", res[0])
	}
	if res[1].Err == nil || len(res[1].Failed) != 1 || len(res[1].Applied) != 0 {
		t.Errorf("cloudflare: %+v", res[1])
	}
	if err := dns.WaitServed(ctx, e.srv.DNSAddr, dns.RRset{Name: "www." + e.zone, Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.1"}}}, dns.WaitOptions{Timeout: 30 * time.Second}); err != nil {
		t.Errorf("powerdns change not served: %v", err)
	}
}

// What the providers we replace do: a zone created with soa_edit_api "" keeps
// its serial whatever is applied, so secondaries never see a change. This is
// the control for TestPowerDNSSerialGoesUpWithEveryAppliedChange.
func TestPowerDNSEmptySOAEditAPIFreezesSerial(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	frozen := e.zone[:len(e.zone)-len(".test.")] + "-frozen.test."
	empty := ""
	if _, err := e.client.Zones.Create(ctx, powerdns.ZoneCreate{Name: frozen, Nameservers: []string{"ns1." + frozen}, SOAEditAPI: &empty}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.client.Zones.Delete(context.Background(), frozen) }) //nolint:errcheck // best effort
	before, err := e.client.Zones.GetWithoutRRsets(ctx, frozen)
	if err != nil {
		t.Fatal(err)
	}
	if err := dns.Errors(dns.ApplyDesired(ctx, frozen, []dns.RRset{rrset("www", "A", 300, "192.0.2.1")}, dns.DiffOptions{}, e.backend)); err != nil {
		t.Fatal(err)
	}
	after, err := e.client.Zones.GetWithoutRRsets(ctx, frozen)
	if err != nil {
		t.Fatal(err)
	}
	if after.Serial != before.Serial {
		t.Errorf("soa_edit_api \"\": serial moved %d → %d; the control no longer shows the problem", before.Serial, after.Serial)
	}
}

// Content PowerDNS rewrites (UTF-8 and \ddd in TXT, hex case in SSHFP, TLSA
// and DS, IDN targets) or that DNS answers print differently (LOC) still
// reads back with an empty diff and is seen served.
func TestPowerDNSRoundTripOfRewrittenContent(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	desired := []dns.RRset{
		rrset("u1", "TXT", 60, "héllo wörld"),
		rrset("u2", "TXT", 60, `"say \"hi\""`),
		rrset("u3", "TXT", 60, `"\065BC"`),
		rrset("u4", "TXT", 60, `"tab\009x"`),
		rrset("u5", "TXT", 60, `back\slash`),
		rrset("c1", "CAA", 60, `0 iodef "mailto:security@example.com"`, `128 issue ";"`),
		rrset("s1", "SSHFP", 60, "1 1 123456789ABCDEF67890123456789ABCDEF67890"),
		rrset("_443._tcp", "TLSA", 60, "3 1 1 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
		rrset("p1", "PTR", 60, "Host.Example.com"),
		rrset("n1", "NAPTR", 60, `100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .`),
		rrset("d1", "DS", 60, "12345 13 2 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
		rrset("i1", "CNAME", 60, "bücher.example"),
		rrset("l1", "LOC", 60, "51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m"),
		rrset("h1", "HTTPS", 60, `1 . alpn="h2,h3" ipv4hint="192.0.2.1"`),
	}
	if err := dns.Errors(dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{}, e.backend)); err != nil {
		t.Fatal(err)
	}
	actual, err := e.backend.RRsets(ctx, e.zone)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: e.zone, Managed: keysOf(desired)})
	if err != nil || !plan.Empty() {
		t.Errorf("read back differs: %v, %v", plan.Changes, err)
	}
	for _, rr := range desired {
		rr.Name = dns.AbsoluteName(rr.Name, e.zone)
		if err := dns.WaitServed(ctx, e.srv.DNSAddr, rr, dns.WaitOptions{Timeout: 30 * time.Second}); err != nil {
			t.Error(err)
		}
	}
}
