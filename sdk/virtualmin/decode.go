package virtualmin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file decodes multiline listings into typed structs. The server sends
// every value as a list of strings: numbers, "Yes"/"No", "Unlimited" and
// sizes such as "2 GiB" are all strings, and a key is absent when it does not
// apply (quota keys while quotas are off, disabled while enabled). Fields that
// may be absent are pointers, never fake zeros.
//
// Secrets: Raw maps never hold secret values. password_for_mysql,
// hashed_password, encrypted_password and every other key whose name says
// password are dropped by the response parser before decoding, so no struct
// of this package carries them.

// Limit is a count or size limit that may be unlimited.
type Limit struct {
	// Unlimited is true for "Unlimited", "UNLIMITED" and "*".
	Unlimited bool
	// Value is the limit when not unlimited.
	Value int64
}

// String renders the limit as the server's CLI accepts it.
func (l Limit) String() string {
	if l.Unlimited {
		return "UNLIMITED"
	}
	return strconv.FormatInt(l.Value, 10)
}

// ParseLimit parses "Unlimited" / "*" / a number. "Cannot create" (a
// maximum_sub-servers of a server that may not have any) is a limit of 0.
func ParseLimit(s string) (Limit, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "unlimited", "*":
		return Limit{Unlimited: true}, nil
	case "cannot create", "none":
		return Limit{}, nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return Limit{}, fmt.Errorf("virtualmin: %q is not a limit", s)
	}
	return Limit{Value: n}, nil
}

// parseYesNo parses the server's "Yes"/"No" booleans.
func parseYesNo(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "enabled":
		return true, nil
	case "no", "false", "0", "disabled", "":
		return false, nil
	}
	return false, fmt.Errorf("virtualmin: %q is not Yes or No", s)
}

var sizeUnits = map[string]float64{
	"b": 1, "byte": 1, "bytes": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
	"p": 1 << 50, "pb": 1 << 50, "pib": 1 << 50,
}

// parseSize parses a human-readable size such as "2 GiB", "58.99 KiB",
// "120.5 MB", "0 bytes" or a plain byte count into bytes. Virtualmin's units
// are binary whatever their spelling ("1 GB" is 1024³ bytes).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("virtualmin: empty size")
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("virtualmin: %q is not a size", s)
	}
	mult := 1.0
	if unit != "" {
		m, ok := sizeUnits[unit]
		if !ok {
			return 0, fmt.Errorf("virtualmin: %q has an unknown unit", s)
		}
		mult = m
	}
	v := f * mult
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("virtualmin: %q is too large", s)
	}
	return int64(math.Round(v)), nil
}

// vals reads an item's values.
type vals map[string][]string

func (v vals) str(k string) string {
	if l := v[k]; len(l) > 0 {
		return l[0]
	}
	return ""
}

func (v vals) has(k string) bool { _, ok := v[k]; return ok }

