package cloudflare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
)

// TestImportsOnlyDNSZonesOption fails if the package pulls in cloudflare-go's
// root package (all 122 services) or a service other than dns and zones
// (and rules, which dns itself imports), or any Terraform package.
func TestImportsOnlyDNSZonesOption(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/praho/terraform-provider-praho/sdk/cloudflare").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const root = "github.com/cloudflare/cloudflare-go/v7"
	allowed := map[string]bool{"dns": true, "zones": true, "option": true, "rules": true, "shared": true}
	var seen []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/hashicorp/terraform-") {
			t.Errorf("the SDK imports %s", pkg)
		}
		if pkg == root {
			t.Errorf("imports the root package %s", root)
			continue
		}
		rest, ok := strings.CutPrefix(pkg, root+"/")
		if !ok {
			continue
		}
		seen = append(seen, rest)
		top := strings.SplitN(rest, "/", 2)[0]
		if top == "internal" || top == "packages" {
			continue
		}
		if !allowed[top] {
			t.Errorf("imports service package %s", pkg)
		}
	}
	for _, want := range []string{"dns", "zones", "option"} {
		found := false
		for _, s := range seen {
			found = found || s == want
		}
		if !found {
			t.Errorf("%s/%s is not used; the check above is pointless", root, want)
		}
	}
}

func TestNewClientNeedsToken(t *testing.T) {
	if _, err := cloudflare.NewClient(); err == nil {
		t.Fatal("no error without a token")
	}
	if _, err := cloudflare.NewClient(cloudflare.WithAPIToken("x"), cloudflare.WithBaseURL("not a url")); err == nil {
		t.Fatal("no error for a bad base URL")
	}
}

func TestRecordCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	name := e.name("www")
	rec, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: name + ".", Type: "A", Content: "192.0.2.10", TTL: 300, Comment: "crud"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.Name != name || rec.TTL != 300 || rec.Content != "192.0.2.10" || rec.Comment != "crud" || !rec.Proxiable {
		t.Fatalf("created %+v", rec)
	}
	got, err := e.client.Records.Get(ctx, e.zoneID, rec.ID)
	if err != nil || got.Content != "192.0.2.10" {
		t.Fatalf("get: %+v %v", got, err)
	}
	list, err := e.client.Records.List(ctx, e.zoneID, &cloudflare.RecordListOptions{Name: strings.ToUpper(name) + ".", Type: "a"})
	if err != nil || len(list) != 1 || list[0].ID != rec.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	put, err := e.client.Records.Update(ctx, e.zoneID, rec.ID, cloudflare.Record{Name: name, Type: "A", Content: "192.0.2.11", TTL: 600})
	if err != nil || put.ID != rec.ID || put.Content != "192.0.2.11" || put.TTL != 600 {
		t.Fatalf("put: %+v %v", put, err)
	}
	ttl := 120
	patched, err := e.client.Records.Patch(ctx, e.zoneID, rec.ID, cloudflare.RecordPatch{TTL: &ttl})
	if err != nil || patched.TTL != 120 || patched.Content != "192.0.2.11" {
		t.Fatalf("patch: %+v %v", patched, err)
	}
	mxPrio := 10
	mx, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: name, Type: "MX", Content: "mail.example.net", Priority: &mxPrio, TTL: 3600})
	if err != nil || mx.Priority == nil || *mx.Priority != 10 || mx.Proxiable {
		t.Fatalf("mx: %+v %v", mx, err)
	}
	if err := e.client.Records.Delete(ctx, e.zoneID, rec.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Records.Get(ctx, e.zoneID, rec.ID)
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrNotFound) || !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeRecordNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := e.client.Records.Delete(ctx, e.zoneID, rec.ID); !errors.Is(err, cloudflare.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestListPagination(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	name := e.name("txt")
	const n = 7
	for i := range n {
		if _, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: name, Type: "TXT", Content: fmt.Sprintf("%q", fmt.Sprintf("value %d", i)), TTL: 300}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.calls()
	recs, err := e.client.Records.List(ctx, e.zoneID, &cloudflare.RecordListOptions{Name: name, Type: "TXT", PerPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("got %d records over the pages, want %d", len(recs), n)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("record %s twice", r.ID)
		}
		seen[r.ID] = true
	}
	// 7 records at 3 per page: pages 1, 2 and 3; total_pages saves a 4th call.
	if got := e.calls() - before; got != 3 {
		t.Fatalf("%d list calls, want 3", got)
	}
	if e.fake != nil {
		var pages []string
		for _, c := range e.fake.Calls() {
			if c.Method == http.MethodGet && c.Route == "/zones/{zone_id}/dns_records" {
				pages = append(pages, c.Query)
			}
		}
		for i, q := range pages {
			if !strings.Contains(q, fmt.Sprintf("page=%d", i+1)) || !strings.Contains(q, "per_page=3") {
				t.Errorf("call %d query %q", i, q)
			}
		}
	}
	// A page size that divides the total exactly ends on total_pages too.
	before = e.calls()
	recs, err = e.client.Records.List(ctx, e.zoneID, &cloudflare.RecordListOptions{Name: name, PerPage: 7})
	if err != nil || len(recs) != n || e.calls()-before != 1 {
		t.Fatalf("per_page 7: %d records, %d calls, %v", len(recs), e.calls()-before, err)
	}
}

func TestDuplicateIsTyped(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	r := cloudflare.Record{Name: e.name("dup"), Type: "A", Content: "192.0.2.1", TTL: 300}
	if _, err := e.client.Records.Create(ctx, e.zoneID, r); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.Records.Create(ctx, e.zoneID, r)
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrAlreadyExists) || !errors.As(err, &apiErr) {
		t.Fatalf("duplicate: %v", err)
	}
	if !apiErr.HasCode(cloudflare.CodeIdenticalRecord) && !apiErr.HasCode(cloudflare.CodeRecordExists) {
		t.Fatalf("duplicate codes %v", apiErr.Codes())
	}
	if apiErr.StatusCode != http.StatusBadRequest || errors.Is(err, cloudflare.ErrInvalid) || errors.Is(err, cloudflare.ErrAuth) {
		t.Fatalf("duplicate classified wrongly: %v", err)
	}
	// A CNAME on a name with an A record.
	_, err = e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: e.name("dup"), Type: "CNAME", Content: "example.net", TTL: 300})
	if !errors.Is(err, cloudflare.ErrAlreadyExists) || !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeHostExists) {
		t.Fatalf("CNAME over A: %v", err)
	}
	if !strings.Contains(err.Error(), "81053") {
		t.Fatalf("error text lacks the code: %v", err)
	}
}

