// Package transcript reads the recordings of real remote.cgi calls kept in
// sdk/virtualmin/testdata (docs/virtualmin-api.md says what they hold). The
// SDK's tests replay them against the client, the simulator's conformance
// test against the simulator; both read them with this one parser.
//
// A recording is plain text in sections:
//
//	### request
//	POST https://127.0.0.1:10000/virtual-server/remote.cgi
//	auth: admin (HTTP basic, password AdminPass123)
//	params (form-urlencoded, in POST body):
//	  program=list-domains
//	  json=1
//	### result
//	http_code: 200
//	content_type: application/json
//	### response headers
//	HTTP/1.0 200 Document follows
//	Server: MiniServ
//	### response body
//	{ ... }
//
// A parameter line without the two-space indent continues the previous value
// after a newline. A few free-form recordings (111, 116, 117) keep the raw
// answer (status line, headers, blank line, body) right after "### result".
package transcript

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Param is one request parameter, in the order sent.
type Param struct {
	Name, Value string
	// Continued: the value spans several lines (remote.cgi splits such a
	// value into several argv words).
	Continued bool
}

// Transcript is one recorded call.
type Transcript struct {
	// File is the base name, Num its leading number.
	File string
	Num  int
	// Method and Path of the request (Path is empty for free-form lines).
	Method, Path string
	// Note is what the recorder wrote after the URL, such as "(server 2
	// (vm2), host socat bridge)": which server a call of a set recorded on
	// two servers went to.
	Note string
	// User and Password of the Basic auth, when HasAuth.
	User, Password string
	HasAuth        bool
	// InQuery: the parameters went in the query string, not the body.
	InQuery bool
	Params  []Param

	// Code and ContentType as curl reported them.
	Code        int
	ContentType string
	// StatusLine ("HTTP/1.0 200 Document follows") and Header are the
	// recorded response head, when recorded.
	StatusLine string
	Header     http.Header
	// Body is the response body; HasBody is false for the recordings that
	// hold no single answer (a timing summary).
	Body    string
	HasBody bool
}

// Program is the program parameter, or "".
func (t *Transcript) Program() string {
	v, _ := t.Param("program")
	return v
}

// Param returns the first value of a parameter.
func (t *Transcript) Param(name string) (string, bool) {
	for _, p := range t.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

var (
	fileNum = regexp.MustCompile(`^(\d+)-`)
	authRE  = regexp.MustCompile(`^(\S+) \(HTTP basic, password (.*)\)$`)
)

// Load reads and parses one recording.
func Load(path string) (*Transcript, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(filepath.Base(path), string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses the text of the recording named name.
func Parse(name, text string) (*Transcript, error) {
	t := &Transcript{File: name, Header: http.Header{}}
	if m := fileNum.FindStringSubmatch(name); m != nil {
		t.Num, _ = strconv.Atoi(m[1])
	}
	head := text
	if i := strings.Index(text, "\n### response body\n"); i >= 0 {
		head = text[:i+1]
		t.Body = text[i+len("\n### response body\n"):]
		t.HasBody = true
	}
	section := ""
	first := true
	inParams := false
	rawAnswer, rawBody := false, false
	var rawLines []string
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "### ") {
			section, first, inParams = strings.TrimPrefix(line, "### "), true, false
			continue
		}
		switch section {
		case "request":
			switch {
			case first:
				f := strings.Fields(line)
				if len(f) > 0 {
					t.Method = f[0]
				}
				if len(f) > 1 {
					if u, err := url.Parse(f[1]); err == nil {
						t.Path = u.Path
					}
				}
				if len(f) > 2 {
					t.Note = strings.Join(f[2:], " ")
				}
			case strings.HasPrefix(line, "auth: "):
				a := strings.TrimPrefix(line, "auth: ")
				if a == "none" {
					break
				}
				m := authRE.FindStringSubmatch(a)
				if m == nil {
					return nil, fmt.Errorf("unreadable auth line %q", line)
				}
				t.User, t.Password, t.HasAuth = m[1], m[2], true
			case strings.HasPrefix(line, "params"):
				inParams = true
				t.InQuery = strings.Contains(line, "query string")
			case inParams && strings.HasPrefix(line, "  "):
				k, v, _ := strings.Cut(line[2:], "=")
				t.Params = append(t.Params, Param{Name: k, Value: v})
			case inParams && len(t.Params) > 0:
				p := &t.Params[len(t.Params)-1]
				p.Value += "\n" + line
				p.Continued = true
			}
		case "result":
			switch {
			case first && strings.HasPrefix(line, "HTTP/"):
				rawAnswer, t.StatusLine = true, line
			case rawAnswer && !rawBody:
				if line == "" {
					rawBody = true
				} else if k, v, ok := strings.Cut(line, ":"); ok {
					t.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
				}
			case strings.HasPrefix(line, "http_code: "):
				t.Code, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "http_code: ")))
			case strings.HasPrefix(line, "content_type: "):
				t.ContentType = strings.TrimSpace(strings.TrimPrefix(line, "content_type: "))
			case rawBody && !strings.HasPrefix(line, "time_total_s: "):
				rawLines = append(rawLines, line)
			}
		case "response headers":
			switch {
			case first:
				t.StatusLine = line
			case line != "":
				if k, v, ok := strings.Cut(line, ":"); ok {
					t.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
				}
			}
		}
		first = false
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !t.HasBody && rawAnswer {
		t.Body = strings.TrimSpace(strings.Join(rawLines, "\n")) + "\n"
		t.HasBody = true
	}
	return t, nil
}

// Files lists the recordings (*.txt) in dir in call order: by leading number,
// then by name.
func Files(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	num := func(f string) int {
		m := fileNum.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	sort.SliceStable(files, func(i, j int) bool {
		if a, b := num(files[i]), num(files[j]); a != b {
			return a < b
		}
		return files[i] < files[j]
	})
	return files, nil
}

// Index reads a recording set's INDEX.tsv: the body status the recorder saw
// ("success", "failure", "error", ...) by file name ("NN-program-case.txt").
func Index(dir string) (map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 9 {
			continue
		}
		out[f[0]+"-"+f[1]+"-"+f[2]+".txt"] = f[8]
	}
	return out, nil
}
