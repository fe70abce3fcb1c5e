package cloudflaretest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The example bodies in testdata/ come from the project's recorded shapes of
// Cloudflare's API (see testdata/INDEX.tsv for where each shape was seen).

func load(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func raw(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, s *Server, token, method, path string, body []byte) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if err := json.Unmarshal(b, &a.body); err != nil && resp.Header.Get("Content-Type") == "application/json" {
		t.Fatalf("%s %s: not JSON: %s", method, path, b)
	}
	return a
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameShape compares two answers: envelope keys, result keys and values,
// ignoring ids and timestamps.
func sameShape(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(keysOf(got), keysOf(want)) {
		t.Errorf("%s: envelope keys %v, want %v", what, keysOf(got), keysOf(want))
	}
	g, _ := got["result"].(map[string]any)
	w, _ := want["result"].(map[string]any)
	if g == nil || w == nil {
		t.Fatalf("%s: result %v, want %v", what, got["result"], want["result"])
	}
	if !reflect.DeepEqual(keysOf(g), keysOf(w)) {
		t.Errorf("%s: result keys %v, want %v", what, keysOf(g), keysOf(w))
	}
	for k, wv := range w {
		if k == "id" || strings.HasSuffix(k, "_on") {
			continue
		}
		if !reflect.DeepEqual(g[k], wv) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g[k], wv)
		}
	}
}

func TestRecordAnswersMatchExamples(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	for _, c := range []string{"A", "CNAME-proxied", "MX", "SRV", "CAA", "A-relative-name"} {
		a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records", raw(t, "dns_records-create-"+c+"-request.json"))
		if a.status != 200 {
			t.Fatalf("%s: %d %v", c, a.status, a.body)
		}
		sameShape(t, c, a.body, load(t, "dns_records-create-"+c+".json"))
		id := a.body["result"].(map[string]any)["id"].(string)
		if len(id) != 32 {
			t.Errorf("id %q is not 32 hex", id)
		}
	}
	// GET and DELETE of one record.
	recs := s.Records(zid)
	a := do(t, s, s.Token, "DELETE", "/zones/"+zid+"/dns_records/"+recs[0].ID, nil)
	want := load(t, "dns_records-delete.json")
	if a.status != 200 || !reflect.DeepEqual(keysOf(a.body), keysOf(want)) || a.body["result"].(map[string]any)["id"] != recs[0].ID {
		t.Fatalf("delete: %d %v", a.status, a.body)
	}
}

