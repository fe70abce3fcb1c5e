package provider

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// vmServer is one Virtualmin server of the run: its client (whose rate
// limit, in-flight cap and breakers every resource shares) and the snapshots
// of what every resource on it reads, so that a plan of many accounts costs
// one call of each per server.
type vmServer struct {
	endpoint string
	client   *virtualmin.Client
	// domains is every virtual server keyed by lower-case ASCII name (one
	// list-domains); the map must not be modified. Any write through the
	// provider invalidates it.
	domains *snapshot[map[string]virtualmin.Domain]
	// phpVersions are the PHP versions installed (list-php-versions).
	phpVersions *snapshot[[]virtualmin.PHPVersion]
	// features are the features the module configuration enables
	// (list-features).
	features *snapshot[[]virtualmin.Feature]
}

// vmServerFor wraps a client with the server's snapshots.
func vmServerFor(endpoint string, c *virtualmin.Client) *vmServer {
	return &vmServer{
		endpoint: endpoint,
		client:   c,
		domains: newSnapshot(time.Minute, func(ctx context.Context) (map[string]virtualmin.Domain, error) {
			list, err := c.Domains.List(ctx, nil)
			if err != nil {
				return nil, err
			}
			m := make(map[string]virtualmin.Domain, len(list))
			for _, d := range list {
				m[strings.ToLower(d.Name)] = d
			}
			return m, nil
		}),
		phpVersions: newSnapshot(time.Minute, func(ctx context.Context) ([]virtualmin.PHPVersion, error) {
			return c.PHP.ListVersions(ctx, "")
		}),
		features: newSnapshot(time.Minute, c.System.Features),
	}
}

// virtualminServer returns the shared client of the server at endpoint
// ("host" or "host:port"), building it on first use.
func (d *providerData) virtualminServer(endpoint string) (*vmServer, error) {
	key, err := normalizeEndpoint(endpoint, d.cfg.Virtualmin.Port)
	if err != nil {
		return nil, fmt.Errorf("invalid server: %w", err)
	}
	return d.vm.get(key)
}

// newVMServer builds the client of one endpoint from the provider settings.
func (d *providerData) newVMServer(endpoint string) (*vmServer, error) {
	c := d.cfg.Virtualmin
	m, managed := managedServerOf(d, endpoint)
	if (c.Username == "" || c.Password == "") && managed && m.user != "" && m.password != "" {
		// A server the run bootstrapped (praho_virtualmin_server): its API
		// user, unless the provider has credentials of its own.
		c.Username, c.Password = m.user, m.password
	}
	if c.Username == "" || c.Password == "" {
		return nil, errors.New("Virtualmin credentials are not configured: set username and password in the provider's " +
			"virtualmin block, or the environment variables PRAHO_VIRTUALMIN_USERNAME and PRAHO_VIRTUALMIN_PASSWORD. " +
			"A server managed by praho_virtualmin_server needs them (and its pin) for a resource added to it in a run " +
			"that does not change the server, and in every run when its API password is write-only")
	}
	retries := virtualmin.DefaultRetryPolicy()
	retries.MaxAttempts = c.Retries + 1
	opts := []virtualmin.Option{
		virtualmin.WithBasicAuth(c.Username, c.Password),
		virtualmin.WithRateLimit(c.RateLimit, virtualmin.DefaultRateBurst),
		virtualmin.WithMaxInFlight(c.MaxInFlight),
		virtualmin.WithRetry(retries),
		virtualmin.WithCallTimeout(c.RequestTimeout),
		virtualmin.WithLogger(sdkLogger(d.logCtx, c.Password)),
	}
	if len(c.CACertificatePEM) > 0 {
		opts = append(opts, virtualmin.WithCACertPEM(c.CACertificatePEM))
	}
	if pin, ok := c.Pins[endpoint]; ok {
		// A pin in the provider configuration wins over the one a
		// praho_virtualmin_server found: it is what the user wrote.
		opts = append(opts, virtualmin.WithPinnedCertificateSHA256(hex.EncodeToString(pin)))
	} else if managed && m.pin != "" {
		opts = append(opts, virtualmin.WithPinnedCertificateSHA256(m.pin))
	}
	if c.InsecureSkipVerify {
		opts = append(opts, virtualmin.WithInsecureSkipVerify())
	}
	if d.vmOptions != nil {
		opts = append(opts, d.vmOptions...)
	}
	client, err := virtualmin.NewClient(endpoint, opts...)
	if err != nil {
		return nil, err
	}
	return vmServerFor(endpoint, client), nil
}

