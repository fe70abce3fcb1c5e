package bootstrap_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// TestHealthTimeouts: a call that runs out of the deadline is a slow server,
// said as such (warn, with the cause), never a failed permission or an
// unavailable API. The simulator's hanging fault never answers, so the
// deadline, whatever its length, always expires.
func TestHealthTimeouts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		program string
		check   string
		want    bootstrap.Verdict
		reason  string
	}{
		{"list-domains", bootstrap.CheckPermissions, bootstrap.Warn, "list-domains did not answer within 1s (the request timeout): the server is slow or loaded; praho-api's rights were not checked"},
		{"info", bootstrap.CheckAPI, bootstrap.Warn, "info did not answer within 1s (the request timeout): the server is slow or loaded"},
	} {
		t.Run(tc.program, func(t *testing.T) {
			t.Parallel()
			sim, err := virtualmintest.NewServer()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sim.Close)
			sim.AddUser("praho-api", "Health-Pass-1", virtualmintest.RoleMaster)
			sim.FailNext(tc.program, 1, virtualmintest.Fault{Kind: virtualmintest.FaultHang})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := bootstrap.New(nil).Health(ctx, bootstrap.HealthOptions{Endpoint: sim.URL(), APIUser: "praho-api",
				APIPassword: "Health-Pass-1", TLSFingerprintSHA256: sim.CertificateSHA256(), Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := rep.Check(tc.check)
			if c.Verdict != tc.want || c.Reason != tc.reason || rep.Status != bootstrap.Degraded {
				t.Fatalf("report:\n%s", rep)
			}
			for _, other := range rep.Checks {
				if other.Verdict == bootstrap.Fail {
					t.Errorf("a timeout failed %s: %s", other.Name, other.Reason)
				}
				if other.Verdict == bootstrap.Unknown && !strings.Contains(other.Reason, "no SSH") && !strings.Contains(other.Reason, "in time") {
					t.Errorf("%s unknown without its cause: %s", other.Name, other.Reason)
				}
			}
		})
	}
}