func TestListPagesMatchExamples(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	// The five records of the sdk0 fixture pages.
	for _, p := range []string{"dns_records-list-page1.json", "dns_records-list-page2.json"} {
		for _, r := range load(t, p)["result"].([]any) {
			m := r.(map[string]any)
			rec := Record{Name: m["name"].(string), Type: m["type"].(string), Content: m["content"].(string),
				TTL: int(m["ttl"].(float64)), Proxied: m["proxied"].(bool)}
			if pr, ok := m["priority"].(float64); ok {
				p := int(pr)
				rec.Priority = &p
			}
			if c, ok := m["comment"].(string); ok {
				rec.Comment = c
			}
			for _, tag := range m["tags"].([]any) {
				rec.Tags = append(rec.Tags, tag.(string))
			}
			s.AddRecord(zid, rec)
		}
	}
	// The API lists records ordered by type (its default order); the
	// fixture pages hold them in creation order.
	var byType []any
	for _, p := range []string{"dns_records-list-page1.json", "dns_records-list-page2.json"} {
		byType = append(byType, load(t, p)["result"].([]any)...)
	}
	sort.SliceStable(byType, func(i, j int) bool {
		return byType[i].(map[string]any)["type"].(string) < byType[j].(map[string]any)["type"].(string)
	})
	pages := [][]any{byType[:3], byType[3:], {}}
	for i, p := range []string{"dns_records-list-page1.json", "dns_records-list-page2.json", "dns_records-list-page3-past-end.json"} {
		want := load(t, p)
		a := do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records?per_page=3&page="+string(rune('1'+i)), nil)
		if a.status != 200 {
			t.Fatalf("%s: %d", p, a.status)
		}
		if !reflect.DeepEqual(a.body["result_info"], want["result_info"]) {
			t.Errorf("%s: result_info %v, want %v", p, a.body["result_info"], want["result_info"])
		}
		got, wantRes := a.body["result"].([]any), pages[i]
		if len(got) != len(wantRes) {
			t.Fatalf("%s: %d records, want %d", p, len(got), len(wantRes))
		}
		for j := range got {
			sameShape(t, p, map[string]any{"result": got[j]}, map[string]any{"result": wantRes[j]})
		}
	}
	empty := do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records?name=missing.example.com&type=A", nil)
	if !reflect.DeepEqual(empty.body["result_info"], load(t, "dns_records-list-empty.json")["result_info"]) || len(empty.body["result"].([]any)) != 0 {
		t.Errorf("empty record list: %v", empty.body)
	}
	filtered := do(t, s, s.Token, "GET", "/zones/"+zid+"/dns_records?name=EXAMPLE.com&type=MX", nil)
	if res := filtered.body["result"].([]any); len(res) != 1 || res[0].(map[string]any)["content"] != "mx1.example.net" {
		t.Errorf("filter by name and type: %v", filtered.body["result"])
	}
	zones := do(t, s, s.Token, "GET", "/zones?name=nomatch.example", nil)
	if !reflect.DeepEqual(zones.body["result_info"], load(t, "zones-list-empty.json")["result_info"]) {
		t.Errorf("empty zone list: %v", zones.body)
	}
}

func TestZoneAnswersMatchExamples(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	a := do(t, s, s.Token, "GET", "/zones/"+zid, nil)
	want := load(t, "zones-get.json")
	if a.status != 200 || !reflect.DeepEqual(keysOf(a.body["result"].(map[string]any)), keysOf(want["result"].(map[string]any))) {
		t.Fatalf("zone get: %v", a.body)
	}
	a = do(t, s, s.Token, "POST", "/zones", []byte(`{"account":{"id":"01a7362d577a6c3019a474fd6f485823"},"name":"example.org","type":"full"}`))
	if a.status != 200 || a.body["result"].(map[string]any)["status"] != "pending" || a.body["result"].(map[string]any)["activated_on"] != nil {
		t.Fatalf("zone create: %v", a.body)
	}
	a = do(t, s, s.Token, "POST", "/zones", raw(t, "zones-create-request.json"))
	wantErr := load(t, "error-1061-zone-already-exists.json")
	if a.status != 400 || !reflect.DeepEqual(a.body["errors"], wantErr["errors"]) {
		t.Fatalf("duplicate zone: %d %v", a.status, a.body)
	}
}

