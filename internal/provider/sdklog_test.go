package provider

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-log/tfsdklog"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// lockedBuffer is a log sink safe for the clients' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logEntries decodes what tflog wrote.
func logEntries(t *testing.T, out *lockedBuffer) []map[string]any {
	t.Helper()
	entries, err := tflogtest.MultilineJSONDecode(strings.NewReader(out.String()))
	if err != nil {
		t.Fatalf("decode the log: %v", err)
	}
	return entries
}

// findEntry returns the first entry whose message contains msg.
func findEntry(entries []map[string]any, msg string) map[string]any {
	for _, e := range entries {
		if m, _ := e["@message"].(string); strings.Contains(m, msg) {
			return e
		}
	}
	return nil
}

// TestSDKLogsReachTerraformLog: the clients the provider builds log every
// call (with its correlation ID) to the log of the operation that made it,
// at TRACE as well, and no secret of the provider's configuration or of a
// call ever appears in it. A record logged without a context (the insecure
// warning of a client's construction) goes to Configure's log.
func TestSDKLogsReachTerraformLog(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	pdns := acctest.StartPowerDNS(t)
	cf := acctest.StartCloudflare(t)
	t.Setenv("PRAHO_VIRTUALMIN_INSECURE", "true")
	cfg, diags := buildConfig(context.Background(), &providerModel{}, osEnv)
	if diags.HasError() {
		t.Fatalf("config: %v", diags)
	}
	var configureLog, opLog lockedBuffer
	data := newProviderData(cfg)
	data.logCtx = tflogtest.RootLogger(context.Background(), &configureLog)
	ctx, cancel := context.WithTimeout(tflogtest.RootLogger(context.Background(), &opLog), time.Minute)
	defer cancel()

	const accountPass = "Account-Secret-4711"
	srv, err := data.virtualminServer(vm.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.client.Domains.Create(ctx, &virtualmin.CreateDomainRequest{Domain: "logged.test", Pass: accountPass,
		Features: []string{"unix", "dir"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range dnsBackends {
		b, err := data.dnsBackend(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.zones.Zone(ctx, "not-there.test"); !zoneMissing(err) {
			t.Fatalf("%s: %v", name, err)
		}
	}

	entries := logEntries(t, &opLog)
	for _, msg := range []string{"virtualmin call", "virtualmin request", "powerdns request", "cloudflare request"} {
		e := findEntry(entries, msg)
		if e == nil {
			t.Errorf("no %q record in the operation's log", msg)
			continue
		}
		if id, _ := e["call_id"].(string); len(id) != 16 {
			t.Errorf("%q has no call_id: %v", msg, e)
		}
	}
	for _, e := range entries {
		if e["@message"] == "virtualmin call" && e["@level"] != "info" {
			t.Errorf("a successful virtualmin call logged at %v, want info", e["@level"])
		}
	}
	if findEntry(logEntries(t, &configureLog), "verification is disabled") == nil {
		t.Errorf("the insecure warning did not reach Configure's log:\n%s", configureLog.String())
	}
	all := opLog.String() + configureLog.String()
	for name, secret := range map[string]string{"Virtualmin password": acctest.VirtualminPassword, "account password": accountPass,
		"PowerDNS API key": pdns.Server.APIKey, "Cloudflare token": cf.Server.Token} {
		if strings.Contains(all, secret) {
			t.Errorf("the %s is in the log", name)
		}
	}
}

// TestSDKLoggerMasksConfiguredSecrets: a secret the provider knows is masked
// even if an SDK record carried it, at every level, in the message and in
// fields (with groups).
func TestSDKLoggerMasksConfiguredSecrets(t *testing.T) {
	var out lockedBuffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	l := sdkLogger(context.Background(), "hunter2-secret", "abc").WithGroup("req").With("auth", "Bearer hunter2-secret")
	l.DebugContext(ctx, "sent hunter2-secret", "body", "pass=hunter2-secret&x=abc")
	l.Log(ctx, -8, "trace record")
	l.ErrorContext(ctx, "failed")
	got := out.String()
	if strings.Contains(got, "hunter2-secret") {
		t.Errorf("secret in the log:\n%s", got)
	}
	if !strings.Contains(got, "x=abc") {
		t.Errorf("a value too short to be a secret was masked:\n%s", got)
	}
	entries := logEntries(t, &out)
	want := map[string]string{"sent ***": "debug", "trace record": "trace", "failed": "error"}
	for msg, level := range want {
		e := findEntry(entries, msg)
		if e == nil || e["@level"] != level {
			t.Errorf("%q: %v, want level %s", msg, e, level)
			continue
		}
		if e["req.auth"] != "Bearer ***" {
			t.Errorf("%q: group attribute %v", msg, e["req.auth"])
		}
	}
}

// TestInsecureSkipVerifyWarns: turning TLS verification off is never silent:
// Configure adds a warning (on the attribute when the configuration set it).
func TestInsecureSkipVerifyWarns(t *testing.T) {
	for name, block := range map[string]*virtualminBlock{
		"attribute":   {InsecureSkipVerify: types.BoolValue(true)},
		"environment": nil,
	} {
		t.Run(name, func(t *testing.T) {
			var out lockedBuffer
			var diags diag.Diagnostics
			warnInsecure(tflogtest.RootLogger(context.Background(), &out), &diags, block)
			if diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "certificate_sha256_pins") {
				t.Fatalf("diagnostics %v", diags)
			}
			if _, withPath := diags[0].(diag.DiagnosticWithPath); (block != nil) != withPath {
				t.Errorf("attribute path: %v", diags[0])
			}
			if !strings.Contains(out.String(), "TLS verification is off") {
				t.Errorf("not logged: %s", out.String())
			}
		})
	}
}

// countingValue counts how often a log record's value was resolved.
type countingValue struct{ n *atomic.Int32 }

func (c countingValue) LogValue() slog.Value {
	c.n.Add(1)
	return slog.StringValue("resolved value")
}

// TestSDKLoggerResolvesOnlyWrittenRecords: a record below the provider's log
// level costs no resolving (the SDK redacts a response body when its value
// is resolved); a written one is resolved once.
func TestSDKLoggerResolvesOnlyWrittenRecords(t *testing.T) {
	var n atomic.Int32
	ctx := tfsdklog.NewRootProviderLogger(context.Background(), tfsdklog.WithLevel(hclog.Info))
	sdkLogger(ctx).DebugContext(ctx, "dropped", "body", countingValue{&n})
	if got := n.Load(); got != 0 {
		t.Fatalf("a dropped debug record was resolved %d times", got)
	}
	var out lockedBuffer
	ctx = tflogtest.RootLogger(context.Background(), &out)
	sdkLogger(ctx).DebugContext(ctx, "kept", "body", countingValue{&n})
	if got := n.Load(); got != 1 {
		t.Fatalf("a written debug record was resolved %d times, want 1", got)
	}
	if e := findEntry(logEntries(t, &out), "kept"); e == nil || e["body"] != "resolved value" {
		t.Fatalf("written record: %v", e)
	}
}
