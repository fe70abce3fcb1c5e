package provider

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// Environment variables read when the provider block leaves a setting out.
const (
	envVirtualminUsername       = "PRAHO_VIRTUALMIN_USERNAME"
	envVirtualminPassword       = "PRAHO_VIRTUALMIN_PASSWORD"
	envVirtualminPort           = "PRAHO_VIRTUALMIN_PORT"
	envVirtualminCACertificate  = "PRAHO_VIRTUALMIN_CA_CERTIFICATE"
	envVirtualminInsecure       = "PRAHO_VIRTUALMIN_INSECURE"
	envVirtualminAdoptExisting  = "PRAHO_VIRTUALMIN_ADOPT_EXISTING"
	envVirtualminPasswordMin    = "PRAHO_VIRTUALMIN_PASSWORD_MIN_LENGTH"
	envVirtualminRateLimit      = "PRAHO_VIRTUALMIN_RATE_LIMIT"
	envVirtualminMaxInFlight    = "PRAHO_VIRTUALMIN_MAX_IN_FLIGHT"
	envVirtualminRetries        = "PRAHO_VIRTUALMIN_RETRIES"
	envVirtualminRequestTimeout = "PRAHO_VIRTUALMIN_REQUEST_TIMEOUT"
	envBackupStoreURL           = "PRAHO_BACKUP_STORE_URL"
	envBackupStorePassword      = "PRAHO_BACKUP_STORE_PASSWORD"
	envBackupStoreHostKey       = "PRAHO_BACKUP_STORE_HOST_KEY"
	envPDNSAPIURL               = "PDNS_API_URL"
	envPDNSAPIKey               = "PDNS_API_KEY"
	envPDNSServerID             = "PDNS_SERVER_ID"
	envCloudflareAPIToken       = "CLOUDFLARE_API_TOKEN"
	envCloudflareBaseURL        = "CLOUDFLARE_BASE_URL"
)

// Defaults of settings left out of both the configuration and the
// environment: the SDK's, except where the provider chooses otherwise.
const (
	defaultVirtualminPort = virtualmin.DefaultPort
	defaultMaxInFlight    = virtualmin.DefaultMaxInFlight
	defaultRequestTimeout = virtualmin.DefaultCallTimeout
	defaultPowerDNSServer = powerdns.DefaultServerID
	defaultCloudflareBase = cloudflare.DefaultBaseURL
	// A run reads every resource of a server at its start: the provider
	// allows more calls per second than the SDK's default of 2, and one
	// more retry than the SDK's 3 attempts.
	defaultRateLimit = 5.0
	defaultRetries   = 3
	// defaultPasswordMinLength: what current guidance asks of a password a
	// person may choose (OWASP ASVS 2.1.1).
	defaultPasswordMinLength = 12
)

// sha256FingerprintBytes is the length of a certificate pin.
const sha256FingerprintBytes = 32

// lookupEnv is os.LookupEnv, replaceable in tests.
type lookupEnv func(string) (string, bool)

var osEnv lookupEnv = os.LookupEnv

// config is the provider configuration after defaults and environment variables
// were applied, in plain Go types.
type config struct {
	Virtualmin virtualminConfig
	PowerDNS   powerDNSConfig
	Cloudflare cloudflareConfig
}

// virtualminConfig says how to reach every Virtualmin server.
type virtualminConfig struct {
	Username string
	Password string
	Port     int
	// CACertificatePEM replaces the system roots when set.
	CACertificatePEM []byte
	// Pins maps an endpoint (host:port) to the SHA-256 of its certificate
	// (certificate_sha256_pins and the servers' certificate_sha256).
	Pins map[string][]byte
	// Servers maps an endpoint (host:port) to the login the provider block
	// gives that server (virtualmin.servers); Username and Password above
	// are for the others.
	Servers map[string]serverLogin
	// Store is virtualmin.backup_store, nil when not configured.
	Store *backupStore
	// MoveMethod is moveViaStore or moveViaRootRPC.
	MoveMethod         string
	InsecureSkipVerify bool
	// AdoptExisting lets a create take an object an interrupted apply made
	// (adopt.go).
	AdoptExisting bool
	// PasswordMinLength is the fewest characters of an account's or a
	// mailbox's password.
	PasswordMinLength int
	// RateLimit is calls per second per server; 0 is unlimited.
	RateLimit      float64
	MaxInFlight    int
	Retries        int
	RequestTimeout time.Duration
}

