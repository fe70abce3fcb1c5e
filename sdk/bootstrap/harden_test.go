package bootstrap_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// servedFingerprint is the SHA-256 of the certificate a TLS client sees on
// addr (the pin is what is being tested, so the chain is not verified).
func servedFingerprint(t *testing.T, addr string) string {
	t.Helper()
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return virtualmin.CertificateSHA256(conn.ConnectionState().PeerCertificates[0].Raw)
}

// TestHardenUFW: on a host with ufw (stand-in) and no fail2ban, Harden
// opens exactly the asked ports plus the SSH port in use, removes another
// rule, enables ufw, installs fail2ban with the webmin-auth jail, makes a
// self-signed certificate whose fingerprint is the one served on port 10000
// of the host's address; a second run changes nothing and runs no command
// that changes state.
func TestHardenUFW(t *testing.T) {
	t.Parallel()
	h := newHost(t, 3, hostOptions{firewall: bootstraptest.UFW})
	ctx := testContext(t)
	h.install(t, ctx)
	before := servedFingerprint(t, h.ns.Addr+":10000")
	// A rule left by someone else (ufw inactive): to be removed. Once enabled
	// with the five wanted rules it is IPv4 rule 1 and IPv6 rule 6; removed
	// from the highest number down.
	if err := os.WriteFile(filepath.Join(h.state, "ufw.rules"), []byte("v4 8080/tcp ALLOW\nv6 8080/tcp ALLOW\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := bootstrap.HardenOptions{OpenPorts: []int{443, 10000, 80}, Fail2ban: true, TLS: bootstrap.TLSOptions{Hostname: "vm3.example.test"}}
	res, err := h.b.Harden(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Firewall != bootstrap.FirewallUFW || !res.Changed() || len(res.Steps) != 3 {
		t.Fatalf("harden: %+v", res)
	}
	cmds := h.commands(t)
	for _, want := range []string{"ufw allow 80/tcp", "ufw allow 443/tcp", "ufw allow 10000/tcp", "ufw allow " + portOf(h.srv.Addr) + "/tcp",
		"ufw default deny incoming", "ufw --force enable", "ufw --force delete 6", "ufw --force delete 1",
		"apt-get install -y -q fail2ban", "systemctl enable --now fail2ban", "fail2ban-client status webmin-auth", "systemctl restart webmin"} {
		if !strings.Contains(cmds, want+"\n") {
			t.Errorf("no %q in the recorded commands:\n%s", want, cmds)
		}
	}
	if strings.Contains(cmds, "firewall-cmd") {
		t.Errorf("firewall-cmd run on a ufw host:\n%s", cmds)
	}
	var rules []string
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(h.state, "ufw.rules"))), "\n") {
		if f := strings.Fields(l); f[0] == "v4" {
			rules = append(rules, f[1])
		}
	}
	if got, want := strings.Join(sorted(rules), " "), strings.Join(sorted([]string{"80/tcp", "443/tcp", "10000/tcp", portOf(h.srv.Addr) + "/tcp"}), " "); got != want {
		t.Errorf("ufw allows %s, want %s", got, want)
	}
	// The scratch root has no /var/log/auth.log: journal only.
	if jail := readFile(t, filepath.Join(h.root, bootstrap.Fail2banJailFile)); !strings.Contains(jail, "[webmin-auth]\nenabled = true\nport = 10000\nbackend = systemd\n") {
		t.Errorf("jail file:\n%s", jail)
	}

	if fi, err := os.Stat(filepath.Join(h.root, "etc/webmin/miniserv.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi.Mode(), err)
	}
	served := servedFingerprint(t, h.ns.Addr+":10000")
	if served != res.TLSFingerprintSHA256 {
		t.Errorf("Harden returned fingerprint %s, port 10000 serves %s", res.TLSFingerprintSHA256, served)
	}
	if served == before {
		t.Errorf("the certificate served did not change")
	}
	if time.Until(res.TLSNotAfter) < 800*24*time.Hour {
		t.Errorf("certificate expires %v", res.TLSNotAfter)
	}

	// Second run: nothing changes, the same fingerprint, and only reads.
	if err := os.Truncate(h.cmdLog, 0); err != nil {
		t.Fatal(err)
	}
	res2, err := h.b.Harden(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Changed() {
		t.Errorf("second harden changed: %+v", res2.Steps)
	}
	if res2.TLSFingerprintSHA256 != res.TLSFingerprintSHA256 {
		t.Errorf("fingerprint changed on the second run")
	}
	for _, l := range strings.Split(strings.TrimSpace(h.commands(t)), "\n") {
		switch l {
		case "ufw status numbered", "systemctl is-active fail2ban", "fail2ban-client status webmin-auth":
		default:
			t.Errorf("second run ran %q", l)
		}
	}
}

// TestHardenFirewalld: on a host with firewalld (stopped, with its default
// services), Harden starts it, opens the asked ports and removes the
// services that open others; fail2ban already present is only configured;
// a given certificate is installed and served.
func TestHardenFirewalld(t *testing.T) {
	t.Parallel()
	h := newHost(t, 4, hostOptions{firewall: bootstraptest.Firewalld, fail2ban: true})
	ctx := testContext(t)
	h.install(t, ctx)
	writeFile(t, filepath.Join(h.root, "var/log/secure"), "")
	// Webmin serving plain HTTP: Harden turns TLS on.
	confFile := filepath.Join(h.root, "etc/webmin/miniserv.conf")
	writeFile(t, confFile, strings.Replace(readFile(t, confFile), "ssl=1\n", "ssl=0\n", 1))
	certPEM, keyPEM := testCertificate(t, "vm4.example.test")
	opts := bootstrap.HardenOptions{OpenPorts: []int{10000}, Fail2ban: true, TLS: bootstrap.TLSOptions{CertPEM: certPEM, KeyPEM: keyPEM}}
	res, err := h.b.Harden(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Firewall != bootstrap.FirewallFirewalld || !res.Changed() {
		t.Fatalf("harden: %+v", res)
	}
	if conf := readFile(t, confFile); !strings.Contains(conf, "\nssl=1\n") || strings.Contains(conf, "ssl=0") {
		t.Errorf("miniserv.conf:\n%s", conf)
	}
	if tls := res.Steps[len(res.Steps)-1]; !strings.Contains(tls.Detail, "ssl=1") || !strings.Contains(tls.Detail, "given certificate") {
		t.Errorf("tls step: %v", tls)
	}
	cmds := h.commands(t)
	for _, want := range []string{"systemctl enable --now firewalld", "firewall-cmd --permanent --add-port=10000/tcp",
		"firewall-cmd --permanent --add-port=" + portOf(h.srv.Addr) + "/tcp", "firewall-cmd --permanent --remove-service=ssh", "firewall-cmd --reload"} {
		if !strings.Contains(cmds, want+"\n") {
			t.Errorf("no %q in the recorded commands:\n%s", want, cmds)
		}
	}
	if jail := readFile(t, filepath.Join(h.root, bootstrap.Fail2banJailFile)); strings.Contains(jail, "backend") {
		t.Errorf("a host with /var/log/secure got another backend:\n%s", jail)
	}
	for _, unwanted := range []string{"ufw", "apt-get", "remove-service=dhcpv6-client"} {
		if strings.Contains(cmds, unwanted) {
			t.Errorf("%q in the recorded commands:\n%s", unwanted, cmds)
		}
	}
	if got := strings.Join(sorted(strings.Fields(readFile(t, filepath.Join(h.state, "firewalld.ports")))), " "); got != strings.Join(sorted([]string{"10000/tcp", portOf(h.srv.Addr) + "/tcp"}), " ") {
		t.Errorf("firewalld ports %s", got)
	}
	if served := servedFingerprint(t, h.ns.Addr+":10000"); served != res.TLSFingerprintSHA256 || served != virtualmin.CertificateSHA256(pemDER(t, certPEM)) {
		t.Errorf("served %s, returned %s", served, res.TLSFingerprintSHA256)
	}
	res2, err := h.b.Harden(ctx, opts)
	if err != nil || res2.Changed() {
		t.Errorf("second harden: %+v, %v", res2, err)
	}
	keyBody := strings.Split(string(keyPEM), "\n")[1]
	if strings.Contains(h.logs.String(), keyBody) || strings.Contains(h.srv.Log(), keyBody) {
		t.Errorf("the private key is in the logs")
	}
	if !strings.Contains(readFile(t, filepath.Join(h.root, "etc/webmin/miniserv.pem")), keyBody) {
		t.Errorf("the key file does not hold the given key")
	}

	// The given certificate expires in 90 days: with a 100-day renewal
	// margin and no certificate given, a self-signed one replaces it.
	res3, err := h.b.Harden(ctx, bootstrap.HardenOptions{TLS: bootstrap.TLSOptions{RenewBefore: 100 * 24 * time.Hour, ValidDays: 365}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.Steps) != 1 || !res3.Steps[0].Changed || !strings.Contains(res3.Steps[0].Detail, "expires") {
		t.Errorf("renewal: %+v", res3.Steps)
	}
	if served := servedFingerprint(t, h.ns.Addr+":10000"); served != res3.TLSFingerprintSHA256 || served == res.TLSFingerprintSHA256 {
		t.Errorf("after renewal served %s, returned %s", served, res3.TLSFingerprintSHA256)
	}
}

// TestHardenNoFirewall: ports asked for on a host without a firewall is an
// error, not a silent success.
func TestHardenNoFirewall(t *testing.T) {
	t.Parallel()
	h := newHost(t, 5, hostOptions{})
	ctx := testContext(t)
	_, err := h.b.Harden(ctx, bootstrap.HardenOptions{OpenPorts: []int{10000}})
	if !errorsIs(err, bootstrap.ErrNoFirewall) {
		t.Fatalf("err = %v", err)
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// TestHardenRefusesHostileTLSHostname: a TLS hostname that openssl would
// read as more subject fields ("/O=..."), more subjectAltNames (",") or a
// config variable ("$") is refused before any command runs (the
// Bootstrapper has no SSH connection: reaching the host would fail
// differently).
func TestHardenRefusesHostileTLSHostname(t *testing.T) {
	b := bootstrap.New(nil)
	for _, name := range []string{
		"vm1.example.test/O=Injected Org/CN=bank.example",
		"vm1.$HOME.example.test",
		"vm1.example.test,DNS:bank.example",
		"vm1.example.test+O=Injected",
		`vm1\.example.test`,
		"-vm1.example.test",
		"vm1..example.test",
		"vm1 example.test",
	} {
		_, err := b.Harden(context.Background(), bootstrap.HardenOptions{TLS: bootstrap.TLSOptions{Hostname: name}})
		if !errorsIs(err, bootstrap.ErrInvalidOptions) || !strings.Contains(fmt.Sprint(err), "is not a host name") {
			t.Errorf("Hostname %q: err = %v, want ErrInvalidOptions before any command", name, err)
		}
	}
}

func TestValidateHostname(t *testing.T) {
	for _, ok := range []string{"vm1.example.test", "vm1.example.test.", "VM-1.Example.test", "localhost", "xn--coal-6qa8b.ro"} {
		if err := bootstrap.ValidateHostname(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "a/b.example", "a$b.example", "școală.ro", "a_b.example", strings.Repeat("a", 64) + ".example",
		strings.Repeat("abcdefghi.", 26) + "example"} {
		if err := bootstrap.ValidateHostname(bad); !errorsIs(err, bootstrap.ErrInvalidOptions) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
