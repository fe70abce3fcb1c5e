// Package cloudflaretest is an in-process fake of Cloudflare's v4 API for
// zones and DNS records, for tests, in the manner of net/http/httptest. The
// command tools/cloudflare-fake runs it on its own.
//
// It answers the shapes recorded in testdata/API-SHAPES.md (with the example
// bodies of testdata/ and, in testdata/INDEX.tsv, where each was seen): the
// envelope (success, errors, messages, result, result_info with page,
// per_page, count, total_count and total_pages), name/type/content filters,
// the duplicate and conflict errors (81053, 81054, 81056, 81057, 81058),
// 81044 for an unknown record, 7003/7000 for a malformed id, 6003/6111 for a
// missing or malformed Authorization header, 9109 for a wrong token,
// 9004/9005/9021 for invalid records, 1061 for a duplicate zone, and 429 with
// Retry-After and code 10100 when over a simulated rate limit.
//
// It follows what Cloudflare's API documentation says:
//   - names are stored and answered in punycode, lower case, fully qualified;
//   - A/AAAA records cannot share a name with a CNAME, and NS records cannot
//     share a name with any other type (below the apex); a CNAME at the apex
//     is flattened, so it may sit beside the apex's other records;
//   - records are listed ordered by type by default;
//   - a batch holds at most 200 operations (the Free plan; WithBatchLimit);
//   - over the rate limit, every call is blocked for five minutes
//     (WithRateLimit; WithClock moves time forward in tests);
//   - a zone's type is what it was created with (full, partial, secondary).
//
// It is stateful and safe for concurrent use, injects faults (FailNext,
// FailNextRequest) and counts the requests it receives (Calls, RequestCount,
// Count). Where Cloudflare's behaviour is not known (HTTP status of some
// errors, codes for a missing priority, exact SRV/CAA content strings) the
// fake's choice is marked INFERRED in the code.
package cloudflaretest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
)

const (
	// FreePlanBatchLimit is the most operations a batch may hold on
	// Cloudflare's Free plan, the fake's default.
	FreePlanBatchLimit = 200
	// PaidPlanBatchLimit is the most on the Pro, Business and Enterprise
	// plans.
	PaidPlanBatchLimit = 3500
	// RateLimitBlock is how long Cloudflare blocks every call of a client
	// that went over its rate limit.
	RateLimitBlock = 5 * time.Minute
)

// Record is a DNS record as the fake stores it.
type Record struct {
	ID       string
	Name     string // full name, lowercase, no trailing dot
	Type     string
	Content  string
	TTL      int
	Proxied  bool
	Priority *int
	Data     map[string]any
	Comment  string
	Tags     []string
	Created  time.Time
	Modified time.Time
	seq      int
}

// Call is one request the fake received.
type Call struct {
	Method string
	// Path is the path below the API root ("/zones/<id>/dns_records").
	Path string
	// Route is the path with ids replaced ("/zones/{zone_id}/dns_records/{id}").
	Route string
	Query string
	// Body is the request body.
	Body string
	// Status is what the fake answered.
	Status int
}

type zone struct {
	ID        string
	Name      string
	Status    string
	Type      string
	AccountID string
	Created   time.Time
	Modified  time.Time
	records   []*Record
}

type failure struct {
	n      int
	status int
	method string
	path   string // substring of the path; empty matches all
}

// Server is a running fake. Its zero value is not usable: call NewServer.
type Server struct {
	// URL is the API root to give to a client ("http://127.0.0.1:port/client/v4").
	URL string
	// Token is the API token the fake accepts.
	Token string
	// AccountID is the account new zones belong to.
	AccountID string

	srv      *httptest.Server
	listener net.Listener
	now      func() time.Time

	mu           sync.Mutex
	zones        []*zone
	seq          int
	failures     []failure
	retryAfter   string
	calls        []Call
	batchLimit   int
	rlLimit      int
	rlWindow     time.Duration
	rlHits       []time.Time
	blockedUntil time.Time
}

// Option configures NewServer.
type Option func(*Server)

// WithToken sets the accepted token (default: a random one, see Token).
func WithToken(token string) Option { return func(s *Server) { s.Token = token } }

// WithAccountID sets the account new zones belong to (default: a random
// one, see AccountID).
func WithAccountID(id string) Option { return func(s *Server) { s.AccountID = id } }

// WithRateLimit makes the fake count requests: the request that finds limit
// requests already in the last window is answered 429 (code 10100), and so
// is every request for the RateLimitBlock (five minutes) that follows, with
// a Retry-After of the block's remaining seconds, as Cloudflare does. Off by
// default; Cloudflare's limit is 1200 per 5 minutes.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.rlLimit, s.rlWindow = limit, window }
}