// serverLogin is the API login of one server.
type serverLogin struct {
	Username, Password string
}

// powerDNSConfig says how to reach the PowerDNS API.
type powerDNSConfig struct {
	APIURL   string
	APIKey   string
	ServerID string
}

// cloudflareConfig says how to reach Cloudflare's API.
type cloudflareConfig struct {
	APIToken string
	BaseURL  string
}

// buildConfig merges the provider block with the environment: a value in the
// configuration wins, then the environment, then the default.
func buildConfig(ctx context.Context, m *providerModel, env lookupEnv) (*config, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := &config{}
	vm := m.Virtualmin
	if vm == nil {
		vm = &virtualminBlock{}
	}
	vp := path.Root("virtualmin")
	c.Virtualmin.Username = stringSetting(&diags, vp.AtName("username"), vm.Username, env, envVirtualminUsername, "")
	c.Virtualmin.Password = stringSetting(&diags, vp.AtName("password"), vm.Password, env, envVirtualminPassword, "")
	c.Virtualmin.Port = int(intSetting(&diags, vp.AtName("port"), vm.Port, env, envVirtualminPort, defaultVirtualminPort, 1, 65535))
	c.Virtualmin.InsecureSkipVerify = boolSetting(&diags, vp.AtName("insecure_skip_verify"), vm.InsecureSkipVerify, env, envVirtualminInsecure)
	c.Virtualmin.AdoptExisting = boolSetting(&diags, vp.AtName("adopt_existing"), vm.AdoptExisting, env, envVirtualminAdoptExisting)
	c.Virtualmin.PasswordMinLength = int(intSetting(&diags, vp.AtName("password_min_length"), vm.PasswordMinLength, env, envVirtualminPasswordMin,
		defaultPasswordMinLength, 1, 128))
	c.Virtualmin.RateLimit = floatSetting(&diags, vp.AtName("rate_limit"), vm.RateLimit, env, envVirtualminRateLimit, defaultRateLimit)
	c.Virtualmin.MaxInFlight = int(intSetting(&diags, vp.AtName("max_in_flight"), vm.MaxInFlight, env, envVirtualminMaxInFlight, defaultMaxInFlight, 1, 64))
	c.Virtualmin.Retries = int(intSetting(&diags, vp.AtName("retries"), vm.Retries, env, envVirtualminRetries, defaultRetries, 0, 20))

	if s := stringSetting(&diags, vp.AtName("request_timeout"), vm.RequestTimeout, env, envVirtualminRequestTimeout, ""); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			diags.AddAttributeError(vp.AtName("request_timeout"), "Invalid request timeout",
				fmt.Sprintf("%q is not a positive Go duration such as \"90s\" or \"2m\".", s))
		}
		c.Virtualmin.RequestTimeout = d
	} else {
		c.Virtualmin.RequestTimeout = defaultRequestTimeout
	}

	if s := stringSetting(&diags, vp.AtName("ca_certificate_pem"), vm.CACertificatePEM, env, envVirtualminCACertificate, ""); s != "" {
		pemText := s
		if !strings.Contains(s, "-----BEGIN") && vm.CACertificatePEM.IsNull() {
			// The environment variable may name a file instead of holding the PEM.
			b, err := os.ReadFile(s)
			if err != nil {
				diags.AddAttributeError(vp.AtName("ca_certificate_pem"), "Cannot read the CA certificate",
					fmt.Sprintf("%s is neither PEM text nor a readable file: %v", envVirtualminCACertificate, err))
			}
			pemText = string(b)
		}
		if err := checkPEM(pemText); err != nil && !diags.HasError() {
			diags.AddAttributeError(vp.AtName("ca_certificate_pem"), "Invalid CA certificate", err.Error())
		}
		c.Virtualmin.CACertificatePEM = []byte(pemText)
	}

	if !vm.CertificateSHA256Pins.IsNull() && !vm.CertificateSHA256Pins.IsUnknown() {
		pins := map[string]types.String{}
		diags.Append(vm.CertificateSHA256Pins.ElementsAs(ctx, &pins, false)...)
		c.Virtualmin.Pins = map[string][]byte{}
		for ep, fp := range pins {
			norm, err := normalizeEndpoint(ep, c.Virtualmin.Port)
			if err != nil {
				diags.AddAttributeError(vp.AtName("certificate_sha256_pins").AtMapKey(ep), "Invalid server endpoint", err.Error())
				continue
			}
			sum, err := parseFingerprint(fp.ValueString())
			if err != nil {
				diags.AddAttributeError(vp.AtName("certificate_sha256_pins").AtMapKey(ep), "Invalid certificate fingerprint", err.Error())
				continue
			}
			c.Virtualmin.Pins[norm] = sum
		}
	} else if vm.CertificateSHA256Pins.IsUnknown() {
		diags.AddAttributeError(vp.AtName("certificate_sha256_pins"), "Unknown certificate pins",
			"The pins must be known when the provider is configured.")
	}
	serverSettings(ctx, &diags, vp.AtName("servers"), vm.Servers, &c.Virtualmin)
	c.Virtualmin.Store = storeSettings(&diags, vp.AtName("backup_store"), vm.BackupStore, env)
	c.Virtualmin.MoveMethod = stringSetting(&diags, vp.AtName("move_method"), vm.MoveMethod, noEnv, "", moveViaStore)

	pd := m.PowerDNS
	if pd == nil {
		pd = &powerDNSBlock{}
	}
	pp := path.Root("powerdns")
	c.PowerDNS.APIURL = stringSetting(&diags, pp.AtName("api_url"), pd.APIURL, env, envPDNSAPIURL, "")
	c.PowerDNS.APIKey = stringSetting(&diags, pp.AtName("api_key"), pd.APIKey, env, envPDNSAPIKey, "")
	c.PowerDNS.ServerID = stringSetting(&diags, pp.AtName("server_id"), pd.ServerID, env, envPDNSServerID, defaultPowerDNSServer)
	if c.PowerDNS.APIURL != "" {
		if err := checkURL(c.PowerDNS.APIURL); err != nil {
			diags.AddAttributeError(pp.AtName("api_url"), "Invalid PowerDNS API URL", err.Error())
		}
	}

	cf := m.Cloudflare
	if cf == nil {
		cf = &cloudflareBlock{}
	}
	cp := path.Root("cloudflare")
	c.Cloudflare.APIToken = stringSetting(&diags, cp.AtName("api_token"), cf.APIToken, env, envCloudflareAPIToken, "")
	c.Cloudflare.BaseURL = stringSetting(&diags, cp.AtName("base_url"), cf.BaseURL, env, envCloudflareBaseURL, defaultCloudflareBase)
	if err := checkURL(c.Cloudflare.BaseURL); err != nil {
		diags.AddAttributeError(cp.AtName("base_url"), "Invalid Cloudflare base URL", err.Error())
	}
	return c, diags
}

