package powerdns

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

func TestPatchReplaceAndDelete(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	www := "www." + z.Name
	set := func(ttl uint32, ips ...string) {
		t.Helper()
		var recs []Record
		for _, ip := range ips {
			recs = append(recs, Record{Content: ip})
		}
		if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: www, Type: "A", ChangeType: Replace, TTL: ttl, Records: recs}}); err != nil {
			t.Fatal(err)
		}
	}
	set(300, "192.0.2.10", "192.0.2.11")
	rr, err := c.Zones.GetRRset(ctx(t), z.Name, www, "A")
	if err != nil {
		t.Fatal(err)
	}
	if rr.TTL != 300 || len(rr.Records) != 2 {
		t.Fatalf("rrset = %+v", rr)
	}
	rec.reset()
	if f, err := c.Zones.GetRRsetFiltered(ctx(t), z.Name, www, "A"); err != nil || f.TTL != 300 || len(f.Records) != 2 {
		t.Errorf("GetRRsetFiltered = %+v, %v", f, err)
	}
	last := rec.calls()[0]
	if !strings.Contains(last.Query, "rrset_name=") || !strings.Contains(last.Query, "rrset_type=A") {
		t.Errorf("GetRRsetFiltered query = %q, want rrset_name and rrset_type", last.Query)
	}

	rec.reset()
	set(60, "192.0.2.12") // TTL and value change: one REPLACE
	calls := rec.calls()
	if len(calls) != 1 || calls[0].Method != http.MethodPatch || strings.Contains(calls[0].Body, "DELETE") {
		t.Fatalf("a TTL+value change made %d calls %+v, want one PATCH without DELETE", len(calls), calls)
	}
	rr, _ = c.Zones.GetRRset(ctx(t), z.Name, www, "A")
	if rr.TTL != 60 || len(rr.Records) != 1 || rr.Records[0].Content != "192.0.2.12" {
		t.Fatalf("after replace: %+v", rr)
	}

	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: www, Type: "A", ChangeType: Delete}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Zones.GetRRset(ctx(t), z.Name, www, "A"); !errors.Is(err, ErrRRsetNotFound) {
		t.Fatalf("after delete: err = %v, want ErrRRsetNotFound", err)
	}
	// Deleting what is absent is not an error.
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: www, Type: "A", ChangeType: Delete}}); err != nil {
		t.Fatalf("delete absent rrset: %v", err)
	}
	if _, err := c.Zones.GetRRset(ctx(t), "missing-"+z.Name, www, "A"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrRRsetNotFound) {
		t.Errorf("GetRRset in missing zone: err = %v, want ErrNotFound", err)
	}
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: www, Type: "A", ChangeType: "UPSERT"}}); err == nil {
		t.Error("change type UPSERT accepted")
	}
}

// TestPatchIsAtomic: one good and one bad RRset in one PATCH: nothing is applied.
func TestPatchIsAtomic(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	before, err := c.Zones.Get(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: "good." + z.Name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.50"}}},
		{Name: "ns1." + z.Name, Type: "CNAME", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "a.example."}}},
		{Name: "ns1." + z.Name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.53"}}},
	})
	if !errors.Is(err, ErrUnprocessable) {
		t.Fatalf("err = %v, want 422 (CNAME next to an A)", err)
	}
	if _, err := c.Zones.GetRRset(ctx(t), z.Name, "good."+z.Name, "A"); !errors.Is(err, ErrRRsetNotFound) {
		t.Fatalf("the good rrset was applied (err = %v)", err)
	}
	after, _ := c.Zones.Get(ctx(t), z.Name)
	if len(after.RRsets) != len(before.RRsets) || after.Serial != before.Serial {
		t.Errorf("zone changed by a failed PATCH: %d→%d rrsets, serial %d→%d", len(before.RRsets), len(after.RRsets), before.Serial, after.Serial)
	}
}