func TestProxiedNeedsTTL1BeforeAnyCall(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	before := e.calls()
	fakeBefore := 0
	if e.fake != nil {
		fakeBefore = e.fake.RequestCount()
	}
	_, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: e.name("p"), Type: "A", Content: "192.0.2.1", TTL: 300, Proxied: true})
	if !errors.Is(err, cloudflare.ErrProxiedTTL) || !errors.Is(err, cloudflare.ErrInvalid) {
		t.Fatalf("create: %v", err)
	}
	var ve *cloudflare.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "ttl = 1") {
		t.Fatalf("not a clear validation error: %v", err)
	}
	ttl, yes := 300, true
	if _, err := e.client.Records.Patch(ctx, e.zoneID, "372e67954025e0ba6aaa6d586b9e0b59", cloudflare.RecordPatch{TTL: &ttl, Proxied: &yes}); !errors.Is(err, cloudflare.ErrProxiedTTL) {
		t.Fatalf("patch: %v", err)
	}
	if _, err := e.client.Records.Batch(ctx, e.zoneID, cloudflare.BatchRequest{Posts: []cloudflare.Record{{Name: e.name("p"), Type: "CNAME", Content: "x.example.net", TTL: 60, Proxied: true}}}); !errors.Is(err, cloudflare.ErrProxiedTTL) {
		t.Fatalf("batch: %v", err)
	}
	if _, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: e.name("p"), Type: "TXT", Content: `"x"`, TTL: 1, Proxied: true}); !errors.Is(err, cloudflare.ErrInvalid) {
		t.Fatalf("proxied TXT: %v", err)
	}
	if got := e.calls() - before; got != 0 {
		t.Fatalf("%d HTTP calls, want 0", got)
	}
	if e.fake != nil && e.fake.RequestCount() != fakeBefore {
		t.Fatalf("the fake received %d requests, want 0", e.fake.RequestCount()-fakeBefore)
	}
	// With ttl 1 it goes through. (A CNAME: Cloudflare refuses to proxy
	// some addresses, 9003, and may count documentation ranges among them.)
	rec, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: e.name("p"), Type: "CNAME", Content: "origin.example.net", TTL: 1, Proxied: true})
	if err != nil || !rec.Proxied || rec.TTL != 1 {
		t.Fatalf("proxied ttl 1: %+v %v", rec, err)
	}
}

