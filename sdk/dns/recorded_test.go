package dns_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// Recorded answers of PowerDNS 4.7 (testdata/, copied from the project's
// shared recordings): what was PATCHed (06), what GET returned (06b) and what
// dig saw served (06c) are the same RRsets to the model.

type recordedRRset struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	TTL     uint32 `json:"ttl"`
	Records []struct {
		Content  string `json:"content"`
		Disabled bool   `json:"disabled"`
	} `json:"records"`
}

// transcriptJSON returns the JSON body of the request or the response part
// of a recorded transcript.
func transcriptJSON(t *testing.T, file, part string) []dns.RRset {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "### "+part)
	if i < 0 {
		t.Fatalf("%s: no %s", file, part)
	}
	s = s[i:]
	if j := strings.Index(s[4:], "### "); j >= 0 {
		s = s[:j+4]
	}
	s = s[strings.Index(s, "{"):]
	var body struct {
		RRsets []recordedRRset `json:"rrsets"`
	}
	if err := json.Unmarshal([]byte(s), &body); err != nil {
		t.Fatalf("%s %s: %v", file, part, err)
	}
	out := make([]dns.RRset, 0, len(body.RRsets))
	for _, r := range body.RRsets {
		rr := dns.RRset{Name: r.Name, Type: r.Type, TTL: r.TTL}
		for _, rec := range r.Records {
			rr.Records = append(rr.Records, dns.Record{Content: rec.Content, Disabled: rec.Disabled})
		}
		out = append(out, rr)
	}
	return out
}

// digAnswers reads "name ttl IN type content" lines of a dig transcript.
func digAnswers(t *testing.T, file string) map[dns.Key]*dns.Answer {
	t.Helper()
	f, err := os.Open("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[dns.Key]*dns.Answer{}
	sc := bufio.NewScanner(f)
	answersOnly := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "$") {
			// Only "+noall +answer" outputs: full ones have authority sections.
			answersOnly = strings.Contains(line, "+noall +answer")
			continue
		}
		if !answersOnly || strings.HasPrefix(line, ";") {
			continue
		}
		fl := strings.Fields(line)
		if len(fl) < 5 || fl[2] != "IN" {
			continue
		}
		ttl, err := strconv.ParseUint(fl[1], 10, 32)
		if err != nil {
			continue
		}
		k := dns.Key{Name: fl[0], Type: fl[3]}
		a := out[k]
		if a == nil {
			a = &dns.Answer{Rcode: "NOERROR", RRset: dns.RRset{Name: fl[0], Type: fl[3], TTL: uint32(ttl)}}
			out[k] = a
		}
		content := strings.TrimSpace(strings.SplitN(line, "\t"+fl[3]+"\t", 2)[1])
		a.RRset.Records = append(a.RRset.Records, dns.Record{Content: content})
	}
	return out
}

func TestRecordedPowerDNSAnswersEqualWhatWasSent(t *testing.T) {
	t.Parallel()
	sent := transcriptJSON(t, "06-patch-rrsets-replace.txt", "REQUEST")
	got := transcriptJSON(t, "06b-get-zone-after-patch.txt", "RESPONSE")
	if len(sent) != 3 || len(got) != 5 {
		t.Fatalf("parsed %d sent and %d returned RRsets", len(sent), len(got))
	}
	plan, err := dns.Diff(sent, got, dns.DiffOptions{Managed: keysOf(sent)})
	if err != nil || !plan.Empty() {
		t.Errorf("sent vs returned: %v, %v", plan.Changes, err)
	}
	// The same RRsets as a user writes them.
	user := []dns.RRset{
		rrset("WWW", "A", 300, "192.0.2.11", "192.0.2.10"),
		rrset("@", "TXT", 600, "v=spf1 -all", `"hello world" "second string"`),
		rrset("example.org", "MX", 3600, "20 Mail2.example.org", "10 mail.example.org"),
	}
	plan, err = dns.Diff(user, got, dns.DiffOptions{Zone: "example.org", Managed: keysOf(user)})
	if err != nil || !plan.Empty() {
		t.Errorf("user forms vs returned: %v, %v", plan.Changes, err)
	}
	// What dig saw served is the RRset GET returned.
	served := digAnswers(t, "06c-dig-verify.txt")
	if len(served) != 5 {
		t.Fatalf("parsed %d dig answers", len(served))
	}
	for _, rr := range got {
		ans := served[rr.Key()]
		if ans == nil {
			t.Errorf("%s: not in the dig transcript", rr.Key())
			continue
		}
		if !dns.Served(ans, rr) {
			t.Errorf("%s: dig saw %v, GET returned %+v", rr.Key(), ans, rr.Records)
		}
	}
}
