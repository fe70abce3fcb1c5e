package bootstrap

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// Firewalls Harden knows.
const (
	FirewallUFW       = "ufw"
	FirewallFirewalld = "firewalld"
)

// ErrNoFirewall is returned when ports should be opened but the host has
// neither ufw nor firewalld.
var ErrNoFirewall = errors.New("bootstrap: the host has neither ufw nor firewalld")

// HardenOptions configures Harden.
type HardenOptions struct {
	// OpenPorts are the TCP ports the firewall lets in; every other allow
	// rule is removed. The port of the SSH connection in use is always
	// kept open, so that hardening cannot lock the bootstrap out. Nil leaves
	// the firewall alone.
	OpenPorts []int
	// Fail2ban installs fail2ban if needed and enables its webmin-auth jail.
	Fail2ban bool
	// TLS configures Webmin's certificate on port 10000.
	TLS TLSOptions
}

// TLSOptions configures Webmin's certificate. The zero value keeps a valid
// certificate the host has and otherwise makes a self-signed one.
type TLSOptions struct {
	// CertPEM and KeyPEM are a certificate (with its chain) and its private
	// key to install instead of a self-signed certificate.
	CertPEM, KeyPEM []byte
	// Hostname is the self-signed certificate's name (default: the host's
	// name). A kept certificate must be valid for it.
	Hostname string
	// ValidDays is a self-signed certificate's lifetime (default 825).
	ValidDays int
	// RenewBefore replaces a certificate that expires sooner than this
	// (default 30 days).
	RenewBefore time.Duration
}

// HardenResult is what Harden did.
type HardenResult struct {
	// Steps are the results of the firewall, fail2ban and tls steps.
	Steps []StepResult
	// Firewall is the firewall found (FirewallUFW or FirewallFirewalld),
	// empty when the firewall was not managed.
	Firewall string
	// TLSFingerprintSHA256 is the SHA-256 fingerprint of Webmin's
	// certificate (as virtualmin.CertificateSHA256 formats it), for clients
	// to pin with virtualmin.WithPinnedCertificateSHA256.
	TLSFingerprintSHA256 string
	// TLSNotAfter is when that certificate expires.
	TLSNotAfter time.Time
}

// Changed reports whether any step changed the host.
func (r *HardenResult) Changed() bool {
	for _, s := range r.Steps {
		if s.Changed {
			return true
		}
	}
	return false
}

// Harden configures the firewall (ufw or firewalld, whichever the host has)
// to let in only OpenPorts, fail2ban with the webmin-auth jail, and a TLS
// certificate for Webmin, whose fingerprint it returns. Each part changes
// only what differs.
func (b *Bootstrapper) Harden(ctx context.Context, o HardenOptions) (*HardenResult, error) {
	res := &HardenResult{}
	for _, p := range o.OpenPorts {
		if p < 1 || p > 65535 {
			return res, fmt.Errorf("%w: port %d", ErrInvalidOptions, p)
		}
	}
	if (len(o.TLS.CertPEM) == 0) != (len(o.TLS.KeyPEM) == 0) {
		return res, fmt.Errorf("%w: a TLS certificate needs its key and the other way round", ErrInvalidOptions)
	}
	if o.TLS.Hostname != "" {
		if err := ValidateHostname(o.TLS.Hostname); err != nil {
			return res, err
		}
	}
	if b.ssh == nil {
		return res, &StepError{Step: "harden", Op: "connect", Err: errNoSSH}
	}
	if o.OpenPorts != nil {
		step, fw, err := b.firewall(ctx, o.OpenPorts)
		res.Firewall = fw
		if err != nil {
			return res, err
		}
		res.Steps = append(res.Steps, step)
	}
	if o.Fail2ban {
		step, err := b.fail2ban(ctx)
		if err != nil {
			return res, err
		}
		res.Steps = append(res.Steps, step)
	}
	step, cert, err := b.tls(ctx, o.TLS)
	if err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, step)
	res.TLSFingerprintSHA256 = virtualmin.CertificateSHA256(cert.Raw)
	res.TLSNotAfter = cert.NotAfter
	for _, s := range res.Steps {
		if s.Changed {
			b.log.Info("bootstrap harden", "step", s.Name, "changed", s.Detail)
		}
	}
	return res, nil
}

