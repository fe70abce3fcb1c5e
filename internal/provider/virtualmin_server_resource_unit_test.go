package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// TestManagedServerHandsPinAndUserToAccounts: a provider without virtualmin
// settings reaches a server once a praho_virtualmin_server registered its pin
// and API user; a pin in the provider configuration wins; a new registration
// replaces the client built with the old one; deregistering forgets it.
func TestManagedServerHandsPinAndUserToAccounts(t *testing.T) {
	srv, err := virtualmintest.NewServer(virtualmintest.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	const pass1, pass2 = "Managed-Pass-1'$(x)", "Managed-Pass-2;rm"
	srv.AddUser("praho", pass1, virtualmintest.RoleMaster)
	block, _ := pem.Decode(srv.CertificatePEM())
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pin := virtualmin.CertificateSHA256(cert.Raw)
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
	cfg := virtualminConfig{Port: 10000, RateLimit: 0, MaxInFlight: 2, Retries: 0, RequestTimeout: 30 * time.Second}

	d := newProviderData(&config{Virtualmin: cfg})
	if err := list(d); err == nil || !strings.Contains(err.Error(), "credentials are not configured") {
		t.Fatalf("before registration: %v", err)
	}
	d.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass1})
	if err := list(d); err != nil {
		t.Fatalf("with the managed pin and user: %v", err)
	}
	// The password changes (api_password updated in place): the client built
	// with the old one is dropped.
	srv.AddUser("praho", pass2, virtualmintest.RoleMaster)
	d.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass2})
	if err := list(d); err != nil {
		t.Fatalf("after the new registration: %v", err)
	}
	d.deregisterManagedServer(ep)
	if err := list(d); err == nil {
		t.Fatal("a deregistered server is still reachable without settings")
	}

	// A pin in the provider configuration wins over the managed one.
	wrong := sha256.Sum256([]byte("another certificate"))
	pinned := cfg
	pinned.Pins = map[string][]byte{ep: wrong[:]}
	d2 := newProviderData(&config{Virtualmin: pinned})
	d2.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass2})
	var vmErr *virtualmin.Error
	if err := list(d2); !errors.As(err, &vmErr) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("the provider's (wrong) pin did not win: %v", err)
	}
	// Provider credentials win over the managed API user.
	creds := cfg
	creds.Username, creds.Password = "praho", "Not-The-Password-9"
	d3 := newProviderData(&config{Virtualmin: creds})
	d3.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass2})
	if err := list(d3); !errors.As(err, &vmErr) || vmErr.Kind != virtualmin.KindAuth {
		t.Fatalf("the provider's (wrong) credentials did not win: %v", err)
	}
}

