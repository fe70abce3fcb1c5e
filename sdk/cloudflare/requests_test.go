package cloudflare_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
)

// Fields the client always sends with their defaults; a recorded request
// may leave them out.
var sentDefaults = map[string]any{"proxied": false, "comment": "", "tags": []any{}}

func loadJSON(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// sameRequest compares a body the client sent with a recorded request: every
// recorded field with its value, and nothing else but sentDefaults.
func sameRequest(t *testing.T, what string, sent, want any) {
	t.Helper()
	sm, ok1 := sent.(map[string]any)
	wm, ok2 := want.(map[string]any)
	if !ok1 || !ok2 {
		if !reflect.DeepEqual(sent, want) {
			t.Errorf("%s: sent %v, recorded %v", what, sent, want)
		}
		return
	}
	for k, wv := range wm {
		sv, ok := sm[k]
		if !ok {
			t.Errorf("%s: %q not sent", what, k)
			continue
		}
		if ws, ok := wv.([]any); ok {
			ss, _ := sv.([]any)
			if len(ss) != len(ws) {
				t.Errorf("%s: %s has %d items, recorded %d", what, k, len(ss), len(ws))
				continue
			}
			for i := range ws {
				sameRequest(t, what+"."+k, ss[i], ws[i])
			}
			continue
		}
		if !reflect.DeepEqual(sv, wv) {
			t.Errorf("%s: %s = %#v, recorded %#v", what, k, sv, wv)
		}
	}
	for k, sv := range sm {
		if _, ok := wm[k]; ok {
			continue
		}
		if d, ok := sentDefaults[k]; !ok || !reflect.DeepEqual(sv, d) {
			t.Errorf("%s: extra field %s = %#v", what, k, sv)
		}
	}
}

func lastBody(t *testing.T, e *env, method string) any {
	t.Helper()
	calls := e.fake.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Method == method {
			var v any
			if err := json.Unmarshal([]byte(calls[i].Body), &v); err != nil {
				t.Fatalf("body %q: %v", calls[i].Body, err)
			}
			return v
		}
	}
	t.Fatalf("no %s call", method)
	return nil
}

// TestRequestBodiesMatchRecordedRequests checks what the client puts on the
// wire against the recorded request bodies of Cloudflare's API.
func TestRequestBodiesMatchRecordedRequests(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	e.fake.AddZone("unused.example")
	p10 := 10
	creates := []struct {
		file string
		rec  cloudflare.Record
	}{
		{"dns_records-create-A-request.json", cloudflare.Record{Name: "www.example.com", Type: "A", Content: "198.51.100.4", TTL: 3600,
			Comment: "Domain verification record", Tags: []string{"owner:dns-team"}}},
		{"dns_records-create-MX-request.json", cloudflare.Record{Name: "example.com.", Type: "mx", Content: "mx1.example.net", Priority: &p10, TTL: 3600}},
		{"dns_records-create-CNAME-proxied-request.json", cloudflare.Record{Name: "Blog.Example.com", Type: "CNAME", Content: "example.com", TTL: 1, Proxied: true}},
		{"dns_records-create-SRV-request.json", cloudflare.Record{Name: "_sip._tcp.example.com", Type: "SRV", TTL: 3600,
			Data: map[string]any{"priority": 10, "weight": 5, "port": 5060, "target": "sip.example.com"}}},
		{"dns_records-create-CAA-request.json", cloudflare.Record{Name: "example.com", Type: "CAA", TTL: 3600,
			Data: map[string]any{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}}},
	}
	for _, c := range creates {
		if _, err := e.client.Records.Create(ctx, e.zoneID, c.rec); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		sameRequest(t, c.file, lastBody(t, e, http.MethodPost), loadJSON(t, c.file))
	}
	rec, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: "example.com", Type: "A", Content: "198.51.100.5", TTL: 300})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Records.Update(ctx, e.zoneID, rec.ID, cloudflare.Record{Name: "example.com", Type: "A", Content: "203.0.113.10", TTL: 1, Proxied: true}); err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "put", lastBody(t, e, http.MethodPut), loadJSON(t, "dns_records-put-request.json"))
	no, ttl := false, 300
	if _, err := e.client.Records.Patch(ctx, e.zoneID, rec.ID, cloudflare.RecordPatch{Proxied: &no, TTL: &ttl}); err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "patch", lastBody(t, e, http.MethodPatch), loadJSON(t, "dns_records-patch-request.json"))

	// The batch example, with ids of records that exist here.
	recs, err := e.client.Records.List(ctx, e.zoneID, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, r := range recs {
		id[r.Name+" "+r.Type] = r.ID
	}
	req := cloudflare.BatchRequest{
		Deletes: []string{id["example.com MX"]},
		Patches: []cloudflare.RecordPatch{{ID: rec.ID, TTL: &ttl, Proxied: &no}},
		Puts:    []cloudflare.Record{{ID: id["www.example.com A"], Type: "CNAME", Name: "www.example.com", Content: "cdn.example.net", TTL: 1, Proxied: true}},
		Posts:   []cloudflare.Record{{Type: "A", Name: "new.example.com", Content: "198.51.100.20", TTL: 1}},
	}
	if _, err := e.client.Records.Batch(ctx, e.zoneID, req); err != nil {
		t.Fatal(err)
	}
	want := loadJSON(t, "dns_records-batch-request.json").(map[string]any)
	sent := lastBody(t, e, http.MethodPost).(map[string]any)
	// Ids differ from the recording's.
	for _, k := range []string{"deletes", "patches", "puts"} {
		for i, item := range want[k].([]any) {
			item.(map[string]any)["id"] = sent[k].([]any)[i].(map[string]any)["id"]
		}
	}
	sameRequest(t, "batch", sent, want)

	if _, err := e.client.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "example.org", AccountID: "01a7362d577a6c3019a474fd6f485823", Type: "full"}); err != nil {
		t.Fatal(err)
	}
	zreq := loadJSON(t, "zones-create-request.json").(map[string]any)
	zreq["name"] = "example.org"
	sameRequest(t, "zone create", lastBody(t, e, http.MethodPost), zreq)
}