// run runs a program with quoted arguments and returns its stdout.
func (b *Bootstrapper) run(ctx context.Context, step, op string, args ...string) (string, error) {
	r, err := b.ssh.Run(ctx, ssh.Command{Args: args})
	if err != nil {
		return "", &StepError{Step: step, Op: op, Err: err}
	}
	return string(r.Stdout), nil
}

// has reports which of the programs exist on the host's PATH.
func (b *Bootstrapper) has(ctx context.Context, step string, programs ...string) (map[string]bool, error) {
	out, err := b.script(ctx, step, "look for "+strings.Join(programs, ", "),
		`for p in "$@"; do if command -v "$p" >/dev/null 2>&1; then echo "$p"; fi; done`, programs...)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, p := range strings.Fields(out) {
		found[p] = true
	}
	return found, nil
}

// detectFirewall returns FirewallUFW, FirewallFirewalld or "".
func (b *Bootstrapper) detectFirewall(ctx context.Context, step string) (string, error) {
	found, err := b.has(ctx, step, "ufw", "firewall-cmd")
	switch {
	case err != nil:
		return "", err
	case found["ufw"]:
		return FirewallUFW, nil
	case found["firewall-cmd"]:
		return FirewallFirewalld, nil
	}
	return "", nil
}

func (b *Bootstrapper) sshPort() (int, bool) {
	_, p, err := net.SplitHostPort(b.ssh.Addr())
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(p)
	return n, err == nil
}

func (b *Bootstrapper) firewall(ctx context.Context, ports []int) (StepResult, string, error) {
	res := StepResult{Name: "firewall"}
	fw, err := b.detectFirewall(ctx, res.Name)
	if err != nil {
		return res, "", err
	}
	if fw == "" {
		return res, "", &StepError{Step: res.Name, Op: "detect the firewall", Err: ErrNoFirewall}
	}
	want := map[string]bool{}
	for _, p := range ports {
		want[fmt.Sprintf("%d/tcp", p)] = true
	}
	if p, ok := b.sshPort(); ok {
		want[fmt.Sprintf("%d/tcp", p)] = true
	}
	var done []string
	if fw == FirewallUFW {
		done, err = b.ufw(ctx, want)
	} else {
		done, err = b.firewalld(ctx, want)
	}
	if err != nil {
		return res, fw, err
	}
	res.Changed = len(done) > 0
	if res.Changed {
		res.Detail = fw + ": " + strings.Join(done, "; ")
	} else {
		res.Detail = fw + ": active, allowing only " + strings.Join(sortedKeys(want), " ")
	}
	return res, fw, nil
}

var (
	columns  = regexp.MustCompile(`\s{2,}`)
	numbered = regexp.MustCompile(`^\[\s*(\d+)\]\s+(.*)$`)
)

// ufwRule is one line of `ufw status numbered`.
type ufwRule struct {
	Num    int    // the rule's number (IPv6 rules have their own)
	To     string // "22/tcp", "Apache Full", "10000" ("(v6)" removed)
	V6     bool
	Action string // "ALLOW IN", "LIMIT IN", "DENY IN"...
	From   string // "Anywhere", "192.0.2.0/24"...
}

// opens reports whether the rule lets traffic in.
func (r ufwRule) opens() bool {
	return strings.HasPrefix(r.Action, "ALLOW") || strings.HasPrefix(r.Action, "LIMIT")
}

// anywhere reports whether the rule applies to every source.
func (r ufwRule) anywhere() bool { return strings.HasPrefix(r.From, "Anywhere") }

