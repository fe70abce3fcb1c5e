package cloudflare_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// rrsetsUnder returns the backend's RRsets below e.base.
func rrsetsUnder(t *testing.T, e *env, b *cloudflare.Backend) map[dns.Key]dns.RRset {
	t.Helper()
	all, err := b.RRsets(ctxFor(t), e.zone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[dns.Key]dns.RRset{}
	for _, rr := range all {
		if strings.HasSuffix(rr.Name, e.base+".") {
			out[rr.Key()] = rr
		}
	}
	return out
}

func creates(rrs ...dns.RRset) []dns.Change {
	out := make([]dns.Change, len(rrs))
	for i := range rrs {
		out[i] = dns.Change{Op: dns.Create, Desired: &rrs[i]}
	}
	return out
}

func recs(contents ...string) []dns.Record {
	out := make([]dns.Record, len(contents))
	for i, c := range contents {
		out[i] = dns.Record{Content: c}
	}
	return out
}

// recordIDs maps content to record id for one name and type.
func recordIDs(t *testing.T, e *env, name, rrtype string) map[string]string {
	t.Helper()
	rs, err := e.client.Records.List(ctxFor(t), e.zoneID, &cloudflare.RecordListOptions{Name: name, Type: rrtype})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rs {
		out[r.Content] = r.ID
	}
	return out
}

func TestBackendRoundTrip(t *testing.T) {
	e := newEnv(t)
	b := cloudflare.NewBackend(e.client)
	if b.Name() != "cloudflare" {
		t.Fatal(b.Name())
	}
	upper := strings.ToUpper(e.base)
	// Written in every form a user may use: names with and without dot or in
	// upper case, AAAA in long form, TXT with and without quotes.
	desired := []dns.RRset{
		{Name: "WWW." + upper + ".", Type: "a", TTL: 300, Records: recs("192.0.2.1", "192.0.2.2"), Comment: "managed"},
		{Name: "v6." + e.base, Type: "AAAA", TTL: 300, Records: recs("2001:0DB8:0000:0000:0000:0000:0000:0001")},
		{Name: "txt." + e.base + ".", Type: "TXT", TTL: 120, Records: recs("v=spf1 -all", `"two" "strings"`)},
		{Name: "alias." + e.base, Type: "CNAME", TTL: 3600, Records: recs("Target.Example.NET")},
		{Name: "mail." + e.base + ".", Type: "MX", TTL: 3600, Records: recs("10 mx1.example.net.", "20 MX2.example.net")},
		{Name: "_sip._tcp." + e.base + ".", Type: "SRV", TTL: 3600, Records: recs("10 5 5060 sip.example.net.")},
		{Name: "caa." + e.base + ".", Type: "CAA", TTL: 3600, Records: recs(`0 issue "letsencrypt.org"`)},
		{Name: "sub." + e.base + ".", Type: "NS", TTL: 86400, Records: recs("ns1.example.net.", "ns2.example.net.")},
		{Name: "auto." + e.base + ".", Type: "A", TTL: 1, Records: recs("192.0.2.9")},
		{Name: "long." + e.base, Type: "TXT", TTL: 600, Records: recs(strings.Repeat("k", 300))},
		{Name: "*.wild." + e.base, Type: "A", TTL: 300, Records: recs("192.0.2.77")},
		{Name: "_xmpp._TCP." + upper, Type: "SRV", TTL: 300, Records: recs("0 5 5269 XMPP." + upper)},
		{Name: upper, Type: "CAA", TTL: 3600, Records: recs(`0 issue letsencrypt.org`, `0 iodef "mailto:ca@example.net"`)},
	}
	if err := b.Apply(ctxFor(t), e.zone+".", creates(desired...)); err != nil {
		t.Fatal(err)
	}
	got := rrsetsUnder(t, e, b)
	if len(got) != len(desired) {
		t.Fatalf("read back %d RRsets, want %d: %v", len(got), len(desired), got)
	}
	for _, want := range desired {
		canon, err := dns.CanonicalRRset(want)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got[canon.Key()]
		if !ok {
			t.Errorf("%s missing", canon.Key())
			continue
		}
		if !dns.EqualRRsets(canon, g) || g.Comment != want.Comment {
			t.Errorf("%s: wrote %+v, read %+v", canon.Key(), canon, g)
		}
		// Read back is canonical: what Diff compares and PowerDNS returns.
		again, _ := dns.CanonicalRRset(g)
		for i := range g.Records {
			if g.Records[i].Content != again.Records[i].Content {
				t.Errorf("%s: %q is not canonical", g.Key(), g.Records[i].Content)
			}
		}
	}
	// A diff of desired against what was read is empty.
	var actual []dns.RRset
	for _, rr := range got {
		actual = append(actual, rr)
	}
	plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: e.zone, Ownership: dns.RefuseUnmanaged, Managed: keys(desired)})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Empty() {
		t.Fatalf("diff after round trip: %v %v", plan.Changes, plan.Conflicts)
	}
	// Applying it again changes nothing and sends nothing but reads.
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	results := dns.ApplyDesired(ctxFor(t), e.zone, desired, dns.DiffOptions{Managed: keys(desired)}, b)
	if err := dns.Errors(results); err != nil || len(results[0].Applied) != 0 {
		t.Fatalf("second apply: %v %v", results[0].Applied, err)
	}
	if e.fake != nil {
		for _, c := range e.fake.Calls() {
			if c.Method != http.MethodGet {
				t.Errorf("second apply wrote: %s %s", c.Method, c.Path)
			}
		}
	}
}

