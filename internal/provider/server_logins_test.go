package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func serversValue(t *testing.T, entries map[string]map[string]string) types.Map {
	t.Helper()
	objType := types.ObjectType{AttrTypes: map[string]attr.Type{
		"username": types.StringType, "password": types.StringType, "certificate_sha256": types.StringType,
	}}
	elems := map[string]attr.Value{}
	for ep, e := range entries {
		vals := map[string]attr.Value{}
		for _, k := range []string{"username", "password", "certificate_sha256"} {
			if v, ok := e[k]; ok {
				vals[k] = types.StringValue(v)
			} else {
				vals[k] = types.StringNull()
			}
		}
		elems[ep] = types.ObjectValueMust(objType.AttrTypes, vals)
	}
	m, d := types.MapValue(objType, elems)
	if d.HasError() {
		t.Fatal(d)
	}
	return m
}

// TestBuildConfigServers: each entry of virtualmin.servers is keyed by its
// normalised endpoint, takes the block's (or environment's) login for what
// it leaves out, and adds its pin to the others; two keys for one server,
// two different pins for one server and an unknown map are errors.
func TestBuildConfigServers(t *testing.T) {
	fp1, fp2 := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	env := envMap(map[string]string{envVirtualminUsername: "fleet", envVirtualminPassword: "Fleet-Pass-1"})
	m := &providerModel{Virtualmin: &virtualminBlock{Servers: serversValue(t, map[string]map[string]string{
		"VM1.example.ro":     {"username": "praho", "password": "Vm1-Pass-1"},
		"vm2.example.ro:443": {"certificate_sha256": fp2},
	})}}
	c, diags := buildConfig(context.Background(), m, env)
	if diags.HasError() {
		t.Fatalf("diags: %v", diags)
	}
	vm := c.Virtualmin
	if got := vm.Servers["vm1.example.ro:10000"]; got != (serverLogin{Username: "praho", Password: "Vm1-Pass-1"}) {
		t.Errorf("vm1 login = %+v", got)
	}
	if got := vm.Servers["vm2.example.ro:443"]; got != (serverLogin{Username: "fleet", Password: "Fleet-Pass-1"}) {
		t.Errorf("vm2 login (the block's) = %+v", got)
	}
	if hex.EncodeToString(vm.Pins["vm2.example.ro:443"]) != fp2 {
		t.Errorf("vm2 pin = %x", vm.Pins["vm2.example.ro:443"])
	}
	if u, p, ok := vm.providerLogin("vm3.example.ro:10000"); !ok || u != "fleet" || p != "Fleet-Pass-1" {
		t.Errorf("an unlisted server gets %q/%q/%v, want the block's login", u, p, ok)
	}

	pins, _ := types.MapValue(types.StringType, map[string]attr.Value{"vm2.example.ro:443": types.StringValue(fp1)})
	for name, block := range map[string]*virtualminBlock{
		"duplicate key": {Servers: serversValue(t, map[string]map[string]string{"vm1.example.ro": {}, "VM1.example.ro:10000": {}})},
		"two pins":      {CertificateSHA256Pins: pins, Servers: serversValue(t, map[string]map[string]string{"vm2.example.ro:443": {"certificate_sha256": fp2}})},
		"bad pin":       {Servers: serversValue(t, map[string]map[string]string{"vm1": {"certificate_sha256": "abcd"}})},
		"bad endpoint":  {Servers: serversValue(t, map[string]map[string]string{"vm1:port": {}})},
		"unknown map": {Servers: types.MapUnknown(types.ObjectType{AttrTypes: map[string]attr.Type{
			"username": types.StringType, "password": types.StringType, "certificate_sha256": types.StringType}})},
	} {
		t.Run(name, func(t *testing.T) {
			if _, diags := buildConfig(context.Background(), &providerModel{Virtualmin: block}, env); !diags.HasError() {
				t.Fatal("accepted")
			}
		})
	}
}