// parseUFWStatus reads `ufw status numbered`: whether ufw is active and its
// rules (an inactive ufw lists none).
func parseUFWStatus(out string) (active bool, rules []ufwRule) {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Status:") {
			active = strings.TrimSpace(strings.TrimPrefix(l, "Status:")) == "active"
			continue
		}
		m := numbered.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f := columns.Split(m[2], -1)
		if len(f) < 3 {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		r := ufwRule{Num: n, To: f[0], Action: f[1], From: f[2]}
		if strings.HasSuffix(r.To, " (v6)") {
			r.To, r.V6 = strings.TrimSuffix(r.To, " (v6)"), true
		}
		rules = append(rules, r)
	}
	return active, rules
}

func (b *Bootstrapper) ufw(ctx context.Context, want map[string]bool) ([]string, error) {
	const step = "firewall"
	out, err := b.run(ctx, step, "read ufw's rules", "ufw", "status", "numbered")
	if err != nil {
		return nil, err
	}
	active, rules := parseUFWStatus(out)
	var done []string
	if !active {
		// An inactive ufw lists no rules: add what is wanted (ufw skips
		// existing rules), enable, then read the rules.
		for _, p := range sortedKeys(want) {
			if _, err := b.run(ctx, step, "allow "+p, "ufw", "allow", p); err != nil {
				return done, err
			}
		}
		if _, err := b.run(ctx, step, "deny incoming by default", "ufw", "default", "deny", "incoming"); err != nil {
			return done, err
		}
		if _, err := b.run(ctx, step, "enable ufw", "ufw", "--force", "enable"); err != nil {
			return done, err
		}
		done = append(done, "enabled with incoming denied by default, allowing "+strings.Join(sortedKeys(want), " "))
		if out, err = b.run(ctx, step, "read ufw's rules", "ufw", "status", "numbered"); err != nil {
			return done, err
		}
		_, rules = parseUFWStatus(out)
	} else {
		have := map[string]bool{}
		for _, r := range rules {
			if r.opens() && r.anywhere() && !r.V6 {
				have[r.To] = true
			}
		}
		// Open first, close after: the SSH port is never shut.
		for _, p := range sortedKeys(want) {
			if !have[p] {
				if _, err := b.run(ctx, step, "allow "+p, "ufw", "allow", p); err != nil {
					return done, err
				}
				done = append(done, "allowed "+p)
			}
		}
		if len(done) > 0 {
			if out, err = b.run(ctx, step, "read ufw's rules", "ufw", "status", "numbered"); err != nil {
				return done, err
			}
			_, rules = parseUFWStatus(out)
		}
	}
	// Remove every other rule that lets traffic in, by number, highest
	// first so that the numbers left stay valid.
	var extra []ufwRule
	for _, r := range rules {
		if r.opens() && !want[r.To] {
			extra = append(extra, r)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Num > extra[j].Num })
	for _, r := range extra {
		if _, err := b.run(ctx, step, "remove the rule allowing "+r.To, "ufw", "--force", "delete", strconv.Itoa(r.Num)); err != nil {
			return done, err
		}
		desc := "removed the rule allowing " + r.To
		if r.V6 {
			desc += " (v6)"
		}
		if !r.anywhere() {
			desc += " from " + r.From
		}
		done = append(done, desc)
	}
	return done, nil
}

// keptServices are firewalld services that open no listening port of the
// host (the DHCPv6 client's replies) and are left alone.
var keptServices = map[string]bool{"dhcpv6-client": true}