// WithBatchLimit sets how many operations (deletes, patches, puts and posts
// together) a batch may hold: FreePlanBatchLimit (the default) or
// PaidPlanBatchLimit.
func WithBatchLimit(n int) Option { return func(s *Server) { s.batchLimit = n } }

// WithClock makes the fake read the time from now (record timestamps, the
// rate limit's window and block), so that a test moves time forward instead
// of waiting.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithListener serves on l (for example a fixed address) instead of a random
// loopback port. The fake closes it.
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// NewServer starts a fake, by default on a random loopback port.
func NewServer(opts ...Option) *Server {
	s := &Server{Token: newID() + newID()[:8], AccountID: newID(), retryAfter: "1", batchLimit: FreePlanBatchLimit, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if s.listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = s.listener
	}
	s.srv.Start()
	s.URL = s.srv.URL + "/client/v4"
	return s
}

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddZone creates an active full zone directly (no request is counted) and
// returns its id.
func (s *Server) AddZone(name string) string { return s.AddZoneOfType(name, "full") }

// AddZoneOfType is AddZone for a zone of another type: "partial" (a CNAME
// setup), "secondary" or "internal".
func (s *Server) AddZoneOfType(name, zoneType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	z := &zone{ID: newID(), Name: punycode(strings.TrimSuffix(name, ".")), Status: "active", Type: zoneType,
		AccountID: s.AccountID, Created: now, Modified: now}
	s.zones = append(s.zones, z)
	return z.ID
}

// AddRecord stores a record directly (no request, no validation) and
// returns its id; Name may be relative to the zone.
func (s *Server) AddRecord(zoneID string, r Record) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByID(zoneID)
	if z == nil {
		panic("cloudflaretest: AddRecord: unknown zone " + zoneID)
	}
	rec := r
	rec.Name = expandName(r.Name, z.Name)
	rec.Type = strings.ToUpper(rec.Type)
	if rec.ID == "" {
		rec.ID = newID()
	}
	if rec.TTL == 0 {
		rec.TTL = 1
	}
	now := s.now().UTC()
	rec.Created, rec.Modified = now, now
	s.seq++
	rec.seq = s.seq
	z.records = append(z.records, &rec)
	return rec.ID
}

// Records returns a copy of a zone's records, sorted by name, type, content.
func (s *Server) Records(zoneID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByID(zoneID)
	if z == nil {
		return nil
	}
	out := make([]Record, 0, len(z.records))
	for _, r := range z.records {
		out = append(out, copyRecord(r))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Content < out[j].Content
	})
	return out
}

// FailNext makes the next n requests fail with status: 429 answers carry
// Retry-After (see SetRetryAfter) and code 10100; 5xx answers a JSON
// envelope (500) or an HTML page (502, 503, 504) as Cloudflare's edge does.
func (s *Server) FailNext(n, status int) { s.FailNextRequest("", "", n, status) }

// FailNextRequest is FailNext for requests with this method (empty: any)
// whose path contains path (empty: any).
func (s *Server) FailNextRequest(method, path string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{n: n, status: status, method: method, path: path})
}

// SetRetryAfter sets the Retry-After value of injected 429s (default "1";
// seconds or an HTTP date; empty sends none).
func (s *Server) SetRetryAfter(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = v
}

// Calls returns every request received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// RequestCount is the number of requests received so far.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// Count is the number of requests received with this method (empty: any)
// and route ("/zones/{zone_id}/dns_records", "/zones/{zone_id}/dns_records/{id}",
// "/zones/{zone_id}/dns_records/batch", "/zones", "/zones/{zone_id}").
func (s *Server) Count(method, route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (method == "" || c.Method == method) && c.Route == route {
			n++
		}
	}
	return n
}

// ResetCalls forgets the requests received so far.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

