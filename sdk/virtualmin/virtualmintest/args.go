package virtualmintest

import (
	"regexp"
	"strings"
)

// args is a parsed argv, as the Perl scripts' "while(@ARGV)" loops see it.
type args struct {
	order []string
	vals  map[string][]string
}

func (a *args) has(f string) bool { _, ok := a.vals[f]; return ok }

func (a *args) str(f string) string {
	if v := a.vals[f]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

func (a *args) all(f string) []string { return a.vals[f] }

var usageFlag = regexp.MustCompile(`--([a-z0-9][a-z0-9\-]*)(\s+("[^"]*"|[^\s\[\]|]+))?`)

// flagSpec maps each flag of a program to whether it takes a value. For
// programs with a recorded usage text it is read from that text (as this
// server's build prints it); the others are listed by hand (extraFlags).
func (s *Server) flagSpec(program string) map[string]bool {
	spec := map[string]bool{}
	if u, ok := s.usageText(program); ok {
		for _, m := range usageFlag.FindAllStringSubmatch(u, -1) {
			name, val := m[1], m[3]
			takes := val != "" && !strings.HasPrefix(val, "--")
			if old, ok := spec[name]; ok && old {
				continue
			}
			spec[name] = takes
		}
	}
	for k, v := range extraFlags[program] {
		spec[k] = v
	}
	return spec
}

// extraFlags completes or defines flag specs (from the programs' Perl source where no usage
// text was recorded).
var extraFlags = map[string]map[string]bool{
	"list-domains":      {"json": false, "xml": false},
	"list-users":        {"domain": true, "user": true, "multiline": false, "simple-multiline": false, "name-only": false, "all-domains": false, "include-owner": false, "email-only": false},
	"list-databases":    {"domain": true, "multiline": false, "name-only": false, "type": true, "all-domains": false},
	"list-plans":        {"multiline": false, "name-only": false, "id-only": false, "id": true, "name": true},
	"list-templates":    {"multiline": false, "name-only": false, "id-only": false},
	"list-php-versions": {"multiline": false, "name-only": false, "domain": true},
	"info":              {"multiline": false, "search": true},
	"check-config":      {},
	"backup-domain": {"domain": true, "dest": true, "all-features": false, "feature": true, "all-domains": false, "newformat": false,
		"onebyone": false, "except-feature": true, "incremental": false, "purge": true, "user": true, "all-virtualmin": false, "virtualmin": true},
	// transfer-domain reads --user (the target's login) and --multiline,
	// which its usage text leaves out (moves 14, 15).
	"transfer-domain": {"user": true, "multiline": false},
	// create-domain also parses flags its recorded usage text leaves out
	// (create-domain.pl; quotas are off, so --quota and
	// --uquota are accepted and have no effect).
	"create-domain": {"features-from-plan": false, "features-from-template": false, "quota": true, "uquota": true,
		"bandwidth": true, "subdom": true, "no-email": false, "content": true,
		"unix": false, "dir": false, "dns": false, "mail": false, "web": false, "mysql": false, "webmin": false,
		"ssl": false, "logrotate": false, "postgres": false, "spam": false, "virus": false, "webalizer": false},
	// --quota is only in the usage text when home quotas are on; the
	// programs still parse it (202, 207).
	"create-user": {"quota": true},
	"modify-user": {"quota": true},
	"modify-limits": {"domain": true, "can-edit": true, "cannot-edit": true, "max-mailboxes": true, "max-dbs": true,
		"max-aliases": true, "max-doms": true, "max-aliasdoms": true, "max-realdoms": true, "can-dbname": false,
		"cannot-dbname": false, "can-rename": false, "cannot-rename": false, "shell": true},
	"list-commands":     {"multiline": false, "name-only": false, "short": false, "nameonly": false},
	"get-command":       {"command": true, "multiline": false},
	"validate-domains":  {"domain": true, "all-domains": false, "feature": true, "all-features": false, "problems": false, "user": true},
	"list-certs-expiry": {"domain": true, "all-domains": false, "multiline": false, "user": true},
	"create-admin":      {"domain": true, "name": true, "pass": true, "desc": true, "create": false, "rename": false, "features": false, "modules": false, "edit": true},
	"list-admins":       {"domain": true, "multiline": false, "name-only": false},
	"delete-admin":      {"domain": true, "name": true},
	"get-dns":           {"multiline": false, "regexp": true, "type": true, "name": true, "name-only": false},
	// enable-feature.pl / disable-feature.pl (no recording).
	"enable-feature": {"domain": true, "all-domains": false, "user": true, "associate": false, "skip-warnings": false,
		"multiline": false, "unix": false, "dir": false, "dns": false, "mail": false, "web": false, "mysql": false, "webmin": false,
		"ssl": false, "logrotate": false, "postgres": false, "spam": false, "virus": false, "webalizer": false},
	"disable-feature": {"domain": true, "all-domains": false, "user": true, "disassociate": false,
		"multiline": false, "unix": false, "dir": false, "dns": false, "mail": false, "web": false, "mysql": false, "webmin": false,
		"ssl": false, "logrotate": false, "postgres": false, "spam": false, "virus": false, "webalizer": false},
	"list-certs":    {"multiline": false},
	"list-features": {"parent": true, "alias": true, "subdom": true, "multiline": false, "name-only": false},
	"modify-dns":    {"add-record": true, "add-record-with-ttl": true, "remove-record": true, "update-record": true},
}

// parseArgs parses argv; the error is the message Virtualmin gives.
func parseArgs(program string, argv []string, spec map[string]bool) (*args, string) {
	a := &args{vals: map[string][]string{}}
	for i := 0; i < len(argv); i++ {
		w := argv[i]
		if !strings.HasPrefix(w, "--") {
			return a, "Unknown parameter " + w
		}
		name := w[2:]
		takes, ok := spec[name]
		if !ok {
			return a, "Unknown parameter " + w
		}
		a.order = append(a.order, name)
		if takes && program == "modify-dns" && name == "update-record" && i+2 < len(argv) {
			// --update-record "old-name type" "new-name type value"
			a.vals[name] = append(a.vals[name], argv[i+1]+"\n"+argv[i+2])
			i += 2
			continue
		}
		if takes {
			v := ""
			if i+1 < len(argv) {
				i++
				v = argv[i]
			}
			a.vals[name] = append(a.vals[name], v)
		} else {
			a.vals[name] = append(a.vals[name], "")
		}
	}
	return a, ""
}