// TestServerLoginsPrecedenceAndScope: a server's entry in virtualmin.servers
// wins over the block's login, which wins over a praho_virtualmin_server's
// API user; a provider pin wins over the managed one. Registrations belong to
// one provider instance: another one in the same process does not see them.
func TestServerLoginsPrecedenceAndScope(t *testing.T) {
	const ep = "vm1.example.ro:10000"
	pin := sha256.Sum256([]byte("provider pin"))
	managed := managedServer{pin: "11" + strings.Repeat("0", 62), user: "praho", password: "Managed-Pass-1"}

	bare := newProviderData(&config{Virtualmin: virtualminConfig{Port: 10000}})
	bare.registerManagedServer(ep, managed)
	if a := bare.access(ep); a.user != "praho" || a.password != "Managed-Pass-1" || a.pin != managed.pin {
		t.Errorf("managed only: %+v", a)
	}
	other := newProviderData(&config{Virtualmin: virtualminConfig{Port: 10000}})
	if a := other.access(ep); a != (serverAccess{}) {
		t.Errorf("another provider instance sees the registration: %+v", a)
	}

	block := newProviderData(&config{Virtualmin: virtualminConfig{Port: 10000, Username: "fleet", Password: "Fleet-Pass-1"}})
	block.registerManagedServer(ep, managed)
	if a := block.access(ep); a.user != "fleet" || a.password != "Fleet-Pass-1" || a.pin != managed.pin {
		t.Errorf("block login: %+v", a)
	}

	perServer := newProviderData(&config{Virtualmin: virtualminConfig{Port: 10000, Username: "fleet", Password: "Fleet-Pass-1",
		Servers: map[string]serverLogin{ep: {Username: "vm1admin", Password: "Vm1-Pass-1"}},
		Pins:    map[string][]byte{ep: pin[:]}}})
	perServer.registerManagedServer(ep, managed)
	if a := perServer.access(ep); a.user != "vm1admin" || a.password != "Vm1-Pass-1" || a.pin != hex.EncodeToString(pin[:]) {
		t.Errorf("per-server login: %+v", a)
	}
}

// TestPrivateCopyOnlyWithoutProviderLogin: a resource on a managed server
// keeps the API password in its private state only when the provider block
// has no login for the server; when the block gains one, the next write
// drops the copy, and the record still lends the pin.
func TestPrivateCopyOnlyWithoutProviderLogin(t *testing.T) {
	srv, err := virtualmintest.NewServer(virtualmintest.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	const apiPass = "Managed-Pass-1'$(x)"
	srv.AddUser("praho", apiPass, virtualmintest.RoleMaster)
	ep := srv.Endpoint()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list := func(d *providerData) error {
		s, err := d.virtualminServer(ep)
		if err != nil {
			return err
		}
		_, err = s.client.Domains.List(ctx, nil)
		return err
	}
	managed := managedServer{pin: srv.CertificateSHA256(), user: "praho", password: apiPass}
	base := virtualminConfig{Port: 10000, MaxInFlight: 2, RequestTimeout: 30 * time.Second}

	// No login in the provider block: the copy is the only way back.
	first := newProviderData(&config{Virtualmin: base})
	first.registerManagedServer(ep, managed)
	withCopy := privateMap{}
	first.syncManagedServer(ctx, ep, nil, withCopy)
	if !strings.Contains(string(withCopy[privateManagedServer]), "Managed-Pass-1") {
		t.Fatalf("no password copied without a provider login: %s", withCopy[privateManagedServer])
	}

	// The block gains a login for the server: the copy goes at the next
	// write, and a later run reaches the server with the block's login and
	// the recorded pin.
	withLogin := base
	withLogin.Servers = map[string]serverLogin{ep: {Username: "praho", Password: apiPass}}
	second := newProviderData(&config{Virtualmin: withLogin})
	rewritten := privateMap{}
	second.syncManagedServer(ctx, ep, withCopy, rewritten)
	raw := string(rewritten[privateManagedServer])
	if strings.Contains(raw, "Managed-Pass") || !strings.Contains(raw, managed.pin) {
		t.Fatalf("record with a provider login: %s", raw)
	}
	third := newProviderData(&config{Virtualmin: withLogin})
	third.syncManagedServer(ctx, ep, rewritten, nil)
	if err := list(third); err != nil {
		t.Fatalf("the block's login and the recorded pin: %v", err)
	}
}