func (s *Server) zoneByID(id string) *zone {
	for _, z := range s.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

// ---- HTTP ----

type apiErr struct {
	Code    int      `json:"code"`
	Message string   `json:"message"`
	Chain   []apiErr `json:"error_chain,omitempty"`
}

type httpError struct {
	status int
	errs   []apiErr
}

func errf(status, code int, format string, a ...any) *httpError {
	return &httpError{status: status, errs: []apiErr{{Code: code, Message: fmt.Sprintf(format, a...)}}}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func route(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 2 && parts[0] == "zones" {
		parts[1] = "{zone_id}"
	}
	if len(parts) >= 4 && parts[2] == "dns_records" && parts[3] != "batch" {
		parts[3] = "{id}"
	}
	return "/" + strings.Join(parts, "/")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/client/v4")
	call := Call{Method: r.Method, Path: path, Route: route(path), Query: r.URL.RawQuery}
	if r.Body != nil {
		b, err := readAll(r)
		if err == nil {
			call.Body = string(b)
		}
		r.Body = io.NopCloser(strings.NewReader(call.Body))
	}
	status := s.handle(w, r, path)
	call.Status = status
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, path string) int {
	if st, ok := s.injected(w, r, path); ok {
		return st
	}
	if herr := s.auth(r); herr != nil {
		return writeError(w, herr)
	}
	if st, ok := s.rateLimited(w); ok {
		return st
	}
	var body []byte
	if r.Body != nil {
		b, err := readAll(r)
		if err != nil {
			return writeError(w, errf(400, 6007, "Malformed JSON in request body"))
		}
		body = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result, info, herr := s.dispatch(r.Method, path, r.URL.Query(), body)
	if herr != nil {
		return writeError(w, herr)
	}
	env := map[string]any{"result": result, "success": true, "errors": []any{}, "messages": []any{}}
	if info != nil {
		env["result_info"] = info
	}
	return writeJSON(w, 200, env)
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, 64<<20))
}

func (s *Server) injected(w http.ResponseWriter, r *http.Request, path string) (int, bool) {
	s.mu.Lock()
	var status int
	for i := range s.failures {
		f := &s.failures[i]
		if f.n <= 0 || (f.method != "" && f.method != r.Method) || (f.path != "" && !strings.Contains(path, f.path)) {
			continue
		}
		f.n--
		status = f.status
		break
	}
	ra := s.retryAfter
	s.mu.Unlock()
	if status == 0 {
		return 0, false
	}
	switch {
	case status == http.StatusTooManyRequests:
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		return writeError(w, rateLimitError()), true
	case status >= 502 && status <= 504:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1>cloudflare</body></html>\n", status, http.StatusText(status))
		return status, true
	default:
		// INFERRED: the code of a JSON 5xx envelope is unknown.
		return writeError(w, errf(status, 10001, "%s", http.StatusText(status))), true
	}
}

func rateLimitError() *httpError {
	// Code 10100 is UNCERTAIN (one forum reply); the message and 429 are real.
	return errf(429, 10100, "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed")
}

func (s *Server) auth(r *http.Request) *httpError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return &httpError{status: 400, errs: []apiErr{{Code: 6003, Message: "Invalid request headers",
			Chain: []apiErr{{Code: 6111, Message: "Invalid format for Authorization header"}}}}}
	}
	if tok != s.Token {
		// INFERRED: 403 (one 9109 variant was seen with 403).
		return errf(403, 9109, "Invalid access token")
	}
	return nil
}