func keys(rrs []dns.RRset) []dns.Key {
	out := make([]dns.Key, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.Key()
	}
	return out
}

func TestBackendUpdateChangesOnlyRecordsThatDiffer(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	b := cloudflare.NewBackend(e.client)
	name := "web." + e.base + "."
	v1 := dns.RRset{Name: name, Type: "A", TTL: 300, Records: recs("192.0.2.1", "192.0.2.2", "192.0.2.3")}
	if err := b.Apply(ctx, e.zone, creates(v1)); err != nil {
		t.Fatal(err)
	}
	ids := recordIDs(t, e, name, "A")

	// A value change: .3 becomes .4. The object of .3 is reused (PUT), the
	// others are not touched, nothing is deleted.
	v2 := dns.RRset{Name: name, Type: "A", TTL: 300, Records: recs("192.0.2.1", "192.0.2.2", "192.0.2.4")}
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	if err := b.Apply(ctx, e.zone, []dns.Change{{Op: dns.Update, Current: &v1, Desired: &v2}}); err != nil {
		t.Fatal(err)
	}
	after := recordIDs(t, e, name, "A")
	if after["192.0.2.1"] != ids["192.0.2.1"] || after["192.0.2.2"] != ids["192.0.2.2"] || after["192.0.2.4"] != ids["192.0.2.3"] || len(after) != 3 {
		t.Fatalf("ids before %v after %v", ids, after)
	}
	if e.fake != nil {
		assertOneBatch(t, e, 0, 0, 1, 0)
	}

	// A TTL change patches every object in place.
	v3 := v2
	v3.TTL = 600
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	if err := b.Apply(ctx, e.zone, []dns.Change{{Op: dns.Update, Current: &v2, Desired: &v3}}); err != nil {
		t.Fatal(err)
	}
	final := recordIDs(t, e, name, "A")
	for c, id := range after {
		if final[c] != id {
			t.Fatalf("TTL change replaced %s: %s -> %s", c, id, final[c])
		}
	}
	if got := rrsetsUnder(t, e, b)[dns.Key{Name: name, Type: "A"}]; !dns.EqualRRsets(got, v3) {
		t.Fatalf("read %+v", got)
	}
	if e.fake != nil {
		assertOneBatch(t, e, 0, 3, 0, 0)
	}

	// Shrinking removes only the value that went away; growing only adds.
	v4 := dns.RRset{Name: name, Type: "A", TTL: 600, Records: recs("192.0.2.1", "192.0.2.4")}
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	if err := b.Apply(ctx, e.zone, []dns.Change{{Op: dns.Update, Current: &v3, Desired: &v4}}); err != nil {
		t.Fatal(err)
	}
	if e.fake != nil {
		assertOneBatch(t, e, 1, 0, 0, 0)
	}
	v5 := dns.RRset{Name: name, Type: "A", TTL: 600, Records: recs("192.0.2.1", "192.0.2.4", "192.0.2.5")}
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	if err := b.Apply(ctx, e.zone, []dns.Change{{Op: dns.Update, Current: &v4, Desired: &v5}}); err != nil {
		t.Fatal(err)
	}
	if e.fake != nil {
		assertOneBatch(t, e, 0, 0, 0, 1)
	}
	if got := rrsetsUnder(t, e, b)[dns.Key{Name: name, Type: "A"}]; !dns.EqualRRsets(got, v5) {
		t.Fatalf("read %+v", got)
	}
}

