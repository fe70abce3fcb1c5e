package cloudflare_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
)

// The same tests run against Cloudflare itself when CLOUDFLARE_API_TOKEN and
// CLOUDFLARE_ZONE_NAME (a zone kept for tests) are set, and against the fake
// otherwise. Every name a test writes is below a random label, removed at
// the end. Tests that need fault injection use the fake in both cases.

// env is one test's view of an API.
type env struct {
	client *cloudflare.Client
	// fake is nil against the real API.
	fake   *cloudflaretest.Server
	zone   string // zone name, no trailing dot
	zoneID string
	// base is the random name under which the test writes ("t1a2b3c4.example.com").
	base string
	// requests counts HTTP attempts the client made (real API and fake).
	requests *atomic.Int64
}

func realAPI() bool {
	return os.Getenv("CLOUDFLARE_API_TOKEN") != "" && os.Getenv("CLOUDFLARE_ZONE_NAME") != ""
}

// countingTransport counts the attempts that reach the network.
type countingTransport struct {
	n    *atomic.Int64
	next http.RoundTripper
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

func randomLabel() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:])
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newEnv returns the real API when configured, else a fresh fake with one
// zone. extra options are added to the client's.
func newEnv(t *testing.T, extra ...cloudflare.Option) *env {
	t.Helper()
	if realAPI() {
		return newRealEnv(t, extra...)
	}
	return newFakeEnv(t, extra...)
}

func newFakeEnv(t *testing.T, extra ...cloudflare.Option) *env {
	t.Helper()
	fake := cloudflaretest.NewServer()
	t.Cleanup(fake.Close)
	e := &env{fake: fake, zone: "example.com", requests: new(atomic.Int64)}
	e.zoneID = fake.AddZone(e.zone)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: countingTransport{n: e.requests, next: http.DefaultTransport}}
	opts := append([]cloudflare.Option{
		cloudflare.WithAPIToken(fake.Token),
		cloudflare.WithBaseURL(fake.URL),
		cloudflare.WithHTTPClient(hc),
		cloudflare.WithRateLimit(0, 0),
		cloudflare.WithRetry(cloudflare.RetryPolicy{MaxAttempts: 5, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
	}, extra...)
	c, err := cloudflare.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.base = randomLabel() + "." + e.zone
	return e
}

func newRealEnv(t *testing.T, extra ...cloudflare.Option) *env {
	t.Helper()
	e := &env{zone: strings.TrimSuffix(strings.ToLower(os.Getenv("CLOUDFLARE_ZONE_NAME")), "."), requests: new(atomic.Int64)}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: countingTransport{n: e.requests, next: http.DefaultTransport}}
	opts := []cloudflare.Option{cloudflare.WithAPIToken(os.Getenv("CLOUDFLARE_API_TOKEN")), cloudflare.WithHTTPClient(hc)}
	if u := os.Getenv("CLOUDFLARE_BASE_URL"); u != "" {
		opts = append(opts, cloudflare.WithBaseURL(u))
	}
	c, err := cloudflare.NewClient(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	z, err := c.Zones.GetByName(ctxFor(t), e.zone)
	if err != nil {
		t.Fatalf("test zone %s: %v", e.zone, err)
	}
	e.zoneID = z.ID
	e.base = randomLabel() + "." + e.zone
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		recs, err := c.Records.List(ctx, e.zoneID, nil)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		for _, r := range recs {
			if strings.HasSuffix(r.Name, e.base) {
				if err := c.Records.Delete(ctx, e.zoneID, r.ID); err != nil {
					t.Errorf("cleanup %s: %v", r.Name, err)
				}
			}
		}
	})
	return e
}

// name returns label.base.
func (e *env) name(label string) string { return label + "." + e.base }

// calls is the number of HTTP attempts since the env was made.
func (e *env) calls() int64 { return e.requests.Load() }

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// TestRealAPIPathAgainstFake runs the tests that also run against
// Cloudflare through the real-API set-up (zone found by name, default rate
// limiter and retries, records cleaned up by prefix), pointed at a fake with
// CLOUDFLARE_BASE_URL, so that this path is exercised on every run.
func TestRealAPIPathAgainstFake(t *testing.T) {
	fake := cloudflaretest.NewServer()
	defer fake.Close()
	zoneID := fake.AddZone("test-zone.example")
	t.Setenv("CLOUDFLARE_API_TOKEN", fake.Token)
	t.Setenv("CLOUDFLARE_ZONE_NAME", "Test-Zone.Example.")
	t.Setenv("CLOUDFLARE_BASE_URL", fake.URL)
	if !realAPI() {
		t.Fatal("environment not detected")
	}
	for name, test := range map[string]func(*testing.T){
		"RecordCRUD":              TestRecordCRUD,
		"ListPagination":          TestListPagination,
		"DuplicateIsTyped":        TestDuplicateIsTyped,
		"ProxiedNeedsTTL1":        TestProxiedNeedsTTL1BeforeAnyCall,
		"Zones":                   TestZones,
		"BackendRoundTrip":        TestBackendRoundTrip,
		"BackendUpdateInPlace":    TestBackendUpdateChangesOnlyRecordsThatDiffer,
		"BackendCreateRefuses":    TestBackendCreateRefusesExistingRRset,
		"BackendProxiedTTLChecks": TestBackendProxiedTTLCheckedBeforeAnyCall,
	} {
		t.Run(name, test)
	}
	// Every test removed what it wrote.
	if recs := fake.Records(zoneID); len(recs) != 0 {
		t.Fatalf("%d records left behind, first %s %s", len(recs), recs[0].Name, recs[0].Type)
	}
}