// rateLimited counts the request. Over the limit, Cloudflare blocks every
// call "for the next five minutes" with a 429; counting starts afresh after
// the block.
func (s *Server) rateLimited(w http.ResponseWriter) (int, bool) {
	if s.rlLimit <= 0 {
		return 0, false
	}
	s.mu.Lock()
	now := s.now()
	var wait time.Duration
	switch {
	case now.Before(s.blockedUntil):
		wait = s.blockedUntil.Sub(now)
	default:
		cut := now.Add(-s.rlWindow)
		i := 0
		for i < len(s.rlHits) && s.rlHits[i].Before(cut) {
			i++
		}
		s.rlHits = s.rlHits[i:]
		if len(s.rlHits) >= s.rlLimit {
			s.blockedUntil, s.rlHits, wait = now.Add(RateLimitBlock), nil, RateLimitBlock
		} else {
			s.rlHits = append(s.rlHits, now)
		}
	}
	remaining := s.rlLimit - len(s.rlHits)
	reset := int(math.Ceil(s.rlWindow.Seconds()))
	switch {
	case wait > 0:
		remaining, reset = 0, int(math.Ceil(wait.Seconds()))
	case len(s.rlHits) > 0:
		reset = int(math.Ceil(s.rlHits[0].Add(s.rlWindow).Sub(now).Seconds()))
	}
	limit, window := s.rlLimit, int(s.rlWindow.Seconds())
	s.mu.Unlock()
	w.Header().Set("Ratelimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, reset))
	w.Header().Set("Ratelimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, limit, window))
	if wait <= 0 {
		return 0, false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return writeError(w, rateLimitError()), true
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}

func writeError(w http.ResponseWriter, e *httpError) int {
	return writeJSON(w, e.status, map[string]any{"success": false, "errors": e.errs, "messages": []any{}, "result": nil})
}

func noRoute(path string) *httpError {
	return &httpError{status: 400, errs: []apiErr{
		{Code: 7003, Message: "Could not route to /client/v4" + path + ", perhaps your object identifier is invalid?"},
		{Code: 7000, Message: "No route for that URI"}}}
}

func (s *Server) dispatch(method, path string, q map[string][]string, body []byte) (any, any, *httpError) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 0 || parts[0] != "zones" {
		return nil, nil, noRoute(path)
	}
	if len(parts) == 1 {
		switch method {
		case http.MethodGet:
			return s.listZones(q)
		case http.MethodPost:
			z, e := s.createZone(body)
			return z, nil, e
		}
		return nil, nil, noRoute(path)
	}
	if !hexID.MatchString(parts[1]) {
		return nil, nil, noRoute(path)
	}
	z := s.zoneByID(parts[1])
	if z == nil {
		// INFERRED: the answer for a well-formed unknown zone id is not known.
		return nil, nil, &httpError{status: 404, errs: []apiErr{{Code: 7003, Message: "Could not route to /client/v4" + path + ", perhaps your object identifier is invalid?"}}}
	}
	if len(parts) == 2 {
		switch method {
		case http.MethodGet:
			return zoneJSON(z), nil, nil
		case http.MethodDelete:
			for i, zz := range s.zones {
				if zz == z {
					s.zones = append(s.zones[:i], s.zones[i+1:]...)
					break
				}
			}
			return map[string]any{"id": z.ID}, nil, nil
		}
		return nil, nil, noRoute(path)
	}
	if parts[2] != "dns_records" {
		return nil, nil, noRoute(path)
	}
	if len(parts) == 3 {
		switch method {
		case http.MethodGet:
			return s.listRecords(z, q)
		case http.MethodPost:
			in, herr := decodeInput(body)
			if herr != nil {
				return nil, nil, herr
			}
			rec, herr := s.create(z, z.records, in)
			if herr != nil {
				return nil, nil, herr
			}
			z.records = append(z.records, rec)
			return recordJSON(rec), nil, nil
		}
		return nil, nil, noRoute(path)
	}
	if len(parts) == 4 && parts[3] == "batch" && method == http.MethodPost {
		res, herr := s.batch(z, body)
		return res, nil, herr
	}
	if len(parts) != 4 || !hexID.MatchString(parts[3]) {
		return nil, nil, noRoute(path)
	}
	id := parts[3]
	idx := -1
	for i, r := range z.records {
		if r.ID == id {
			idx = i
		}
	}
	if idx < 0 {
		// INFERRED: HTTP 404 (the message is real).
		return nil, nil, errf(404, 81044, "Record does not exist.")
	}
	switch method {
	case http.MethodGet:
		return recordJSON(z.records[idx]), nil, nil
	case http.MethodDelete:
		z.records = append(z.records[:idx], z.records[idx+1:]...)
		return map[string]any{"id": id}, nil, nil
	case http.MethodPut, http.MethodPatch:
		in, herr := decodeInput(body)
		if herr != nil {
			return nil, nil, herr
		}
		rec, herr := s.modify(z, z.records, idx, in, method == http.MethodPatch)
		if herr != nil {
			return nil, nil, herr
		}
		z.records[idx] = rec
		return recordJSON(rec), nil, nil
	}
	return nil, nil, noRoute(path)
}

// ---- zones ----

var zoneNameRE = regexp.MustCompile(`^([a-zA-Z0-9][\-a-zA-Z0-9]*\.)+[\-a-zA-Z0-9]{2,20}$`)

func zoneJSON(z *zone) map[string]any {
	return map[string]any{
		"id": z.ID, "name": z.Name, "status": z.Status, "paused": false, "type": z.Type, "development_mode": 0,
		"name_servers":          []string{"bob.ns.cloudflare.com", "lola.ns.cloudflare.com"},
		"original_name_servers": nil, "original_registrar": nil, "original_dnshost": nil,
		"modified_on": stamp(z.Modified), "created_on": stamp(z.Created), "activated_on": activated(z),
		"meta":    map[string]any{"step": 4, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
		"owner":   map[string]any{"id": nil, "type": "user", "email": nil},
		"account": map[string]any{"id": z.AccountID, "name": "Fake Account"},
		"tenant":  map[string]any{"id": nil, "name": nil}, "tenant_unit": map[string]any{"id": nil},
		"permissions": []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
		"plan": map[string]any{"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD",
			"frequency": "", "is_subscribed": false, "can_subscribe": false, "legacy_id": "free", "legacy_discount": false,
			"externally_managed": false},
	}
}

func activated(z *zone) any {
	if z.Status != "active" {
		return nil
	}
	return stamp(z.Created)
}

func pageParams(q map[string][]string, def, min, max int) (int, int, *httpError) {
	page, perPage := 1, def
	if v := first(q, "page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return 0, 0, errf(400, 1004, "page must be an integer of at least 1") // INFERRED code
		}
		page = p
	}
	if v := first(q, "per_page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < min || p > max {
			return 0, 0, errf(400, 1004, "per_page must be between %d and %d", min, max) // INFERRED code
		}
		perPage = p
	}
	return page, perPage, nil
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func paginate[T any](items []T, page, perPage int, emptyPages int) ([]T, map[string]any) {
	total := len(items)
	pages := (total + perPage - 1) / perPage
	if total == 0 {
		pages = emptyPages
	}
	start := (page - 1) * perPage
	var out []T
	if start < total {
		end := min(start+perPage, total)
		out = items[start:end]
	}
	if out == nil {
		out = []T{}
	}
	return out, map[string]any{"page": page, "per_page": perPage, "count": len(out), "total_count": total, "total_pages": pages}
}

func (s *Server) listZones(q map[string][]string) (any, any, *httpError) {
	page, perPage, herr := pageParams(q, 20, 5, 50)
	if herr != nil {
		return nil, nil, herr
	}
	var out []map[string]any
	for _, z := range s.zones {
		if n := first(q, "name"); n != "" && !matchZoneName(z.Name, n) {
			continue
		}
		if st := first(q, "status"); st != "" && z.Status != st {
			continue
		}
		if a := first(q, "account.id"); a != "" && z.AccountID != a {
			continue
		}
		out = append(out, zoneJSON(z))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i]["name"].(string) < out[j]["name"].(string) })
	res, info := paginate(out, page, perPage, 0)
	return res, info, nil
}

