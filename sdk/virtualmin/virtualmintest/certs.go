package virtualmintest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Certificates. Where the ssl feature is switched on for every website
// (stock profile) each new web domain gets a self-signed certificate at once
// (stock 22, 23), which Webmin and Postfix serve for its hostnames. Where it
// is off (old 259-279), /etc/ssl/virtualmin/<id> does not exist and
// install-cert fails until it is created (CreateSSLDirectory); a successful
// install-cert on a domain that had no certificate also makes Webmin serve
// the domain's certificate as its own (docs/virtualmin-api.md): the
// simulator then presents it on its TLS port, so a client pinning the old
// fingerprint fails, as against the real server. RestoreWebminCertificate
// undoes it, as the recorder did by hand.

func (s *Server) sslDir(d *domain) string { return "/etc/ssl/virtualmin/" + d.ID }

// CreateSSLDirectory creates /etc/ssl/virtualmin/<id> for the domain on the
// simulated host (what the recorder did with mkdir before 274). It reports
// whether the domain exists.
func (s *Server) CreateSSLDirectory(domainName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.find(domainName)
	if d == nil {
		return false
	}
	d.SSLDir = true
	return true
}

// RestoreWebminCertificate makes Webmin serve its own certificate again
// after install-cert took it over.
func (s *Server) RestoreWebminCertificate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.WebminCertDomain = ""
	s.certMu.Lock()
	s.current = s.own
	s.certMu.Unlock()
}

func (s *Server) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.certMu.RLock()
	defer s.certMu.RUnlock()
	c := s.current
	return &c, nil
}

// pemData is how Virtualmin reads --cert/--key data: tabs stand for
// newlines (a real newline would split the argv word).
func pemData(v string) string { return strings.ReplaceAll(v, "\t", "\n") }

func (s *Server) installCert(cc *callCtx, a *args) result {
	const p = "install-cert"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	certPEM, keyPEM := pemData(a.str("cert")), pemData(a.str("key"))
	if a.has("cert") {
		if b, _ := pem.Decode([]byte(certPEM)); b == nil || (b.Type != "CERTIFICATE" && b.Type != "PUBLIC KEY") {
			return s.usage(p, "Invalid data for cert : Data is <em>empty</em>, but expected -----BEGIN (CERTIFICATE|PUBLIC KEY)-----")
		}
	}
	if a.has("key") {
		if b, _ := pem.Decode([]byte(keyPEM)); b == nil || !strings.Contains(b.Type, "PRIVATE KEY") {
			return s.usage(p, "Invalid data for key : Data is <em>empty</em>, but expected -----BEGIN (RSA |EC |)PRIVATE KEY-----")
		}
	}
	if err := s.ensureCert(d); err != nil {
		return fail("Failed to create certificate : " + err.Error() + "\n")
	}
	if certPEM == "" {
		certPEM = d.Cert
	}
	if keyPEM == "" {
		keyPEM = d.Key
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return s.usage(p, "Certificate problems found : Certificate and private key do not match")
	}
	if !d.SSLDir {
		ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
		msg := "Failed to open " + s.sslDir(d) + "/ssl.cert for writing : No such file or directory"
		return fail("Installing new SSL files ..\n" + ts + " [127.0.0.1] " + msg + "\nError\n-----\n" + msg + "\n-----\n")
	}
	return ok("Installing new SSL files ..\n.. done\n\n" + s.storeCert(d, certPEM, keyPEM, pair))
}

// storeCert installs a certificate on d and returns the rest of the output.
func (s *Server) storeCert(d *domain, certPEM, keyPEM string, pair tls.Certificate) string {
	hadCert := s.hasCert(d)
	d.Cert, d.Key, d.SSLExpiryCached = strings.TrimSpace(certPEM)+"\n", strings.TrimSpace(keyPEM)+"\n", false
	d.CertAuto, d.SSLShared = false, ""
	if leaf, err := x509.ParseCertificate(pair.Certificate[0]); err == nil {
		d.SSLExpiry = leaf.NotAfter.Unix()
	}
	var out string
	if s.st.top(d).has("webmin") {
		out += steps("", "Updating Webmin user")
	}
	out += steps("", "Applying webserver configuration")
	if !hadCert && s.st.WebminCertDomain == "" {
		// copycert-lib.pl's same_cert_file() sees two empty paths as equal,
		// so Webmin "uses" the domain's certificate and is moved to it.
		s.st.WebminCertDomain = d.Name
		s.certMu.Lock()
		s.current = pair
		s.certMu.Unlock()
		out += steps("", "Re-starting Webmin")
	}
	return out
}

// issueACME makes the certificate a successful generate-letsencrypt-cert
// installs: 90 days, the requested names, signed by a throw-away CA.
func (s *Server) issueACME(names []string) (string, string, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", tls.Certificate{}, err
	}
	now := s.cfg.now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Simulated ACME CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", tls.Certificate{}, err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", tls.Certificate{}, err
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", tls.Certificate{}, err
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	return certPEM, keyPEM, pair, err
}

func (s *Server) certDomain(cc *callCtx, p string, a *args) (*domain, *result) {
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		r := s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
		return nil, &r
	}
	return d, nil
}