func (b *Bootstrapper) firewalld(ctx context.Context, want map[string]bool) ([]string, error) {
	const step = "firewall"
	var done []string
	state, _ := b.ssh.Run(ctx, ssh.Command{Args: []string{"firewall-cmd", "--state"}})
	if state == nil || strings.TrimSpace(string(state.Stdout)) != "running" {
		if _, err := b.run(ctx, step, "start firewalld", "systemctl", "enable", "--now", "firewalld"); err != nil {
			return done, err
		}
		done = append(done, "started firewalld")
	}
	ports, err := b.run(ctx, step, "list the open ports", "firewall-cmd", "--permanent", "--list-ports")
	if err != nil {
		return done, err
	}
	services, err := b.run(ctx, step, "list the allowed services", "firewall-cmd", "--permanent", "--list-services")
	if err != nil {
		return done, err
	}
	have := map[string]bool{}
	for _, p := range strings.Fields(ports) {
		have[p] = true
	}
	for _, p := range sortedKeys(want) {
		if !have[p] {
			if _, err := b.run(ctx, step, "open "+p, "firewall-cmd", "--permanent", "--add-port="+p); err != nil {
				return done, err
			}
			done = append(done, "opened "+p)
		}
	}
	for _, p := range strings.Fields(ports) {
		if !want[p] {
			if _, err := b.run(ctx, step, "close "+p, "firewall-cmd", "--permanent", "--remove-port="+p); err != nil {
				return done, err
			}
			done = append(done, "closed "+p)
		}
	}
	for _, s := range strings.Fields(services) {
		if !keptServices[s] {
			if _, err := b.run(ctx, step, "remove service "+s, "firewall-cmd", "--permanent", "--remove-service="+s); err != nil {
				return done, err
			}
			done = append(done, "removed service "+s)
		}
	}
	if len(done) > 0 {
		if _, err := b.run(ctx, step, "reload firewalld", "firewall-cmd", "--reload"); err != nil {
			return done, err
		}
	}
	return done, nil
}

// fail2banJail is the jail file Harden writes: the webmin-auth filter ships
// with fail2ban; its jail is disabled by default. Webmin logs failed logins
// to syslog's authpriv facility; a host without a syslog file for it
// (Debian 12 and later have only the journal unless rsyslog is installed)
// needs the systemd backend, or fail2ban refuses to start the jail.
func fail2banJail(journalOnly bool) string {
	s := `# Managed by praho (sdk/bootstrap): ban addresses that fail Webmin logins.
[webmin-auth]
enabled = true
port = 10000
`
	if journalOnly {
		s += "backend = systemd\n"
	}
	return s
}

func (b *Bootstrapper) fail2ban(ctx context.Context) (StepResult, error) {
	res := StepResult{Name: "fail2ban"}
	var done []string
	found, err := b.has(ctx, res.Name, "fail2ban-client", "apt-get", "dnf", "yum")
	if err != nil {
		return res, err
	}
	if !found["fail2ban-client"] {
		var cmd ssh.Command
		switch {
		case found["apt-get"]:
			cmd = ssh.Command{Args: []string{"apt-get", "install", "-y", "-q", "fail2ban"}, Env: map[string]string{"DEBIAN_FRONTEND": "noninteractive"}}
		case found["dnf"]:
			cmd = ssh.Command{Args: []string{"dnf", "install", "-y", "fail2ban"}}
		case found["yum"]:
			cmd = ssh.Command{Args: []string{"yum", "install", "-y", "fail2ban"}}
		default:
			return res, &StepError{Step: res.Name, Op: "install fail2ban", Err: errors.New("no apt-get, dnf or yum on the host")}
		}
		if _, err := b.ssh.Run(ctx, cmd); err != nil {
			return res, &StepError{Step: res.Name, Op: "install fail2ban", Err: err}
		}
		done = append(done, "installed fail2ban")
	}
	jail := b.path(Fail2banJailFile)
	cur, err := b.script(ctx, res.Name, "read the jail file", `if [ -e "$1" ]; then cat -- "$1"; fi`, jail)
	if err != nil {
		return res, err
	}
	logs, err := b.script(ctx, res.Name, "look for syslog's auth log",
		`for f in "$@"; do if [ -e "$f" ]; then echo "$f"; fi; done`, b.path("/var/log/auth.log"), b.path("/var/log/secure"))
	if err != nil {
		return res, err
	}
	want := fail2banJail(strings.TrimSpace(logs) == "")
	jailChanged := cur != want
	if jailChanged {
		if _, err := b.script(ctx, res.Name, "create the jail directory", `mkdir -p -- "$(dirname -- "$1")"`, jail); err != nil {
			return res, err
		}
		if err := b.ssh.Upload(ctx, jail, 0o644, strings.NewReader(want)); err != nil {
			return res, &StepError{Step: res.Name, Op: "write the jail file", Err: err}
		}
		done = append(done, "enabled the webmin-auth jail")
	}
	active, _ := b.ssh.Run(ctx, ssh.Command{Args: []string{"systemctl", "is-active", "fail2ban"}})
	switch {
	case active == nil || strings.TrimSpace(string(active.Stdout)) != "active":
		if _, err := b.run(ctx, res.Name, "start fail2ban", "systemctl", "enable", "--now", "fail2ban"); err != nil {
			return res, err
		}
		done = append(done, "started fail2ban")
	case jailChanged:
		if _, err := b.run(ctx, res.Name, "reload fail2ban", "fail2ban-client", "reload"); err != nil {
			return res, err
		}
		done = append(done, "reloaded fail2ban")
	}
	if _, err := b.run(ctx, res.Name, "check the webmin-auth jail", "fail2ban-client", "status", "webmin-auth"); err != nil {
		return res, err
	}
	res.Changed = len(done) > 0
	if res.Changed {
		res.Detail = strings.Join(done, "; ")
	} else {
		res.Detail = "fail2ban running with the webmin-auth jail"
	}
	return res, nil
}