func matchZoneName(name, filter string) bool {
	op, v, ok := strings.Cut(filter, ":")
	if !ok {
		op, v = "equal", filter
	}
	lname, lv := strings.ToLower(name), strings.ToLower(v)
	switch op {
	case "equal":
		return lname == lv
	case "not_equal":
		return lname != lv
	case "starts_with":
		return strings.HasPrefix(lname, lv)
	case "ends_with":
		return strings.HasSuffix(lname, lv)
	case "contains":
		return strings.Contains(lname, lv)
	case "starts_with_case_sensitive":
		return strings.HasPrefix(name, v)
	case "ends_with_case_sensitive":
		return strings.HasSuffix(name, v)
	case "contains_case_sensitive":
		return strings.Contains(name, v)
	}
	return lname == strings.ToLower(filter)
}

func (s *Server) createZone(body []byte) (any, *httpError) {
	var in struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(400, 6007, "Malformed JSON in request body")
	}
	if in.Account.ID == "" {
		return nil, errf(400, 1001, "Account is required") // INFERRED code
	}
	switch in.Type {
	case "":
		in.Type = "full"
	case "full", "partial", "secondary", "internal":
	default:
		return nil, errf(400, 1001, "Invalid zone type %s", in.Type) // INFERRED code
	}
	// INFERRED: a Unicode zone name is taken as its punycode, like record
	// names.
	name := punycode(in.Name)
	if !zoneNameRE.MatchString(name) {
		return nil, errf(400, 1001, "Invalid zone name") // INFERRED code
	}
	for _, z := range s.zones {
		if z.Name == name {
			return nil, errf(400, 1061, "%s already exists", name)
		}
	}
	now := s.now().UTC()
	z := &zone{ID: newID(), Name: name, Status: "pending", Type: in.Type, AccountID: in.Account.ID, Created: now, Modified: now}
	s.zones = append(s.zones, z)
	return zoneJSON(z), nil
}

// ---- records ----

// input is a record body; pointers tell absent from zero (PATCH).
type input struct {
	ID       string          `json:"id"`
	Name     *string         `json:"name"`
	Type     *string         `json:"type"`
	Content  *string         `json:"content"`
	TTL      *float64        `json:"ttl"`
	Proxied  *bool           `json:"proxied"`
	Priority *float64        `json:"priority"`
	Data     map[string]any  `json:"data"`
	Comment  *string         `json:"comment"`
	Tags     *[]string       `json:"tags"`
	Settings json.RawMessage `json:"settings"`
}

func decodeInput(body []byte) (input, *httpError) {
	var in input
	if err := json.Unmarshal(body, &in); err != nil {
		return in, errf(400, 6007, "Malformed JSON in request body")
	}
	return in, nil
}

var knownTypes = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CERT": true, "CNAME": true, "DNSKEY": true,
	"DS": true, "HTTPS": true, "LOC": true, "MX": true, "NAPTR": true, "NS": true, "OPENPGPKEY": true, "PTR": true,
	"SMIMEA": true, "SRV": true, "SSHFP": true, "SVCB": true, "TLSA": true, "TXT": true, "URI": true}

// punycode is name in lower case with its Unicode labels in punycode: the
// API's notes say domain names are always represented in punycode, even if
// Unicode characters were used when creating the record.
func punycode(name string) string {
	n := strings.ToLower(name)
	if a, err := idna.Punycode.ToASCII(n); err == nil {
		return a
	}
	return n
}

