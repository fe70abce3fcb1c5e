package virtualmin

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"strings"
)

// tlsOptions is the TLS policy: system roots by default, or a custom CA,
// SHA-256 pins of the leaf, or an explicit, named insecure opt-out.
type tlsOptions struct {
	roots              *x509.CertPool
	pins               [][32]byte
	insecureSkipVerify bool
}

// pinError is a handshake refused because the leaf matched no pin.
type pinError struct{ got string }

func (e *pinError) Error() string {
	return "the server's certificate (SHA-256 " + e.got + ") matches no pinned fingerprint"
}

// buildTLSConfig turns the policy into a tls.Config. Verification is on unless
// WithInsecureSkipVerify was given. With pins, Go's own chain verification is
// replaced by VerifyConnection, which checks the pin (and the chain too when a
// CA was given) during the handshake, before any request byte is sent.
func buildTLSConfig(server string, o *tlsOptions) (*tls.Config, error) {
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: host,
		RootCAs:    o.roots,
	}
	switch {
	case len(o.pins) > 0:
		pins := o.pins
		roots := o.roots
		checkChain := roots != nil && !o.insecureSkipVerify
		conf.InsecureSkipVerify = true // replaced by VerifyConnection below
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			leaf := cs.PeerCertificates[0]
			sum := sha256.Sum256(leaf.Raw)
			if !matchPin(pins, sum) {
				return &pinError{got: formatFingerprint(sum)}
			}
			if checkChain {
				inter := x509.NewCertPool()
				for _, c := range cs.PeerCertificates[1:] {
					inter.AddCert(c)
				}
				if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host}); err != nil {
					return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
				}
			}
			return nil
		}
	case o.insecureSkipVerify:
		conf.InsecureSkipVerify = true
	}
	return conf, nil
}

// matchPin compares in constant time against every pin.
func matchPin(pins [][32]byte, sum [32]byte) bool {
	ok := 0
	for _, p := range pins {
		ok |= subtle.ConstantTimeCompare(p[:], sum[:])
	}
	return ok == 1
}

// formatFingerprint prints a fingerprint as openssl does (AB:CD:...).
func formatFingerprint(sum [32]byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// CertificateSHA256 returns the fingerprint WithPinnedCertificateSHA256
// expects for a DER certificate, formatted as openssl prints it.
func CertificateSHA256(der []byte) string { return formatFingerprint(sha256.Sum256(der)) }

// classifyTLSError turns a certificate the policy refused into a permanent
// *Error (never retried: a wrong certificate does not fix itself, and it may
// be an attack). Other errors give nil.
func classifyTLSError(server string, err error) *Error {
	var pe *pinError
	if errors.As(err, &pe) {
		return &Error{Kind: KindTLS, Server: server, Reason: "TLS: " + pe.Error(), Err: err}
	}
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ve) {
		reason := "TLS: the server's certificate could not be verified: " + ve.Err.Error() +
			" (for Webmin's self-signed certificate use WithPinnedCertificateSHA256 or WithCACertPEM)"
		return &Error{Kind: KindTLS, Server: server, Reason: reason, Err: err}
	}
	return nil
}