func (s *Server) getSSL(cc *callCtx, a *args) result {
	const p = "get-ssl"
	d, r := s.certDomain(cc, p, a)
	if r != nil {
		return *r
	}
	if !s.hasCert(d) {
		return s.usage(p, "Virtual server "+d.Name+" does not have an SSL cert")
	}
	owner := s.certOwner(d)
	if err := s.ensureCert(owner); err != nil {
		return fail("Failed to create certificate : " + err.Error() + "\n")
	}
	b, _ := pem.Decode([]byte(owner.Cert))
	leaf, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return fail("Failed to parse certificate : " + err.Error() + "\n")
	}
	var out strings.Builder
	kv := func(k, v string) { out.WriteString(k + ": " + v + "\n") }
	kv("cert", s.sslDir(owner)+"/ssl.cert")
	kv("key", s.sslDir(owner)+"/ssl.key")
	if owner.CertAuto {
		kv("ca", s.sslDir(owner)+"/ssl.combined")
	}
	pub, isRSA := leaf.PublicKey.(*rsa.PublicKey)
	if isRSA {
		kv("type", "rsa")
		kv("size", strconv.Itoa(pub.N.BitLen()))
	} else {
		kv("type", "ec")
	}
	kv("cn", leaf.Subject.CommonName)
	kv("issuer_cn", leaf.Issuer.CommonName)
	kv("notafter", leaf.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT"))
	if leaf.Subject.String() == leaf.Issuer.String() {
		kv("type", "Self-signed")
	}
	for _, n := range leaf.DNSNames {
		kv("alt", n)
	}
	if isRSA {
		hexN := fmt.Sprintf("%x", pub.N)
		if len(hexN)%2 == 1 {
			hexN = "0" + hexN
		}
		if hexN[0] >= '8' {
			hexN = "00" + hexN
		}
		var parts []string
		for i := 0; i < len(hexN); i += 2 {
			parts = append(parts, hexN[i:i+2])
		}
		kv("modulus", strings.Join(parts, ":"))
		kv("exponent", strconv.Itoa(pub.E))
	}
	return ok(out.String())
}

func (s *Server) listCerts(cc *callCtx, a *args) result {
	const p = "list-certs"
	var doms []*domain
	if a.has("all-domains") {
		doms = s.st.ordered()
	}
	for _, n := range a.all("domain") {
		d, r := s.certDomain(cc, p, a)
		if r != nil {
			return *r
		}
		_ = n
		doms = append(doms, d)
	}
	var out strings.Builder
	for _, d := range doms {
		if !s.hasCert(d) {
			continue
		}
		owner := s.certOwner(d)
		if err := s.ensureCert(owner); err != nil {
			return fail("Failed to create certificate : " + err.Error() + "\n")
		}
		if !a.has("key") || a.has("cert") {
			out.WriteString(d.Name + ":\n    Type: cert\n    File: " + s.sslDir(owner) + "/ssl.cert\n" + owner.Cert)
		}
		if !a.has("cert") || a.has("key") {
			out.WriteString(d.Name + ":\n    Type: key\n    File: " + s.sslDir(owner) + "/ssl.key\n" + owner.Key)
		}
	}
	if out.Len() == 0 {
		return s.usage(p, "None of the specified virtual servers have an SSL cert")
	}
	return ok(out.String())
}

func (s *Server) listCertsExpiry(cc *callCtx, a *args) result {
	var doms []*domain
	if names := a.all("domain"); len(names) > 0 {
		for _, n := range names {
			d := s.lookup(cc, n)
			if d == nil {
				return fail("Virtual server " + n + " does not exist\n")
			}
			doms = append(doms, d)
		}
	} else {
		doms = s.st.ordered()
	}
	var out strings.Builder
	now := s.cfg.now()
	for _, d := range doms {
		if !s.hasCert(d) {
			continue
		}
		exp := time.Unix(s.certOwner(d).SSLExpiry, 0).UTC()
		status := "VALID"
		if now.After(exp) {
			status = "EXPIRED"
		}
		days := int(exp.Sub(now).Hours() / 24)
		out.WriteString(d.Name + "\n    Status: " + status + "\n    Valid until: " + exp.Format("Jan 2, 2006") +
			"\n    Expires in: " + strconv.Itoa(days) + " days\n    Path to certificate file: " + s.sslDir(s.certOwner(d)) + "/ssl.cert\n")
	}
	if out.Len() == 0 {
		return ok("There are no virtual servers with valid SSL certificates found\n")
	}
	return ok(out.String())
}

// ensureCert fills in the PEM of a certificate the ssl feature made: self-
// signed for *.domain, the domain, localhost and the host name, RSA 4096 like
// Virtualmin's (stock 22). The key is generated once per simulator, on first
// need, as it takes a while.
func (s *Server) ensureCert(d *domain) error {
	if !d.CertAuto || d.Cert != "" {
		return nil
	}
	s.rsaOnce.Do(func() { s.rsaKey, s.rsaErr = rsa.GenerateKey(rand.Reader, 4096) })
	if s.rsaErr != nil {
		return s.rsaErr
	}
	notAfter := time.Unix(d.SSLExpiry, 0)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return err
	}
	name := pkix.Name{CommonName: "*." + d.Name}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: name, Issuer: name,
		NotBefore: notAfter.AddDate(-5, 0, 1), NotAfter: notAfter,
		DNSNames:    []string{"*." + d.Name, d.Name, "localhost", s.cfg.hostname},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &s.rsaKey.PublicKey, s.rsaKey)
	if err != nil {
		return err
	}
	d.Cert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	d.Key = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.rsaKey)}))
	return nil
}