func TestAuthErrorsNeverShowToken(t *testing.T) {
	fake := cloudflaretest.NewServer()
	defer fake.Close()
	var logs bytes.Buffer
	const secret = "s3cr3t-token-value-0123456789"
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(secret), cloudflare.WithBaseURL(fake.URL), cloudflare.WithRateLimit(0, 0),
		cloudflare.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Zones.List(ctxFor(t), nil)
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrAuth) || !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeInvalidToken) {
		t.Fatalf("wrong token: %v", err)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
		t.Fatalf("token leaked:\nerr: %v\nlogs: %s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "/zones") || !strings.Contains(logs.String(), "status=403") {
		t.Fatalf("request not logged: %s", logs.String())
	}
	if fake.RequestCount() != 1 {
		t.Fatalf("auth error retried: %d requests", fake.RequestCount())
	}
}

// Fault injection needs the fake, whatever the environment says.

func TestRetry429HonoursRetryAfter(t *testing.T) {
	e := newFakeEnv(t)
	e.fake.SetRetryAfter("1")
	e.fake.FailNext(1, http.StatusTooManyRequests)
	start := time.Now()
	zs, err := e.client.Zones.List(ctxFor(t), nil)
	elapsed := time.Since(start)
	if err != nil || len(zs) != 1 {
		t.Fatalf("list after 429: %v %v", zs, err)
	}
	if n := e.fake.RequestCount(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	// The backoff without Retry-After is 5 ms here; waiting a second shows
	// the header was honoured.
	if elapsed < time.Second {
		t.Fatalf("retried after %s, Retry-After asked for 1s", elapsed)
	}

	// A POST is retried on 429 too (Cloudflare did nothing).
	e.fake.SetRetryAfter("0")
	e.fake.FailNext(2, http.StatusTooManyRequests)
	if _, err := e.client.Records.Create(ctxFor(t), e.zoneID, cloudflare.Record{Name: e.name("a"), Type: "A", Content: "192.0.2.1", TTL: 60}); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(http.MethodPost, "/zones/{zone_id}/dns_records"); n != 3 {
		t.Fatalf("%d POSTs, want 3", n)
	}
}

// TestRetryAfterBeyondTheCallGivesUpAtOnce: a wait the call's context cannot
// afford is not started; the 429 is returned with its Retry-After, and the
// log says why.
func TestRetryAfterBeyondTheCallGivesUpAtOnce(t *testing.T) {
	logs := &syncLog{}
	e := newFakeEnv(t, cloudflare.WithLogger(logs.logger()))
	e.fake.SetRetryAfter("300")
	e.fake.FailNext(1, http.StatusTooManyRequests)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.client.Zones.List(ctx, nil)
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != 300*time.Second {
		t.Fatalf("got %v", err)
	}
	if !apiErr.HasCode(cloudflare.CodeRateLimited) {
		t.Fatalf("codes %v", apiErr.Codes())
	}
	if n := e.fake.RequestCount(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	if out := logs.String(); !strings.Contains(out, "giving up") || !strings.Contains(out, "retry_after=5m0s") {
		t.Errorf("the log does not say why the call gave up:\n%s", out)
	}
}

// TestRetryAfterLongWaitIsWaited: Cloudflare's five-minute block is waited
// out (and logged) rather than failing the call, for as long as the call's
// context allows. The test ends the wait by cancelling once it is logged.
func TestRetryAfterLongWaitIsWaited(t *testing.T) {
	logs := &syncLog{waiting: make(chan struct{}, 1)}
	e := newFakeEnv(t, cloudflare.WithLogger(logs.logger()))
	e.fake.SetRetryAfter("300")
	e.fake.FailNext(1, http.StatusTooManyRequests)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-logs.waiting
		cancel()
	}()
	_, err := e.client.Zones.List(ctx, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, cloudflare.ErrRateLimited) {
		t.Fatalf("err = %v, want the wait cut short by the caller, not an immediate ErrRateLimited", err)
	}
	if n := e.fake.RequestCount(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	if out := logs.String(); !strings.Contains(out, "waiting as Retry-After asks") || !strings.Contains(out, "retry_after=5m0s") || !strings.Contains(out, "call_id=") {
		t.Errorf("the wait is not logged with its length and call ID:\n%s", out)
	}
}

// syncLog collects a client's log and signals the first Retry-After wait.
type syncLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	waiting chan struct{}
}

func (l *syncLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting != nil && bytes.Contains(p, []byte("waiting as Retry-After asks")) {
		select {
		case l.waiting <- struct{}{}:
		default:
		}
	}
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestRetryAfterHTTPDate(t *testing.T) {
	e := newFakeEnv(t)
	e.fake.SetRetryAfter(time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat))
	e.fake.FailNext(1, http.StatusTooManyRequests)
	start := time.Now()
	if _, err := e.client.Zones.List(ctxFor(t), nil); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 500*time.Millisecond {
		t.Fatalf("did not wait for the HTTP-date Retry-After (%s)", time.Since(start))
	}
}

func TestFakeRateLimitSimulation(t *testing.T) {
	fake := cloudflaretest.NewServer(cloudflaretest.WithRateLimit(3, time.Hour))
	defer fake.Close()
	fake.AddZone("example.com")
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(fake.Token), cloudflare.WithBaseURL(fake.URL),
		cloudflare.WithRateLimit(0, 0), cloudflare.WithRetry(cloudflare.RetryPolicy{MaxAttempts: 6, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := c.Zones.GetByName(ctxFor(t), "example.com"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// The fourth is over the limit; Cloudflare asks to wait far longer than
	// the call's context allows, so it gives up at once.
	_, err = c.Zones.GetByName(ctxFor(t), "example.com")
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != cloudflaretest.RateLimitBlock {
		t.Fatalf("over the limit: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 4 || calls[3].Status != http.StatusTooManyRequests {
		t.Fatalf("calls %+v", calls)
	}
}

func TestRetry5xx(t *testing.T) {
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	e.fake.FailNext(1, http.StatusInternalServerError)
	e.fake.FailNext(1, http.StatusBadGateway)
	if _, err := e.client.Zones.GetByName(ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.RequestCount(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	// POST is not retried on 5xx: the create may have been committed.
	e.fake.ResetCalls()
	e.fake.FailNextRequest(http.MethodPost, "", 1, http.StatusServiceUnavailable)
	_, err := e.client.Records.Create(ctx, e.zoneID, cloudflare.Record{Name: e.name("a"), Type: "A", Content: "192.0.2.1", TTL: 60})
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrServer) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !strings.Contains(apiErr.Body, "503") {
		t.Fatalf("POST 503: %v", err)
	}
	if n := e.fake.RequestCount(); n != 1 {
		t.Fatalf("POST retried: %d requests", n)
	}
	// Retries run out.
	e.fake.ResetCalls()
	e.fake.FailNext(10, http.StatusInternalServerError)
	_, err = e.client.Records.List(ctx, e.zoneID, nil)
	if !errors.Is(err, cloudflare.ErrServer) {
		t.Fatalf("after retries: %v", err)
	}
	if n := e.fake.RequestCount(); n != 5 {
		t.Fatalf("%d requests, want 1 + 4 retries", n)
	}
}

func TestRateLimiterPacesRequests(t *testing.T) {
	// The default limit admits Cloudflare's 1,200 requests per 5 minutes:
	// a burst, then about 4 per second.
	if b := cloudflare.DefaultRateBurst; b <= 0 || b > 100 {
		t.Fatalf("burst %d", b)
	}
	perWindow := float64(cloudflare.DefaultRateBurst) + cloudflare.DefaultRatePerSecond*300
	if perWindow > 1200.001 || perWindow < 1150 {
		t.Fatalf("admits %.1f requests per 5 minutes, want at most 1200", perWindow)
	}
	// Requests wait for it: with the burst used up, the next call waits
	// until its context gives up, and sends nothing.
	e := newFakeEnv(t)
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(e.fake.Token), cloudflare.WithBaseURL(e.fake.URL), cloudflare.WithRateLimit(0.001, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Zones.List(ctxFor(t), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithTimeout(10 * time.Millisecond)
	defer cancel()
	if _, err := c.Zones.List(ctx, nil); err == nil {
		t.Fatal("no error although the limiter had no token left")
	}
	if n := e.fake.RequestCount(); n != 1 {
		t.Fatalf("%d requests, want 1: a request went out past the limiter", n)
	}
}

func TestZones(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)
	z, err := e.client.Zones.GetByName(ctx, strings.ToUpper(e.zone)+".")
	if err != nil || z.ID != e.zoneID || z.Name != e.zone || len(z.NameServers) == 0 {
		t.Fatalf("GetByName: %+v %v", z, err)
	}
	got, err := e.client.Zones.Get(ctx, e.zoneID)
	if err != nil || got.Name != e.zone {
		t.Fatalf("Get: %+v %v", got, err)
	}
	if _, err := e.client.Zones.GetByName(ctx, "no-such-zone-"+randomLabel()+".example"); !errors.Is(err, cloudflare.ErrNotFound) {
		t.Fatalf("missing zone: %v", err)
	}
}

func TestZonesCreateListDelete(t *testing.T) {
	// Creating zones on a real account is not something a test should do:
	// this one always uses the fake.
	e := newFakeEnv(t)
	ctx := ctxFor(t)
	for i := range 12 {
		if _, err := e.client.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: fmt.Sprintf("z%02d.example.org", i), AccountID: e.fake.AccountID}); err != nil {
			t.Fatal(err)
		}
	}
	z, err := e.client.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "New.Example.NET.", AccountID: e.fake.AccountID})
	if err != nil || z.Name != "new.example.net" || z.Status != "pending" {
		t.Fatalf("create: %+v %v", z, err)
	}
	_, err = e.client.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "new.example.net", AccountID: e.fake.AccountID})
	var apiErr *cloudflare.APIError
	if !errors.Is(err, cloudflare.ErrAlreadyExists) || !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeZoneExists) {
		t.Fatalf("duplicate zone: %v", err)
	}
	e.fake.ResetCalls()
	all, err := e.client.Zones.List(ctx, &cloudflare.ZoneListOptions{PerPage: 5})
	if err != nil || len(all) != 14 {
		t.Fatalf("list: %d %v", len(all), err)
	}
	if n := e.fake.Count(http.MethodGet, "/zones"); n != 3 {
		t.Fatalf("%d list calls for 14 zones at 5 per page", n)
	}
	if err := e.client.Zones.Delete(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Zones.GetByName(ctx, "new.example.net"); !errors.Is(err, cloudflare.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := e.client.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "nodot"}); !errors.Is(err, cloudflare.ErrInvalid) {
		t.Fatalf("bad zone: %v", err)
	}
}