// webminTLSFiles returns the keyfile and certfile (empty: in the keyfile)
// Webmin's miniserv.conf names, and whether it has ssl=1.
func (b *Bootstrapper) webminTLSFiles(ctx context.Context, step string) (keyfile, certfile string, ssl bool, err error) {
	conf, err := b.script(ctx, step, "read miniserv.conf", `if [ -e "$1" ]; then cat -- "$1"; fi`, b.path(WebminConfigDir+"/miniserv.conf"))
	if err != nil {
		return "", "", false, err
	}
	kv := parseKV(conf)
	keyfile, certfile = kv["keyfile"], kv["certfile"]
	if keyfile == "" {
		keyfile = b.path(WebminKeyFile)
	}
	return keyfile, certfile, kv["ssl"] == "1", nil
}

// currentCertificate returns Webmin's certificate (only the certificate
// leaves the host, never the key), or nil when there is none.
func (b *Bootstrapper) currentCertificate(ctx context.Context, step, keyfile, certfile string) (*x509.Certificate, error) {
	src := keyfile
	if certfile != "" {
		src = certfile
	}
	out, err := b.script(ctx, step, "read Webmin's certificate",
		`if [ -e "$1" ]; then openssl x509 -in "$1" 2>/dev/null || true; fi`, src)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode([]byte(out))
	if blk == nil {
		return nil, nil
	}
	return x509.ParseCertificate(blk.Bytes)
}

