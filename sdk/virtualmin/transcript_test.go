package virtualmin

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
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

func (t *transcript) param(name string) (string, bool) {
	for _, p := range t.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// loadTranscript parses the recording format: "### request" with the params
// one per line (indented; a line without indent continues the previous value
// after a newline), "### result" with http_code and content_type, "### response
// headers" and "### response body".
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
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &transcript{file: filepath.Base(path), header: http.Header{}}
	text := string(raw)
	bodyAt := strings.Index(text, "\n### response body\n")
	head := text
	if bodyAt >= 0 {
		head = text[:bodyAt+1]
		t.body = []byte(text[bodyAt+len("\n### response body\n"):])
		t.hasBody = true
	}
	section := ""
	inParams := false
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	first := true
	rawAnswer, rawBody := false, false
	var rawLines []string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "### ") {
			section = strings.TrimPrefix(line, "### ")
			inParams = false
			first = true
			continue
		}
		switch section {
		case "request":
			switch {
			case first:
				if f := strings.Fields(line); len(f) > 0 {
					t.method = f[0]
				}
			case strings.HasPrefix(line, "auth: "):
				if f := strings.Fields(strings.TrimPrefix(line, "auth: ")); len(f) > 0 {
					t.user = f[0]
				}
			case strings.HasPrefix(line, "params"):
				inParams = true
			case inParams && strings.HasPrefix(line, "  "):
				kv := strings.TrimPrefix(line, "  ")
				name, value, _ := strings.Cut(kv, "=")
				t.params = append(t.params, param{name: name, value: value, flag: value == ""})
			case inParams && len(t.params) > 0:
				t.params[len(t.params)-1].value += "\n" + line
				t.params[len(t.params)-1].multiword = true
			}
		case "result":
			// A few free-form recordings (111, 116, 117) keep the raw
			// answer here: a status line, headers, a blank line, a body.
			if strings.HasPrefix(line, "HTTP/") {
				rawAnswer = true
				break
			}
			if rawAnswer && !rawBody {
				if line == "" {
					rawBody = true
					break
				}
				if k, v, ok := strings.Cut(line, ":"); ok {
					t.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
				}
				break
			}
			if rawBody && !strings.HasPrefix(line, "http_code: ") && !strings.HasPrefix(line, "content_type: ") &&
				!strings.HasPrefix(line, "time_total_s: ") {
				rawLines = append(rawLines, line)
				break
			}
			if v, ok := strings.CutPrefix(line, "http_code: "); ok {
				t.code, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if v, ok := strings.CutPrefix(line, "content_type: "); ok {
				t.ctype = strings.TrimSpace(v)
			}
		case "response headers":
			if first || line == "" {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok {
				t.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		first = false
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !t.hasBody && rawAnswer {
		t.body = []byte(strings.TrimSpace(strings.Join(rawLines, "\n")) + "\n")
		t.hasBody = true
	}
	return t, nil
}

// allTranscripts lists testdata/transcripts/*.txt, sorted.
func allTranscripts(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 270 {
		tb.Fatalf("expected the recorded transcripts in testdata/transcripts, found %d files", len(files))
	}
	return files
}
