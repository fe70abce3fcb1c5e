package virtualmin

import (
	"context"
	"strconv"
	"strings"
)

// ListVersions lists the installed PHP versions (list-php-versions
// multiline). With a domain it lists the versions usable by that domain in
// its current mode: none while the mode is "none".
func (s *PHPService) ListVersions(ctx context.Context, domain string) ([]PHPVersion, error) {
	const program = "list-php-versions"
	var p params
	if domain != "" {
		dom, err := ValidateDomainName(domain)
		if err != nil {
			return nil, (*service)(s).withServer(err, program)
		}
		p.add("domain", dom)
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]PHPVersion, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodePHPVersion(it))
	}
	return out, nil
}

// SetMode sets a domain's PHP execution mode (modify-web mode=): none, cgi,
// fcgid or fpm. Set the mode before the version, in a separate call:
// modify-web works out the allowed versions from the mode the domain has
// before the call, so "mode=fpm php-version=8.2" in one call fails while the
// mode is still none.
func (s *PHPService) SetMode(ctx context.Context, domain, mode string) error {
	switch mode {
	case "none", "cgi", "fcgid", "fpm", "mod_php":
	default:
		return (*service)(s).withServer(invalid("mode", "PHP mode %q is not none, cgi, fcgid, fpm or mod_php", mode), "modify-web")
	}
	return s.modifyWeb(ctx, domain, arg("mode", mode))
}

// SetVersion sets a domain's PHP version (modify-web php-version=), in the
// short form "8.2" (the full "8.2.36" is refused). The domain's mode must
// already allow it (see SetMode).
func (s *PHPService) SetVersion(ctx context.Context, domain, version string) error {
	parts := strings.Split(version, ".")
	if len(parts) != 2 || !isDigits(parts[0]) || !isDigits(parts[1]) {
		return (*service)(s).withServer(invalid("php-version", "PHP version %q is not of the form 8.2", version), "modify-web")
	}
	return s.modifyWeb(ctx, domain, arg("php-version", version))
}

func (s *PHPService) modifyWeb(ctx context.Context, domain string, p param) error {
	const program = "modify-web"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	_, err = (*service)(s).run(ctx, &call{program: program, params: params{arg("domain", dom), p}, kind: write})
	return err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// LetsEncryptOptions tunes GenerateLetsEncrypt. Every field is optional.
type LetsEncryptOptions struct {
	// Hosts are the names to request (host= repeated); by default the
	// domain's own names.
	Hosts []string
	// SkipDNSCheck skips the check that every name resolves.
	SkipDNSCheck bool
	// DNSValidation validates through DNS records instead of the web server.
	DNSValidation bool
	// Staging uses the Let's Encrypt staging service.
	Staging bool
	// Renew renews even when the certificate is not yet due.
	Renew bool
}

// GenerateLetsEncrypt requests a Let's Encrypt certificate for a domain
// (generate-letsencrypt-cert). A failure's Reason says why: the
// resolvability verdict (".. none of the hostnames could be resolved!"), or
// every "... validation failed : ..." line, the ACME client's exception in
// place of its traceback; never a progress line or a remark after the cause.
func (s *CertificatesService) GenerateLetsEncrypt(ctx context.Context, domain string, opts *LetsEncryptOptions) (string, error) {
	const program = "generate-letsencrypt-cert"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom)}
	if opts != nil {
		for _, h := range opts.Hosts {
			host, err := validateDomainField("host", h)
			if err != nil {
				return "", (*service)(s).withServer(err, program)
			}
			p.add("host", host)
		}
		p.flag("dns", opts.DNSValidation)
		p.flag("skip-dns-check", opts.SkipDNSCheck)
		p.flag("staging", opts.Staging)
		p.flag("renew", opts.Renew)
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: write, timeout: (*service)(s).timeoutAtLeast(letsEncryptTimeout)})
	if err != nil {
		return "", err
	}
	return resp.Output, nil
}

// Get returns a domain's certificate details (get-ssl). A domain without a
// certificate gives KindNotFound.
func (s *CertificatesService) Get(ctx context.Context, domain string) (*Certificate, error) {
	const program = "get-ssl"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: params{arg("domain", dom)}, kind: read})
	if err != nil {
		return nil, err
	}
	c := decodeCertificate(resp.Data)
	return &c, nil
}

// BackupOptions tunes Backup and Restore. Every field is optional.
type BackupOptions struct {
	// Features limits the features (feature= repeated); all features when empty.
	Features []string
	// ExceptFeatures (restore only) skips these features; sent after
	// all-features, because restore-domain reads its arguments in order.
	ExceptFeatures []string
	// SkipWarnings and ContinueOnError (restore only).
	SkipWarnings    bool
	ContinueOnError bool
	// Account takes the whole account: Backup backs up the domain and the
	// servers under it (every server of its owner, backup-domain --user),
	// Restore restores every server in the archive (--all-domains). Without
	// it only the named domain is backed up or restored.
	Account bool
}

