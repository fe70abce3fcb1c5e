package bootstrap

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// Verdict is one check's outcome.
type Verdict string

// Verdicts.
const (
	// Pass: the check found what it wants.
	Pass Verdict = "pass"
	// Warn: something needs attention soon (for example low headroom).
	Warn Verdict = "warn"
	// Fail: the check found a problem.
	Fail Verdict = "fail"
	// Unknown: the check could not run (for example no SSH connection).
	Unknown Verdict = "unknown"
)

// Status is a server's overall health.
type Status string

// Statuses.
const (
	// Healthy: every check passed (or could not run).
	Healthy Status = "healthy"
	// Degraded: the API answers but some check warned or failed.
	Degraded Status = "degraded"
	// Unavailable: Webmin is not running or the API does not answer.
	Unavailable Status = "unavailable"
)

// Check names, in report order.
const (
	CheckServices    = "services"
	CheckAPI         = "api"
	CheckPermissions = "permissions"
	CheckPrograms    = "programs"
	CheckSecurity    = "security"
	CheckResources   = "resources"
)

// Check is one health check's verdict and reason.
type Check struct {
	// Name is one of the Check* constants.
	Name string `json:"name"`
	// Verdict is Pass, Warn, Fail or Unknown.
	Verdict Verdict `json:"verdict"`
	// Reason says what was found, in words.
	Reason string `json:"reason"`
}

// HealthReport is the result of Health.
type HealthReport struct {
	// Status is Unavailable when the services or api check failed,
	// Degraded when another check warned or failed, Healthy otherwise.
	Status Status `json:"status"`
	// Checks are the checks in a fixed order: services, api, permissions,
	// programs, security, resources.
	Checks []Check `json:"checks"`
	// VirtualminVersion and WebminVersion come from the info program.
	VirtualminVersion string `json:"virtualmin_version"`
	WebminVersion     string `json:"webmin_version"`
	// TLSFingerprintSHA256 is the fingerprint of the certificate served.
	TLSFingerprintSHA256 string `json:"tls_fingerprint_sha256"`
	// CheckedAt is when the checks ran.
	CheckedAt time.Time `json:"checked_at"`
}

// Check returns the check with the given name.
func (r *HealthReport) Check(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// String summarises the report on one line per check.
func (r *HealthReport) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s", r.Status)
	for _, c := range r.Checks {
		fmt.Fprintf(&s, "\n  %s: %s: %s", c.Name, c.Verdict, c.Reason)
	}
	return s.String()
}

// DefaultRequiredPrograms are the remote API programs the provider uses.
var DefaultRequiredPrograms = []string{
	"info", "list-domains", "create-domain", "modify-domain", "delete-domain",
	"enable-domain", "disable-domain", "list-users", "create-user",
	"modify-user", "delete-user", "list-databases", "create-database",
	"delete-database", "list-plans", "list-templates",
}

// HealthOptions configures Health.
type HealthOptions struct {
	// Endpoint is Webmin's URL; empty means https://<SSH host>:10000.
	Endpoint string
	// APIUser and APIPassword log in to the remote API.
	APIUser, APIPassword string
	// TLSFingerprintSHA256 pins Webmin's certificate (hex, colons optional).
	TLSFingerprintSHA256 string
	// CACertPEM trusts a private CA instead of a pin.
	CACertPEM []byte
	// InsecureSkipVerify turns TLS verification off (tests, first contact).
	InsecureSkipVerify bool
	// RequiredPrograms must all be known to the server (default
	// DefaultRequiredPrograms).
	RequiredPrograms []string
	// CertMinValidity: a certificate expiring sooner fails the security
	// check (default 14 days).
	CertMinValidity time.Duration
	// MinMemoryAvailable and MinDiskFree (bytes, on the root file system)
	// below which the resources check warns (defaults 128 MiB and 1 GiB).
	MinMemoryAvailable, MinDiskFree int64
	// Timeout bounds each API call (default 30 s; the provider passes its
	// request_timeout). A call that runs out of it makes its check warn
	// that the server is slow, not fail as if it had refused.
	Timeout time.Duration
}

// hostState is what one SSH probe of the host finds.
type hostState map[string]string

