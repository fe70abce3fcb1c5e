package acctest

import (
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
)

// Cloudflare is an in-process fake of Cloudflare's API for one test, with a
// backend for the test's own checks and changes.
type Cloudflare struct {
	Server  *cloudflaretest.Server
	Client  *cloudflare.Client
	Backend *cloudflare.Backend
}

// StartCloudflare starts the fake for the test and points the provider at it
// through CLOUDFLARE_API_TOKEN and CLOUDFLARE_BASE_URL.
func StartCloudflare(t testing.TB) *Cloudflare {
	t.Helper()
	srv := cloudflaretest.NewServer()
	t.Cleanup(srv.Close)
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(srv.Token), cloudflare.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CLOUDFLARE_API_TOKEN", srv.Token)
	t.Setenv("CLOUDFLARE_BASE_URL", srv.URL)
	return &Cloudflare{Server: srv, Client: c, Backend: cloudflare.NewBackend(c)}
}