// assertOneBatch checks that the writes were one batch call with these
// numbers of operations.
func assertOneBatch(t *testing.T, e *env, deletes, patches, puts, posts int) {
	t.Helper()
	var batches []string
	for _, c := range e.fake.Calls() {
		switch {
		case c.Method == http.MethodGet:
		case c.Route == "/zones/{zone_id}/dns_records/batch":
			batches = append(batches, c.Body)
		default:
			t.Errorf("unexpected write %s %s", c.Method, c.Path)
		}
	}
	if len(batches) != 1 {
		t.Fatalf("%d batch calls, want 1", len(batches))
	}
	body := batches[0]
	var got struct{ deletes, patches, puts, posts int }
	got.deletes, got.patches, got.puts, got.posts = countOps(t, body)
	if got.deletes != deletes || got.patches != patches || got.puts != puts || got.posts != posts {
		t.Fatalf("batch %s: deletes %d patches %d puts %d posts %d, want %d %d %d %d", body,
			got.deletes, got.patches, got.puts, got.posts, deletes, patches, puts, posts)
	}
}

// countOps counts the operations of a batch body.
func countOps(t *testing.T, body string) (deletes, patches, puts, posts int) {
	t.Helper()
	var req map[string][]json.RawMessage
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("batch body %q: %v", body, err)
	}
	return len(req["deletes"]), len(req["patches"]), len(req["puts"]), len(req["posts"])
}

func cloudflareRecord(name, rrtype, content string) cloudflaretest.Record {
	return cloudflaretest.Record{Name: name, Type: rrtype, Content: content, TTL: 300}
}

func TestBackendCreateRefusesExistingRRset(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	name := e.name("taken")
	if _, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: name, Type: "A", Content: "192.0.2.77", TTL: 300}); err != nil {
		t.Fatal(err)
	}
	b := cloudflare.NewBackend(e.client)
	if e.fake != nil {
		e.fake.ResetCalls()
	}
	err := b.Apply(ctx, e.zone, creates(dns.RRset{Name: name + ".", Type: "A", TTL: 300, Records: recs("192.0.2.1")}))
	if !errors.Is(err, dns.ErrConflict) {
		t.Fatalf("create over a live RRset: %v", err)
	}
	if e.fake != nil {
		for _, c := range e.fake.Calls() {
			if c.Method != http.MethodGet {
				t.Fatalf("wrote despite the conflict: %s %s", c.Method, c.Path)
			}
		}
	}
	if ids := recordIDs(t, e, name, "A"); len(ids) != 1 || ids["192.0.2.77"] == "" {
		t.Fatalf("live record changed: %v", ids)
	}
}