func (b *Bootstrapper) tls(ctx context.Context, o TLSOptions) (StepResult, *x509.Certificate, error) {
	res := StepResult{Name: "tls"}
	if o.ValidDays <= 0 {
		o.ValidDays = 825
	}
	if o.RenewBefore <= 0 {
		o.RenewBefore = 30 * 24 * time.Hour
	}
	keyfile, certfile, ssl, err := b.webminTLSFiles(ctx, res.Name)
	if err != nil {
		return res, nil, err
	}
	cur, err := b.currentCertificate(ctx, res.Name, keyfile, certfile)
	if err != nil {
		return res, nil, err
	}
	var done []string
	if len(o.CertPEM) > 0 {
		blk, _ := pem.Decode(o.CertPEM)
		if blk == nil {
			return res, nil, fmt.Errorf("%w: TLS certificate is not PEM", ErrInvalidOptions)
		}
		want, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return res, nil, fmt.Errorf("%w: TLS certificate: %v", ErrInvalidOptions, err)
		}
		if cur == nil || !cur.Equal(want) {
			combined := strings.TrimSpace(string(o.KeyPEM)) + "\n" + strings.TrimSpace(string(o.CertPEM)) + "\n"
			if err := b.ssh.Upload(ctx, keyfile, 0o600, strings.NewReader(combined)); err != nil {
				return res, nil, &StepError{Step: res.Name, Op: "write the key file", Err: err}
			}
			if certfile != "" {
				if err := b.ssh.Upload(ctx, certfile, 0o600, strings.NewReader(string(o.CertPEM))); err != nil {
					return res, nil, &StepError{Step: res.Name, Op: "write the certificate file", Err: err}
				}
			}
			done = append(done, "installed the given certificate ("+want.Subject.CommonName+")")
		}
	} else {
		reason := ""
		switch {
		case cur == nil:
			reason = "there was none"
		case time.Until(cur.NotAfter) < o.RenewBefore:
			reason = "the old one expires " + cur.NotAfter.UTC().Format(time.RFC3339)
		case o.Hostname != "" && cur.VerifyHostname(o.Hostname) != nil:
			reason = "the old one is not valid for " + o.Hostname
		}
		if reason != "" {
			host, err := b.certificateName(ctx, res.Name, o.Hostname)
			if err != nil {
				return res, nil, err
			}
			// openssl parses -subj ("/" and "+" start more fields) and
			// -addext (config syntax: "$" expands, "," adds names): host
			// passed ValidateHostname, so it holds none of those.
			if _, err := b.script(ctx, res.Name, "make a self-signed certificate", `
set -e
umask 077
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$3" -keyout "$d/key" -out "$d/cert" \
	-subj "/CN=$4" -addext "subjectAltName=DNS:$4" 2>"$d/err" || { cat "$d/err" >&2; exit 1; }
mkdir -p "$(dirname -- "$1")"
cat "$d/key" "$d/cert" > "$1.new"
mv -f "$1.new" "$1"
if [ -n "$2" ]; then cp "$d/cert" "$2.new" && mv -f "$2.new" "$2"; fi
`, keyfile, certfile, strconv.Itoa(o.ValidDays), host); err != nil {
				return res, nil, err
			}
			done = append(done, "made a self-signed certificate for "+host+" because "+reason)
		}
	}
	if !ssl {
		// Without ssl=1 Webmin serves plain HTTP, certificate or not.
		if _, err := b.script(ctx, res.Name, "turn TLS on in miniserv.conf", `
f=$1
cp -p "$f" "$f.praho"
if grep -q '^ssl=' "$f"; then sed 's/^ssl=.*/ssl=1/' "$f" > "$f.praho"; else { cat "$f"; echo ssl=1; } > "$f.praho"; fi
mv -f "$f.praho" "$f"
`, b.path(WebminConfigDir+"/miniserv.conf")); err != nil {
			return res, nil, err
		}
		done = append(done, "turned TLS on (ssl=1)")
	}
	if len(done) == 0 {
		res.Detail = fmt.Sprintf("Webmin serves TLS with a certificate valid until %s", cur.NotAfter.UTC().Format(time.RFC3339))
		return res, cur, nil
	}
	if _, err := b.run(ctx, res.Name, "restart Webmin", "systemctl", "restart", "webmin"); err != nil {
		return res, nil, err
	}
	res.Changed = true
	res.Detail = strings.Join(done, "; ")
	cert, err := b.currentCertificate(ctx, res.Name, keyfile, certfile)
	if err != nil {
		return res, nil, err
	}
	if cert == nil {
		return res, nil, &StepError{Step: res.Name, Op: "read the new certificate", Err: errors.New("no certificate in " + keyfile)}
	}
	return res, cert, nil
}

// certificateName is the name a self-signed certificate is made for:
// hostname, or else the host's own name (uname -n), which must be a host
// name too. A trailing dot is dropped.
func (b *Bootstrapper) certificateName(ctx context.Context, step, hostname string) (string, error) {
	if hostname == "" {
		out, err := b.run(ctx, step, "read the host's name", "uname", "-n")
		if err != nil {
			return "", err
		}
		hostname = strings.TrimSpace(out)
		if err := ValidateHostname(hostname); err != nil {
			return "", &StepError{Step: step, Op: "read the host's name", Err: fmt.Errorf("%w; set the TLS hostname", err)}
		}
	}
	return strings.TrimSuffix(hostname, "."), nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.Split(keys[i], "/")[0])
		c, _ := strconv.Atoi(strings.Split(keys[j], "/")[0])
		if a != c {
			return a < c
		}
		return keys[i] < keys[j]
	})
	return keys
}