// testKeyPEM returns a new ed25519 private key in OpenSSH PEM form,
// encrypted with passphrase when it is not empty.
func testKeyPEM(t *testing.T, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = xssh.MarshalPrivateKey(priv, "test")
	} else {
		block, err = xssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

var unitTestKey = sync.OnceValue(func() string {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := xssh.MarshalPrivateKey(priv, "test")
	return string(pem.EncodeToMemory(block))
})

func sshBlock() *serverSSHBlock {
	return &serverSSHBlock{
		User: types.StringNull(), Port: types.Int64Null(), PrivateKey: types.StringValue(unitTestKey()), PrivateKeyPassphrase: types.StringNull(),
		UseAgent: types.BoolNull(), AgentSocket: types.StringNull(),
		HostKey: types.StringNull(), HostKeySHA256: types.StringValue("SHA256:" + strings.Repeat("A", 43)),
		KnownHostsFile: types.StringNull(), InsecureIgnoreHostKey: types.BoolNull(),
		ConnectTimeout: types.StringNull(), DialTimeout: types.StringNull(),
	}
}

func TestServerSSHConfig(t *testing.T) {
	m := &virtualminServerModel{Address: types.StringValue("203.0.113.5"), SSH: sshBlock()}
	cfg, secrets, err := m.sshConfig(nil, true, sshWriteOnly{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "203.0.113.5:22" || cfg.User != "root" || cfg.DialTimeout != 5*time.Minute || cfg.ConnectTimeout != 15*time.Second {
		t.Errorf("defaults: %+v", cfg)
	}
	if len(secrets) != 1 || secrets[0] != unitTestKey() {
		t.Errorf("secrets %q", secrets)
	}
	if _, _, err := m.sshConfig(nil, false, sshWriteOnly{}); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := m.sshConfig(nil, false, sshWriteOnly{}); c.DialTimeout != 0 {
		t.Errorf("reads retry the dial for %s; a plan must not wait for a dead host", c.DialTimeout)
	}

	two := sshBlock()
	two.InsecureIgnoreHostKey = types.BoolValue(true)
	none := sshBlock()
	none.HostKeySHA256 = types.StringNull()
	noAuth := sshBlock()
	noAuth.PrivateKey = types.StringNull()
	for name, b := range map[string]*serverSSHBlock{"two host key settings": two, "no host key setting": none, "no login": noAuth, "no block": nil} {
		m := &virtualminServerModel{Address: types.StringValue("203.0.113.5"), SSH: b}
		if _, _, err := m.sshConfig(nil, true, sshWriteOnly{}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}

	withBastion := sshBlock()
	withBastion.Port = types.Int64Value(2222)
	withBastion.Bastion = &serverBastionBlock{Address: types.StringValue("198.51.100.1"), Port: types.Int64Null(), User: types.StringValue("jump"),
		HostKey:       types.StringValue("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"),
		HostKeySHA256: types.StringNull(), KnownHostsFile: types.StringNull(), InsecureIgnoreHostKey: types.BoolNull()}
	m = &virtualminServerModel{Address: types.StringValue("10.0.0.5"), SSH: withBastion}
	cfg, _, err = m.sshConfig(nil, true, sshWriteOnly{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "10.0.0.5:2222" || cfg.Bastion == nil || cfg.Bastion.Addr != "198.51.100.1:22" || cfg.Bastion.User != "jump" || len(cfg.Bastion.Auth) != 1 {
		t.Errorf("bastion: %+v / %+v", cfg, cfg.Bastion)
	}
}

// TestServerSSHLogin: the write-only key of a create or update wins over
// the stored one; a key file is read when connecting; a key that cannot be
// used is reported on its attribute (the passphrase's when the passphrase is
// at fault) with the problem and without the key; a write-only key is not
// there for a refresh or a destroy, and the error says so.
func TestServerSSHLogin(t *testing.T) {
	const passphrase = "Key-Passphrase-5e6f"
	plain, enc := testKeyPEM(t, ""), testKeyPEM(t, passphrase)
	file := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(file, []byte(enc), 0o600); err != nil {
		t.Fatal(err)
	}
	model := func(edit func(b *serverSSHBlock)) *virtualminServerModel {
		b := sshBlock()
		b.PrivateKey = types.StringNull()
		edit(b)
		return &virtualminServerModel{Address: types.StringValue("203.0.113.5"), SSH: b}
	}

	m := model(func(b *serverSSHBlock) { b.PrivateKeyWOVersion = types.Int64Value(1) })
	_, secrets, err := m.sshConfig(nil, true, sshWriteOnly{key: enc, passphrase: passphrase})
	if err != nil || len(secrets) != 2 || secrets[0] != enc || secrets[1] != passphrase {
		t.Errorf("write-only key and passphrase: secrets %d, %v", len(secrets), err)
	}
	// A refresh or a destroy has no write-only values.
	if _, _, err := m.sshConfig(nil, false, sshWriteOnly{}); err == nil || !strings.Contains(err.Error(), "write-only") {
		t.Errorf("write-only key at refresh: %v", err)
	}

	m = model(func(b *serverSSHBlock) {
		b.PrivateKeyFile = types.StringValue(file)
		b.PrivateKeyPassphrase = types.StringValue(passphrase)
	})
	if _, secrets, err := m.sshConfig(nil, false, sshWriteOnly{}); err != nil || len(secrets) != 2 || secrets[0] != enc {
		t.Errorf("key file: secrets %d, %v", len(secrets), err)
	}

	for _, tc := range []struct {
		name     string
		edit     func(b *serverSSHBlock)
		wo       sshWriteOnly
		at, want string
	}{
		{"public key given", func(b *serverSSHBlock) {
			b.PrivateKey = types.StringValue("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
		},
			sshWriteOnly{}, "ssh.private_key", "ssh.private_key: it cannot be read as a PEM or OpenSSH private key"},
		{"write-only key cut short", func(*serverSSHBlock) {}, sshWriteOnly{key: plain[:len(plain)/2]},
			"ssh.private_key_wo", "ssh.private_key_wo: it cannot be read"},
		{"no passphrase", func(b *serverSSHBlock) { b.PrivateKey = types.StringValue(enc) }, sshWriteOnly{},
			"ssh.private_key", "ssh.private_key: it is encrypted and no passphrase was given"},
		{"wrong write-only passphrase", func(b *serverSSHBlock) { b.PrivateKey = types.StringValue(enc) }, sshWriteOnly{passphrase: "wrong"},
			"ssh.private_key_passphrase_wo", "the passphrase does not decrypt it"},
		{"missing file", func(b *serverSSHBlock) { b.PrivateKeyFile = types.StringValue(file + ".missing") }, sshWriteOnly{},
			"ssh.private_key_file", "no such file"},
	} {
		_, _, err := model(tc.edit).sshConfig(nil, true, tc.wo)
		var diags diag.Diagnostics
		addSSHSettingsError(&diags, err)
		if len(diags) != 1 {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		d, ok := diags[0].(diag.DiagnosticWithPath)
		if !ok || d.Path().String() != tc.at || !strings.Contains(d.Detail(), tc.want) {
			t.Errorf("%s: %v at %v, want %q at %s", tc.name, diags[0].Detail(), d.Path(), tc.want, tc.at)
		}
		for _, secret := range []string{strings.Split(enc, "\n")[1], strings.Split(plain, "\n")[1], passphrase} {
			if strings.Contains(d.Detail(), secret) {
				t.Errorf("%s: the error shows a secret: %s", tc.name, d.Detail())
			}
		}
	}
}

func TestServerSpec(t *testing.T) {
	ctx := context.Background()
	ports, _ := types.ListValue(types.Int64Type, []attr.Value{types.Int64Value(22), types.Int64Value(443)})
	allow, _ := types.ListValue(types.StringType, []attr.Value{types.StringValue("192.0.2.0/24")})
	m := &virtualminServerModel{
		Hostname:     types.StringValue("vm9.example.test"),
		APIUser:      types.StringNull(),
		APIAllowFrom: allow,
		Install: &serverInstallBlock{Mode: types.StringValue("LEMP"), InstallerURL: types.StringNull(), InstallerFile: types.StringValue("/tmp/i.sh"),
			InstallerSHA256: types.StringNull(), InsecureAllowHTTP: types.BoolNull(), Force: types.BoolNull()},
		Hardening: &serverHardeningBlock{OpenPorts: ports, Fail2ban: types.BoolNull(), TLSCertPEM: types.StringNull(), TLSKeyPEM: types.StringNull(), TLSValidDays: types.Int64Null()},
	}
	s, diags := m.spec(ctx, "Pw-123456789")
	if diags.HasError() {
		t.Fatal(diags)
	}
	if s.Install.Mode != bootstrap.BundleLEMP || !s.Install.Force || s.Install.InstallerFile != "/tmp/i.sh" || s.Install.Hostname != "vm9.example.test" {
		t.Errorf("install: %+v", s.Install)
	}
	if !s.Harden.Fail2ban || len(s.Harden.OpenPorts) != 2 || s.Harden.OpenPorts[1] != 443 || s.Harden.TLS.Hostname != "vm9.example.test" {
		t.Errorf("harden: %+v", s.Harden)
	}
	if s.APIUser.Name != "praho" || s.APIUser.Password != "Pw-123456789" || len(s.APIUser.AllowFrom) != 1 {
		t.Errorf("api user: %v", s.APIUser)
	}
	// Without a hardening block the firewall is left alone (nil ports), but
	// fail2ban and the certificate are still managed.
	bare := &virtualminServerModel{Hostname: types.StringValue("vm9.example.test"), APIUser: types.StringValue("api"), APIAllowFrom: types.ListNull(types.StringType)}
	s, _ = bare.spec(ctx, "Pw-123456789")
	if s.Harden.OpenPorts != nil || !s.Harden.Fail2ban || s.Install.Mode != bootstrap.Minimal || s.APIUser.Name != "api" || s.APIUser.AllowFrom != nil {
		t.Errorf("defaults: %+v %+v", s.Harden, s.APIUser)
	}
}

func TestHealthChecksValue(t *testing.T) {
	h := &bootstrap.HealthReport{Status: bootstrap.Degraded, Checks: []bootstrap.Check{
		{Name: bootstrap.CheckServices, Verdict: bootstrap.Pass, Reason: "miniserv runs"},
		{Name: bootstrap.CheckSecurity, Verdict: bootstrap.Fail, Reason: "fail2ban inactive"},
	}, CheckedAt: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	var m virtualminServerModel
	if d := m.setHealth(h); d.HasError() {
		t.Fatal(d)
	}
	if m.Status.ValueString() != "degraded" || m.CheckedAt.ValueString() != "2026-11-26T12:00:00Z" || len(m.HealthChecks.Elements()) != 2 {
		t.Errorf("model: %v %v %v", m.Status, m.CheckedAt, m.HealthChecks)
	}
	if !strings.Contains(m.HealthChecks.Elements()[1].String(), "fail2ban inactive") {
		t.Errorf("checks: %v", m.HealthChecks)
	}
}

// TestModifyPlanWarnsOfUnhealthyServer: a plan on a server whose refresh found
// it unhealthy carries a warning naming the failed checks; a healthy one none.
func TestModifyPlanWarnsOfUnhealthyServer(t *testing.T) {
	ctx := context.Background()
	r := &virtualminServerResource{}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	sch := sr.Schema
	to := sch.Attributes["timeouts"].GetType().(timeouts.Type).ObjectType
	model := func(h *bootstrap.HealthReport) tfsdk.State {
		m := virtualminServerModel{
			ID: types.StringValue("203.0.113.5:10000"), Name: types.StringValue("vm"), Address: types.StringValue("203.0.113.5"),
			Hostname: types.StringValue("vm.example.test"), APIUser: types.StringNull(), APIPassword: types.StringValue("Pw-123456789"),
			APIPasswordWO: types.StringNull(), APIPasswordWOVersion: types.Int64Null(), APIAllowFrom: types.ListNull(types.StringType),
			Capacity: types.Int64Null(), Tags: types.MapNull(types.StringType), UninstallOnDestroy: types.BoolNull(),
			Timeouts:             timeouts.Value{Object: types.ObjectNull(to.AttrTypes)},
			TLSFingerprintSHA256: types.StringValue("AA"),
		}
		if d := m.setHealth(h); d.HasError() {
			t.Fatal(d)
		}
		st := tfsdk.State{Schema: sch}
		if d := st.Set(ctx, &m); d.HasError() {
			t.Fatal(d)
		}
		return st
	}
	run := func(h *bootstrap.HealthReport) []string {
		st := model(h)
		plan := tfsdk.Plan{Schema: sch, Raw: st.Raw}
		resp := resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: st, Plan: plan}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
		var out []string
		for _, d := range resp.Diagnostics.Warnings() {
			out = append(out, d.Summary()+"\n"+d.Detail())
		}
		return out
	}
	down := &bootstrap.HealthReport{Status: bootstrap.Unavailable, Checks: []bootstrap.Check{
		{Name: bootstrap.CheckServices, Verdict: bootstrap.Fail, Reason: "nothing listens on port 10000"},
		{Name: bootstrap.CheckResources, Verdict: bootstrap.Pass, Reason: "plenty"},
	}}
	w := run(down)
	if len(w) != 1 || !strings.Contains(w[0], "203.0.113.5 is unavailable") || !strings.Contains(w[0], "services: fail: nothing listens on port 10000") || strings.Contains(w[0], "plenty") {
		t.Errorf("warnings: %q", w)
	}
	if w := run(&bootstrap.HealthReport{Status: bootstrap.Healthy}); len(w) != 0 {
		t.Errorf("healthy server warned: %q", w)
	}
}

// privateMap stands for the framework's private state of one resource.
type privateMap map[string][]byte

func (p privateMap) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}
func (p privateMap) SetKey(_ context.Context, key string, v []byte) diag.Diagnostics {
	p[key] = v
	return nil
}

// TestManagedServerPrivateState: an account keeps its managed server's pin
// and API user in private state, and a later provider process (the apply of
// a later run, where the unchanged server is not refreshed) reaches the
// server from that copy alone; a registration in the process wins over an
// older copy and refreshes it; a write-only password is not copied; a copy
// made for another server is ignored.
func TestManagedServerPrivateState(t *testing.T) {
	srv, err := virtualmintest.NewServer(virtualmintest.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	const pass1, pass2 = "Private-Pass-1'$(x)", "Private-Pass-2;rm"
	srv.AddUser("praho", pass1, virtualmintest.RoleMaster)
	block, _ := pem.Decode(srv.CertificatePEM())
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pin := virtualmin.CertificateSHA256(cert.Raw)
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
	cfg := virtualminConfig{Port: 10000, MaxInFlight: 2, RequestTimeout: 30 * time.Second}
	sync := func(d *providerData, get privateGetter, set privateSetter) {
		t.Helper()
		if diags := d.syncManagedServer(ctx, ep, get, set); diags.HasError() {
			t.Fatalf("sync: %v", diags)
		}
	}

	// The run that bootstrapped the server: the account's Create records it.
	first := newProviderData(&config{Virtualmin: cfg})
	first.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass1})
	account := privateMap{}
	sync(first, nil, account)
	if len(account[privateManagedServer]) == 0 {
		t.Fatal("nothing recorded in private state")
	}

	// A later apply: a fresh process, the server not refreshed.
	later := newProviderData(&config{Virtualmin: cfg})
	if err := list(later); err == nil || !strings.Contains(err.Error(), "credentials are not configured") {
		t.Fatalf("without the private copy: %v", err)
	}
	sync(later, account, nil) // Delete: adopt only
	if err := list(later); err != nil {
		t.Fatalf("from the private copy: %v", err)
	}

	// The password is rotated by the server's Update in this process: the
	// registration wins over the older copy, which the next Read refreshes.
	srv.AddUser("praho", pass2, virtualmintest.RoleMaster)
	rotated := newProviderData(&config{Virtualmin: cfg})
	rotated.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass2})
	refreshed := privateMap{}
	sync(rotated, account, refreshed)
	if err := list(rotated); err != nil {
		t.Fatalf("after the rotation: %v", err)
	}
	if !strings.Contains(string(refreshed[privateManagedServer]), "Private-Pass-2") {
		t.Fatal("the stale copy was not refreshed with the new password")
	}
	stale := newProviderData(&config{Virtualmin: cfg})
	sync(stale, account, nil)
	if err := list(stale); err == nil {
		t.Fatal("the stale copy still logs in: the test server did not change the password")
	}
	fresh := newProviderData(&config{Virtualmin: cfg})
	sync(fresh, refreshed, nil)
	if err := list(fresh); err != nil {
		t.Fatalf("from the refreshed copy: %v", err)
	}

	// A write-only password stays out of state: pin and user only.
	wo := newProviderData(&config{Virtualmin: cfg})
	wo.registerManagedServer(ep, managedServer{pin: pin, user: "praho", password: pass2, passwordWriteOnly: true})
	woCopy := privateMap{}
	sync(wo, nil, woCopy)
	if raw := string(woCopy[privateManagedServer]); !strings.Contains(raw, "praho") || strings.Contains(raw, "Private-Pass") {
		t.Fatalf("write-only record: %q", raw)
	}

	// A copy made for another server is not lent to this one.
	other := privateMap{privateManagedServer: []byte(strings.Replace(string(refreshed[privateManagedServer]), ep, "192.0.2.1:10000", 1))}
	moved := newProviderData(&config{Virtualmin: cfg})
	sync(moved, other, nil)
	if err := list(moved); err == nil || !strings.Contains(err.Error(), "credentials are not configured") {
		t.Fatalf("another server's copy was used: %v", err)
	}
}