const probeScript = `
config=$1; user=$2; port=$3; root=$4
if command -v systemctl >/dev/null 2>&1; then
	echo "webmin_active=$(systemctl is-active webmin 2>/dev/null | head -n1)"
else
	# No systemd: miniserv's pid file says whether it runs.
	pidfile=$(sed -n 's/^pidfile=//p' "$config/miniserv.conf" 2>/dev/null | head -n1)
	if [ -n "$pidfile" ] && kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
		echo "webmin_active=active"
	else
		echo "webmin_active=inactive"
	fi
fi
if command -v ss >/dev/null 2>&1; then
	echo "listening=$(ss -Hltn "sport = :$port" 2>/dev/null | wc -l)"
fi
if command -v ufw >/dev/null 2>&1; then
	echo "firewall=ufw"
	echo "firewall_state=$(ufw status 2>/dev/null | sed -n 's/^Status: //p' | head -n1)"
elif command -v firewall-cmd >/dev/null 2>&1; then
	echo "firewall=firewalld"
	echo "firewall_state=$(firewall-cmd --state 2>/dev/null | head -n1)"
fi
if command -v fail2ban-client >/dev/null 2>&1; then
	echo "fail2ban=installed"
	if fail2ban-client status webmin-auth >/dev/null 2>&1; then echo "fail2ban_jail=active"; fi
fi
echo "acl=$(awk -F: -v n="$user" '$1 == n { sub(/^[^:]*:/, ""); print; exit }' "$config/webmin.acl" 2>/dev/null)"
if [ -e "$config/virtual-server/$user.acl" ]; then
	echo "module_acl_noconfig=$(sed -n 's/^noconfig=//p' "$config/virtual-server/$user.acl" | head -n1)"
fi
echo "mem_available_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null)"
echo "disk_free_kb=$(df -Pk "$root" 2>/dev/null | awk 'NR == 2 {print $4}')"
`

