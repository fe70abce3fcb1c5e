package virtualmintest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// state is everything the simulated host knows, saved as JSON (WithStateFile)
// after every write. Domains are in creation order; a sub-server names its
// parent and an alias its target by domain name (Parent, Alias), and owns
// nothing of the top-level server's (the Unix user, the MariaDB login, the
// DNS zone of a sub-server with dns live on the top-level one). The profile
// is configuration, not state: a state file may be opened with another
// profile. A backup file holds the backed-up domains in this same form.
type state struct {
	Domains   []*domain `json:"domains"`
	NextUID   int       `json:"next_uid"`
	NextGID   int       `json:"next_gid"`
	PHP       bool      `json:"php"`
	MySQLDown bool      `json:"mysql_down"`
	Counter   int64     `json:"counter"`
	// IDBase stands for the process ID that real Virtualmin puts in a new
	// server's ID after the time (time() . $$ ...): two systems creating a
	// server in the same second give different IDs. Chosen at random once
	// per simulated system.
	IDBase int64 `json:"id_base,omitempty"`
	// WebminCertDomain is the domain whose certificate Webmin serves.
	WebminCertDomain string `json:"webmin_cert_domain,omitempty"`
	// Webmin logins for domain owners (webmin feature), by login name.
	Owners map[string]string `json:"owners"`
	// TLSCert and TLSKey are Webmin's own certificate and key (PEM).
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// UnixUsers are Unix users of the host that no virtual server owns
	// (AddUnixUser): a restore of a server with that user name clashes.
	UnixUsers []string `json:"unix_users,omitempty"`
	// RPC holds Webmin users' rpc ACL (SetRPCAccess), by login.
	RPC map[string]RPCAccess `json:"rpc,omitempty"`
}

type domain struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Parent      string       `json:"parent,omitempty"`
	Alias       string       `json:"alias,omitempty"`
	User        string       `json:"user"`
	UID         int          `json:"uid"`
	GID         int          `json:"gid"`
	Pass        string       `json:"pass"`
	Hashed      string       `json:"hashed"`
	MySQLPass   string       `json:"mysql_pass,omitempty"`
	Desc        string       `json:"desc"`
	Email       string       `json:"email"`
	Features    []string     `json:"features"`
	Allowed     []string     `json:"allowed_features,omitempty"`
	Created     int64        `json:"created"`
	CreatedBy   string       `json:"created_by"`
	Disabled    bool         `json:"disabled,omitempty"`
	DisabledWhy string       `json:"disabled_why,omitempty"`
	DisabledAt  int64        `json:"disabled_at,omitempty"`
	PHPMode     string       `json:"php_mode"`
	PHPVersion  string       `json:"php_version,omitempty"`
	Users       []*mailUser  `json:"users,omitempty"`
	Databases   []database   `json:"databases,omitempty"`
	DNS         []dnsRecord  `json:"dns,omitempty"`
	Serial      int          `json:"serial"`
	Limits      limits       `json:"limits"`
	RemoteAPI   bool         `json:"remote_api,omitempty"`
	SSLExpiry   int64        `json:"ssl_expiry,omitempty"`
	Admins      []extraAdmin `json:"admins,omitempty"`
	Cert        string       `json:"cert,omitempty"`
	Key         string       `json:"key,omitempty"`
	SSLDir      bool         `json:"ssl_dir,omitempty"`
	HomeMissing bool         `json:"home_missing,omitempty"`
	// SSLExpiryCached: Virtualmin stores the expiry in the domain file the
	// next time the domain is saved, not at install-cert (279 vs 313).
	SSLExpiryCached bool `json:"ssl_expiry_cached,omitempty"`
	// CertAuto: the ssl feature made the domain's self-signed certificate;
	// Cert and Key are filled in when first needed (an RSA key takes time).
	CertAuto bool `json:"cert_auto,omitempty"`
	// CertServices: Webmin and Postfix serve the certificate for the
	// domain's hostnames (ssl_cert_used_by "webmin (name)").
	CertServices bool `json:"cert_services,omitempty"`
	// SSLShared names the domain whose certificate this one uses (a
	// sub-server under its parent's wildcard certificate).
	SSLShared string `json:"ssl_shared,omitempty"`
	// SSLCAFile: a restore wrote the CA file (ssl_ca_file, stock 37).
	SSLCAFile bool `json:"ssl_ca_file,omitempty"`
	// PHPErrorLog: the website was set up in mode fpm, with its PHP error
	// log (stock 05).
	PHPErrorLog bool `json:"php_error_log,omitempty"`
	// PHPMaxExec is the PHP max execution time set when the mode was
	// switched to fpm ("30", old 258); "" is Unlimited.
	PHPMaxExec string `json:"php_max_exec,omitempty"`
	// Quota and UQuota are the server and administrator quotas in blocks
	// ("" or UNLIMITED: none), kept where the profile has quotas on.
	Quota  string `json:"quota,omitempty"`
	UQuota string `json:"uquota,omitempty"`
	// DisabledText replaces "Manually (why)" in listings when the server
	// was disabled by a transfer ("Transferred to another system").
	DisabledText string `json:"disabled_text,omitempty"`
	// Files are the home directory's files by path relative to the home
	// directory, mailboxes' Maildirs included (homes/<user>/Maildir/...).
	Files map[string][]byte `json:"files,omitempty"`
}