// serverSettings reads virtualmin.servers into c: one login per server, its
// username and password defaulting to the block's (or the environment's),
// and its certificate_sha256 joining the pins.
func serverSettings(ctx context.Context, diags *diag.Diagnostics, p path.Path, v types.Map, c *virtualminConfig) {
	if v.IsUnknown() {
		diags.AddAttributeError(p, "Unknown server settings",
			"virtualmin.servers must be known when the provider is configured: key it by each server's address "+
				"(a literal or a variable, such as \"203.0.113.10:10000\"), not by an attribute of a resource created in "+
				"the same apply. A praho_virtualmin_server hands its own API user and pin to the accounts on it without this block.")
		return
	}
	if v.IsNull() {
		return
	}
	entries := map[string]serverBlock{}
	diags.Append(v.ElementsAs(ctx, &entries, false)...)
	c.Servers = map[string]serverLogin{}
	for ep, e := range entries {
		at := p.AtMapKey(ep)
		norm, err := normalizeEndpoint(ep, c.Port)
		if err != nil {
			diags.AddAttributeError(at, "Invalid server endpoint", err.Error())
			continue
		}
		if _, dup := c.Servers[norm]; dup {
			diags.AddAttributeError(at, "Server listed twice",
				fmt.Sprintf("%q is %s, which another key of virtualmin.servers names already: keep one entry.", ep, norm))
			continue
		}
		login := serverLogin{
			Username: stringSetting(diags, at.AtName("username"), e.Username, noEnv, "", c.Username),
			Password: stringSetting(diags, at.AtName("password"), e.Password, noEnv, "", c.Password),
		}
		c.Servers[norm] = login
		fp := stringSetting(diags, at.AtName("certificate_sha256"), e.CertificateSHA256, noEnv, "", "")
		if fp == "" {
			continue
		}
		sum, err := parseFingerprint(fp)
		if err != nil {
			diags.AddAttributeError(at.AtName("certificate_sha256"), "Invalid certificate fingerprint", err.Error())
			continue
		}
		if old, ok := c.Pins[norm]; ok && !bytes.Equal(old, sum) {
			diags.AddAttributeError(at.AtName("certificate_sha256"), "Two pins for one server",
				fmt.Sprintf("certificate_sha256_pins pins another certificate for %s: keep one of the two.", norm))
			continue
		}
		if c.Pins == nil {
			c.Pins = map[string][]byte{}
		}
		c.Pins[norm] = sum
	}
}

