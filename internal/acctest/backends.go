package acctest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// PowerDNS is the real pdns_server the package's tests share, with a client
// for the tests' own checks (drift, CheckDestroy).
type PowerDNS struct {
	Server *pdnstest.Server
	Client *powerdns.Client
}

// StartPowerDNS returns the package's PowerDNS server, started on first use
// and stopped by Main, and points the provider at it for the rest of the test
// through PDNS_API_URL, PDNS_API_KEY and PDNS_SERVER_ID (the provider runs in
// the test's process). Tests sharing it must use zone names of their own.
func StartPowerDNS(t testing.TB) *PowerDNS {
	t.Helper()
	srv := pdnstest.Shared(t)
	t.Setenv("PDNS_API_URL", srv.APIURL)
	t.Setenv("PDNS_API_KEY", srv.APIKey)
	t.Setenv("PDNS_SERVER_ID", srv.ServerID)
	addCleanupOnce("pdnstest", pdnstest.StopShared)
	c, err := powerdns.NewClient(srv.APIURL, powerdns.WithAPIKey(srv.APIKey), powerdns.WithServerID(srv.ServerID))
	if err != nil {
		t.Fatal(err)
	}
	return &PowerDNS{Server: srv, Client: c}
}

// CreateZone creates a Native zone with the given name servers for a test and
// deletes it when the test ends.
func (p *PowerDNS) CreateZone(t testing.TB, zone string, nameservers ...string) {
	t.Helper()
	if len(nameservers) == 0 {
		nameservers = []string{"ns1." + strings.TrimSuffix(zone, ".") + "."}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Client.Zones.Create(ctx, powerdns.ZoneCreate{Name: zone, Kind: powerdns.Native, Nameservers: nameservers}); err != nil {
		t.Fatalf("create zone %s: %v", zone, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = p.Client.Zones.Delete(ctx, zone)
	})
}

// UniqueName returns a DNS label unique to this test run, for zones and
// domains of tests that share a backend.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
}