func (o *BackupOptions) featureParams(restore bool) (params, error) {
	var p params
	if o == nil || len(o.Features) == 0 {
		p.flag("all-features", true)
	}
	if o == nil {
		return p, nil
	}
	for _, f := range o.Features {
		if !validParamName(f) {
			return nil, invalid("feature", "feature %q is not a feature name", f)
		}
		p.add("feature", f)
	}
	if restore {
		if len(o.ExceptFeatures) > 0 && len(o.Features) > 0 {
			return nil, invalid("except-feature", "ExceptFeatures needs all features (leave Features empty)")
		}
		for _, f := range o.ExceptFeatures {
			if !validParamName(f) {
				return nil, invalid("except-feature", "feature %q is not a feature name", f)
			}
			p.add("except-feature", f)
		}
		p.flag("skip-warnings", o.SkipWarnings)
		p.flag("continue-on-error", o.ContinueOnError)
	}
	return p, nil
}

// Backup backs up one domain to dest, a path on the server or any
// destination backup-domain accepts: BackupLocation.URL builds a webmin://
// or ssh:// one on another system (its password never appears in logs or
// errors). It returns the program's output ("Backup completed successfully.
// Final size was ..."). A destination that cannot be written fails with its
// cause ("Failed to open ... for writing", "upload failed : ... No space
// left on device"), after the backup work was done; another system that
// refuses the login is an error whose cause is a *TransferRefusedError
// (errors.Is(err, ErrTransferRefused)).
func (s *BackupsService) Backup(ctx context.Context, domain, dest string, opts *BackupOptions) (string, error) {
	const program = "backup-domain"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	if err := validateLineField("dest", dest); err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom)}
	if opts != nil && opts.Account {
		d, err := (*DomainsService)(s).Get(ctx, dom)
		if err != nil {
			return "", err
		}
		p.add("user", d.Username)
	}
	p.add("dest", dest)
	fp, err := opts.featureParams(false)
	if err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	p = append(p, fp...)
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: write, timeout: (*service)(s).timeoutAtLeast(backupTimeout)})
	if err != nil {
		return "", refusal(err)
	}
	return resp.Output, nil
}

// Restore restores a domain from source: a path on the server, or an
// archive on another system (BackupLocation.URL). Restoring onto an existing
// domain restores its content into it (not a conflict); restoring one the
// server lacks re-creates it with its Virtualmin ID and password hashes and
// new Unix IDs. Refusals of another system are as for Backup.
func (s *BackupsService) Restore(ctx context.Context, source, domain string, opts *BackupOptions) (string, error) {
	const program = "restore-domain"
	if err := validateLineField("source", source); err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	p := params{arg("source", source)}
	if opts != nil && opts.Account {
		p.flag("all-domains", true)
	} else {
		p.add("domain", dom)
	}
	fp, err := opts.featureParams(true)
	if err != nil {
		return "", (*service)(s).withServer(err, program)
	}
	p = append(p, fp...)
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: write, timeout: (*service)(s).timeoutAtLeast(backupTimeout)})
	if err != nil {
		return "", refusal(err)
	}
	return resp.Output, nil
}

// Info is what the info program reports about the server.
type Info struct {
	// Hostname and OS describe the host ("vm", "Debian Linux 12").
	Hostname string
	OS       string
	// VirtualminVersion ("8.1.0"), VirtualminEdition ("GPL" or "Pro") and
	// WebminVersion ("2.660").
	VirtualminVersion string
	VirtualminEdition string
	WebminVersion     string
	// Output is the whole (YAML-like) text.
	Output string
}

// Info returns the server's host section (info search=host): versions and
// host name. It is cheap; the full info output is about 45 KB.
func (s *SystemService) Info(ctx context.Context) (*Info, error) {
	resp, err := (*service)(s).run(ctx, &call{program: "info", params: params{arg("search", "host")}, kind: read})
	if err != nil {
		return nil, err
	}
	return parseInfo(resp.Output), nil
}

func parseInfo(out string) *Info {
	in := &Info{Output: out}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "hostname":
			in.Hostname = v
		case "os":
			in.OS = v
		case "virtualmin version":
			in.VirtualminVersion = v
		case "virtualmin edition":
			in.VirtualminEdition = v
		case "webmin version":
			in.WebminVersion = v
		}
	}
	return in
}

// CheckConfig runs Virtualmin's configuration check (check-config) and
// returns its report, one finding per line. A failed check (for example
// MariaDB down) is an error whose Reason is the line that says why.
func (s *SystemService) CheckConfig(ctx context.Context) (string, error) {
	resp, err := (*service)(s).run(ctx, &call{program: "check-config", kind: read})
	if err != nil {
		return "", err
	}
	return resp.Output, nil
}

// DNSRecordSpec is a record to add through modify-dns.
type DNSRecordSpec struct {
	// Name is relative to the zone ("www"), "@" for the apex, or absolute
	// with a trailing dot.
	Name string
	// Type such as A, AAAA, CNAME, MX, TXT.
	Type string
	// Values are the record fields: MX ["10", "mail.example.com."]; a TXT
	// value is given unquoted (quotes would be stored doubled).
	Values []string
	// TTL is the record's own TTL; 0 uses the zone default.
	TTL int
}

