package cloudflaretest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The behaviours below are the ones Cloudflare's API documentation states
// (see the package doc); each test fails on a fake that ignores them.

func code(t *testing.T, a answer) int {
	t.Helper()
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return 0
	}
	return int(errs[0].(map[string]any)["code"].(float64))
}

// zoneWith starts a fake with the zone example.com, creates the records of
// bodies in it, and returns a function that posts one more record.
func zoneWith(t *testing.T, bodies ...string) func(body string) answer {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	zid := s.AddZone("example.com")
	post := func(body string) answer { return do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records", []byte(body)) }
	for _, body := range bodies {
		if a := post(body); a.status != 200 {
			t.Fatalf("%s: %d %s", body, a.status, a.raw)
		}
	}
	return post
}

// TestBatchLimitPerPlan: a batch of more than 200 operations (deletes,
// patches, puts and posts together) is refused on the Free plan and changes
// nothing; 200 pass; a paid plan takes 3,500.
func TestBatchLimitPerPlan(t *testing.T) {
	batch := func(posts, deletes int, ids []string) []byte {
		var b struct {
			Deletes []map[string]string `json:"deletes,omitempty"`
			Posts   []map[string]any    `json:"posts,omitempty"`
		}
		for i := range posts {
			b.Posts = append(b.Posts, map[string]any{"type": "A", "name": fmt.Sprintf("h%d", i), "content": "192.0.2.1", "ttl": 300})
		}
		for _, id := range ids[:deletes] {
			b.Deletes = append(b.Deletes, map[string]string{"id": id})
		}
		out, _ := json.Marshal(b)
		return out
	}
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	var ids []string
	for i := range 5 {
		ids = append(ids, s.AddRecord(zid, Record{Name: fmt.Sprintf("old%d", i), Type: "TXT", Content: `"x"`}))
	}
	if a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records/batch", batch(197, 4, ids)); a.status != 400 || !strings.Contains(a.raw, "at most 200") {
		t.Fatalf("201 operations: %d %s", a.status, a.raw)
	}
	if n := len(s.Records(zid)); n != 5 {
		t.Fatalf("the refused batch changed the zone: %d records", n)
	}
	if a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records/batch", batch(196, 4, ids)); a.status != 200 {
		t.Fatalf("200 operations: %d %s", a.status, a.raw)
	}

	paid := NewServer(WithBatchLimit(PaidPlanBatchLimit))
	defer paid.Close()
	pz := paid.AddZone("example.com")
	if a := do(t, paid, paid.Token, "POST", "/zones/"+pz+"/dns_records/batch", batch(201, 0, nil)); a.status != 200 {
		t.Fatalf("201 operations on a paid plan: %d %s", a.status, a.raw)
	}
}

// TestNSRecordsStandAlone: below the apex, NS records cannot share a name
// with any other type, in either order (81056 when the NS came first); at
// the apex they sit beside the zone's other records.
func TestNSRecordsStandAlone(t *testing.T) {
	post := zoneWith(t,
		`{"type":"NS","name":"sub","content":"ns1.example.net","ttl":3600}`,
		`{"type":"NS","name":"sub","content":"ns2.example.net","ttl":3600}`,
		`{"type":"TXT","name":"txt","content":"\"x\"","ttl":300}`,
		`{"type":"A","name":"@","content":"192.0.2.1","ttl":300}`,
		`{"type":"NS","name":"@","content":"ns1.example.net","ttl":3600}`,
	)
	if a := post(`{"type":"A","name":"sub","content":"192.0.2.1","ttl":300}`); a.status != 400 || code(t, a) != 81056 {
		t.Errorf("A beside NS: %d %s", a.status, a.raw)
	}
	if a := post(`{"type":"NS","name":"txt","content":"ns1.example.net","ttl":3600}`); a.status != 400 || code(t, a) == 0 {
		t.Errorf("NS beside TXT: %d %s", a.status, a.raw)
	}
}