// virtualminSettingsError says, in the provider's terms, what to fix when a
// call failed because of the provider's own Virtualmin settings (TLS trust,
// credentials): ok is false for any other error. The SDK's texts name its own
// options (WithPinnedCertificateSHA256, ...), which a provider user does not
// have, and its credentials advice would repeat the hint.
func virtualminSettingsError(server string, err error) (reason, hint string, ok bool) {
	var e *virtualmin.Error
	if !errors.As(err, &e) {
		return "", "", false
	}
	const credentials = "Check username and password in the provider's virtualmin block (environment: " +
		"PRAHO_VIRTUALMIN_USERNAME, PRAHO_VIRTUALMIN_PASSWORD), or the API user of the praho_virtualmin_server that manages the server."
	switch e.Kind {
	case virtualmin.KindTLS:
		var ve *tls.CertificateVerificationError
		if !errors.As(err, &ve) {
			// A pin that does not match: the SDK's reason names no option.
			return strings.TrimPrefix(e.Reason, "TLS: "), fmt.Sprintf("The certificate %s presents does not match its pin "+
				"(virtualmin.certificate_sha256_pins, or the pin praho_virtualmin_server recorded). If the certificate was "+
				"replaced on purpose, pin the new one (`openssl x509 -noout -fingerprint -sha256 -in /etc/webmin/miniserv.pem` "+
				"on the server prints it); otherwise something may be impersonating the server.", server), true
		}
		fingerprint := "<SHA-256 of its certificate>"
		if len(ve.UnverifiedCertificates) > 0 {
			fingerprint = virtualmin.CertificateSHA256(ve.UnverifiedCertificates[0].Raw)
		}
		return "the server's TLS certificate could not be verified: " + ve.Err.Error(), fmt.Sprintf("Trust the server in the "+
			"provider's virtualmin block: pin its certificate with certificate_sha256_pins = { %q = %q } (the certificate it "+
			"presented; compare it with what `openssl x509 -noout -fingerprint -sha256 -in /etc/webmin/miniserv.pem` prints "+
			"on the server), or set ca_certificate_pem (environment: PRAHO_VIRTUALMIN_CA_CERTIFICATE) to the CA that signed it.",
			server, fingerprint), true
	case virtualmin.KindAuth:
		reason = "Virtualmin refused the credentials"
		if e.HTTPStatus != 0 {
			reason += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
		}
		return reason, credentials + " Webmin blocks an address for about 60 s after 5 failed logins.", true
	case virtualmin.KindBlocked:
		return "Webmin has blocked this address after failed logins (HTTP 403)",
			"Wait about a minute before the next run, and fix the credentials first. " + credentials, true
	}
	return "", "", false
}

// managedServer is what a praho_virtualmin_server resource knows of the
// server it bootstrapped: the certificate it pinned and its API user. Accounts
// placed on that server in the same run (server = praho_virtualmin_server.x.id)
// reach it with these, since the server's self-signed certificate and its API
// user only exist once the bootstrap ran.
type managedServer struct {
	pin            string
	user, password string
	// passwordWriteOnly: the password came from api_password_wo, which must
	// stay out of state, so rememberManagedServer does not copy it.
	passwordWriteOnly bool
}

// managedServers holds the managed servers of every providerData of the
// process, keyed by managedKey. providerData itself belongs to clients.go;
// this map keeps the feature in this file.
var managedServers sync.Map

type managedKey struct {
	d        *providerData
	endpoint string
}

func managedServerOf(d *providerData, endpoint string) (managedServer, bool) {
	v, ok := managedServers.Load(managedKey{d, endpoint})
	if !ok {
		return managedServer{}, false
	}
	return v.(managedServer), true
}

