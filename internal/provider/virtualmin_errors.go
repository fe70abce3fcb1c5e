package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// vmError adds the diagnostic of a failed Virtualmin call, in the provider's
// terms: what was being done (action, the summary), the server, the object
// (a line such as "Domain: example.ro" or "Mailbox: bob@example.ro", or ""),
// what Virtualmin said (its reason line, not the whole output with its usage
// text) and what to do. hint, when not empty, replaces the advice of the
// error's kind.
//
// An error caused by the provider's own settings for the server (its
// credentials, its TLS trust) has one cause for every resource on that
// server: the first resource to meet it explains it in full, the others
// refer to that explanation, so that a wrong password shows once, not once
// per resource.
func vmError(diags *diag.Diagnostics, srv *vmServer, action, object string, err error, hint string) {
	var e *virtualmin.Error
	reason := err.Error()
	kind := virtualmin.KindUnknown
	if errors.As(err, &e) {
		kind = e.Kind
		if e.Reason != "" {
			reason = e.Reason
		}
		if e.Program != "" {
			reason = e.Program + ": " + reason
		}
	}
	if hint == "" {
		hint = kindHint(err, kind)
	}
	server := srv.endpoint
	head := "Server: " + server
	if object != "" {
		head += "\n" + object
	}
	if r, h, ok := virtualminSettingsError(server, err); ok {
		if first, firstAction := srv.firstSettingsError(kind, action); !first {
			diags.AddError(action, fmt.Sprintf("%s\n%s.\n\nThe same cause as the error %q for this server, which says what to fix.",
				head, r, firstAction))
			return
		}
		reason, hint = r, h
	}
	detail := head + "\nVirtualmin said: " + reason
	if hint != "" {
		detail += "\n\n" + hint
	}
	diags.AddError(action, detail)
}

// programRefusal returns the reason line of an error where the program ran
// and refused (a failure, a missing object, bad input), as opposed to a call
// that got no usable answer or was refused for the provider's settings.
func programRefusal(err error) (string, bool) {
	var e *virtualmin.Error
	if !errors.As(err, &e) || errors.Is(err, context.DeadlineExceeded) {
		return "", false
	}
	switch e.Kind {
	case virtualmin.KindAuth, virtualmin.KindBlocked, virtualmin.KindTLS, virtualmin.KindTransient, virtualmin.KindUnknownOutcome:
		return "", false
	}
	if e.Reason == "" {
		return err.Error(), true
	}
	return e.Reason, true
}

// kindHint is what to do about an error of kind k.
func kindHint(err error, k virtualmin.ErrorKind) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "The operation ran out of time. Raise the timeouts block or virtualmin.request_timeout; the next plan shows what the server holds."
	case k == virtualmin.KindNotPermitted:
		return "The Webmin user must be a Virtualmin master administrator to use the remote API."
	case k == virtualmin.KindTransient:
		return "The server did not answer. Check that Webmin runs and is reachable on that port; nothing was changed that the next plan will not see."
	case k == virtualmin.KindUnknownOutcome:
		return "The request was sent but its answer was lost, and the server could not tell in time whether it took effect. The next plan reads what the server holds."
	case k == virtualmin.KindInvalidInput:
		return "Virtualmin rejected the input; fix the configuration."
	}
	return ""
}

// firstSettingsError records that an error of kind k, caused by the
// provider's settings for this server, was reported under action; it reports
// whether this is the first, and the action of the first.
func (s *vmServer) firstSettingsError(k virtualmin.ErrorKind, action string) (bool, string) {
	s.reportedMu.Lock()
	defer s.reportedMu.Unlock()
	if first, ok := s.reported[k]; ok {
		return false, first
	}
	if s.reported == nil {
		s.reported = map[virtualmin.ErrorKind]string{}
	}
	s.reported[k] = action
	return true, action
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

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