// TestApexCNAMEIsFlattened: a CNAME at the apex may sit beside MX and TXT
// (CNAME flattening), never beside A or AAAA; below the apex a CNAME stands
// alone.
func TestApexCNAMEIsFlattened(t *testing.T) {
	post := zoneWith(t,
		`{"type":"MX","name":"@","content":"mx1.example.net","priority":10,"ttl":300}`,
		`{"type":"CNAME","name":"@","content":"site.example.net","ttl":300}`,
		`{"type":"TXT","name":"@","content":"\"v=spf1 -all\"","ttl":300}`,
		`{"type":"TXT","name":"www","content":"\"x\"","ttl":300}`,
	)
	if a := post(`{"type":"A","name":"@","content":"192.0.2.1","ttl":300}`); a.status != 400 || code(t, a) != 81054 {
		t.Errorf("A beside the apex CNAME: %d %s", a.status, a.raw)
	}
	if a := post(`{"type":"CNAME","name":"www","content":"site.example.net","ttl":300}`); a.status != 400 || code(t, a) != 81057 {
		t.Errorf("CNAME beside TXT below the apex: %d %s", a.status, a.raw)
	}
}

// TestRecordsListedByType: without order, the API orders by type.
func TestRecordsListedByType(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	for _, typ := range []string{"TXT", "MX", "AAAA", "A", "CAA"} {
		r := Record{Name: "x", Type: typ, Content: "c"}
		if typ == "MX" {
			p := 10
			r.Priority = &p
		}
		s.AddRecord(zid, r)
	}
	a := do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records", nil)
	var types []string
	for _, r := range a.body["result"].([]any) {
		types = append(types, r.(map[string]any)["type"].(string))
	}
	if got := strings.Join(types, " "); got != "A AAAA CAA MX TXT" {
		t.Errorf("listed %s, want A AAAA CAA MX TXT", got)
	}
	a = do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records?order=type&direction=desc", nil)
	if first := a.body["result"].([]any)[0].(map[string]any)["type"]; first != "TXT" {
		t.Errorf("descending: first %v", first)
	}
}

// TestNamesInPunycode: Unicode record, target and zone names are stored and
// answered in punycode, and a Unicode name filter finds them.
func TestNamesInPunycode(t *testing.T) {
	s := NewServer()
	defer s.Close()
	a := do(t, s, s.Token, "POST", "/zones", []byte(`{"account":{"id":"`+s.AccountID+`"},"name":"școală.ro"}`))
	if a.status != 200 || a.body["result"].(map[string]any)["name"] != "xn--coal-3sa77n.ro" {
		t.Fatalf("zone: %d %s", a.status, a.raw)
	}
	zid := a.body["result"].(map[string]any)["id"].(string)
	a = do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records", []byte(`{"type":"CNAME","name":"Înscrieri","content":"școală.ro","ttl":300}`))
	if a.status != 200 {
		t.Fatalf("record: %d %s", a.status, a.raw)
	}
	rec := a.body["result"].(map[string]any)
	if rec["name"] != "xn--nscrieri-k2a.xn--coal-3sa77n.ro" || rec["content"] != "xn--coal-3sa77n.ro" {
		t.Errorf("stored as %v -> %v", rec["name"], rec["content"])
	}
	a = do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records?name=înscrieri.școală.ro", nil)
	if res := a.body["result"].([]any); len(res) != 1 {
		t.Errorf("a Unicode name filter found %d records", len(res))
	}
}

// TestZoneType: a zone is answered with the type it was created with (full
// by default); an unknown type is refused.
func TestZoneType(t *testing.T) {
	s := NewServer()
	defer s.Close()
	for body, want := range map[string]string{
		`{"account":{"id":"` + s.AccountID + `"},"name":"full.example"}`:                      "full",
		`{"account":{"id":"` + s.AccountID + `"},"name":"part.example","type":"partial"}`:     "partial",
		`{"account":{"id":"` + s.AccountID + `"},"name":"second.example","type":"secondary"}`: "secondary",
	} {
		a := do(t, s, s.Token, "POST", "/zones", []byte(body))
		if a.status != 200 || a.body["result"].(map[string]any)["type"] != want {
			t.Errorf("%s: %d %s", body, a.status, a.raw)
		}
	}
	if a := do(t, s, s.Token, "POST", "/zones", []byte(`{"account":{"id":"`+s.AccountID+`"},"name":"x.example","type":"bogus"}`)); a.status != 400 {
		t.Errorf("bogus type: %d %s", a.status, a.raw)
	}
	id := s.AddZoneOfType("cname.example", "partial")
	if a := do(t, s, s.Token, "GET", "/zones/"+id, nil); a.body["result"].(map[string]any)["type"] != "partial" {
		t.Errorf("AddZoneOfType: %s", a.raw)
	}
}
