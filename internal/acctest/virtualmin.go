package acctest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// Credentials of the master user every simulator of the tests accepts.
const (
	VirtualminUser     = "acctest"
	VirtualminPassword = "acctest-Secret-9"
)

// Virtualmin is a Virtualmin simulator started for one test, with an SDK
// client for the test's own checks and changes (drift, CheckDestroy).
type Virtualmin struct {
	Server *virtualmintest.Server
	Client *virtualmin.Client
	// Endpoint is host:port, as the provider's server attribute takes it.
	Endpoint string

	t     testing.TB
	opts  []virtualmintest.Option
	state string
	group *[]*Virtualmin
}

// ProfileEnv names the server configuration the simulators model:
// "stock" (the default, a server set up by Virtualmin's installer) or
// "minimal" (the server of the first recordings). tools/testacc.sh runs the
// acceptance tests once per profile.
const ProfileEnv = "PRAHO_TEST_VIRTUALMIN_PROFILE"

// Profile is the simulator profile of this run (ProfileEnv).
func Profile(t testing.TB) virtualmintest.Profile {
	t.Helper()
	name := os.Getenv(ProfileEnv)
	if name == "" {
		name = "stock"
	}
	p, err := virtualmintest.ProfileNamed(name)
	if err != nil {
		t.Fatalf("%s: %v", ProfileEnv, err)
	}
	return p
}

// StartVirtualmin starts n simulators (httptest-style, in this process, on
// free loopback ports), configured as the run's Profile, for the test, stops them when it ends, and points the
// provider at them through PRAHO_VIRTUALMIN_USERNAME, _PASSWORD and
// _CA_CERTIFICATE (their self-signed certificates). The simulators are cheap,
// so every test gets fresh ones.
func StartVirtualmin(t testing.TB, n int, opts ...virtualmintest.Option) []*Virtualmin {
	t.Helper()
	group := new([]*Virtualmin)
	// The run's profile first: a test that needs another passes its own.
	opts = append([]virtualmintest.Option{virtualmintest.WithProfile(Profile(t))}, opts...)
	for i := range n {
		v := &Virtualmin{t: t, opts: opts, state: filepath.Join(t.TempDir(), fmt.Sprintf("virtualmin-%d.json", i)), group: group}
		v.start("127.0.0.1:0")
		*group = append(*group, v)
	}
	t.Setenv("PRAHO_VIRTUALMIN_USERNAME", VirtualminUser)
	t.Setenv("PRAHO_VIRTUALMIN_PASSWORD", VirtualminPassword)
	setCAEnv(t, *group)
	// The simulator answers at once; no need to pace the tests.
	t.Setenv("PRAHO_VIRTUALMIN_RATE_LIMIT", "0")
	t.Setenv("PRAHO_VIRTUALMIN_RETRIES", "1")
	return *group
}

func (v *Virtualmin) start(addr string) {
	t := v.t
	t.Helper()
	opts := append([]virtualmintest.Option{virtualmintest.WithStateFile(v.state), virtualmintest.WithListenAddr(addr)}, v.opts...)
	srv, err := virtualmintest.NewServer(opts...)
	if err != nil {
		t.Fatalf("start the Virtualmin simulator: %v", err)
	}
	t.Cleanup(srv.Close)
	srv.AddUser(VirtualminUser, VirtualminPassword, virtualmintest.RoleMaster)
	c, err := virtualmin.NewClient(srv.Endpoint(),
		virtualmin.WithBasicAuth(VirtualminUser, VirtualminPassword),
		virtualmin.WithCACertPEM(srv.CertificatePEM()),
		virtualmin.WithRateLimit(0, 0),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}),
		virtualmin.WithCallTimeout(time.Minute),
	)
	if err != nil {
		t.Fatal(err)
	}
	v.Server, v.Client, v.Endpoint = srv, c, srv.Endpoint()
}

// Stop stops the simulator: its endpoint refuses connections, as a server
// that is down does. Its state is kept for Restart.
func (v *Virtualmin) Stop() { v.Server.Close() }

// Restart starts the simulator again on the same endpoint with the state it
// had, its certificate included.
func (v *Virtualmin) Restart() {
	v.Server.Close()
	v.start(v.Endpoint)
	setCAEnv(v.t, *v.group)
}

// RestartWith restarts the simulator like Restart, with extra options (for
// example real latency) from now on.
func (v *Virtualmin) RestartWith(opts ...virtualmintest.Option) {
	v.opts = append(v.opts, opts...)
	v.Restart()
}

func setCAEnv(t testing.TB, group []*Virtualmin) {
	pems := make([]string, 0, len(group))
	for _, v := range group {
		pems = append(pems, string(v.Server.CertificatePEM()))
	}
	t.Setenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", strings.Join(pems, "\n"))
}
