package virtualmin

import (
	"net/http"
	"path/filepath"
	"testing"

	rec "github.com/praho/terraform-provider-praho/sdk/virtualmin/internal/transcript"
)

// transcript is one recorded remote.cgi call from testdata/transcripts (copied
// from the recordings of a real Webmin 2.660 / Virtualmin 8.1 server).
type transcript struct {
	file    string
	method  string
	user    string
	params  []param // in order; flags have flag set
	code    int
	ctype   string
	header  http.Header
	body    []byte
	hasBody bool // false for the few free-form recordings
}

func (t *transcript) program() string {
	for _, p := range t.params {
		if p.name == "program" {
			return p.value
		}
	}
	return ""
}

// loadTranscript reads a recording with the one parser the SDK's tests and
// the simulator's share (internal/transcript).
func loadTranscript(tb testing.TB, path string) *transcript {
	tb.Helper()
	t, err := readTranscript(path)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// readTranscript is loadTranscript without a testing.TB (for examples).
func readTranscript(path string) (*transcript, error) {
	r, err := rec.Load(path)
	if err != nil {
		return nil, err
	}
	t := &transcript{file: r.File, method: r.Method, user: r.User, code: r.Code, ctype: r.ContentType,
		header: r.Header, body: []byte(r.Body), hasBody: r.HasBody}
	for _, p := range r.Params {
		t.params = append(t.params, param{name: p.Name, value: p.Value, flag: p.Value == "", multiword: p.Continued})
	}
	return t, nil
}

// allTranscripts lists testdata/transcripts/*.txt in call order.
func allTranscripts(tb testing.TB) []string {
	tb.Helper()
	files, err := rec.Files(filepath.Join("testdata", "transcripts"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) < 270 {
		tb.Fatalf("expected the recorded transcripts in testdata/transcripts, found %d files", len(files))
	}
	return files
}