func TestErrorAnswersMatchExamples(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	recs := "/zones/" + zid + "/dns_records"
	post := func(body string) answer { return do(t, s, s.Token, "POST", recs, []byte(body)) }
	if a := post(`{"type":"A","name":"www","content":"192.0.2.1","ttl":300}`); a.status != 200 {
		t.Fatal(a.body)
	}
	if a := post(`{"type":"CNAME","name":"alias","content":"example.net","ttl":300}`); a.status != 200 {
		t.Fatal(a.body)
	}
	cases := []struct {
		file   string
		status int
		run    func() answer
	}{
		{"error-81058-identical-record.json", 400, func() answer { return post(`{"type":"A","name":"www.example.com","content":"192.0.2.1","ttl":300}`) }},
		{"error-81053-host-already-exists.json", 400, func() answer { return post(`{"type":"CNAME","name":"www","content":"example.net","ttl":300}`) }},
		{"error-81054-cname-already-exists.json", 400, func() answer { return post(`{"type":"A","name":"alias","content":"192.0.2.1","ttl":300}`) }},
		{"error-9004-cannot-be-proxied.json", 400, func() answer { return post(`{"type":"TXT","name":"t","content":"\"x\"","ttl":1,"proxied":true}`) }},
		{"error-9005-invalid-ipv4.json", 400, func() answer { return post(`{"type":"A","name":"bad","content":"2001:db8::1","ttl":300}`) }},
		{"error-81044-record-not-found.json", 404, func() answer {
			return do(t, s, s.Token, "GET", recs+"/372e67954025e0ba6aaa6d586b9e0b59", nil)
		}},
		{"error-9109-invalid-access-token.json", 403, func() answer { return do(t, s, "wrong", "GET", "/zones", nil) }},
		{"error-6003-invalid-auth-header.json", 400, func() answer { return do(t, s, "", "GET", "/zones", nil) }},
		{"error-7003-could-not-route.json", 400, func() answer { return do(t, s, s.Token, "GET", "/zones/example.com/dns_records", nil) }},
	}
	for _, c := range cases {
		a := c.run()
		want := load(t, c.file)
		if a.status != c.status || !reflect.DeepEqual(a.body["errors"], want["errors"]) || a.body["success"] != false || a.body["result"] != nil {
			t.Errorf("%s: %d %v, want %d %v", c.file, a.status, a.body, c.status, want["errors"])
		}
		if !reflect.DeepEqual(keysOf(a.body), keysOf(want)) {
			t.Errorf("%s: keys %v", c.file, keysOf(a.body))
		}
	}
	// The 9021 message quotes bounds; the code is what matters.
	a := post(`{"type":"A","name":"ttl","content":"192.0.2.1","ttl":5}`)
	if a.status != 400 || a.body["errors"].([]any)[0].(map[string]any)["code"].(float64) != 9021 {
		t.Errorf("ttl 5: %v", a.body)
	}
	// Injected 429 carries Retry-After and the recorded body.
	s.SetRetryAfter("7")
	s.FailNext(1, http.StatusTooManyRequests)
	a = do(t, s, s.Token, "GET", "/zones", nil)
	if a.status != 429 || a.header.Get("Retry-After") != "7" || !reflect.DeepEqual(a.body["errors"], load(t, "error-429-rate-limited.json")["errors"]) {
		t.Errorf("429: %d %v %v", a.status, a.header, a.body)
	}
}

func TestProxiedRecordsGetAutomaticTTL(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records", []byte(`{"type":"A","name":"p","content":"192.0.2.1","ttl":300,"proxied":true}`))
	if a.status != 200 || a.body["result"].(map[string]any)["ttl"].(float64) != 1 {
		t.Fatalf("%v", a.body)
	}
}

func TestBatchMatchesExample(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	// The records the batch example refers to, with its ids.
	prio := 10
	s.AddRecord(zid, Record{ID: "4c2c40857e334a2d903dd28f65a99682", Name: "example.com", Type: "MX", Content: "mx1.example.net", Priority: &prio})
	s.AddRecord(zid, Record{ID: "372e67954025e0ba6aaa6d586b9e0b59", Name: "example.com", Type: "A", Content: "198.51.100.4", Proxied: true})
	s.AddRecord(zid, Record{ID: "7eb0a9821aec4b1395bd8cc03d88c17d", Name: "www.example.com", Type: "CNAME", Content: "example.com", Proxied: true})
	a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records/batch", raw(t, "dns_records-batch-request.json"))
	want := load(t, "dns_records-batch.json")
	if a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	g, w := a.body["result"].(map[string]any), want["result"].(map[string]any)
	for _, k := range []string{"deletes", "patches", "puts", "posts"} {
		gl, wl := g[k].([]any), w[k].([]any)
		if len(gl) != len(wl) {
			t.Fatalf("%s: %d, want %d", k, len(gl), len(wl))
		}
		for i := range gl {
			sameShape(t, k, map[string]any{"result": gl[i]}, map[string]any{"result": wl[i]})
		}
	}
	if n := len(s.Records(zid)); n != 3 {
		t.Fatalf("%d records after the batch, want 3", n)
	}
	// A failing operation leaves everything as it was.
	before := s.Records(zid)
	a = do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records/batch",
		[]byte(`{"deletes":[{"id":"372e67954025e0ba6aaa6d586b9e0b59"}],"posts":[{"type":"A","name":"x","content":"not-an-ip","ttl":1}]}`))
	if a.status != 400 || !reflect.DeepEqual(s.Records(zid), before) {
		t.Fatalf("failed batch changed state: %d %v", a.status, a.body)
	}
}