// TestCommentsAndDisabledRecords runs on the sqlite3 backend: lmdb answers
// 422 "Hosting backend does not support editing comments" (checked too).
func TestCommentsAndDisabledRecords(t *testing.T) {
	lm, _ := newClient(t, pdnstest.Shared(t))
	lz := createZone(t, lm, ZoneCreate{})
	err := lm.Zones.PatchRRsets(ctx(t), lz.Name, []RRsetChange{{Name: lz.Name, Type: "TXT", ChangeType: Replace, TTL: 60,
		Records: []Record{{Content: "x"}}, Comments: []Comment{{Content: "c"}}}})
	if !errors.Is(err, ErrUnprocessable) || !strings.Contains(err.Error(), "comments") {
		t.Errorf("lmdb comment: err = %v, want 422 about comments", err)
	}

	c, _ := newClient(t, pdnstest.Shared(t, pdnstest.WithBackend(pdnstest.SQLite3)))
	z := createZone(t, c, ZoneCreate{})
	name := "dis." + z.Name
	err = c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{
		Name: name, Type: "A", ChangeType: Replace, TTL: 300,
		Records:  []Record{{Content: "192.0.2.98"}, {Content: "192.0.2.99", Disabled: true}},
		Comments: []Comment{{Content: "kept by praho", Account: "ops"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := c.Zones.GetRRset(ctx(t), z.Name, name, "A")
	if err != nil {
		t.Fatal(err)
	}
	dis := map[string]bool{}
	for _, r := range rr.Records {
		dis[r.Content] = r.Disabled
	}
	if len(dis) != 2 || dis["192.0.2.98"] || !dis["192.0.2.99"] {
		t.Errorf("records = %+v", rr.Records)
	}
	if len(rr.Comments) != 1 || rr.Comments[0].Content != "kept by praho" || rr.Comments[0].Account != "ops" || rr.Comments[0].ModifiedAt == 0 {
		t.Errorf("comments = %+v", rr.Comments)
	}

	// Comments nil: a REPLACE of the records leaves the comments alone.
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.97"}}}}); err != nil {
		t.Fatal(err)
	}
	rr, _ = c.Zones.GetRRset(ctx(t), z.Name, name, "A")
	if len(rr.Comments) != 1 || len(rr.Records) != 1 {
		t.Errorf("after replace without comments: %+v", rr)
	}
	// Comments empty: cleared.
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.97"}}, Comments: []Comment{}}}); err != nil {
		t.Fatal(err)
	}
	rr, _ = c.Zones.GetRRset(ctx(t), z.Name, name, "A")
	if len(rr.Comments) != 0 {
		t.Errorf("comments not cleared: %+v", rr.Comments)
	}
}

// TestRRsetFilterDropsDisabled shows why GetRRset reads the whole zone: the
// server's rrset filter leaves disabled records out.
func TestRRsetFilterDropsDisabled(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	name := "dis." + z.Name
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{
		{Name: name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.98"}, {Content: "192.0.2.99", Disabled: true}}},
		{Name: "off." + z.Name, Type: "A", ChangeType: Replace, TTL: 300, Records: []Record{{Content: "192.0.2.1", Disabled: true}}},
	}); err != nil {
		t.Fatal(err)
	}
	rr, err := c.Zones.GetRRset(ctx(t), z.Name, name, "A")
	if err != nil || len(rr.Records) != 2 {
		t.Fatalf("GetRRset = %+v, %v; want both records", rr, err)
	}
	off, err := c.Zones.GetRRset(ctx(t), z.Name, "off."+z.Name, "A")
	if err != nil || len(off.Records) != 1 || !off.Records[0].Disabled {
		t.Fatalf("GetRRset of an all-disabled rrset = %+v, %v", off, err)
	}
	f, err := c.Zones.GetRRsetFiltered(ctx(t), z.Name, name, "A")
	if err != nil {
		t.Fatal(err)
	}
	_, offErr := c.Zones.GetRRsetFiltered(ctx(t), z.Name, "off."+z.Name, "A")
	t.Logf("server filter: %d of 2 records returned; all-disabled rrset: %v", len(f.Records), offErr)
}

// TestCanonicalRoundTrip: what the client sends equals what it reads back,
// whatever form the caller wrote names and content in.
func TestCanonicalRoundTrip(t *testing.T) {
	c, _ := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	bare := strings.TrimSuffix(z.Name, ".")
	upper := strings.ToUpper(bare)
	in := []RRsetChange{
		{Name: "WWW." + upper, Type: "a", TTL: 300, Records: []Record{{Content: "192.0.2.1"}}},
		{Name: "v6." + bare, Type: "AAAA", TTL: 300, Records: []Record{{Content: "2001:0DB8:0000:0000:0000:0000:0000:0001"}, {Content: "2001:db8::2"}}},
		{Name: bare, Type: "TXT", TTL: 600, Records: []Record{{Content: "v=spf1 -all"}, {Content: `"hello world" "second string"`}, {Content: `say "hi"`}}},
		{Name: "alias." + z.Name, Type: "CNAME", TTL: 300, Records: []Record{{Content: "www." + bare}}},
		{Name: upper + ".", Type: "MX", TTL: 3600, Records: []Record{{Content: "10   mail." + bare}, {Content: "20 mail2." + z.Name}}},
		{Name: "_sip._tcp." + bare, Type: "SRV", TTL: 300, Records: []Record{{Content: "0 5 5060 sip." + bare}}},
		{Name: "sub." + bare, Type: "NS", TTL: 300, Records: []Record{{Content: "ns.sub." + bare}}},
		{Name: "*.wild." + bare, Type: "A", TTL: 300, Records: []Record{{Content: "192.0.2.77"}}},
		{Name: bare, Type: "CAA", TTL: 300, Records: []Record{{Content: `0 issue "letsencrypt.org"`}}},
	}
	for i := range in {
		in[i].ChangeType = Replace
	}
	if err := c.Zones.PatchRRsets(ctx(t), z.Name, in); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"www." + z.Name + " A":         {"192.0.2.1"},
		"v6." + z.Name + " AAAA":       {"2001:db8::1", "2001:db8::2"},
		z.Name + " TXT":                {`"hello world" "second string"`, `"say \"hi\""`, `"v=spf1 -all"`},
		"alias." + z.Name + " CNAME":   {"www." + z.Name},
		z.Name + " MX":                 {"10 mail." + z.Name, "20 mail2." + z.Name},
		"_sip._tcp." + z.Name + " SRV": {"0 5 5060 sip." + z.Name},
		"sub." + z.Name + " NS":        {"ns.sub." + z.Name},
		"*.wild." + z.Name + " A":      {"192.0.2.77"},
		z.Name + " CAA":                {`0 issue "letsencrypt.org"`},
	}
	got, err := c.Zones.Get(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	for key, w := range want {
		f := strings.Fields(key)
		rr := findRRset(got, f[0], f[1])
		if rr == nil {
			t.Errorf("%s missing; zone has %+v", key, got.RRsets)
			continue
		}
		var contents []string
		for _, r := range rr.Records {
			contents = append(contents, r.Content)
		}
		slices.Sort(contents)
		if !slices.Equal(contents, w) {
			t.Errorf("%s read back %q, want exactly %q", key, contents, w)
		}
	}

	// Through the zone model: the read-back diff against the desired state,
	// written in every form, is empty.
	var desired []dns.RRset
	for _, ch := range in {
		rr := dns.RRset{Name: ch.Name, Type: ch.Type, TTL: ch.TTL}
		for _, r := range ch.Records {
			rr.Records = append(rr.Records, dns.Record{Content: r.Content})
		}
		desired = append(desired, rr)
	}
	actual, err := c.Backend().RRsets(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: z.Name})
	if err != nil || !plan.Empty() {
		t.Fatalf("diff after round trip: %v %v", plan.Changes, err)
	}
}

