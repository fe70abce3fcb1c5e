package virtualmin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// listDomainsBody builds a list-domains multiline JSON body of n domains with
// the shape (keys and values) of the real one in transcript 06.
func listDomainsBody(tb testing.TB, n int) []byte {
	tb.Helper()
	tr := loadTranscript(tb, transcriptPath("06-list-domains-json-multiline.txt"))
	var env struct {
		Data []struct {
			Name   string              `json:"name"`
			Values map[string][]string `json:"values"`
		} `json:"data"`
	}
	if err := json.Unmarshal(tr.body, &env); err != nil || len(env.Data) != 1 {
		tb.Fatalf("transcript 06: %v", err)
	}
	proto := env.Data[0].Values
	type item struct {
		Name   string              `json:"name"`
		Values map[string][]string `json:"values"`
	}
	items := make([]item, n)
	for i := range items {
		v := make(map[string][]string, len(proto))
		for k, l := range proto {
			v[k] = l
		}
		name := fmt.Sprintf("domain%04d.test", i)
		v["id"] = []string{fmt.Sprintf("17956869%07d", i)}
		v["home_directory"] = []string{"/home/domain" + fmt.Sprint(i)}
		items[i] = item{Name: name, Values: v}
	}
	body, err := json.MarshalIndent(map[string]any{"command": "list-domains", "status": "success", "data": items}, "", "   ")
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkDecodeListDomains1000 parses and decodes a list-domains multiline
// answer of 1,000 domains (about 5 MB of pretty-printed JSON).
func BenchmarkDecodeListDomains1000(b *testing.B) {
	body := listDomainsBody(b, 1000)
	h := http.Header{"Content-Type": []string{"application/json"}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := parseResponse("bench:10000", "list-domains", 200, h, body)
		if err != nil {
			b.Fatal(err)
		}
		if ds := decodeDomains(resp.Data); len(ds) != 1000 {
			b.Fatalf("decoded %d domains", len(ds))
		}
	}
}

// TestListDomainsBody1000 keeps the benchmark's input honest: it decodes to
// 1,000 distinct domains without secrets.
func TestListDomainsBody1000(t *testing.T) {
	body := listDomainsBody(t, 1000)
	resp, err := parseResponse("bench:10000", "list-domains", 200, http.Header{}, body)
	if err != nil {
		t.Fatal(err)
	}
	ds := decodeDomains(resp.Data)
	if len(ds) != 1000 || ds[999].Name != "domain0999.test" || ds[999].Username != "alphauser" {
		t.Fatalf("got %d domains, last %+v", len(ds), ds[len(ds)-1].Name)
	}
	if _, ok := ds[0].Raw["password_for_mysql"]; ok {
		t.Fatal("secret kept")
	}
}