// storeSettings reads virtualmin.backup_store; nil when neither it nor its
// environment variables give a URL.
func storeSettings(diags *diag.Diagnostics, p path.Path, b *storeBlock, env lookupEnv) *backupStore {
	if b == nil {
		b = &storeBlock{}
	}
	url := stringSetting(diags, p.AtName("url"), b.URL, env, envBackupStoreURL, "")
	password := stringSetting(diags, p.AtName("password"), b.Password, env, envBackupStorePassword, "")
	hostKey := stringSetting(diags, p.AtName("host_key"), b.HostKey, env, envBackupStoreHostKey, "")
	if url == "" {
		if password != "" || hostKey != "" {
			diags.AddAttributeError(p.AtName("url"), "Backup store without a URL",
				"backup_store has a password or host key but no url (environment: PRAHO_BACKUP_STORE_URL): set it to "+
					"ssh://user@host:/path.")
		}
		return nil
	}
	user, host, dir, err := parseStoreURL(url)
	if err != nil {
		diags.AddAttributeError(p.AtName("url"), "Invalid backup store URL", err.Error())
		return nil
	}
	s := &backupStore{User: user, Host: host, Dir: dir, Password: password}
	switch {
	case hostKey == "":
	case strings.HasPrefix(hostKey, "SHA256:"):
		s.HostKeySHA256 = hostKey
	default:
		if _, _, _, _, err := xssh.ParseAuthorizedKey([]byte(hostKey)); err != nil {
			diags.AddAttributeError(p.AtName("host_key"), "Invalid host key",
				"Want the store's public host key as authorized_keys and known_hosts write it (ssh-ed25519 AAAA...), or its "+
					"fingerprint as ssh-keygen -l prints it (SHA256:...).")
			return nil
		}
		s.HostKey = hostKey
	}
	return s
}

// noEnv is the environment of settings that have no environment variable.
func noEnv(string) (string, bool) { return "", false }

