package virtualmin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// replayServer is an HTTPS server that answers each remote.cgi request with
// the next recorded response of a script of transcripts (status, headers and
// body as recorded), and records what the client sent.
type replayServer struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	script []*transcript
	got    []sentRequest
	// anyProgram serves the script whatever program is asked for (answers
	// that do not depend on the program: 401, 403, ACL refusals).
	anyProgram bool
	// hold, when set, delays the answer to the first request of this program
	// until the request's context ends (a lost answer); later requests of it
	// are answered from the script.
	hold     string
	holdDone bool
	// held, when set, receives the program of every held request once it
	// has reached the server.
	held chan string
}

// sentRequest is one request as the server received it.
type sentRequest struct {
	method  string
	path    string
	ctype   string
	ua      string
	user    string
	pass    string
	program string
	params  []param // without program, json and multiline
	rawBody string
}

func transcriptPath(name string) string {
	return filepath.Join("testdata", "transcripts", name)
}

// newReplay starts a server that plays files in order.
func newReplay(t testing.TB, files ...string) *replayServer {
	t.Helper()
	r := &replayServer{t: t}
	for _, f := range files {
		r.script = append(r.script, loadTranscript(t, transcriptPath(f)))
	}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// client returns a client pinned to the server's certificate, with policies
// that keep the test fast and deterministic (no retries, no rate limit).
func (r *replayServer) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	sum := sha256.Sum256(r.srv.Certificate().Raw)
	base := []Option{
		WithBasicAuth("admin", "AdminPass123"),
		WithPinnedCertificateSHA256(hex.EncodeToString(sum[:])),
		WithRateLimit(1000, 1000),
		WithRetry(RetryPolicy{MaxAttempts: 1}),
		WithCallTimeout(30 * time.Second),
	}
	c, err := NewClient(r.srv.URL, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// heldCallTimeout is the call timeout of lostAnswerClient.
const heldCallTimeout = 30 * time.Second

// lostAnswerClient is client with a call timeout that ends exactly when the
// held program's request has reached the server: the answer is lost at the
// moment the test means, whatever the machine's speed. Other calls are not
// cut short.
func (r *replayServer) lostAnswerClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	clk := newFakeClock()
	clk.manualTimeouts = true
	r.held = make(chan string, 8)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-r.held:
				clk.expire(heldCallTimeout)
			case <-done:
				return
			}
		}
	}()
	return r.client(t, append([]Option{WithCallTimeout(heldCallTimeout), withClock(clk)}, opts...)...)
}

func (r *replayServer) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	sent := sentRequest{method: req.Method, path: req.URL.Path, ctype: req.Header.Get("Content-Type"),
		ua: req.UserAgent(), rawBody: string(body)}
	sent.user, sent.pass, _ = req.BasicAuth()
	for _, kv := range strings.Split(string(body), "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		switch k {
		case "program":
			sent.program = v
		case "json", "multiline":
		default:
			sent.params = append(sent.params, param{name: k, value: v})
		}
	}
	r.mu.Lock()
	r.got = append(r.got, sent)
	var tr *transcript
	if len(r.script) > 0 {
		tr = r.script[0]
		r.script = r.script[1:]
	}
	hold := r.hold != "" && r.hold == sent.program && !r.holdDone
	if hold {
		r.holdDone = true
	}
	r.mu.Unlock()
	if hold {
		if r.held != nil {
			r.held <- sent.program
		}
		<-req.Context().Done()
		return
	}
	if tr == nil {
		r.errorf("unexpected request %s %v: the script is exhausted", sent.program, sent.params)
		http.Error(w, "script exhausted", http.StatusInternalServerError)
		return
	}
	if p := tr.program(); !r.anyProgram && p != "" && p != sent.program {
		r.errorf("request for %s answered with %s (recorded for %s)", sent.program, tr.file, p)
	}
	for k, vs := range tr.header {
		switch strings.ToLower(k) {
		case "content-length", "connection", "date":
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	code := tr.code
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	_, _ = w.Write(tr.body)
}

func (r *replayServer) errorf(format string, args ...any) {
	if r.t != nil {
		r.t.Errorf(format, args...)
	}
}

// requests returns what the server received so far.
func (r *replayServer) requests() []sentRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentRequest(nil), r.got...)
}

// left is the number of scripted answers not yet served.
func (r *replayServer) left() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.script)
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