// registerManagedServer records the pin and API user of a server the run
// manages. A client already built for the endpoint with other settings is
// dropped, so the next resource that asks gets one with the new settings.
func (d *providerData) registerManagedServer(endpoint string, m managedServer) {
	old, ok := managedServerOf(d, endpoint)
	managedServers.Store(managedKey{d, endpoint}, m)
	if ok && old == m {
		return
	}
	d.vm.drop(endpoint)
}

// deregisterManagedServer forgets a server the run no longer manages.
func (d *providerData) deregisterManagedServer(endpoint string) {
	if _, ok := managedServers.LoadAndDelete(managedKey{d, endpoint}); ok {
		d.vm.drop(endpoint)
	}
}

// privateManagedServer is the private-state key under which a resource on a
// managed server keeps what reaching that server needs.
const privateManagedServer = "praho_managed_server"

// managedServerRecord is the private-state form of a managedServer. The
// password is as secret as a sensitive attribute: private state lives in the
// state file and the plan file, and is never logged.
type managedServerRecord struct {
	// Endpoint is the server the record is for: a plan that moves the
	// resource to another server must not lend it these settings.
	Endpoint string `json:"endpoint"`
	Pin      string `json:"pin,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// privateGetter and privateSetter are the framework's private state of a
// request and of a response (req.Private, resp.Private).
type (
	privateGetter interface {
		GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	}
	privateSetter interface {
		SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	}
)

// syncManagedServer lets a resource on a praho_virtualmin_server reach it in
// a later run. Terraform starts a fresh provider for the apply, and nothing
// refreshes an unchanged server there, so its pin and API user are only
// known from what each resource kept: with get (req.Private; nil in Create),
// an endpoint this process has no registration for is registered from the
// resource's private state; with set (resp.Private; nil in Delete and
// ModifyPlan), the current registration is written back, so a rotated
// password replaces an older copy. Provider settings still win over both
// (newVMServer). Call it before looking the server up.
func (d *providerData) syncManagedServer(ctx context.Context, endpoint string, get privateGetter, set privateSetter) diag.Diagnostics {
	var diags diag.Diagnostics
	if d == nil {
		return diags
	}
	key, err := normalizeEndpoint(endpoint, d.cfg.Virtualmin.Port)
	if err != nil {
		return diags // reported by the look-up
	}
	if get != nil {
		diags.Append(d.adoptManagedServer(ctx, key, get)...)
	}
	if m, ok := managedServerOf(d, key); ok && set != nil {
		rec := managedServerRecord{Endpoint: key, Pin: m.pin, User: m.user}
		if !m.passwordWriteOnly {
			rec.Password = m.password
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			diags.AddError("Cannot record the server's settings", err.Error())
			return diags
		}
		diags.Append(set.SetKey(ctx, privateManagedServer, raw)...)
	}
	return diags
}

// adoptManagedServer registers the server at key from get's private state,
// unless this process has a registration for it already (the server resource
// ran here, or another resource adopted it first): that one is newer.
func (d *providerData) adoptManagedServer(ctx context.Context, key string, get privateGetter) diag.Diagnostics {
	if _, ok := managedServerOf(d, key); ok {
		return nil
	}
	raw, diags := get.GetKey(ctx, privateManagedServer)
	if diags.HasError() || len(raw) == 0 {
		return diags
	}
	var rec managedServerRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		// The record is not quoted: it holds a password.
		diags.AddAttributeWarning(path.Root("server"), "Unreadable server settings in private state",
			fmt.Sprintf("Server: %s\nThe pin and API user kept for this server could not be decoded; the provider's own "+
				"virtualmin settings are used. The next refresh of the server rewrites them.", key))
		return diags
	}
	if rec.Endpoint != key {
		return diags
	}
	m := managedServer{pin: rec.Pin, user: rec.User, password: rec.Password}
	if _, loaded := managedServers.LoadOrStore(managedKey{d, key}, m); !loaded {
		// A client built before without these settings is rebuilt.
		d.vm.drop(key)
	}
	return diags
}

// drop forgets the client of key; the next get builds a new one.
func (r *registry[C]) drop(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, key)
}