// words splits a space-separated value ("unix dir dns mail web").
func (v vals) words(k string) []string {
	var out []string
	for _, s := range v[k] {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

func (v vals) intp(k string) *int64 {
	s := strings.TrimSpace(v.str(k))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

func (v vals) int(k string) int64 {
	if p := v.intp(k); p != nil {
		return *p
	}
	return 0
}

func (v vals) limit(k string) *Limit {
	if !v.has(k) {
		return nil
	}
	l, err := ParseLimit(v.str(k))
	if err != nil {
		return nil
	}
	return &l
}

func (v vals) sizep(k string) *int64 {
	if !v.has(k) {
		return nil
	}
	n, err := parseSize(v.str(k))
	if err != nil {
		return nil
	}
	return &n
}

func (v vals) yes(k string) bool {
	b, _ := parseYesNo(v.str(k))
	return b
}

func (v vals) unix(k string) time.Time {
	n := v.intp(k)
	if n == nil || *n <= 0 {
		return time.Time{}
	}
	return time.Unix(*n, 0).UTC()
}

// raw copies the values without secrets, so a newer Virtualmin loses nothing.
func (v vals) raw() map[string][]string {
	out := make(map[string][]string, len(v))
	for k, l := range v {
		if isSecretKey(k) {
			continue
		}
		out[k] = append([]string(nil), l...)
	}
	return out
}

// Domain types as list-domains prints them.
const (
	DomainTypeTopLevel  = "Top-level server"
	DomainTypeSubServer = "Sub-server"
	DomainTypeAlias     = "Alias"
)

// Domain is a virtual server as list-domains multiline describes it.
type Domain struct {
	// Name is the domain name (the item header).
	Name string
	// ID is Virtualmin's domain ID, stable across backup and restore.
	ID string
	// Type is "Top-level server", "Sub-server", "Alias" or "Alias with own email".
	Type string
	// ParentDomain is the parent's name for a sub-server ("" otherwise).
	ParentDomain string
	// AliasOf is the target of an alias domain (the real_domain key).
	AliasOf string
	// Description is the --desc text.
	Description string
	// Username, UserID, GroupName and GroupID are the owner's Unix account.
	Username  string
	UserID    int64
	GroupName string
	GroupID   int64
	// HomeDir, HTMLDir and CGIDir are the server's directories.
	HomeDir string
	HTMLDir string
	CGIDir  string
	// URL is the website's address.
	URL string
	// ContactEmail is the owner's contact address.
	ContactEmail string
	// Features are the enabled features, such as unix dir dns mail web mysql webmin.
	Features []string
	// Plugins are the enabled plugin features.
	Plugins []string
	// Plan and PlanID name the account plan ("" when none).
	Plan   string
	PlanID string
	// Template is the template's name.
	Template string
	// TemplateID is the template's ID ("0" is Default Settings).
	TemplateID string
	// Disabled is true when the key "disabled" is present; DisabledReason is
	// its value ("Manually (why)").
	Disabled       bool
	DisabledReason string
	// DisabledAt is when it was disabled (server's display format).
	DisabledAt string
	// IPAddress is as listed, such as "203.0.113.10 (Shared)".
	IPAddress   string
	IPv6Address string
	// CreatedOn is the server's display date; Created is from created_unix_time.
	CreatedOn string
	Created   time.Time
	// CreatedBy is the Webmin user who created it.
	CreatedBy string

	// PHPExecutionMode is none, cgi, fcgid, fpm or mod_php; PHPVersion is
	// the short version ("8.2") when the mode runs PHP.
	PHPExecutionMode          string
	PossiblePHPExecutionModes []string
	PHPVersion                string

	// Quotas are in blocks (usually 1 KiB); nil when the server has quotas off.
	ServerQuotaBlocks *Limit
	UserQuotaBlocks   *Limit
	// ServerBytesUsed is the disk space used by the whole server; nil when
	// quotas are off.
	ServerBytesUsed *int64
	UserBytesUsed   *int64
	// Bandwidth in bytes; nil unless bandwidth monitoring is on.
	BandwidthLimitBytes *Limit
	BandwidthUsageBytes *int64
	// DatabasesCount and DatabasesBytes: nil unless the server reports them.
	DatabasesCount *int64
	DatabasesBytes *int64

	// Max* are the owner's limits (top-level servers only).
	MaxMailboxes  *Limit
	MaxDatabases  *Limit
	MaxAliases    *Limit
	MaxSubServers *Limit

	// SSLCertFile and SSLKeyFile are the certificate's paths on the server.
	SSLCertFile string
	SSLKeyFile  string
	// SSLCertExpiry is zero when unknown.
	SSLCertExpiry time.Time
	// SSLCertUsedBy lists the services using the certificate (it can be
	// "webmin": installing a certificate may take over Webmin's own).
	SSLCertUsedBy []string

	// Raw holds every key the server sent (secrets excepted), including those
	// decoded above, so nothing a newer Virtualmin adds is lost.
	Raw map[string][]string
}

// HasFeature reports whether the domain has feature f enabled.
func (d *Domain) HasFeature(f string) bool {
	for _, x := range d.Features {
		if x == f {
			return true
		}
	}
	return false
}

// decodeDomain decodes one list-domains multiline item.
func decodeDomain(it item) Domain {
	v := vals(it.Values)
	d := Domain{
		Name:                      it.Name,
		ID:                        v.str("id"),
		Type:                      v.str("type"),
		ParentDomain:              v.str("parent_domain"),
		AliasOf:                   v.str("real_domain"),
		Description:               v.str("description"),
		Username:                  v.str("username"),
		UserID:                    v.int("user_id"),
		GroupName:                 v.str("group_name"),
		GroupID:                   v.int("group_id"),
		HomeDir:                   v.str("home_directory"),
		HTMLDir:                   v.str("html_directory"),
		CGIDir:                    v.str("cgi_directory"),
		URL:                       v.str("url"),
		ContactEmail:              v.str("contact_email"),
		Features:                  v.words("features"),
		Plugins:                   v.words("plugins"),
		Plan:                      v.str("plan"),
		PlanID:                    v.str("plan_id"),
		Template:                  v.str("template"),
		TemplateID:                v.str("template_id"),
		Disabled:                  v.has("disabled"),
		DisabledReason:            v.str("disabled"),
		DisabledAt:                v.str("disabled_at"),
		IPAddress:                 v.str("ip_address"),
		IPv6Address:               v.str("ipv6_address"),
		CreatedOn:                 v.str("created_on"),
		Created:                   v.unix("created_unix_time"),
		CreatedBy:                 v.str("created_by"),
		PHPExecutionMode:          v.str("php_execution_mode"),
		PossiblePHPExecutionModes: v.words("possible_php_execution_modes"),
		PHPVersion:                v.str("php_version"),
		ServerQuotaBlocks:         v.limit("server_block_quota"),
		UserQuotaBlocks:           v.limit("user_block_quota"),
		ServerBytesUsed:           v.intp("server_byte_quota_used"),
		UserBytesUsed:             v.intp("user_byte_quota_used"),
		BandwidthLimitBytes:       v.limit("bandwidth_byte_limit"),
		BandwidthUsageBytes:       v.intp("bandwidth_byte_usage"),
		DatabasesCount:            v.intp("databases_count"),
		DatabasesBytes:            v.intp("databases_byte_size"),
		MaxMailboxes:              v.limit("maximum_mailboxes"),
		MaxDatabases:              v.limit("maximum_databases"),
		MaxAliases:                v.limit("maximum_aliases"),
		MaxSubServers:             v.limit("maximum_sub-servers"),
		SSLCertFile:               v.str("ssl_cert_file"),
		SSLKeyFile:                v.str("ssl_key_file"),
		SSLCertExpiry:             v.unix("ssl_cert_expiry_time"),
		SSLCertUsedBy:             append([]string(nil), v["ssl_cert_used_by"]...),
		Raw:                       v.raw(),
	}
	if d.Disabled && d.DisabledReason == "" {
		d.DisabledReason = "Manually"
	}
	return d
}

// decodeDomains decodes a list-domains multiline answer.
func decodeDomains(items []item) []Domain {
	out := make([]Domain, 0, len(items))
	for _, it := range items {
		out = append(out, decodeDomain(it))
	}
	return out
}

// User is a mail/FTP user as list-users multiline describes it. The domain
// owner is not listed.
type User struct {
	// Name is the short name given at creation ("carol").
	Name string
	// UnixUsername is the full Unix login ("carol.gamma"), the item header.
	UnixUsername string
	// Domain is the virtual server's name.
	Domain string
	// RealName is the user's full name.
	RealName string
	// Email is the primary address.
	Email string
	// ExtraAddresses are additional addresses delivered to this mailbox.
	ExtraAddresses []string
	// RecoveryEmail is the password-recovery address.
	RecoveryEmail string
	// ForwardTo are the forwarding targets, without the "\user" entry
	// Virtualmin adds for local delivery (see KeepLocalCopy).
	ForwardTo []string
	// KeepLocalCopy is true when forward_mail_to includes "\<unix user>":
	// mail is forwarded and also delivered locally.
	KeepLocalCopy bool
	// LoginPermissions is "Email only", "Email and FTP", ...
	LoginPermissions string
	// FTPAccess is true when the user may log in by FTP.
	FTPAccess bool
	// Shell is the login shell (/bin/false with FTP, /dev/null without).
	Shell string
	// HomeDir and MailLocation are paths on the server.
	HomeDir      string
	MailLocation string
	// MailStorageType is "Maildir" or "mbox".
	MailStorageType string
	// UserType is "Normal user" and the like.
	UserType string
	// Disabled is true for a disabled user.
	Disabled bool
	// Quotas in blocks; nil while home quotas are off (the keys are absent).
	QuotaBlocks    *Limit
	QuotaBytesUsed *int64
	// Databases the user may access.
	Databases []string
	// Raw holds every key (secrets excepted).
	Raw map[string][]string
}

// decodeUser decodes one list-users multiline item.
func decodeUser(it item) User {
	v := vals(it.Values)
	u := User{
		Name:             v.str("user"),
		UnixUsername:     v.str("unix_username"),
		Domain:           v.str("domain"),
		RealName:         v.str("real_name"),
		Email:            v.str("email_address"),
		ExtraAddresses:   v.words("extra_addresses"),
		RecoveryEmail:    v.str("recovery_email_address"),
		LoginPermissions: v.str("login_permissions"),
		FTPAccess:        v.yes("ftp_access"),
		Shell:            v.str("shell"),
		HomeDir:          v.str("home_directory"),
		MailLocation:     v.str("mail_location"),
		MailStorageType:  v.str("mail_storage_type"),
		UserType:         v.str("user_type"),
		Disabled:         v.yes("disabled"),
		QuotaBlocks:      v.limit("home_block_quota"),
		QuotaBytesUsed:   v.intp("home_byte_quota_used"),
		Databases:        v.words("databases"),
		Raw:              v.raw(),
	}
	if u.QuotaBlocks == nil {
		u.QuotaBlocks = v.limit("home_quota")
	}
	if u.UnixUsername == "" {
		u.UnixUsername = it.Name
	}
	if u.Name == "" {
		u.Name = it.Name
	}
	for _, f := range v["forward_mail_to"] {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.HasPrefix(f, `\`) {
			u.KeepLocalCopy = true
			continue
		}
		u.ForwardTo = append(u.ForwardTo, f)
	}
	return u
}

// Database is a database of a virtual server (list-databases multiline).
type Database struct {
	Name string
	// Type is "mysql" or "postgres".
	Type string
	// Tables and Files are counts as the server reports them.
	Tables *int64
	Files  *int64
	// SizeBytes is set when the server reports a size.
	SizeBytes *int64
	// Raw holds every key.
	Raw map[string][]string
}

// decodeDatabase decodes one list-databases multiline item.
func decodeDatabase(it item) Database {
	v := vals(it.Values)
	db := Database{Name: it.Name, Type: v.str("type"), Tables: v.intp("tables"), Files: v.intp("files"), Raw: v.raw()}
	if db.SizeBytes = v.intp("byte_size"); db.SizeBytes == nil {
		db.SizeBytes = v.sizep("size")
	}
	return db
}

// Plan is an account plan (list-plans multiline; the item header is the ID).
type Plan struct {
	// ID is the plan's ID ("0"), Name its name ("Default Plan").
	ID   string
	Name string
	// Quotas in blocks.
	ServerQuotaBlocks *Limit
	AdminQuotaBlocks  *Limit
	// Max* are the plan's limits.
	MaxDomains   *Limit
	MaxMailboxes *Limit
	MaxDatabases *Limit
	MaxAliases   *Limit
	MaxBandwidth *Limit
	// AllowedFeatures may be ["Automatic"].
	AllowedFeatures []string
	// Raw holds every key.
	Raw map[string][]string
}

// decodePlan decodes one list-plans multiline item.
func decodePlan(it item) Plan {
	v := vals(it.Values)
	return Plan{
		ID:                it.Name,
		Name:              v.str("name"),
		ServerQuotaBlocks: v.limit("server_block_quota"),
		AdminQuotaBlocks:  v.limit("administrator_block_quota"),
		MaxDomains:        v.limit("maximum_doms"),
		MaxMailboxes:      v.limit("maximum_mailbox"),
		MaxDatabases:      v.limit("maximum_dbs"),
		MaxAliases:        v.limit("maximum_alias"),
		MaxBandwidth:      v.limit("maximum_bw"),
		AllowedFeatures:   v.words("allowed_features"),
		Raw:               v.raw(),
	}
}

// Template is a server template (list-templates multiline; header = ID).
type Template struct {
	// ID is the template's ID ("0" is Default Settings), Name its name.
	ID   string
	Name string
	// Raw holds every key.
	Raw map[string][]string
}

// decodeTemplate decodes one list-templates multiline item.
func decodeTemplate(it item) Template {
	v := vals(it.Values)
	return Template{ID: it.Name, Name: v.str("name"), Raw: v.raw()}
}

// PHPVersion is an installed PHP version (list-php-versions multiline).
type PHPVersion struct {
	// Version is the short form modify-web accepts ("8.2").
	Version string
	// FullVersion is "8.2.36".
	FullVersion string
	// Modes are the execution modes this version supports (fpm, fcgid, cgi).
	Modes      []string
	FPMSupport bool
	// Command is the CGI binary, CLI the command-line one.
	Command string
	CLI     string
	// Raw holds every key.
	Raw map[string][]string
}

// decodePHPVersion decodes one list-php-versions multiline item.
func decodePHPVersion(it item) PHPVersion {
	v := vals(it.Values)
	return PHPVersion{
		Version:     it.Name,
		FullVersion: v.str("full_version"),
		Modes:       v.words("php_modes"),
		FPMSupport:  v.yes("fpm_support"),
		Command:     v.str("command"),
		CLI:         v.str("cli"),
		Raw:         v.raw(),
	}
}

// DNSRecord is a record of a hosted zone (get-dns multiline).
type DNSRecord struct {
	// Name is the FQDN with a trailing dot ("www.example.com.").
	Name string
	// Type is A, AAAA, MX, TXT, SPF, SOA, ...; Class is IN.
	Type  string
	Class string
	// Values holds one element per record field: an MX is ["5",
	// "mail.example.com."], a TXT value is its text without quotes.
	Values []string
	// TTL is set only when the record has its own TTL.
	TTL *int64
	// File is the zone file on the server.
	File string
	// Raw holds every key.
	Raw map[string][]string
}

// decodeDNSRecord decodes one get-dns multiline item.
func decodeDNSRecord(it item) DNSRecord {
	v := vals(it.Values)
	return DNSRecord{
		Name:   it.Name,
		Type:   v.str("type"),
		Class:  v.str("class"),
		Values: append([]string(nil), v["value"]...),
		TTL:    v.intp("ttl"),
		File:   v.str("file"),
		Raw:    v.raw(),
	}
}

// Certificate is a domain's SSL certificate as get-ssl reports it.
type Certificate struct {
	// CertFile and KeyFile are paths on the server.
	CertFile string
	KeyFile  string
	// Types holds the type lines ("rsa", "Self-signed").
	Types []string
	// Size is the key size in bits.
	Size string
	// CN and IssuerCN are the subject's and the issuer's common names.
	CN       string
	IssuerCN string
	// NotAfter is the expiry; zero if the server's date could not be parsed.
	NotAfter time.Time
	// AltNames are the subject alternative names.
	AltNames []string
	// Raw holds every pair.
	Raw map[string][]string
}

// decodeCertificate decodes get-ssl's name/value pairs.
func decodeCertificate(items []item) Certificate {
	v := vals{}
	for _, it := range items {
		if isSecretKey(it.Name) {
			continue
		}
		v[it.Name] = append(v[it.Name], it.Value)
	}
	c := Certificate{
		CertFile: v.str("cert"),
		KeyFile:  v.str("key"),
		Types:    append([]string(nil), v["type"]...),
		Size:     v.str("size"),
		CN:       v.str("cn"),
		IssuerCN: v.str("issuer_cn"),
		AltNames: append([]string(nil), v["alt"]...),
		Raw:      v.raw(),
	}
	if t, err := time.Parse("Jan _2 15:04:05 2006 MST", v.str("notafter")); err == nil {
		c.NotAfter = t.UTC()
	}
	return c
}