func TestFaultsAndCounters(t *testing.T) {
	s := NewServer()
	defer s.Close()
	zid := s.AddZone("example.com")
	s.FailNextRequest("POST", "/dns_records", 1, http.StatusInternalServerError)
	s.FailNext(1, http.StatusBadGateway)
	// The POST-only failure does not match a GET; the any-request one does.
	if a := do(t, s, s.Token, "GET", "/zones", nil); a.status != 502 || !strings.Contains(a.raw, "502") || a.header.Get("Content-Type") != "text/html" {
		t.Fatalf("first GET: %d %s", a.status, a.raw)
	}
	a := do(t, s, s.Token, "POST", "/zones/"+zid+"/dns_records", []byte(`{"type":"A","name":"a","content":"192.0.2.1","ttl":60}`))
	if a.status != 500 {
		t.Fatalf("POST: %d", a.status)
	}
	calls := s.Calls()
	if len(calls) != 2 || calls[0].Status != 502 || calls[1].Status != 500 || calls[1].Route != "/zones/{zone_id}/dns_records" {
		t.Fatalf("calls %+v", calls)
	}
	if s.Count("POST", "/zones/{zone_id}/dns_records") != 1 || s.Count("", "/zones") != 1 || s.RequestCount() != 2 {
		t.Fatal("counters")
	}
	s.ResetCalls()
	if s.RequestCount() != 0 {
		t.Fatal("reset")
	}
}

// TestRateLimitBlocksForFiveMinutes: the request over the limit and every
// one after it is answered 429 for Cloudflare's five minutes (Retry-After
// counting down), even once the window has moved on; then counting starts
// afresh. The clock is the test's.
func TestRateLimitBlocksForFiveMinutes(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := NewServer(WithRateLimit(2, 10*time.Second), WithClock(clock.now))
	defer s.Close()
	a := do(t, s, s.Token, "GET", "/zones", nil)
	if a.status != 200 || a.header.Get("Ratelimit") != `"default";r=1;t=10` || a.header.Get("Ratelimit-Policy") != `"default";q=2;w=10` {
		t.Fatalf("first: %d %v", a.status, a.header)
	}
	do(t, s, s.Token, "GET", "/zones", nil)
	over := func(wantRetryAfter int) {
		t.Helper()
		a := do(t, s, s.Token, "GET", "/zones", nil)
		ra, _ := strconv.Atoi(a.header.Get("Retry-After"))
		if a.status != 429 || ra != wantRetryAfter || a.body["errors"].([]any)[0].(map[string]any)["code"].(float64) != 10100 {
			t.Fatalf("at %s: %d %v %v, want 429 with Retry-After %d", clock.now().Format(time.TimeOnly), a.status, a.header, a.body, wantRetryAfter)
		}
	}
	over(300)
	clock.advance(11 * time.Second) // the window has moved on: still blocked
	over(289)
	clock.advance(288 * time.Second)
	over(1)
	clock.advance(time.Second)
	if a := do(t, s, s.Token, "GET", "/zones", nil); a.status != 200 || a.header.Get("Ratelimit") != `"default";r=1;t=10` {
		t.Fatalf("after the block: %d %v", a.status, a.header)
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