type limits struct {
	Mailboxes string `json:"mailboxes"`
	DBs       string `json:"dbs"`
	Aliases   string `json:"aliases"`
	Doms      string `json:"doms"`
	AliasDoms string `json:"aliasdoms"`
	RealDoms  string `json:"realdoms"`
	NoDBName  bool   `json:"nodbname,omitempty"`
	NoRename  bool   `json:"norename,omitempty"`
	Shell     string `json:"shell"`
	Caps      string `json:"caps"`
}

type mailUser struct {
	Name     string   `json:"name"`
	Real     string   `json:"real"`
	Pass     string   `json:"pass"`
	Hashed   string   `json:"hashed"`
	FTP      bool     `json:"ftp,omitempty"`
	Extra    []string `json:"extra,omitempty"`
	Recovery string   `json:"recovery,omitempty"`
	Forward  []string `json:"forward,omitempty"`
	Disabled bool     `json:"disabled,omitempty"`
	// Quota is the home quota in blocks, where quotas are on.
	Quota string `json:"quota,omitempty"`
}

type database struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Tables holds each table's rows in insertion order.
	Tables map[string][]string `json:"tables,omitempty"`
}

type dnsRecord struct {
	Name   string   `json:"name"` // FQDN with trailing dot
	Type   string   `json:"type"`
	Values []string `json:"values"`
	TTL    string   `json:"ttl,omitempty"`
}

func newState(now time.Time) *state {
	return &state{NextUID: 1002, NextGID: 1002, Owners: map[string]string{}}
}

func (st *state) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return err
	}
	if st.Owners == nil {
		st.Owners = map[string]string{}
	}
	return nil
}

func (st *state) save(path string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Clean(path))
}

func (st *state) find(name string) *domain {
	for _, d := range st.Domains {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func (st *state) children(name string) []*domain {
	var out []*domain
	for _, d := range st.Domains {
		if d.Parent == name || d.Alias == name {
			out = append(out, d)
		}
	}
	return out
}

// ordered is list-domains order: top-level servers by name, each followed by
// its sub-servers and aliases in creation order.
func (st *state) ordered() []*domain {
	var top []*domain
	for _, d := range st.Domains {
		if d.Parent == "" && d.Alias == "" {
			top = append(top, d)
		}
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Name < top[j].Name })
	var out []*domain
	var walk func(d *domain)
	walk = func(d *domain) {
		out = append(out, d)
		for _, c := range st.children(d.Name) {
			walk(c)
		}
	}
	for _, d := range top {
		walk(d)
	}
	return out
}

func (st *state) remove(name string) {
	out := st.Domains[:0]
	for _, d := range st.Domains {
		if d.Name != name {
			out = append(out, d)
		}
	}
	st.Domains = out
}

// top returns the top-level server a domain belongs to.
func (st *state) top(d *domain) *domain {
	for d != nil && (d.Parent != "" || d.Alias != "") {
		p := d.Parent
		if p == "" {
			p = d.Alias
		}
		next := st.find(p)
		if next == nil {
			return d
		}
		d = next
	}
	return d
}

func (d *domain) has(f string) bool {
	for _, x := range d.Features {
		if x == f {
			return true
		}
	}
	return false
}

func (d *domain) isTop() bool { return d.Parent == "" && d.Alias == "" }

// hasCert reports whether d has a certificate (its own or one it shares).
func (s *Server) hasCert(d *domain) bool {
	return d != nil && (d.Cert != "" || d.CertAuto || d.SSLShared != "")
}

// certOwner is the domain whose certificate files d uses.
func (s *Server) certOwner(d *domain) *domain {
	if d.SSLShared != "" {
		if o := s.st.find(d.SSLShared); o != nil {
			return o
		}
	}
	return d
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// fakeHash looks like a yescrypt hash; it is random, never derived from the
// password, so nothing secret can be recovered from it.
func fakeHash() string {
	const b64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	return "$y$j9T$" + randomString(22, b64) + "$" + randomString(43, b64)
}

// newID is like Virtualmin's domain IDs: the Unix time followed by digits.
func (st *state) newID(now time.Time) string {
	st.Counter++
	if st.IDBase == 0 {
		st.IDBase = 10000 + mrand.Int64N(90000)
	}
	return strconv.FormatInt(now.Unix(), 10) + strconv.FormatInt(10000+(st.IDBase+st.Counter)%90000, 10)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func limitText(v, def string) string {
	if v == "" {
		return def
	}
	if strings.EqualFold(v, "UNLIMITED") {
		return "Unlimited"
	}
	return v
}
