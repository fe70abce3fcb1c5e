package virtualmin

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzEncodeBody: whatever the values, a call checkCall accepts is encoded so
// that remote.cgi reads back exactly the same fields in the same order, and
// no field smuggles in a line break or another field.
func FuzzEncodeBody(f *testing.F) {
	f.Add("domain", "alpha.test", "pass", "p&ss=w rd+%", false, true)
	f.Add("desc", "a\nb", "unix", "", true, false)
	f.Add("update-record", "www A\nwww A 10.0.0.2", "x", "ü€\x00", false, false)
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string, flag2, multiline bool) {
		cl := &call{program: "modify-domain", multiline: multiline, params: []param{
			{name: n1, value: v1}, {name: n2, value: v2, flag: flag2},
		}}
		if err := checkCall("h:1", cl); err != nil {
			if kindOf(err) != KindInvalidInput {
				t.Fatalf("checkCall error of kind %v: %v", kindOf(err), err)
			}
			return
		}
		body := string(encodeBody(cl, false))
		var names, values []string
		for _, field := range strings.Split(body, "&") {
			k, v, ok := strings.Cut(field, "=")
			if !ok {
				t.Fatalf("field %q without '=' in %q", field, body)
			}
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				t.Fatalf("undecodable field %q", field)
			}
			if strings.ContainsAny(dv, "\r\n\x00") {
				t.Fatalf("value %q with a line break reached the body", dv)
			}
			names, values = append(names, dk), append(values, dv)
		}
		wantN := []string{"program", n1, n2}
		wantV := []string{"modify-domain", v1, v2}
		if flag2 {
			wantV[2] = ""
		}
		if multiline {
			wantN, wantV = append(wantN, "multiline"), append(wantV, "")
		}
		wantN, wantV = append(wantN, "json"), append(wantV, "1")
		if strings.Join(names, "\x01") != strings.Join(wantN, "\x01") || strings.Join(values, "\x01") != strings.Join(wantV, "\x01") {
			t.Fatalf("body %q decodes to %q=%q, want %q=%q", body, names, values, wantN, wantV)
		}
	})
}