// Health checks the server: over SSH when the Bootstrapper has a connection
// (services, permissions' ACL, firewall, fail2ban, resources) and over the
// remote API with the API user. It returns an error only for invalid
// options; everything the checks find is in the report.
func (b *Bootstrapper) Health(ctx context.Context, o HealthOptions) (*HealthReport, error) {
	if o.APIUser == "" || o.APIPassword == "" {
		return nil, fmt.Errorf("%w: health needs the API user and password", ErrInvalidOptions)
	}
	if o.Endpoint == "" {
		if b.ssh == nil {
			return nil, fmt.Errorf("%w: no endpoint and no SSH connection", ErrInvalidOptions)
		}
		host, _, err := net.SplitHostPort(b.ssh.Addr())
		if err != nil {
			return nil, fmt.Errorf("%w: SSH address %q", ErrInvalidOptions, b.ssh.Addr())
		}
		o.Endpoint = "https://" + net.JoinHostPort(host, strconv.Itoa(virtualmin.DefaultPort))
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: endpoint %q", ErrInvalidOptions, o.Endpoint)
	}
	port := u.Port()
	if port == "" {
		port = strconv.Itoa(virtualmin.DefaultPort)
	}
	if o.RequiredPrograms == nil {
		o.RequiredPrograms = DefaultRequiredPrograms
	}
	if o.CertMinValidity <= 0 {
		o.CertMinValidity = 14 * 24 * time.Hour
	}
	if o.MinMemoryAvailable <= 0 {
		o.MinMemoryAvailable = 128 << 20
	}
	if o.MinDiskFree <= 0 {
		o.MinDiskFree = 1 << 30
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	rep := &HealthReport{CheckedAt: time.Now().UTC()}

	var host hostState
	var sshErr error
	if b.ssh != nil {
		out, err := b.script(ctx, "health", "probe the host", probeScript,
			b.path(WebminConfigDir), o.APIUser, port, b.root)
		if err != nil {
			sshErr = err
		} else {
			host = hostState(parseKV(out))
		}
	}

	// TLS: what a client sees on the port (also the certificate check).
	cert, tlsErr := b.peerCertificate(ctx, u.Host, o)
	if cert != nil {
		rep.TLSFingerprintSHA256 = virtualmin.CertificateSHA256(cert.Raw)
	}

	// services
	svc := Check{Name: CheckServices}
	switch {
	case host != nil:
		active := host["webmin_active"] == "active"
		listening := host["listening"] != "" && host["listening"] != "0"
		switch {
		case active && listening:
			svc.Verdict, svc.Reason = Pass, "webmin is running and port "+port+" is listening"
		case !active:
			svc.Verdict, svc.Reason = Fail, "webmin is not running (state: "+orNone(host["webmin_active"])+")"
		default:
			svc.Verdict, svc.Reason = Fail, "webmin is running but nothing listens on port "+port
		}
	case tlsErr == nil || cert != nil:
		svc.Verdict, svc.Reason = Pass, "port "+port+" accepts TLS connections (service state not checked: "+sshReason(b, sshErr)+")"
	default:
		svc.Verdict, svc.Reason = Fail, "port "+port+" does not answer: "+tlsErr.Error()
	}

	// api
	api := Check{Name: CheckAPI}
	perm := Check{Name: CheckPermissions}
	progs := Check{Name: CheckPrograms}
	client, err := b.apiClient(o)
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	info, infoErr := client.System.Info(callCtx)
	cancel()
	switch {
	case infoErr != nil && timedOut(infoErr) && svc.Verdict == Pass:
		// Webmin takes connections but the call ran out of time: a slow
		// or loaded server, not a broken one.
		api.Verdict, api.Reason = Warn, slowReason("info", o)
		perm.Verdict, perm.Reason = Unknown, "not checked: the remote API did not answer in time"
		progs.Verdict, progs.Reason = Unknown, "not checked: the remote API did not answer in time"
	case infoErr != nil:
		api.Verdict, api.Reason = Fail, "the remote API did not answer as "+o.APIUser+": "+infoErr.Error()
		perm.Verdict, perm.Reason = Unknown, "the remote API is unreachable"
		progs.Verdict, progs.Reason = Unknown, "the remote API is unreachable"
	default:
		rep.VirtualminVersion, rep.WebminVersion = info.VirtualminVersion, info.WebminVersion
		api.Verdict = Pass
		api.Reason = fmt.Sprintf("Virtualmin %s %s on Webmin %s answered as %s", info.VirtualminVersion, info.VirtualminEdition, info.WebminVersion, o.APIUser)
		perm = b.checkPermissions(ctx, client, host, o)
		progs = checkPrograms(ctx, o, cert)
	}

	sec := checkSecurity(host, cert, tlsErr, o, b, sshErr)
	resCheck := checkResources(host, o, b, sshErr)
	rep.Checks = []Check{svc, api, perm, progs, sec, resCheck}

	rep.Status = Healthy
	if svc.Verdict == Fail || api.Verdict == Fail {
		rep.Status = Unavailable
	} else {
		for _, c := range rep.Checks {
			if c.Verdict == Fail || c.Verdict == Warn {
				rep.Status = Degraded
			}
		}
	}
	b.log.Debug("bootstrap health", "status", rep.Status, "report", rep.String())
	return rep, nil
}

// timedOut reports whether a call ran out of its deadline (rather than being
// refused or failing).
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// slowReason says that a program did not answer within the deadline.
func slowReason(program string, o HealthOptions) string {
	return fmt.Sprintf("%s did not answer within %s (the request timeout): the server is slow or loaded", program, o.Timeout)
}

func orNone(s string) string {
	if s == "" {
		return "no answer"
	}
	return s
}

func sshReason(b *Bootstrapper, err error) string {
	if b.ssh == nil {
		return "no SSH connection"
	}
	if err != nil {
		return "SSH probe failed: " + err.Error()
	}
	return "SSH"
}

func (b *Bootstrapper) apiClient(o HealthOptions) (*virtualmin.Client, error) {
	opts := []virtualmin.Option{
		virtualmin.WithBasicAuth(o.APIUser, o.APIPassword),
		virtualmin.WithCallTimeout(o.Timeout),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}),
		virtualmin.WithLogger(b.log),
	}
	switch {
	case o.InsecureSkipVerify:
		opts = append(opts, virtualmin.WithInsecureSkipVerify())
	default:
		if len(o.CACertPEM) > 0 {
			opts = append(opts, virtualmin.WithCACertPEM(o.CACertPEM))
		}
		if o.TLSFingerprintSHA256 != "" {
			opts = append(opts, virtualmin.WithPinnedCertificateSHA256(o.TLSFingerprintSHA256))
		}
	}
	c, err := virtualmin.NewClient(o.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidOptions, err)
	}
	return c, nil
}