func expandName(name, zoneName string) string {
	n := punycode(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if n == "@" || n == "" {
		return zoneName
	}
	if n == zoneName || strings.HasSuffix(n, "."+zoneName) {
		return n
	}
	return n + "." + zoneName
}

func (s *Server) create(z *zone, records []*Record, in input) (*Record, *httpError) {
	if in.Type == nil || in.Name == nil {
		return nil, errf(400, 1004, "DNS Validation Error: name and type are required") // INFERRED code
	}
	rec := &Record{TTL: 1}
	if herr := apply(rec, in, z.Name); herr != nil {
		return nil, herr
	}
	if herr := validate(rec, z, records, ""); herr != nil {
		return nil, herr
	}
	now := s.now().UTC()
	rec.ID, rec.Created, rec.Modified = newID(), now, now
	s.seq++
	rec.seq = s.seq
	return rec, nil
}

func (s *Server) modify(z *zone, records []*Record, idx int, in input, patch bool) (*Record, *httpError) {
	old := records[idx]
	rec := copyRecord(old)
	if !patch {
		if in.Type == nil || in.Name == nil {
			return nil, errf(400, 1004, "DNS Validation Error: name and type are required") // INFERRED code
		}
		rec = Record{ID: old.ID, TTL: 1, Created: old.Created, seq: old.seq}
	}
	if herr := apply(&rec, in, z.Name); herr != nil {
		return nil, herr
	}
	if herr := validate(&rec, z, records, old.ID); herr != nil {
		return nil, herr
	}
	rec.Modified = s.now().UTC()
	return &rec, nil
}

func apply(rec *Record, in input, zoneName string) *httpError {
	if in.Name != nil {
		rec.Name = expandName(*in.Name, zoneName)
	}
	if in.Type != nil {
		rec.Type = strings.ToUpper(*in.Type)
	}
	if in.Content != nil {
		rec.Content = *in.Content
	}
	if in.TTL != nil {
		rec.TTL = int(*in.TTL)
	}
	if in.Proxied != nil {
		rec.Proxied = *in.Proxied
	}
	if in.Priority != nil {
		p := int(*in.Priority)
		rec.Priority = &p
	}
	if in.Data != nil {
		rec.Data = in.Data
	}
	if in.Comment != nil {
		rec.Comment = *in.Comment
	}
	if in.Tags != nil {
		rec.Tags = append([]string(nil), (*in.Tags)...)
	}
	return nil
}

func num(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func validate(rec *Record, z *zone, records []*Record, self string) *httpError {
	if !knownTypes[rec.Type] {
		return errf(400, 1004, "DNS Validation Error: unknown type %s", rec.Type) // INFERRED code
	}
	if rec.Name != z.Name && !strings.HasSuffix(rec.Name, "."+z.Name) {
		return errf(400, 1004, "DNS Validation Error: name %s is not in zone %s", rec.Name, z.Name) // INFERRED code
	}
	if rec.Proxied && rec.Type != "A" && rec.Type != "AAAA" && rec.Type != "CNAME" {
		return errf(400, 9004, "This record type cannot be proxied.")
	}
	if rec.Proxied {
		// Cloudflare keeps proxied records at automatic TTL.
		rec.TTL = 1
	}
	if rec.TTL != 1 && (rec.TTL < 60 || rec.TTL > 86400) {
		return errf(400, 9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for automatic")
	}
	switch rec.Type {
	case "A":
		a, err := netip.ParseAddr(rec.Content)
		if err != nil || !a.Is4() {
			return errf(400, 9005, "Content for A record must be a valid IPv4 address.")
		}
	case "AAAA":
		a, err := netip.ParseAddr(rec.Content)
		if err != nil || !a.Is6() {
			return errf(400, 9005, "Content for AAAA record must be a valid IPv6 address.") // INFERRED code
		}
	case "CNAME", "NS", "PTR", "MX":
		rec.Content = punycode(strings.TrimSuffix(strings.TrimSpace(rec.Content), "."))
		if rec.Content == "" || strings.ContainsAny(rec.Content, " \t") {
			return errf(400, 1004, "DNS Validation Error: content must be a host name") // INFERRED code
		}
		if rec.Type == "CNAME" && rec.Content == rec.Name {
			return errf(400, 1004, "DNS Validation Error: CNAME content cannot reference itself") // INFERRED code
		}
		if rec.Type == "MX" && rec.Priority == nil {
			return errf(400, 1004, "DNS Validation Error: priority is required for MX records") // INFERRED code
		}
	case "TXT":
		if rec.Content == "" {
			return errf(400, 1004, "DNS Validation Error: content is required") // INFERRED code
		}
	case "SRV":
		p, ok1 := num(rec.Data["priority"])
		wt, ok2 := num(rec.Data["weight"])
		port, ok3 := num(rec.Data["port"])
		target, ok4 := rec.Data["target"].(string)
		if !ok1 || !ok2 || !ok3 || !ok4 || target == "" {
			return errf(400, 1004, "DNS Validation Error: SRV data needs priority, weight, port and target") // INFERRED code
		}
		target = strings.ToLower(strings.TrimSuffix(target, "."))
		rec.Data = map[string]any{"priority": float64(p), "weight": float64(wt), "port": float64(port), "target": target}
		rec.Priority = &p
		// INFERRED content format: "weight port target", priority apart.
		rec.Content = fmt.Sprintf("%d %d %s", wt, port, target)
	case "CAA":
		flags, ok1 := num(rec.Data["flags"])
		tag, ok2 := rec.Data["tag"].(string)
		value, ok3 := rec.Data["value"].(string)
		if !ok1 || !ok2 || !ok3 || tag == "" {
			return errf(400, 1004, "DNS Validation Error: CAA data needs flags, tag and value") // INFERRED code
		}
		rec.Data = map[string]any{"flags": float64(flags), "tag": tag, "value": value}
		rec.Content = fmt.Sprintf("%d %s %q", flags, tag, value) // INFERRED content format
	case "URI":
		if rec.Priority == nil {
			return errf(400, 1004, "DNS Validation Error: priority is required for URI records") // INFERRED code
		}
	}
	return conflict(rec, z, records, self)
}

// conflict checks rec against the other records of its name. The API's
// notes: "A/AAAA records cannot exist on the same name as CNAME records" and
// "NS records cannot exist on the same name as any other record type".
func conflict(rec *Record, z *zone, records []*Record, self string) *httpError {
	address := func(t string) bool { return t == "A" || t == "AAAA" }
	// At the apex a CNAME is flattened (answered as the addresses it points
	// to: Cloudflare's CNAME flattening, on every plan), which is what lets
	// it sit beside the apex's other records (SOA, NS, MX, TXT...).
	// INFERRED: the NS rule is for delegations below the apex; at the apex
	// Cloudflare serves its own NS records beside every other type.
	apex := rec.Name == z.Name
	for _, o := range records {
		if o.ID == self || o.Name != rec.Name {
			continue
		}
		switch {
		case o.Type == rec.Type && sameValue(o, rec):
			return errf(400, 81058, "An identical record already exists.")
		case !apex && o.Type == "NS" && rec.Type != "NS":
			return errf(400, 81056, "NS records with that host already exist.")
		case !apex && rec.Type == "NS" && o.Type != "NS":
			return errf(400, 81057, "Record already exists.") // INFERRED code
		case rec.Type == "CNAME" && (address(o.Type) || o.Type == "CNAME"):
			return errf(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
		case o.Type == "CNAME" && address(rec.Type):
			return errf(400, 81054, "A CNAME record with that host already exists.")
		case apex:
			// A flattened CNAME: the other types may sit beside it.
		case rec.Type == "CNAME":
			// INFERRED below the apex, where nothing flattens the CNAME:
			// RFC 1034's rule, no other type beside it.
			return errf(400, 81057, "Record already exists.")
		case o.Type == "CNAME":
			return errf(400, 81054, "A CNAME record with that host already exists.")
		}
	}
	return nil
}

func sameValue(a, b *Record) bool {
	if a.Type == "MX" || a.Type == "URI" {
		if (a.Priority == nil) != (b.Priority == nil) || (a.Priority != nil && *a.Priority != *b.Priority) {
			return false
		}
	}
	if a.Type == "SRV" || a.Type == "CAA" {
		ja, _ := json.Marshal(a.Data)
		jb, _ := json.Marshal(b.Data)
		return string(ja) == string(jb)
	}
	return strings.EqualFold(a.Content, b.Content)
}

func (s *Server) listRecords(z *zone, q map[string][]string) (any, any, *httpError) {
	page, perPage, herr := pageParams(q, 100, 1, 5000000)
	if herr != nil {
		return nil, nil, herr
	}
	var preds []func(*Record) bool
	strFilter := func(field string, get func(*Record) string) {
		for _, op := range []string{"", ".exact", ".contains", ".startswith", ".endswith"} {
			v := first(q, field+op)
			if v == "" {
				continue
			}
			lv := punycode(strings.TrimSuffix(v, "."))
			if field != "name" {
				lv = strings.ToLower(v)
			}
			preds = append(preds, func(r *Record) bool {
				got := strings.ToLower(get(r))
				switch op {
				case ".contains":
					return strings.Contains(got, lv)
				case ".startswith":
					return strings.HasPrefix(got, lv)
				case ".endswith":
					return strings.HasSuffix(got, lv)
				}
				return got == lv
			})
		}
	}
	strFilter("name", func(r *Record) string { return r.Name })
	strFilter("content", func(r *Record) string { return r.Content })
	strFilter("comment", func(r *Record) string { return r.Comment })
	if t := first(q, "type"); t != "" {
		preds = append(preds, func(r *Record) bool { return r.Type == strings.ToUpper(t) })
	}
	if p := first(q, "proxied"); p != "" {
		want := p == "true"
		preds = append(preds, func(r *Record) bool { return r.Proxied == want })
	}
	matchAny := first(q, "match") == "any"
	var out []*Record
	for _, r := range z.records {
		ok := !matchAny || len(preds) == 0
		for _, p := range preds {
			if matchAny && p(r) {
				ok = true
				break
			}
			if !matchAny && !p(r) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	order := first(q, "order")
	desc := first(q, "direction") == "desc"
	key := func(r *Record) string {
		switch order {
		case "name":
			return r.Name
		case "content":
			return r.Content
		case "ttl":
			return fmt.Sprintf("%010d", r.TTL)
		case "proxied":
			return strconv.FormatBool(r.Proxied)
		}
		return r.Type
	}
	// INFERRED tie-break: name, then creation order.
	sort.SliceStable(out, func(i, j int) bool {
		ki, kj := key(out[i]), key(out[j])
		if ki != kj {
			return (ki < kj) != desc
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].seq < out[j].seq
	})
	pageRecs, info := paginate(out, page, perPage, 1)
	res := make([]map[string]any, len(pageRecs))
	for i, r := range pageRecs {
		res[i] = recordJSON(r)
	}
	return res, info, nil
}

func (s *Server) batch(z *zone, body []byte) (any, *httpError) {
	var in struct {
		Deletes []struct {
			ID string `json:"id"`
		} `json:"deletes"`
		Patches []input `json:"patches"`
		Puts    []input `json:"puts"`
		Posts   []input `json:"posts"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(400, 6007, "Malformed JSON in request body")
	}
	if n := len(in.Deletes) + len(in.Patches) + len(in.Puts) + len(in.Posts); n > s.batchLimit {
		// INFERRED code and wording: Cloudflare documents the limit (200
		// operations on the Free plan, 3,500 on paid plans), not its error.
		return nil, errf(400, 1004, "DNS Validation Error: a batch may hold at most %d operations on this zone's plan; this one holds %d", s.batchLimit, n)
	}
	// One transaction: work on a copy, keep it only if every operation passes.
	work := make([]*Record, len(z.records))
	copy(work, z.records)
	find := func(id string) int {
		for i, r := range work {
			if r.ID == id {
				return i
			}
		}
		return -1
	}
	res := map[string][]map[string]any{"deletes": {}, "patches": {}, "puts": {}, "posts": {}}
	for _, d := range in.Deletes {
		i := find(d.ID)
		if i < 0 {
			return nil, errf(404, 81044, "Record does not exist.")
		}
		res["deletes"] = append(res["deletes"], recordJSON(work[i]))
		work = append(work[:i:i], work[i+1:]...)
	}
	for _, group := range []struct {
		name  string
		items []input
		patch bool
	}{{"patches", in.Patches, true}, {"puts", in.Puts, false}} {
		for _, p := range group.items {
			i := find(p.ID)
			if i < 0 {
				return nil, errf(404, 81044, "Record does not exist.")
			}
			rec, herr := s.modify(z, work, i, p, group.patch)
			if herr != nil {
				return nil, herr
			}
			work[i] = rec
			res[group.name] = append(res[group.name], recordJSON(rec))
		}
	}
	for _, p := range in.Posts {
		rec, herr := s.create(z, work, p)
		if herr != nil {
			return nil, herr
		}
		work = append(work, rec)
		res["posts"] = append(res["posts"], recordJSON(rec))
	}
	z.records = work
	return res, nil
}

func recordJSON(r *Record) map[string]any {
	proxiable := r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME"
	settings := map[string]any{}
	if r.Type == "CNAME" {
		settings["flatten_cname"] = false
	}
	m := map[string]any{
		"id": r.ID, "name": r.Name, "type": r.Type, "content": r.Content,
		"proxiable": proxiable, "proxied": r.Proxied, "ttl": r.TTL, "settings": settings, "meta": map[string]any{},
		"comment": nil, "tags": []string{}, "created_on": stamp(r.Created), "modified_on": stamp(r.Modified),
	}
	if r.Priority != nil && (r.Type == "MX" || r.Type == "SRV" || r.Type == "URI") {
		m["priority"] = *r.Priority
	}
	if r.Data != nil {
		m["data"] = r.Data
	}
	if r.Comment != "" {
		m["comment"] = r.Comment
		m["comment_modified_on"] = stamp(r.Modified)
	}
	if len(r.Tags) > 0 {
		m["tags"] = r.Tags
		m["tags_modified_on"] = stamp(r.Modified)
	}
	return m
}

func copyRecord(r *Record) Record {
	c := *r
	if r.Priority != nil {
		p := *r.Priority
		c.Priority = &p
	}
	if r.Data != nil {
		c.Data = make(map[string]any, len(r.Data))
		for k, v := range r.Data {
			c.Data[k] = v
		}
	}
	c.Tags = append([]string(nil), r.Tags...)
	return c
}

// stamp formats like Cloudflare: RFC 3339 UTC, microseconds, zeros trimmed.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z") }

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