// TestSOASerialIncreases: a zone created with the default soa_edit_api gets
// a higher serial with every PATCH; an explicit empty soa_edit_api (what
// other providers send) freezes it, which is why the client never sends it
// unless asked.
func TestSOASerialIncreases(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	for _, call := range rec.calls() {
		if call.Method == http.MethodPost {
			var body map[string]any
			if err := json.Unmarshal([]byte(call.Body), &body); err != nil {
				t.Fatal(err)
			}
			if _, sent := body["soa_edit_api"]; sent {
				t.Errorf("create sent soa_edit_api = %v, want it left unset", body["soa_edit_api"])
			}
		}
	}
	serial := func(zone string) uint32 {
		t.Helper()
		soa, err := c.Zones.GetRRset(ctx(t), zone, zone, "SOA")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(soa.Records[0].Content)
		var s uint32
		if err := json.Unmarshal([]byte(f[2]), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	prev := serial(z.Name)
	for i, ttl := range []uint32{300, 301, 302, 302} {
		if err := c.Zones.PatchRRsets(ctx(t), z.Name, []RRsetChange{{Name: "www." + z.Name, Type: "A", ChangeType: Replace, TTL: ttl, Records: []Record{{Content: "192.0.2.1"}}}}); err != nil {
			t.Fatal(err)
		}
		s := serial(z.Name)
		if s <= prev {
			t.Fatalf("change %d: SOA serial %d → %d, want it to go up", i, prev, s)
		}
		prev = s
	}

	empty := ""
	frozen := createZone(t, c, ZoneCreate{SOAEditAPI: &empty})
	if frozen.SOAEditAPI != "" {
		t.Fatalf("soa_edit_api = %q, want the explicit empty value", frozen.SOAEditAPI)
	}
	before := serial(frozen.Name)
	if err := c.Zones.PatchRRsets(ctx(t), frozen.Name, []RRsetChange{{Name: "www." + frozen.Name, Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "192.0.2.1"}}}}); err != nil {
		t.Fatal(err)
	}
	if after := serial(frozen.Name); after != before {
		t.Errorf("with soa_edit_api \"\" the serial moved %d → %d; expected it frozen", before, after)
	}
}

func TestRRsetChangeJSON(t *testing.T) {
	for _, tc := range []struct {
		in   RRsetChange
		want string
	}{
		{RRsetChange{Name: "a.", Type: "A", ChangeType: Delete, TTL: 5, Records: []Record{{Content: "x"}}, Comments: []Comment{}},
			`{"name":"a.","type":"A","changetype":"DELETE"}`},
		{RRsetChange{Name: "a.", Type: "A", ChangeType: Replace, TTL: 5},
			`{"name":"a.","type":"A","changetype":"REPLACE","ttl":5,"records":[]}`},
		{RRsetChange{Name: "a.", Type: "A", ChangeType: Replace, TTL: 5, Comments: []Comment{}},
			`{"name":"a.","type":"A","changetype":"REPLACE","ttl":5,"records":[],"comments":[]}`},
	} {
		b, err := json.Marshal(tc.in)
		if err != nil || string(b) != tc.want {
			t.Errorf("%+v → %s (%v), want %s", tc.in, b, err, tc.want)
		}
	}
}