func TestMalformedIDIsNotFoundOrInvalid(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.Records.List(ctxFor(t), "example.com", nil)
	var apiErr *cloudflare.APIError
	if !errors.As(err, &apiErr) || !apiErr.HasCode(cloudflare.CodeNoRoute) || !errors.Is(err, cloudflare.ErrInvalid) {
		t.Fatalf("zone name as id: %v", err)
	}
}

// uaRecorder remembers the User-Agent of the last request.
type uaRecorder struct {
	mu sync.Mutex
	ua string
}

func (r *uaRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.ua = req.Header.Get("User-Agent")
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func TestClientOptions(t *testing.T) {
	fake := cloudflaretest.NewServer()
	defer fake.Close()
	fake.AddZone("example.com")
	rec := &uaRecorder{}
	hc := &http.Client{Transport: rec}
	for _, ua := range []string{"", "my-tool/1.2"} {
		opts := []cloudflare.Option{nil, cloudflare.WithAPIToken(fake.Token), cloudflare.WithBaseURL(fake.URL), cloudflare.WithHTTPClient(hc), nil}
		want := cloudflare.DefaultUserAgent
		if ua != "" {
			opts, want = append(opts, cloudflare.WithUserAgent(ua)), ua
		}
		c, err := cloudflare.NewClient(opts...)
		if err != nil {
			t.Fatalf("nil options must be ignored: %v", err)
		}
		if _, err := c.Zones.List(ctxFor(t), nil); err != nil {
			t.Fatal(err)
		}
		if rec.ua != want {
			t.Errorf("User-Agent %q, want %q", rec.ua, want)
		}
	}
	if hc.Transport != rec {
		t.Error("WithHTTPClient modified the caller's client")
	}
	for name, bad := range map[string]cloudflare.Option{"logger": cloudflare.WithLogger(nil), "http client": cloudflare.WithHTTPClient(nil),
		"retry": cloudflare.WithRetry(cloudflare.RetryPolicy{}), "rate": cloudflare.WithRateLimit(1, 0), "user agent": cloudflare.WithUserAgent("a\nb"),
		"base url": cloudflare.WithBaseURL("/relative")} {
		if _, err := cloudflare.NewClient(cloudflare.WithAPIToken("t"), bad); err == nil {
			t.Errorf("bad %s option accepted", name)
		}
	}
}