// tlsConfig verifies the server the way HealthOptions ask.
func tlsConfig(o HealthOptions, serverName string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	if o.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
		return cfg, nil
	}
	if len(o.CACertPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(o.CACertPEM) {
			return nil, fmt.Errorf("%w: CA certificate is not PEM", ErrInvalidOptions)
		}
		cfg.RootCAs = pool
	}
	if pin := normalizeFingerprint(o.TLSFingerprintSHA256); pin != "" && len(o.CACertPEM) == 0 {
		// The pin replaces chain verification (Webmin's certificate is
		// usually self-signed); it is checked during the handshake.
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			sum := sha256.Sum256(raw[0])
			if hex.EncodeToString(sum[:]) != pin {
				return fmt.Errorf("certificate fingerprint %s is not the pinned one", virtualmin.CertificateSHA256(raw[0]))
			}
			return nil
		}
	}
	return cfg, nil
}

func normalizeFingerprint(s string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(s))
}

// peerCertificate returns the certificate served on hostport. When the
// certificate fails verification it is still returned, with the error.
func (b *Bootstrapper) peerCertificate(ctx context.Context, hostport string, o HealthOptions) (*x509.Certificate, error) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
		hostport = net.JoinHostPort(host, strconv.Itoa(virtualmin.DefaultPort))
	}
	cfg, err := tlsConfig(o, host)
	if err != nil {
		return nil, err
	}
	var seen *x509.Certificate
	verify := cfg.VerifyPeerCertificate
	cfg.VerifyPeerCertificate = nil
	inner := cfg.Clone()
	inner.InsecureSkipVerify = true
	inner.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
		if len(raw) > 0 {
			seen, _ = x509.ParseCertificate(raw[0])
		}
		if verify != nil {
			return verify(raw, chains)
		}
		if cfg.InsecureSkipVerify {
			return nil
		}
		return verifyChain(raw, cfg)
	}
	dctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	d := tls.Dialer{Config: inner}
	conn, err := d.DialContext(dctx, "tcp", hostport)
	if err != nil {
		return seen, err
	}
	conn.Close()
	return seen, nil
}

func verifyChain(raw [][]byte, cfg *tls.Config) error {
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return err
		}
		certs = append(certs, c)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: cfg.ServerName, Roots: cfg.RootCAs, Intermediates: inter})
	return err
}

func (b *Bootstrapper) checkPermissions(ctx context.Context, client *virtualmin.Client, host hostState, o HealthOptions) Check {
	c := Check{Name: CheckPermissions}
	callCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	_, err := client.Domains.List(callCtx, nil)
	cancel()
	switch {
	case err != nil && timedOut(err):
		// Not a refusal: the rights were not checked (a loaded server took
		// longer than the deadline).
		c.Verdict, c.Reason = Warn, slowReason("list-domains", o)+"; "+o.APIUser+"'s rights were not checked"
		return c
	case err != nil:
		c.Verdict, c.Reason = Fail, o.APIUser+" cannot list domains: "+err.Error()
		return c
	}
	if host == nil {
		c.Verdict, c.Reason = Pass, o.APIUser+" can run info and list-domains (its Webmin modules were not checked: no SSH)"
		return c
	}
	mods := strings.Fields(host["acl"])
	if len(mods) == 0 {
		c.Verdict, c.Reason = Fail, o.APIUser+" answers the API but has no line in webmin.acl"
		return c
	}
	var extra []string
	for _, m := range mods {
		if m != "virtual-server" {
			extra = append(extra, m)
		}
	}
	switch {
	case len(extra) > 0:
		c.Verdict, c.Reason = Fail, o.APIUser+" may also use the Webmin modules "+strings.Join(extra, ", ")+" (it needs virtual-server only)"
	case host["module_acl_noconfig"] == "1":
		c.Verdict, c.Reason = Fail, o.APIUser+" has noconfig=1 in its Virtualmin ACL"
	default:
		c.Verdict, c.Reason = Pass, o.APIUser+" can run info and list-domains and has the virtual-server module only, with its default ACL"
	}
	return c
}

