package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

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

// newVMServer builds the client of one endpoint from the provider settings
// and the login and pin access finds for it.
func (d *providerData) newVMServer(endpoint string) (*vmServer, error) {
	c := d.cfg.Virtualmin
	a := d.access(endpoint)
	if a.user == "" || a.password == "" {
		return nil, errors.New("Virtualmin credentials are not configured for " + endpoint + ": set username and password " +
			"in the provider's virtualmin block (environment: PRAHO_VIRTUALMIN_USERNAME and PRAHO_VIRTUALMIN_PASSWORD), " +
			"or the server's entry in virtualmin.servers. A server managed by praho_virtualmin_server lends its API user " +
			"to the resources on it, except when its API password is write-only (api_password_wo) or when a resource is " +
			"added to it in a run that does not change the server")
	}
	retries := virtualmin.DefaultRetryPolicy()
	retries.MaxAttempts = c.Retries + 1
	opts := []virtualmin.Option{
		virtualmin.WithBasicAuth(a.user, a.password),
		virtualmin.WithRateLimit(c.RateLimit, virtualmin.DefaultRateBurst),
		virtualmin.WithMaxInFlight(c.MaxInFlight),
		virtualmin.WithRetry(retries),
		virtualmin.WithCallTimeout(c.RequestTimeout),
		virtualmin.WithLogger(sdkLogger(d.logCtx, a.password)),
	}
	if len(c.CACertificatePEM) > 0 {
		opts = append(opts, virtualmin.WithCACertPEM(c.CACertificatePEM))
	}
	if a.pin != "" {
		opts = append(opts, virtualmin.WithPinnedCertificateSHA256(a.pin))
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
		"PRAHO_VIRTUALMIN_USERNAME, PRAHO_VIRTUALMIN_PASSWORD) or the server's entry in virtualmin.servers, or the API " +
		"user of the praho_virtualmin_server that manages the server."
	switch e.Kind {
	case virtualmin.KindTLS:
		var ve *tls.CertificateVerificationError
		if !errors.As(err, &ve) {
			// A pin that does not match: the SDK's reason names no option.
			return strings.TrimPrefix(e.Reason, "TLS: "), fmt.Sprintf("The certificate %s presents does not match its pin "+
				"(virtualmin.certificate_sha256_pins or virtualmin.servers, or the pin praho_virtualmin_server recorded). If the certificate was "+
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

// drop forgets the client of key; the next get builds a new one.
func (r *registry[C]) drop(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, key)
}