func (r DNSRecordSpec) words(withValues bool) (string, error) {
	if err := dnsWord("name", r.Name); err != nil {
		return "", err
	}
	if err := dnsWord("type", r.Type); err != nil {
		return "", err
	}
	w := []string{r.Name, strings.ToUpper(r.Type)}
	if r.TTL > 0 && withValues {
		w = append(w, strconv.Itoa(r.TTL))
	}
	if withValues {
		if len(r.Values) == 0 {
			return "", invalid("values", "a record needs a value")
		}
		for _, v := range r.Values {
			if strings.EqualFold(r.Type, "TXT") && len(v) >= 2 && strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) {
				v = v[1 : len(v)-1]
			}
			if err := validateLineField("values", v); err != nil {
				return "", err
			}
			w = append(w, v)
		}
	}
	return strings.Join(w, " "), nil
}

func dnsWord(field, s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n\x00") {
		return invalid(field, "record %s %q must be one word", field, s)
	}
	return nil
}

// GetDNSOptions filters Get. Every field is optional.
type GetDNSOptions struct {
	// Type limits the records to one type (A, AAAA, CNAME, MX, NS, TXT).
	Type string
	// Name limits the records to one name.
	Name string
	// Regexp limits the records to names matching this regular expression.
	Regexp string
}

// Get lists the records of a domain's hosted zone (get-dns multiline).
// Names are FQDNs with a trailing dot. A domain without DNS gives KindFailed
// ("... does not have DNS enabled").
func (s *DNSService) Get(ctx context.Context, domain string, opts *GetDNSOptions) ([]DNSRecord, error) {
	const program = "get-dns"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom)}
	if opts != nil {
		if opts.Name != "" {
			if err := dnsWord("name", opts.Name); err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("name", opts.Name)
		}
		if opts.Regexp != "" {
			if err := validateLineField("regexp", opts.Regexp); err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("regexp", opts.Regexp)
		}
		if opts.Type != "" {
			if err := dnsWord("type", opts.Type); err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("type", strings.ToUpper(opts.Type))
		}
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]DNSRecord, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodeDNSRecord(it))
	}
	return out, nil
}

// AddRecord adds a record. modify-dns reports success even when it skipped
// the record; the client reads its output and returns KindAlreadyExists
// for a duplicate and KindInvalidInput for a name outside the zone.
func (s *DNSService) AddRecord(ctx context.Context, domain string, rec DNSRecordSpec) error {
	w, err := rec.words(true)
	if err != nil {
		return (*service)(s).withServer(err, "modify-dns")
	}
	name := "add-record"
	if rec.TTL > 0 {
		name = "add-record-with-ttl"
	}
	return s.modify(ctx, domain, arg(name, w))
}

// RemoveRecord removes the records of a name and type; with values, only the
// matching one. No matching record gives KindNotFound.
func (s *DNSService) RemoveRecord(ctx context.Context, domain, name, rtype string, values ...string) error {
	spec := DNSRecordSpec{Name: name, Type: rtype, Values: values}
	w, err := spec.words(len(values) > 0)
	if err != nil {
		return (*service)(s).withServer(err, "modify-dns")
	}
	return s.modify(ctx, domain, arg("remove-record", w))
}

// UpdateRecord replaces the record(s) oldName/oldType by rec. This is the one
// parameter that legitimately carries a newline: modify-dns takes the old
// and the new record as two argv words. A missing record gives KindNotFound.
// (The server's "Updating 0 DNS records" count is wrong even on success.)
func (s *DNSService) UpdateRecord(ctx context.Context, domain, oldName, oldType string, rec DNSRecordSpec) error {
	old, err := DNSRecordSpec{Name: oldName, Type: oldType}.words(false)
	if err != nil {
		return (*service)(s).withServer(err, "modify-dns")
	}
	if rec.TTL > 0 {
		return (*service)(s).withServer(invalid("ttl", "update-record cannot set a TTL; remove and add the record instead"), "modify-dns")
	}
	w, err := rec.words(true)
	if err != nil {
		return (*service)(s).withServer(err, "modify-dns")
	}
	return s.modify(ctx, domain, param{name: "update-record", value: old + "\n" + w, multiword: true})
}

func (s *DNSService) modify(ctx context.Context, domain string, p param) error {
	const program = "modify-dns"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: params{arg("domain", dom), p}, kind: write})
	if err != nil {
		return err
	}
	if kind, msg := dnsOutcome(resp.Output); kind != KindUnknown {
		return &Error{Kind: kind, Server: s.client.Server(), Program: program, Reason: msg, Output: clip(redactText(resp.Output))}
	}
	return nil
}

// dnsOutcome finds the per-record problems modify-dns prints while still
// exiting 0.
func dnsOutcome(out string) (ErrorKind, string) {
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), ".."))
		switch {
		case strings.HasSuffix(t, "already exists"):
			return KindAlreadyExists, t
		case strings.HasSuffix(t, "does not exist"), strings.HasPrefix(t, "no matching records found"):
			return KindNotFound, t
		case strings.HasSuffix(t, "is not in this domain"):
			return KindInvalidInput, t
		}
	}
	return KindUnknown, ""
}