// checkPrograms asks the server which programs it has (list-commands). The
// SDK's client has no call for it, so this one request is made here.
func checkPrograms(ctx context.Context, o HealthOptions, served *x509.Certificate) Check {
	c := Check{Name: CheckPrograms}
	u, _ := url.Parse(o.Endpoint)
	cfg, err := tlsConfig(o, u.Hostname())
	if err != nil {
		c.Verdict, c.Reason = Unknown, err.Error()
		return c
	}
	hc := &http.Client{Timeout: o.Timeout, Transport: &http.Transport{TLSClientConfig: cfg}}
	defer hc.CloseIdleConnections()
	// In remote.cgi's usual order: program, multiline, json.
	form := "program=list-commands&multiline=&json=1"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.Endpoint, "/")+"/virtual-server/remote.cgi", strings.NewReader(form))
	if err != nil {
		c.Verdict, c.Reason = Unknown, err.Error()
		return c
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", virtualmin.DefaultUserAgent)
	req.SetBasicAuth(o.APIUser, o.APIPassword)
	resp, err := hc.Do(req)
	if err != nil {
		c.Verdict, c.Reason = Fail, "list-commands: "+err.Error()
		return c
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		c.Verdict, c.Reason = Fail, "list-commands: reading the answer: "+err.Error()
		return c
	}
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Status != "success" {
		reason := out.Error
		if reason == "" {
			reason = fmt.Sprintf("HTTP %d, not a JSON answer (%v, %d bytes): %q", resp.StatusCode, err, len(body), snippet(body, o.APIPassword))
		}
		c.Verdict, c.Reason = Fail, "list-commands failed: "+reason
		return c
	}
	have := map[string]bool{}
	for _, d := range out.Data {
		have[d.Name] = true
	}
	var missing []string
	for _, p := range o.RequiredPrograms {
		if !have[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		c.Verdict, c.Reason = Fail, "the server lacks "+strings.Join(missing, ", ")
		return c
	}
	c.Verdict, c.Reason = Pass, fmt.Sprintf("all %d programs the provider uses exist (%d in all)", len(o.RequiredPrograms), len(have))
	return c
}

func checkSecurity(host hostState, cert *x509.Certificate, tlsErr error, o HealthOptions, b *Bootstrapper, sshErr error) Check {
	c := Check{Name: CheckSecurity}
	var problems, good []string
	switch {
	case cert == nil:
		problems = append(problems, "no certificate could be read on the port")
	case tlsErr != nil:
		problems = append(problems, "the certificate served is not trusted: "+tlsErr.Error())
	case time.Until(cert.NotAfter) < o.CertMinValidity:
		problems = append(problems, "the certificate expires "+cert.NotAfter.UTC().Format(time.RFC3339))
	default:
		good = append(good, "certificate valid until "+cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if host == nil {
		if len(problems) > 0 {
			c.Verdict, c.Reason = Fail, strings.Join(problems, "; ")
		} else {
			c.Verdict, c.Reason = Unknown, strings.Join(good, "; ")+"; firewall and fail2ban not checked ("+sshReason(b, sshErr)+")"
		}
		return c
	}
	switch fw, st := host["firewall"], host["firewall_state"]; {
	case fw == "":
		problems = append(problems, "no firewall (ufw or firewalld)")
	case st != "active" && st != "running":
		problems = append(problems, fw+" is not active ("+orNone(st)+")")
	default:
		good = append(good, fw+" active")
	}
	switch {
	case host["fail2ban"] == "":
		problems = append(problems, "fail2ban is not installed")
	case host["fail2ban_jail"] != "active":
		problems = append(problems, "fail2ban's webmin-auth jail is not running")
	default:
		good = append(good, "fail2ban webmin-auth jail active")
	}
	if len(problems) > 0 {
		c.Verdict, c.Reason = Fail, strings.Join(problems, "; ")
	} else {
		c.Verdict, c.Reason = Pass, strings.Join(good, "; ")
	}
	return c
}

func checkResources(host hostState, o HealthOptions, b *Bootstrapper, sshErr error) Check {
	c := Check{Name: CheckResources}
	if host == nil {
		c.Verdict, c.Reason = Unknown, "not checked ("+sshReason(b, sshErr)+")"
		return c
	}
	mem, err1 := strconv.ParseInt(host["mem_available_kb"], 10, 64)
	disk, err2 := strconv.ParseInt(host["disk_free_kb"], 10, 64)
	if err1 != nil || err2 != nil {
		c.Verdict, c.Reason = Unknown, "could not read /proc/meminfo or df"
		return c
	}
	mem, disk = mem<<10, disk<<10
	reason := fmt.Sprintf("%s memory available (minimum %s), %s disk free (minimum %s)", size(mem), size(o.MinMemoryAvailable), size(disk), size(o.MinDiskFree))
	c.Verdict, c.Reason = Pass, reason
	if mem < o.MinMemoryAvailable || disk < o.MinDiskFree {
		c.Verdict = Warn
	}
	return c
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	default:
		return fmt.Sprintf("%d MiB", n>>20)
	}
}

// snippet is the start of a body for an error message, secret removed.
func snippet(body []byte, secret string) string {
	s := string(body)
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