func unknownSetting(diags *diag.Diagnostics, p path.Path) {
	diags.AddAttributeError(p, "Unknown provider setting",
		"This setting depends on a value known only after apply. The provider must be configured with "+
			"known values: use a literal, a variable, or the environment variable named in the documentation.")
}

func stringSetting(diags *diag.Diagnostics, p path.Path, v types.String, env lookupEnv, key, def string) string {
	if v.IsUnknown() {
		unknownSetting(diags, p)
		return ""
	}
	if !v.IsNull() {
		return v.ValueString()
	}
	if s, ok := env(key); ok && s != "" {
		return s
	}
	return def
}

func intSetting(diags *diag.Diagnostics, p path.Path, v types.Int64, env lookupEnv, key string, def, lo, hi int64) int64 {
	if v.IsUnknown() {
		unknownSetting(diags, p)
		return def
	}
	if !v.IsNull() {
		return v.ValueInt64()
	}
	s, ok := env(key)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < lo || n > hi {
		diags.AddAttributeError(p, "Invalid environment variable",
			fmt.Sprintf("%s=%q: want a whole number from %d to %d.", key, s, lo, hi))
		return def
	}
	return n
}

func floatSetting(diags *diag.Diagnostics, p path.Path, v types.Float64, env lookupEnv, key string, def float64) float64 {
	if v.IsUnknown() {
		unknownSetting(diags, p)
		return def
	}
	if !v.IsNull() {
		return v.ValueFloat64()
	}
	s, ok := env(key)
	if !ok || s == "" {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		diags.AddAttributeError(p, "Invalid environment variable",
			fmt.Sprintf("%s=%q: want a number of calls per second, 0 or more.", key, s))
		return 0
	}
	return f
}

func boolSetting(diags *diag.Diagnostics, p path.Path, v types.Bool, env lookupEnv, key string) bool {
	if v.IsUnknown() {
		unknownSetting(diags, p)
		return false
	}
	if !v.IsNull() {
		return v.ValueBool()
	}
	s, ok := env(key)
	if !ok || s == "" {
		return false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		diags.AddAttributeError(p, "Invalid environment variable",
			fmt.Sprintf("%s=%q: want true or false.", key, s))
		return false
	}
	return b
}

// normalizeEndpoint turns "host", "host:port" or "https://host:port/" into the
// canonical "host:port" (lowercase host) that keys the client registry.
func normalizeEndpoint(s string, defaultPort int) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return "", fmt.Errorf("%q: want host:port (or https://host:port)", orig)
		}
		s = u.Host
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") {
		// A bare IPv6 address.
		host = s
	} else if strings.Contains(s, ":") {
		return "", fmt.Errorf("%q: want host:port", orig)
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return "", fmt.Errorf("%q: the host is empty", orig)
	}
	if net.ParseIP(host) == nil && !validHostname(host) {
		return "", fmt.Errorf("%q: %q is not a host name or IP address", orig, host)
	}
	if port == "" {
		port = strconv.Itoa(defaultPort)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", orig, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// validHostname accepts LDH labels (letters, digits, hyphens) joined by dots.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// parseFingerprint reads a SHA-256 fingerprint written as 64 hex digits, with
// or without colons, any case.
func parseFingerprint(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256FingerprintBytes {
		return nil, fmt.Errorf("%q is not a SHA-256 fingerprint: want 64 hex digits, colons allowed "+
			"(openssl x509 -noout -fingerprint -sha256)", s)
	}
	return b, nil
}

// checkPEM requires at least one CERTIFICATE block.
func checkPEM(s string) error {
	rest := []byte(s)
	found := false
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("the PEM holds a %q block; only CERTIFICATE blocks belong here", b.Type)
		}
		found = true
	}
	if !found {
		return fmt.Errorf("no PEM CERTIFICATE block found")
	}
	return nil
}

// checkURL accepts absolute http and https URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: want an absolute http:// or https:// URL")
	}
	if u.User != nil {
		return fmt.Errorf("the URL must not hold credentials; use the key or token setting")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL", s)
	}
	return nil
}
