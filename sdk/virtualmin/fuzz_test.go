package virtualmin

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseResponse checks that any answer maps to exactly one of a
// *response or an *Error with a Kind, without panicking (a recovered panic
// would show as "could not parse the response"). It is seeded with every
// recorded answer.
func FuzzParseResponse(f *testing.F) {
	for _, p := range allTranscripts(f) {
		tr := loadTranscript(f, p)
		f.Add(tr.program(), tr.code, tr.header.Get("Content-Type"), tr.header.Get("Location"), tr.body)
	}
	f.Add("list-domains", 200, "application/json", "", []byte(`{"status":"success","data":[{"name":"[x","value":"y"},{"name":"a","values":{"k":["v",1,true]}}]}`))
	f.Add("list-domains", 200, "application/json", "", []byte(`{"status":"success","data":"nope"}`))
	f.Add("x", 200, "text/plain", "", []byte("\n\nExit status: 99999999999999999999"))
	f.Add("x", 200, "application/xml", "", []byte(`<api status="success"><data name="a"><values><k>1</k></values></data></api>`))
	f.Fuzz(func(t *testing.T, program string, status int, ctype, location string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", ctype)
		if location != "" {
			h.Set("Location", location)
		}
		resp, err := parseResponse("fuzz:10000", program, status, h, body)
		if (resp == nil) == (err == nil) {
			t.Fatalf("want exactly one of resp and err, got %v and %v", resp, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if e.Kind == KindUnknown {
				t.Fatalf("error without a kind: %v", e)
			}
			if strings.HasPrefix(e.Reason, "could not parse the response") {
				t.Fatalf("the parser panicked: %s", e.Reason)
			}
			return
		}
		for _, it := range resp.Data {
			for k := range it.Values {
				if isSecretKey(k) {
					t.Fatalf("secret key %s kept in data", k)
				}
			}
		}
		_ = decodeDomains(resp.Data)
	})
}