// TestAPISurface lists every endpoint the client covers and checks, against
// the fake, that the method named for it calls it.
func TestAPISurface(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	c := e.client
	var recID, zoneID string
	surface := []struct {
		method, route, clientMethod string
		call                        func() error
	}{
		{"GET", "/zones", "Zones.List, Zones.GetByName", func() error { _, err := c.Zones.GetByName(ctx, "example.com"); return err }},
		{"POST", "/zones", "Zones.Create", func() error {
			z, err := c.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "surface.example", AccountID: e.fake.AccountID})
			if z != nil {
				zoneID = z.ID
			}
			return err
		}},
		{"GET", "/zones/{zone_id}", "Zones.Get", func() error { _, err := c.Zones.Get(ctx, zoneID); return err }},
		{"DELETE", "/zones/{zone_id}", "Zones.Delete", func() error { return c.Zones.Delete(ctx, zoneID) }},
		{"POST", "/zones/{zone_id}/dns_records", "Records.Create", func() error {
			r, err := c.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: "s.example.com", Type: "A", Content: "192.0.2.1", TTL: 60})
			if r != nil {
				recID = r.ID
			}
			return err
		}},
		{"GET", "/zones/{zone_id}/dns_records", "Records.List", func() error { _, err := c.Records.List(ctx, e.zoneID, nil); return err }},
		{"GET", "/zones/{zone_id}/dns_records/{id}", "Records.Get", func() error { _, err := c.Records.Get(ctx, e.zoneID, recID); return err }},
		{"PUT", "/zones/{zone_id}/dns_records/{id}", "Records.Update", func() error {
			_, err := c.Records.Update(ctx, e.zoneID, recID, cloudflare.Record{Name: "s.example.com", Type: "A", Content: "192.0.2.2", TTL: 60})
			return err
		}},
		{"PATCH", "/zones/{zone_id}/dns_records/{id}", "Records.Patch", func() error {
			ttl := 120
			_, err := c.Records.Patch(ctx, e.zoneID, recID, cloudflare.RecordPatch{TTL: &ttl})
			return err
		}},
		{"POST", "/zones/{zone_id}/dns_records/batch", "Records.Batch, Backend.Apply", func() error {
			_, err := c.Records.Batch(ctx, e.zoneID, cloudflare.BatchRequest{Posts: []cloudflare.Record{{Name: "b.example.com", Type: "TXT", Content: `"x"`, TTL: 60}}})
			return err
		}},
		{"DELETE", "/zones/{zone_id}/dns_records/{id}", "Records.Delete", func() error { return c.Records.Delete(ctx, e.zoneID, recID) }},
	}
	for _, s := range surface {
		e.fake.ResetCalls()
		if err := s.call(); err != nil {
			t.Fatalf("%s (%s %s): %v", s.clientMethod, s.method, s.route, err)
		}
		if e.fake.Count(s.method, s.route) == 0 {
			var seen []string
			for _, c := range e.fake.Calls() {
				seen = append(seen, c.Method+" "+c.Route)
			}
			sort.Strings(seen)
			t.Errorf("%s did not call %s %s (called %s)", s.clientMethod, s.method, s.route, strings.Join(seen, ", "))
		}
	}
}