func TestBackendProxiedTTLCheckedBeforeAnyCall(t *testing.T) {
	e := newEnv(t)
	b := cloudflare.NewBackend(e.client, cloudflare.WithProxied(func(name, rrtype string) bool {
		return strings.HasPrefix(name, "cdn.")
	}))
	before := e.calls()
	err := b.Apply(ctxFor(t), e.zone, creates(dns.RRset{Name: "cdn." + e.base, Type: "A", TTL: 300, Records: recs("192.0.2.1")}))
	if !errors.Is(err, cloudflare.ErrProxiedTTL) {
		t.Fatalf("got %v", err)
	}
	if e.calls() != before {
		t.Fatalf("%d calls before the check", e.calls()-before)
	}
	// Disabled records and unsupported types are refused the same way.
	err = b.Apply(ctxFor(t), e.zone, creates(dns.RRset{Name: "x." + e.base, Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.1", Disabled: true}}}))
	if !errors.Is(err, cloudflare.ErrInvalid) || e.calls() != before {
		t.Fatalf("disabled: %v", err)
	}
	// Proxied with TTL 1 is written proxied.
	if err := b.Apply(ctxFor(t), e.zone, creates(dns.RRset{Name: "cdn." + e.base, Type: "CNAME", TTL: 1, Records: recs("origin.example.net.")})); err != nil {
		t.Fatal(err)
	}
	rs, err := e.client.Records.List(ctxFor(t), e.zoneID, &cloudflare.RecordListOptions{Name: "cdn." + e.base})
	if err != nil || len(rs) != 1 || !rs[0].Proxied || rs[0].TTL != 1 {
		t.Fatalf("proxied record: %+v %v", rs, err)
	}
}

func TestBackendBatchIsAllOrNothing(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	// A live A record on "clash" makes Cloudflare refuse a CNAME there
	// (81053); the other create in the same batch must not be applied.
	e.fake.AddRecord(e.zoneID, cloudflareRecord(e.name("clash"), "A", "192.0.2.1"))
	b := cloudflare.NewBackend(e.client)
	err := b.Apply(ctx, e.zone, creates(
		dns.RRset{Name: e.name("fine"), Type: "A", TTL: 300, Records: recs("192.0.2.2")},
		dns.RRset{Name: e.name("clash"), Type: "CNAME", TTL: 300, Records: recs("example.net.")},
	))
	var apiErr *cloudflare.APIError
	if !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeHostExists) {
		t.Fatalf("got %v", err)
	}
	var pe *dns.PartialApplyError
	if errors.As(err, &pe) {
		t.Fatalf("reported partial: %v", pe.Applied)
	}
	if ids := recordIDs(t, e, e.name("fine"), "A"); len(ids) != 0 {
		t.Fatalf("half of a failed batch applied: %v", ids)
	}
}

func TestBackendOneByOne(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	b := cloudflare.NewBackend(e.client, cloudflare.WithBatch(false, 0))
	name := e.name("seq")
	v1 := dns.RRset{Name: name, Type: "A", TTL: 300, Records: recs("192.0.2.1", "192.0.2.2")}
	if err := b.Apply(ctx, e.zone, creates(v1)); err != nil {
		t.Fatal(err)
	}
	ids := recordIDs(t, e, name, "A")
	e.fake.ResetCalls()
	v2 := dns.RRset{Name: name, Type: "A", TTL: 300, Records: recs("192.0.2.1", "192.0.2.3")}
	if err := b.Apply(ctx, e.zone, []dns.Change{{Op: dns.Update, Current: &v1, Desired: &v2}}); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(http.MethodPut, "/zones/{zone_id}/dns_records/{id}"); n != 1 {
		t.Fatalf("%d PUTs", n)
	}
	if n := e.fake.Count(http.MethodDelete, "/zones/{zone_id}/dns_records/{id}") + e.fake.Count(http.MethodPost, "/zones/{zone_id}/dns_records"); n != 0 {
		t.Fatalf("%d deletes/creates for an in-place change", n)
	}
	if got := recordIDs(t, e, name, "A"); got["192.0.2.3"] != ids["192.0.2.2"] || got["192.0.2.1"] != ids["192.0.2.1"] {
		t.Fatalf("ids %v -> %v", ids, got)
	}
	// A failure after the first change reports it as applied.
	e.fake.FailNextRequest(http.MethodPost, "/dns_records", 1, http.StatusBadRequest)
	err := b.Apply(ctx, e.zone, []dns.Change{
		{Op: dns.Delete, Current: &v2},
		{Op: dns.Create, Desired: &dns.RRset{Name: e.name("new"), Type: "A", TTL: 300, Records: recs("192.0.2.9")}},
	})
	var pe *dns.PartialApplyError
	if !errors.As(err, &pe) || len(pe.Applied) != 1 || pe.Applied[0].Op != dns.Delete {
		t.Fatalf("partial: %v", err)
	}
	if got := recordIDs(t, e, name, "A"); len(got) != 0 {
		t.Fatalf("delete not applied: %v", got)
	}
}

func TestBackendThroughDNSApply(t *testing.T) {
	// Two Cloudflare accounts, one of them failing: the other's change is
	// applied and reported.
	good := newFakeEnv(t)
	bad := newFakeEnv(t)
	bad.fake.FailNextRequest(http.MethodPost, "/batch", 1, http.StatusBadRequest)
	bg, bb := cloudflare.NewBackend(good.client), cloudflare.NewBackend(bad.client)
	rr := dns.RRset{Name: "www.example.com.", Type: "A", TTL: 300, Records: recs("192.0.2.1")}
	results := dns.Apply(ctxFor(t), "example.com", creates(rr), bg, bb)
	if !results[0].OK() || len(results[0].Applied) != 1 {
		t.Fatalf("good backend: %+v", results[0])
	}
	if results[1].OK() || len(results[1].Failed) != 1 || results[1].Err == nil {
		t.Fatalf("bad backend: %+v", results[1])
	}
	if len(good.fake.Records(good.zoneID)) != 1 || len(bad.fake.Records(bad.zoneID)) != 0 {
		t.Fatal("records do not match the results")
	}
}

func TestBackendLargeChangeSplitsBatches(t *testing.T) {
	e := newFakeEnv(t)
	b := cloudflare.NewBackend(e.client, cloudflare.WithBatch(true, 50))
	var rrs []dns.RRset
	for i := range 120 {
		rrs = append(rrs, dns.RRset{Name: e.name("h" + itoa(i)), Type: "A", TTL: 300, Records: recs("192.0.2.1")})
	}
	if err := b.Apply(ctxFor(t), e.zone, creates(rrs...)); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(http.MethodPost, "/zones/{zone_id}/dns_records/batch"); n != 3 {
		t.Fatalf("%d batches for 120 creates at 50 per batch", n)
	}
	if n := len(e.fake.Records(e.zoneID)); n != 120 {
		t.Fatalf("%d records", n)
	}
	got := rrsetsUnder(t, e, b)
	names := make([]string, 0, len(got))
	for k := range got {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	if len(names) != 120 {
		t.Fatalf("%d RRsets", len(names))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBackendLaterBatchFailureIsPartial(t *testing.T) {
	e := newFakeEnv(t)
	b := cloudflare.NewBackend(e.client, cloudflare.WithBatch(true, 50))
	e.fake.AddRecord(e.zoneID, cloudflareRecord(e.name("clash"), "A", "192.0.2.1"))
	var rrs []dns.RRset
	for i := range 60 {
		rrs = append(rrs, dns.RRset{Name: e.name("h" + itoa(i)), Type: "A", TTL: 300, Records: recs("192.0.2.1")})
	}
	// In the second batch, a CNAME Cloudflare refuses (81053).
	rrs[55] = dns.RRset{Name: e.name("clash"), Type: "CNAME", TTL: 300, Records: recs("example.net.")}
	err := b.Apply(ctxFor(t), e.zone, creates(rrs...))
	var pe *dns.PartialApplyError
	if !errors.As(err, &pe) || len(pe.Applied) != 50 || !errors.Is(err, cloudflare.ErrAlreadyExists) {
		t.Fatalf("got %v", err)
	}
	for i, c := range pe.Applied {
		if c.Desired.Name != rrs[i].Name {
			t.Fatalf("applied[%d] = %s, want %s", i, c.Desired.Name, rrs[i].Name)
		}
	}
	if n := len(e.fake.Records(e.zoneID)); n != 51 {
		t.Fatalf("%d records, want the first batch's 50 and the seeded one", n)
	}
}

func TestBackendForgetsADeletedZone(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	b := cloudflare.NewBackend(e.client)
	if _, err := b.RRsets(ctx, e.zone); err != nil {
		t.Fatal(err)
	}
	// The zone is deleted and created again: a new id.
	if err := e.client.Zones.Delete(ctx, e.zoneID); err != nil {
		t.Fatal(err)
	}
	newID := e.fake.AddZone(e.zone)
	if _, err := b.RRsets(ctx, e.zone); err == nil {
		t.Fatal("no error with the old zone id")
	}
	rrs := []dns.RRset{{Name: "www." + e.zone + ".", Type: "A", TTL: 300, Records: recs("192.0.2.1")}}
	if err := b.Apply(ctx, e.zone, creates(rrs...)); err != nil {
		t.Fatal(err)
	}
	if id, err := b.ZoneID(ctx, e.zone); err != nil || id != newID || len(e.fake.Records(newID)) != 1 {
		t.Fatalf("zone id %s (want %s), %v", id, newID, err)
	}
}
