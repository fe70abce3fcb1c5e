package virtualmintest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type program func(s *Server, cc *callCtx, a *args) result

// programs are the simulated Virtualmin programs. Every other name gets
// "Remote program X does not exist", except notSimulated below.
var programs = map[string]program{}

// realPrograms are the programs the recorded server has (list-commands,
// 293, plus the generate-letsencrypt-cert alias). Those without a simulation
// fail with a message saying so instead of pretending to work.
func realPrograms() []string {
	var out []string
	for _, l := range strings.Split(asset("list-commands-multiline.txt"), "\n") {
		if l != "" && l[0] != ' ' {
			out = append(out, l)
		}
	}
	return out
}

func init() {
	programs = map[string]program{
		"list-domains":              (*Server).listDomains,
		"create-domain":             (*Server).createDomain,
		"delete-domain":             (*Server).deleteDomain,
		"disable-domain":            (*Server).disableDomain,
		"enable-domain":             (*Server).enableDomain,
		"modify-domain":             (*Server).modifyDomain,
		"list-users":                (*Server).listUsers,
		"create-user":               (*Server).createUser,
		"modify-user":               (*Server).modifyUser,
		"delete-user":               (*Server).deleteUser,
		"list-databases":            (*Server).listDatabases,
		"create-database":           (*Server).createDatabase,
		"delete-database":           (*Server).deleteDatabase,
		"list-plans":                (*Server).listPlans,
		"list-templates":            (*Server).listTemplates,
		"list-php-versions":         (*Server).listPHPVersions,
		"modify-web":                (*Server).modifyWeb,
		"modify-limits":             (*Server).modifyLimits,
		"info":                      (*Server).info,
		"check-config":              (*Server).checkConfig,
		"get-dns":                   (*Server).getDNS,
		"modify-dns":                (*Server).modifyDNS,
		"generate-letsencrypt-cert": (*Server).letsEncrypt,
		"backup-domain":             (*Server).backupDomain,
		"restore-domain":            (*Server).restoreDomain,
		"list-commands":             (*Server).listCommands,
		"get-command":               (*Server).getCommand,
		"create-admin":              (*Server).createAdmin,
		"list-admins":               (*Server).listAdmins,
		"delete-admin":              (*Server).deleteAdmin,
		"install-cert":              (*Server).installCert,
		"get-ssl":                   (*Server).getSSL,
		"list-certs":                (*Server).listCerts,
		"list-certs-expiry":         (*Server).listCertsExpiry,
		"validate-domains":          (*Server).validateDomains,
		"enable-feature":            (*Server).enableFeature,
		"disable-feature":           (*Server).disableFeature,
	}
	for _, p := range realPrograms() {
		if _, ok := programs[p]; !ok {
			programs[p] = func(s *Server, cc *callCtx, a *args) result {
				return fail("This program is not simulated by virtualmintest\n")
			}
		}
	}
}

// ---------------------------------------------------------------- commands, admins

func (s *Server) listCommands(cc *callCtx, a *args) result {
	if a.has("multiline") {
		return ok(asset("list-commands-multiline.txt"))
	}
	// Reconstructed from the JSON rows of 292 (the blank lines between
	// categories are not visible there).
	return ok(asset("list-commands.txt"))
}

func (s *Server) getCommand(cc *callCtx, a *args) result {
	if a.str("command") == "create-user" {
		// get-command cannot parse create-user's own usage text (294).
		return usage("get-command", "Cannot parse flag pubkey-file <--ssh-pubkey-id id")
	}
	return fail("This program is not simulated by virtualmintest\n")
}

// extraAdmin is a domain-scoped extra administrator (create-admin, 333).
type extraAdmin struct {
	Name string `json:"name"`
	Pass string `json:"pass"`
	Desc string `json:"desc,omitempty"`
}

func (s *Server) adminDomain(cc *callCtx, p string, a *args) (*domain, *result) {
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		r := fail("Virtual server " + a.str("domain") + " does not exist\n")
		return nil, &r
	}
	if !d.isTop() || !d.has("webmin") {
		// Wording not recorded.
		r := fail("Extra administrators can only be created in top-level virtual servers with a Webmin login\n")
		return nil, &r
	}
	return d, nil
}

func (s *Server) createAdmin(cc *callCtx, a *args) result {
	d, r := s.adminDomain(cc, "create-admin", a)
	if r != nil {
		return *r
	}
	name := a.str("name")
	if !goodUsername.MatchString(name) {
		return fail("Missing or invalid administrator name\n")
	}
	for _, x := range d.Admins {
		if x.Name == name {
			return fail("An extra administrator with the same name already exists\n")
		}
	}
	d.Admins = append(d.Admins, extraAdmin{Name: name, Pass: a.str("pass"), Desc: a.str("desc")})
	return ok("Extra administrator " + name + " created successfully\n")
}

func (s *Server) listAdmins(cc *callCtx, a *args) result {
	d, r := s.adminDomain(cc, "list-admins", a)
	if r != nil {
		return *r
	}
	var b strings.Builder
	if a.has("multiline") {
		for _, x := range d.Admins {
			b.WriteString(x.Name + "\n    Description: " + x.Desc + "\n")
			// The real server shows the password in plain text (334).
			b.WriteString("    Password: " + x.Pass + "\n")
			b.WriteString("    Create servers: No\n    Rename servers: No\n    Configure features: No\n" +
				"    Access Webmin modules: No\n    Edit capabilities: \n    Base username: " + x.Name + "\n")
		}
		return ok(b.String())
	}
	var rows [][]string
	for _, x := range d.Admins {
		rows = append(rows, []string{x.Name, x.Desc})
	}
	return ok(table([]int{20, 50}, []string{"Login", "Description"}, rows))
}

func (s *Server) deleteAdmin(cc *callCtx, a *args) result {
	d, r := s.adminDomain(cc, "delete-admin", a)
	if r != nil {
		return *r
	}
	for i, x := range d.Admins {
		if x.Name == a.str("name") {
			d.Admins = append(d.Admins[:i], d.Admins[i+1:]...)
			return ok("Extra administrator " + x.Name + " deleted successfully\n")
		}
	}
	return fail("No extra administrator named " + a.str("name") + " exists\n")
}

// usageSep is what Virtualmin prints between the message and the usage text.
var usageSep = map[string]string{"disable-domain": "\n", "enable-domain": "\n"}

func usage(program, msg string) result {
	u, err := assets.ReadFile("assets/usage/" + program + ".txt")
	if err != nil {
		return fail(msg + "\n")
	}
	sep, ok := usageSep[program]
	if !ok {
		sep = "\n\n"
	}
	return result{out: msg + sep + string(u), exit: 1}
}

func fail(out string) result { return result{out: out, exit: 1} }
func ok(out string) result   { return result{out: out} }

// run parses argv and runs the program; s.mu is held.
func (s *Server) run(cc *callCtx, name string, argv []string) result {
	p := programs[name]
	a, errMsg := parseArgs(name, argv)
	if errMsg != "" {
		return usage(name, errMsg)
	}
	if cc.role == RoleRemoteAPI && name != "list-domains" && name != "create-domain" {
		// No per-domain capability is granted to such a user (83).
		n := a.str("domain")
		if d := s.st.find(n); d != nil {
			return fail("You are not allowed to run this command for virtual server " + n + "\n")
		}
		return fail("Virtual server " + n + " does not exist\n")
	}
	return p(s, cc, a)
}

func (s *Server) now() int64 { return s.cfg.now().Unix() }

// visible reports whether the caller may see d: masters see everything, a
// domain owner only its own servers.
func (s *Server) visible(cc *callCtx, d *domain) bool {
	if cc.role != roleDomainOwner {
		return true
	}
	return s.st.top(d).Name == cc.domain
}

func (s *Server) lookup(cc *callCtx, name string) *domain {
	d := s.st.find(name)
	if d == nil || !s.visible(cc, d) {
		return nil
	}
	return d
}

func steps(indent string, lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(indent + l + " ..\n" + indent + ".. done\n\n")
	}
	return b.String()
}

// ---------------------------------------------------------------- domains

func (s *Server) listDomains(cc *callCtx, a *args) result {
	var sel []*domain
	all := s.st.ordered()
	if names := a.all("domain"); len(names) > 0 {
		for _, n := range names {
			d := s.lookup(cc, n)
			if d == nil {
				return usage("list-domains", "Virtual server "+n+" does not exist")
			}
			sel = append(sel, d)
		}
	} else {
		for _, d := range all {
			if s.visible(cc, d) {
				sel = append(sel, d)
			}
		}
	}
	filter := func(keep func(d *domain) bool) {
		out := sel[:0:0]
		for _, d := range sel {
			if keep(d) {
				out = append(out, d)
			}
		}
		sel = out
	}
	if p := a.str("parent"); a.has("parent") {
		filter(func(d *domain) bool { return d.Parent == p || d.Alias == p })
	}
	if users := a.all("user"); len(users) > 0 {
		filter(func(d *domain) bool {
			for _, u := range users {
				if s.st.top(d).User == u {
					return true
				}
			}
			return false
		})
	}
	if a.has("toplevel") {
		filter(func(d *domain) bool { return d.isTop() })
	}
	if a.has("subserver") {
		filter(func(d *domain) bool { return d.Parent != "" })
	}
	if a.has("no-alias") {
		filter(func(d *domain) bool { return d.Alias == "" })
	}
	if a.has("alias") {
		t := a.str("alias")
		filter(func(d *domain) bool { return d.Alias != "" && (t == "" || d.Alias == t) })
	}
	if a.has("disabled") {
		filter(func(d *domain) bool { return d.Disabled })
	}
	if a.has("enabled") {
		filter(func(d *domain) bool { return !d.Disabled })
	}
	if f := a.str("with-feature"); f != "" {
		filter(func(d *domain) bool { return d.has(f) })
	}
	if f := a.str("without-feature"); f != "" {
		filter(func(d *domain) bool { return !d.has(f) })
	}
	var b strings.Builder
	switch {
	case a.has("multiline") || a.has("simple-multiline"):
		if s.st.MySQLDown {
			b.WriteString(s.stderrMySQL())
		}
		for _, d := range sel {
			text := s.renderDomain(d, cc.role == RoleMaster, !a.has("multiline"))
			if s.st.MySQLDown && a.has("multiline") && d.has("mysql") {
				// The listing dies at the first domain with a database
				// (340): the rest of its block and the other domains are
				// never printed.
				text, _, _ = strings.Cut(text, "    Last login:")
				ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
				msg := "DBI connect failed : Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)"
				b.WriteString(text + ts + " [127.0.0.1] " + msg + "\nError\n-----\n" + msg + "\n-----\n")
				return fail(b.String())
			}
			b.WriteString(text)
		}
	case a.has("name-only"):
		for _, d := range sel {
			b.WriteString(d.Name + "\n")
		}
	case a.has("id-only"):
		for _, d := range sel {
			b.WriteString(d.ID + "\n")
		}
	case a.has("user-only"):
		for _, d := range sel {
			b.WriteString(s.st.top(d).User + "\n")
		}
	case a.has("home-only"):
		for _, d := range sel {
			b.WriteString(s.homeOf(d) + "\n")
		}
	default:
		var rows [][]string
		for _, d := range sel {
			rows = append(rows, []string{d.Name, s.st.top(d).User, d.Desc})
		}
		b.WriteString(table([]int{30, 15, 30}, []string{"Domain", "Username", "Description"}, rows))
	}
	return ok(b.String())
}

var (
	badDomainChars = regexp.MustCompile(`[^A-Za-z0-9.\-]`)
	goodUsername   = regexp.MustCompile(`^[a-z0-9][a-z0-9._\-]*$`)
)

func (s *Server) createDomain(cc *callCtx, a *args) result {
	const p = "create-domain"
	name := strings.ToLower(a.str("domain"))
	if name == "" {
		return usage(p, "Missing domain name") // API-NOTES.md (create-domain.pl:685), not recorded
	}
	// Features switched off in the recorded module configuration; wording
	// from API-NOTES.md (create-domain.pl:201-204), not recorded.
	for _, f := range []string{"ssl", "logrotate", "postgres", "spam", "virus", "webalizer"} {
		if a.has(f) {
			return usage(p, "The --"+f+" option cannot be used unless the feature is enabled in the module configuration")
		}
	}
	if (cc.role == roleDomainOwner || cc.role == RoleRemoteAPI) && !a.has("parent") && !a.has("alias") {
		return usage(p, "Only sub-servers can be created, so the --parent, --alias or --subdom flag must be given")
	}
	if badDomainChars.MatchString(name) {
		return usage(p, "Domain names cannot include anything other than letters, numbers, dots, and dashes")
	}
	if strings.Contains(name, "..") {
		return usage(p, "Domain names cannot contain consecutive dots")
	}
	if strings.HasPrefix(name, "-") || strings.HasPrefix(name, ".") || !strings.Contains(name, ".") {
		return usage(p, "Invalid domain name")
	}
	parentName, aliasName := a.str("parent"), a.str("alias")
	var parent *domain
	if parentName != "" || aliasName != "" {
		pn := parentName
		if pn == "" {
			pn = aliasName
		}
		parent = s.lookup(cc, pn)
		if parent == nil {
			return usage(p, "The parent domain "+pn+" does not exist")
		}
	}
	if parent == nil && !a.has("pass") && !a.has("passfile") {
		return usage(p, "Missing password")
	}
	if s.st.find(name) != nil {
		return usage(p, "You are already hosting this domain")
	}
	// The checks below follow API-NOTES.md §6.2 (no recording).
	if a.has("quota") != a.has("uquota") && !a.has("limits-from-plan") {
		return usage(p, "No quota specified")
	}
	if parent != nil && a.has("unix") {
		return usage(p, "--unix option makes no sense for sub-servers")
	}
	hasFeature := a.has("default-features") || a.has("features-from-plan") || a.has("features-from-template")
	for _, f := range []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"} {
		hasFeature = hasFeature || a.has(f)
	}
	if !hasFeature {
		return usage(p, "No virtual server features enabled")
	}
	now := s.cfg.now()
	d := &domain{ID: s.st.newID(now), Name: name, Desc: a.str("desc"), Created: now.Unix(), CreatedBy: cc.user,
		PHPMode: "none", Serial: 2026112600}
	if d.Desc == "" {
		d.Desc = name
	}
	want := map[string]bool{}
	for _, f := range []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"} {
		if a.has(f) {
			want[f] = true
		}
	}
	if a.has("default-features") || a.has("features-from-plan") || a.has("features-from-template") {
		for _, f := range []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"} {
			want[f] = true
		}
	}
	var out strings.Builder
	if s.st.MySQLDown {
		out.WriteString(s.stderrMySQL())
	}
	if aliasName == "" {
		out.WriteString(s.ipWarning())
	}
	mysqlFailed := false
	if s.st.MySQLDown && want["mysql"] {
		out.WriteString("/usr/bin/mysqlshow: Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n")
	}
	out.WriteString("Beginning server creation ..\n\n")
	out.WriteString(steps("", "Saving server details"))
	top := parent
	if parent != nil {
		top = s.st.top(parent)
	}
	if parent == nil {
		d.User = a.str("user")
		if d.User == "" {
			d.User = strings.SplitN(name, ".", 2)[0]
		}
		d.Pass = a.str("pass")
		d.Hashed = fakeHash()
		d.MySQLPass = randomString(25, alnum)
		d.Email = d.User + "@" + name
		if e := a.str("email"); e != "" {
			d.Email = e
		}
		d.UID, d.GID = s.st.NextUID, s.st.NextGID
		s.st.NextUID++
		s.st.NextGID++
		if want["unix"] {
			out.WriteString(steps("", "Creating administration group "+d.User, "Creating administration user "+d.User,
				"Creating aliases for administration user", "Adding administration user to groups"))
		}
	} else {
		d.User = top.User
		if parentName != "" {
			d.Parent = parentName
		} else {
			d.Alias = aliasName
		}
	}
	order := []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"}
	if d.Alias != "" {
		order = []string{"dns", "mail", "web"}
	}
	if parent == nil {
		for _, f := range []string{"unix", "dir", "dns", "mail", "web", "mysql"} {
			if want[f] {
				d.Allowed = append(d.Allowed, f)
			}
		}
	}
	for _, f := range order {
		if !want[f] {
			continue
		}
		switch f {
		case "dir":
			if d.Alias == "" {
				out.WriteString(steps("", "Creating home directory"))
				if parent == nil && want["unix"] && want["mail"] {
					out.WriteString(steps("", "Creating mailbox for administration user"))
				}
			}
		case "dns":
			if d.Parent != "" {
				out.WriteString(steps("", "Adding records to DNS zone "+d.Parent))
			} else {
				out.WriteString(steps("", "Adding new DNS zone"))
			}
		case "mail":
			out.WriteString(steps("", "Adding to email domains list"))
			if d.Alias == "" {
				out.WriteString(steps("", "Adding default mail aliases"))
			}
		case "web":
			switch {
			case d.Alias != "":
				out.WriteString(steps("", "Updating origin virtual server", "Performing other Apache configuration"))
			case parent == nil:
				out.WriteString(steps("", "Adding new virtual website", "Adding webserver user www-data to server's group", "Performing other Apache configuration"))
			default:
				out.WriteString(steps("", "Adding new virtual website", "Performing other Apache configuration"))
			}
		case "mysql":
			dbName := d.User
			if parent != nil {
				dbName = strings.SplitN(name, ".", 2)[0]
			}
			if s.st.MySQLDown {
				mysqlFailed = true
				out.WriteString("Creating MariaDB login ..\n.. MariaDB database failed : mysql::execute_sql_logged failed : DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n\n\n\n")
				continue
			}
			if parent == nil {
				out.WriteString(steps("", "Creating MariaDB login"))
			}
			out.WriteString(steps("", "Creating MariaDB database "+dbName))
			d.Databases = append(d.Databases, database{Name: dbName, Type: "mysql"})
		case "webmin":
			if parent == nil {
				out.WriteString(steps("", "Creating Webmin user"))
			}
		}
		if !(f == "mysql" && mysqlFailed) {
			d.Features = append(d.Features, f)
		}
	}
	webmin := want["webmin"] || (top != nil && top.has("webmin"))
	out.WriteString(steps("", "Saving server details"))
	if webmin {
		out.WriteString(steps("", "Updating Webmin user"))
	}
	if want["web"] && d.Alias == "" {
		out.WriteString(steps("", "Creating initial website index page"))
	}
	if want["dns"] {
		zone := name
		if d.Parent != "" {
			zone = d.Parent
		}
		out.WriteString(steps("", "Re-starting DNS server for "+zone))
	}
	if want["web"] {
		out.WriteString(steps("", "Applying webserver configuration"))
	}
	if webmin {
		out.WriteString(steps("", "Re-loading Webmin"))
	}
	out.WriteString("All done!\n")
	if want["dns"] {
		s.addZone(d)
	}
	s.st.Domains = append(s.st.Domains, d)
	if parent == nil && want["webmin"] {
		s.users[d.User] = &webminUser{password: d.Pass, role: roleDomainOwner, domain: d.Name}
		s.st.Owners[d.User] = d.Name
	}
	return ok(out.String())
}

func (s *Server) addZone(d *domain) {
	zone := d.Name
	target := d
	if d.Parent != "" {
		if p := s.st.find(d.Parent); p != nil {
			target = p
		}
	}
	fq := zone + "."
	recs := []dnsRecord{
		{Name: fq, Type: "A", Values: []string{"127.0.0.1"}},
		{Name: "www." + fq, Type: "A", Values: []string{"127.0.0.1"}},
		{Name: "webmail." + fq, Type: "A", Values: []string{"127.0.0.1"}},
		{Name: "admin." + fq, Type: "A", Values: []string{"127.0.0.1"}},
		{Name: "mail." + fq, Type: "A", Values: []string{"127.0.0.1"}},
		{Name: fq, Type: "MX", Values: []string{"5", "mail." + fq}},
		{Name: fq, Type: "SPF", Values: []string{"v=spf1 a mx a:" + zone + " ip6:fd00::2"}},
	}
	if target != d {
		target.DNS = append(target.DNS, recs...)
		target.Serial++
		return
	}
	d.DNS = append([]dnsRecord{
		{Name: fq, Type: "SOA", Values: []string{"vm.", "root.vm.", "", "3600", "600", "1209600", "3600"}},
		{Name: fq, Type: "NS", Values: []string{"vm."}},
	}, recs...)
}

func (s *Server) deleteOne(d *domain, indent string) string {
	var b strings.Builder
	in := indent + "    "
	if d.Alias != "" {
		b.WriteString(steps(in, "Removing alias from origin virtual server"))
		if d.has("dns") {
			b.WriteString(steps(in, "Deleting DNS zone"))
		}
		if d.has("mail") {
			b.WriteString(steps(in, "Removing from email domains list"))
		}
		b.WriteString(steps(in, "Deleting server details for "+d.Name, "Updating Webmin user"))
		return b.String()
	}
	if len(d.Users) > 0 {
		b.WriteString(steps(in, "Deleting users"))
	}
	if d.has("mail") {
		b.WriteString(steps(in, "Deleting mail aliases"))
	}
	if d.has("webmin") {
		b.WriteString(steps(in, "Deleting Webmin login"))
	}
	if d.has("mysql") && len(d.Databases) > 0 {
		var names []string
		for _, db := range d.Databases {
			names = append(names, db.Name)
		}
		b.WriteString(steps(in, "Deleting MariaDB database "+strings.Join(names, ", ")))
	}
	if d.has("mysql") && d.isTop() {
		b.WriteString(steps(in, "Deleting MariaDB login"))
	}
	if d.has("web") {
		b.WriteString(steps(in, "Deleting virtual website", "Deleting Apache log files"))
	}
	if d.has("mail") {
		b.WriteString(steps(in, "Removing from email domains list"))
	}
	if d.has("dns") {
		if d.Parent != "" {
			b.WriteString(steps(in, "Removing records from DNS zone "+d.Parent))
		} else {
			b.WriteString(steps(in, "Deleting DNS zone"))
		}
	}
	if d.has("dir") {
		b.WriteString(steps(in, "Deleting home directory"))
	}
	if d.has("unix") {
		b.WriteString(steps(in, "Deleting administration user", "Deleting administration group"))
	}
	b.WriteString(steps(in, "Deleting server details for "+d.Name, "Updating Webmin user"))
	return b.String()
}

func (s *Server) deleteDomain(cc *callCtx, a *args) result {
	const p = "delete-domain"
	names := a.all("domain")
	if len(names) == 0 {
		return usage(p, "No domains specified")
	}
	var out strings.Builder
	for _, n := range names {
		d := s.lookup(cc, n)
		if d == nil {
			return usage(p, "Virtual server "+n+" does not exist")
		}
		if cc.role == roleDomainOwner {
			return fail("You are not allowed to run this command for virtual server " + n + "\n")
		}
		out.WriteString("Deleting virtual server " + d.Name + " ..\n")
		var kids []*domain
		var collect func(x *domain)
		collect = func(x *domain) {
			for _, c := range s.st.children(x.Name) {
				collect(c)
				kids = append(kids, c)
			}
		}
		collect(d)
		for _, c := range kids {
			out.WriteString("    Deleting sub-server " + c.Name + " ..\n")
			out.WriteString(s.deleteOne(c, "    "))
			out.WriteString("    .. done\n\n")
		}
		out.WriteString(s.deleteOne(d, ""))
		out.WriteString(s.deleteEpilogue(d, kids))
		out.WriteString(".. deleted\n\n")
		for _, c := range kids {
			s.removeDomain(c)
		}
		s.removeDomain(d)
	}
	return ok(out.String())
}

// deleteEpilogue prints the post-actions in the order they were registered:
// a top-level server registers the Webmin reload first (281, 360-362); a
// sub-server or alias registers the web server, then its DNS zone, then
// Webmin (101, 245), and so does a top-level server whose first deleted
// child is a sub-server, whose name the DNS restart then carries (102).
func (s *Server) deleteEpilogue(d *domain, kids []*domain) string {
	all := append([]*domain{d}, kids...)
	web, dns := false, false
	for _, x := range all {
		web = web || x.has("web")
		dns = dns || x.has("dns")
	}
	reg := d
	for _, k := range kids {
		if k.Parent != "" {
			reg = k
			break
		}
	}
	webmin := s.st.top(d).has("webmin")
	var b strings.Builder
	if reg.isTop() {
		if webmin {
			b.WriteString(steps("    ", "Re-loading Webmin"))
		}
		if web {
			b.WriteString(steps("    ", "Applying webserver configuration"))
		}
		if dns {
			b.WriteString(steps("    ", "Re-starting DNS server for "+reg.Name))
		}
		return b.String()
	}
	if web || reg.Alias != "" {
		b.WriteString(steps("    ", "Applying webserver configuration"))
	}
	if reg.has("dns") {
		b.WriteString(steps("    ", "Re-starting DNS server for "+reg.Name))
	}
	if webmin {
		b.WriteString(steps("    ", "Re-loading Webmin"))
	}
	return b.String()
}

func (s *Server) removeDomain(d *domain) {
	if d.Parent != "" {
		if p := s.st.find(d.Parent); p != nil {
			keep := p.DNS[:0]
			for _, r := range p.DNS {
				if r.Name != d.Name+"." && !strings.HasSuffix(r.Name, "."+d.Name+".") {
					keep = append(keep, r)
				}
			}
			p.DNS = keep
		}
	}
	if owner, ok := s.users[d.User]; ok && owner.role == roleDomainOwner && owner.domain == d.Name {
		delete(s.users, d.User)
		delete(s.st.Owners, d.User)
	}
	s.st.remove(d.Name)
}

func (s *Server) disableDomain(cc *callCtx, a *args) result {
	const p = "disable-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if d.Disabled {
		return usage(p, "Virtual server "+d.Name+" is already disabled")
	}
	var b strings.Builder
	b.WriteString("Disabling virtual server " + d.Name + " ..\n\n")
	if d.has("unix") {
		b.WriteString(steps("", "Locking administration user's password"))
	}
	if d.has("dns") {
		b.WriteString(steps("", "Renaming DNS zone to disable it"))
	}
	if d.has("mail") {
		b.WriteString(steps("", "Removing from email domains list", "Locking mail users' accounts"))
	}
	if d.has("web") {
		b.WriteString(steps("", "Replacing website with error page"))
	}
	if d.has("mysql") {
		b.WriteString(steps("", "Locking MariaDB user's password"))
	}
	b.WriteString(steps("", "Saving server details"))
	if d.has("dns") {
		b.WriteString(steps("", "Re-starting DNS server for "+d.Name))
	}
	if d.has("web") {
		b.WriteString(steps("", "Applying webserver configuration"))
	}
	b.WriteString("All done!\n")
	d.Disabled, d.DisabledWhy, d.DisabledAt = true, a.str("why"), s.now()
	return ok(b.String())
}

func (s *Server) enableDomain(cc *callCtx, a *args) result {
	const p = "enable-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.Disabled {
		return usage(p, "Virtual server "+d.Name+" is not disabled")
	}
	var b strings.Builder
	b.WriteString("Enabling virtual server " + d.Name + " ..\n\n")
	if d.has("unix") {
		b.WriteString(steps("", "Restoring administration user's password"))
	}
	if d.has("dns") {
		b.WriteString(steps("", "Renaming DNS zone to original name"))
	}
	if d.has("mail") {
		b.WriteString(steps("", "Adding to email domains list", "Un-locking mail users' accounts"))
	}
	if d.has("web") {
		b.WriteString(steps("", "Removing error page from website"))
	}
	if d.has("mysql") {
		b.WriteString(steps("", "Restoring MariaDB user's password"))
	}
	b.WriteString(steps("", "Saving server details"))
	if d.has("dns") {
		b.WriteString(steps("", "Re-starting DNS server for "+d.Name))
	}
	if d.has("web") {
		b.WriteString(steps("", "Applying webserver configuration"))
	}
	b.WriteString("All done!\n")
	d.Disabled, d.DisabledWhy, d.DisabledAt = false, "", 0
	return ok(b.String())
}

var quotaRe = regexp.MustCompile(`^(\d+|UNLIMITED)$`)

func (s *Server) modifyDomain(cc *callCtx, a *args) result {
	const p = "modify-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "Virtual server "+a.str("domain")+" does not exist.")
	}
	for _, q := range []string{"quota", "uquota"} {
		if a.has(q) && !quotaRe.MatchString(a.str(q)) {
			return usage(p, "Quota must be a number of blocks")
		}
	}
	// Quotas are off in the recorded configuration: --quota and --uquota
	// are accepted and silently ignored (23, 306, 307).
	var inner strings.Builder
	changedUser := a.has("pass") || a.has("desc") || a.has("quota") || a.has("uquota") || a.has("email")
	if changedUser && d.has("unix") {
		inner.WriteString(steps("    ", "Modifying administration user"))
	}
	webmin := s.st.top(d).has("webmin")
	webminStep := "Updating Webmin user"
	if a.has("desc") {
		webminStep = "Updating Webmin user's real name"
	}
	if webmin {
		inner.WriteString(steps("    ", webminStep))
	}
	inner.WriteString(steps("    ", "Saving server details"))
	var b strings.Builder
	b.WriteString("Updating virtual server " + d.Name + " ..\n\n" + inner.String() + ".. done\n\n")
	if changedUser && !a.has("desc") {
		// Sub-servers and aliases share the owner's settings (306).
		for _, c := range s.st.children(d.Name) {
			b.WriteString("Updating virtual server " + c.Name + " ..\n\n" + steps("    ", "Saving server details") + ".. done\n\n")
		}
	}
	if webmin {
		b.WriteString(steps("", webminStep, "Re-loading Webmin"))
	}
	b.WriteString("All done\n")
	d.SSLExpiryCached = d.Cert != ""
	if a.has("pass") {
		d.Pass, d.Hashed = a.str("pass"), fakeHash()
		if u := s.users[d.User]; u != nil && u.role == roleDomainOwner {
			u.password = d.Pass
		}
	}
	if a.has("desc") {
		d.Desc = a.str("desc")
	}
	if a.has("email") {
		d.Email = a.str("email")
	}
	return ok(b.String())
}

// ---------------------------------------------------------------- users

func (s *Server) userDomain(cc *callCtx, p string, a *args, cap string) (*domain, *result) {
	name := a.str("domain")
	d := s.lookup(cc, name)
	if d == nil {
		if cc.role == roleDomainOwner {
			r := fail("Virtual server " + name + " does not exist\n")
			return nil, &r
		}
		r := usage(p, "Virtual server "+name+" does not exist")
		if p == "list-users" || p == "list-databases" {
			r = fail("Virtual server " + name + " does not exist\n")
		}
		return nil, &r
	}
	if (cc.role == roleDomainOwner && cap == "dbs") || cc.role == RoleRemoteAPI {
		r := fail("You are not allowed to run this command for virtual server " + name + "\n")
		return nil, &r
	}
	return d, nil
}

func unixName(u *mailUser, d *domain) string { return u.Name + "." + d.User }

func (s *Server) listUsers(cc *callCtx, a *args) result {
	d, r := s.userDomain(cc, "list-users", a, "users")
	if r != nil {
		return *r
	}
	users := d.Users
	if f := a.all("user"); len(f) > 0 {
		users = nil
		for _, u := range d.Users {
			for _, n := range f {
				if u.Name == n {
					users = append(users, u)
				}
			}
		}
	}
	var b strings.Builder
	if a.has("multiline") || a.has("simple-multiline") {
		home := s.homeOf(d)
		for _, u := range users {
			line := func(k, v string) { b.WriteString("    " + k + ": " + v + "\n") }
			b.WriteString(unixName(u, d) + "\n")
			line("Unix username", unixName(u, d))
			line("Real name", u.Real)
			line("Email address", u.Name+"@"+d.Name)
			if len(u.Extra) > 0 {
				line("Extra addresses", strings.Join(u.Extra, " "))
			}
			if u.Recovery != "" {
				line("Recovery email address", u.Recovery)
			}
			for _, f := range u.Forward {
				line("Forward mail to", f)
			}
			if len(u.Forward) > 0 {
				line("Forward mail to", `\`+unixName(u, d))
			}
			line("Home directory", home+"/homes/"+u.Name)
			line("Mail location", home+"/homes/"+u.Name+"/Maildir")
			line("Mail storage type", "Maildir")
			line("User type", "Normal user")
			if u.FTP {
				line("Login permissions", "Email and FTP")
				line("FTP access", "Yes")
				line("Shell", "/bin/false")
			} else {
				line("Login permissions", "Email only")
				line("FTP access", "No")
				line("Shell", "/dev/null")
			}
			line("Disabled", yesNo(u.Disabled))
			line("No password accepted", "No")
			if cc.role == RoleMaster {
				line("Encrypted password", u.Hashed)
			}
			line("Domain", d.Name)
			line("User", u.Name)
		}
		return ok(b.String())
	}
	if a.has("name-only") {
		for _, u := range users {
			b.WriteString(u.Name + "\n")
		}
		return ok(b.String())
	}
	var rows [][]string
	for _, u := range users {
		rows = append(rows, []string{u.Name, u.Real, "Yes", yesNo(u.FTP), "No", "NA"})
	}
	b.WriteString(table([]int{20, 20, 4, 10, 4, 15}, []string{"User", "Real name", "Mail", "FTP", "DBs", "Quota"}, rows))
	return ok(b.String())
}

func (s *Server) findUser(d *domain, name string) *mailUser {
	for _, u := range d.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

func (s *Server) createUser(cc *callCtx, a *args) result {
	const p = "create-user"
	d, r := s.userDomain(cc, p, a, "users")
	if r != nil {
		if cc.role != roleDomainOwner {
			return usage(p, "Virtual server "+a.str("domain")+" does not exist")
		}
		return *r
	}
	name := a.str("user")
	if !goodUsername.MatchString(name) {
		return usage(p, "Missing or invalid username")
	}
	if !a.has("pass") && !a.has("encpass") && !a.has("random-pass") && !a.has("passfile") {
		return usage(p, "Missing password")
	}
	if s.findUser(d, name) != nil {
		return usage(p, "A user or mail alias with the same name and domain already exists")
	}
	// --quota is dropped silently while home quotas are off (202).
	u := &mailUser{Name: name, Real: a.str("real"), Pass: a.str("pass"), Hashed: fakeHash(), FTP: a.has("ftp"),
		Extra: a.all("extra"), Recovery: a.str("recovery")}
	d.Users = append(d.Users, u)
	return ok("User " + unixName(u, d) + " created successfully\n")
}

func (s *Server) modifyUser(cc *callCtx, a *args) result {
	const p = "modify-user"
	d, r := s.userDomain(cc, p, a, "users")
	if r != nil {
		return *r
	}
	u := s.findUser(d, a.str("user"))
	if u == nil {
		return usage(p, "No user named "+a.str("user")+" was found in the server "+d.Name)
	}
	if a.has("quota") {
		return usage(p, "--quota option is not available unless home directory quotas are enabled")
	}
	if a.has("pass") {
		u.Pass, u.Hashed = a.str("pass"), fakeHash()
	}
	if a.has("real") {
		u.Real = a.str("real")
	}
	for _, f := range a.all("del-forward") {
		keep := u.Forward[:0]
		for _, x := range u.Forward {
			if x != f {
				keep = append(keep, x)
			}
		}
		u.Forward = keep
	}
	for _, f := range a.all("add-forward") {
		if f != "" {
			u.Forward = append(u.Forward, f)
		}
	}
	if a.has("disable") {
		u.Disabled = true
	}
	if a.has("enable") {
		u.Disabled = false
	}
	return ok("User " + unixName(u, d) + " updated successfully\n")
}

func (s *Server) deleteUser(cc *callCtx, a *args) result {
	const p = "delete-user"
	d, r := s.userDomain(cc, p, a, "users")
	if r != nil {
		return *r
	}
	u := s.findUser(d, a.str("user"))
	if u == nil {
		return usage(p, "No user named "+a.str("user")+" was found in the server "+d.Name)
	}
	keep := d.Users[:0]
	for _, x := range d.Users {
		if x != u {
			keep = append(keep, x)
		}
	}
	d.Users = keep
	return ok("User " + unixName(u, d) + " deleted successfully\n")
}

// ---------------------------------------------------------------- databases

func (s *Server) listDatabases(cc *callCtx, a *args) result {
	d, r := s.userDomain(cc, "list-databases", a, "dbs")
	if r != nil {
		return *r
	}
	var b strings.Builder
	if s.st.MySQLDown {
		b.WriteString(s.stderrMySQL())
	}
	if a.has("multiline") {
		for _, db := range d.Databases {
			b.WriteString(db.Name + "\n    Type: " + db.Type + "\n    Tables: 0\n    Files: 1\n")
		}
		return ok(b.String())
	}
	if a.has("name-only") {
		for _, db := range d.Databases {
			b.WriteString(db.Name + "\n")
		}
		return ok(b.String())
	}
	var rows [][]string
	for _, db := range d.Databases {
		rows = append(rows, []string{db.Name, db.Type, "Unknown", "0"})
	}
	b.WriteString(table([]int{30, 20, 15, 10}, []string{"Database", "Type", "Size", "Tables"}, rows))
	return ok(b.String())
}

func (s *Server) createDatabase(cc *callCtx, a *args) result {
	const p = "create-database"
	d, r := s.userDomain(cc, p, a, "dbs")
	if r != nil {
		return *r
	}
	name, typ := a.str("name"), a.str("type")
	if name == "" {
		return usage(p, "Missing --name parameter")
	}
	if typ == "" {
		return usage(p, "Missing --type parameter")
	}
	if !d.has(typ) {
		return usage(p, "The specified database type is not enabled in this virtual server")
	}
	for _, db := range d.Databases {
		if db.Name == name && db.Type == typ {
			return usage(p, "A database with the same name and type is already associated with this server")
		}
	}
	if s.st.MySQLDown {
		ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
		msg := "DBI connect failed : Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)"
		return fail(s.stderrMySQL() + ts + " [127.0.0.1] " + msg + "\nError\n-----\n" + msg + "\n-----\n")
	}
	// Limits do not bind a master admin (315, 316).
	d.Databases = append(d.Databases, database{Name: name, Type: typ})
	return ok("Database " + name + " created successfully\n")
}

func (s *Server) deleteDatabase(cc *callCtx, a *args) result {
	const p = "delete-database"
	d, r := s.userDomain(cc, p, a, "dbs")
	if r != nil {
		return *r
	}
	name, typ := a.str("name"), a.str("type")
	for i, db := range d.Databases {
		if db.Name == name && (typ == "" || db.Type == typ) {
			d.Databases = append(d.Databases[:i], d.Databases[i+1:]...)
			return ok("Database " + name + " deleted successfully\n")
		}
	}
	return usage(p, "The specified database is not associated with this server")
}

// ---------------------------------------------------------------- plans, templates, PHP

func (s *Server) listPlans(cc *callCtx, a *args) result {
	n := 0
	for _, d := range s.st.Domains {
		if d.isTop() {
			n++
		}
	}
	if a.has("multiline") {
		var b strings.Builder
		b.WriteString("0\n")
		for _, kv := range [][2]string{
			{"Name", "Default Plan"}, {"Administrator quota", "2 GiB"}, {"Administrator block quota", "2097152"},
			{"Server quota", "2 GiB"}, {"Server block quota", "2097152"},
			{"Maximum doms", "0"}, {"Maximum aliasdoms", "Unlimited"}, {"Maximum realdoms", "Unlimited"},
			{"Maximum mailbox", "Unlimited"}, {"Maximum alias", "Unlimited"}, {"Maximum dbs", "Unlimited"},
			{"Maximum bw", "Unlimited"}, {"Can choose database names", "Yes"}, {"Can rename domains", "Yes"},
			{"Can migrate backups", "No"}, {"Can create sub-servers under any domain", "Yes"},
			{"Can create sub-servers under other domains", "No"}, {"Allowed features", "Automatic"},
			{"Edit capabilities", "Automatic"}, {"Allowed scripts", "All"}, {"Resellers", "All"},
		} {
			b.WriteString("    " + kv[0] + ": " + kv[1] + "\n")
		}
		return ok(b.String())
	}
	return ok(table([]int{18, 40, 10, 8}, []string{"ID", "Name", "Quota", "Domains"},
		[][]string{{"0", "Default Plan", "2 GiB", strconv.Itoa(n - n)}}))
}

func (s *Server) listTemplates(cc *callCtx, a *args) result {
	if a.has("multiline") {
		return ok("0\n    Name: Default Settings\n    Custom web: Custom\n    Custom mail: None\n    Custom DNS: None\n    Custom logrotate: None\n" +
			"1\n    Name: Settings For Sub-Servers\n    Custom web: Default\n    Custom mail: None\n    Custom DNS: Default\n    Custom logrotate: Default\n")
	}
	return ok(table([]int{18, 60}, []string{"ID", "Description"}, [][]string{{"0", "Default Settings"}, {"1", "Settings For Sub-Servers"}}))
}

func (s *Server) listPHPVersions(cc *callCtx, a *args) result {
	show := s.st.PHP
	if n := a.str("domain"); n != "" {
		d := s.lookup(cc, n)
		if d == nil {
			return fail("Virtual server " + n + " does not exist\n")
		}
		// Under mode none a domain has no usable version (248, 109).
		show = show && d.PHPMode == "fpm"
	}
	if a.has("multiline") {
		if !show {
			return ok("")
		}
		return ok("8.2\n    PHP modes: fpm\n    Full version: 8.2.36\n    Command: /bin/php-cgi8.2\n    CLI: /bin/php8.2\n    FPM support: Yes\n")
	}
	var rows [][]string
	if show {
		rows = append(rows, []string{"8.2", "/bin/php-cgi8.2"})
	}
	return ok(table([]int{15, 60}, []string{"Version", "Path"}, rows))
}

func (s *Server) modifyWeb(cc *callCtx, a *args) result {
	const p = "modify-web"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.has("web") {
		return usage(p, "Virtual server "+d.Name+" does not have a website")
	}
	mode := a.str("mode")
	if a.has("mode") && mode != d.PHPMode && !(mode == "none" || (mode == "fpm" && s.st.PHP)) {
		return usage(p, "The selected PHP execution mode cannot be used with "+d.Name)
	}
	if v := a.str("php-version"); a.has("php-version") {
		// The allowed versions come from the mode before this call's change (250).
		avail := ""
		if d.PHPMode == "fpm" && s.st.PHP {
			avail = "8.2"
		}
		if v != avail || avail == "" {
			return usage(p, "Only the following PHP version are available for "+d.Name+" : "+avail)
		}
	}
	var inner strings.Builder
	if a.has("mode") && mode != d.PHPMode {
		inner.WriteString(steps("    ", "Changing PHP execution mode to "+mode))
	}
	if a.has("php-version") {
		inner.WriteString(steps("    ", "Changing PHP version to "+a.str("php-version")))
	}
	webmin := s.st.top(d).has("webmin")
	if webmin {
		inner.WriteString(steps("    ", "Updating Webmin user"))
	}
	inner.WriteString(steps("    ", "Saving server details"))
	var b strings.Builder
	b.WriteString("Updating server " + d.Name + " ..\n" + inner.String() + ".. done\n\n")
	if a.has("mode") {
		d.PHPMode = mode
		if mode != "fpm" {
			d.PHPVersion = ""
		} else if d.PHPVersion == "" {
			// The only installed version becomes the domain's (122).
			d.PHPVersion = "8.2"
		}
	}
	if a.has("php-version") {
		d.PHPVersion = a.str("php-version")
	}
	d.SSLExpiryCached = d.Cert != ""
	if d.PHPMode == "fpm" {
		b.WriteString(steps("", "Restarting PHP-FPM 8.2 server"))
	}
	b.WriteString(steps("", "Applying webserver configuration"))
	if webmin {
		b.WriteString(steps("", "Re-loading Webmin"))
	}
	return ok(b.String())
}

var knownCaps = "domain users aliases dbs scripts ip dnsip ssl forward redirect admins spam phpver phpmode mail backup sched restore sharedips catchall allowedhosts passwd spf records disable delete remote_api"

func (s *Server) modifyLimits(cc *callCtx, a *args) result {
	const p = "modify-limits"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.isTop() {
		return usage(p, "Limits can only be modified in top-level virtual servers")
	}
	l := d.Limits
	num := regexp.MustCompile(`^(\d+|UNLIMITED)$`)
	for _, m := range []struct {
		flag, label string
		dst         *string
	}{
		{"max-mailboxes", "Maximum mailboxes", &l.Mailboxes}, {"max-dbs", "Maximum databases", &l.DBs},
		{"max-aliases", "Maximum aliases", &l.Aliases}, {"max-doms", "Maximum sub-servers", &l.Doms},
		{"max-aliasdoms", "Maximum alias servers", &l.AliasDoms}, {"max-realdoms", "Maximum non-alias servers", &l.RealDoms},
	} {
		if !a.has(m.flag) {
			continue
		}
		v := a.str(m.flag)
		if !num.MatchString(v) {
			return usage(p, m.label+" must be a number or UNLIMITED")
		}
		*m.dst = v
	}
	remote := d.RemoteAPI
	for _, c := range append(a.all("can-edit"), a.all("cannot-edit")...) {
		if !strings.Contains(" "+knownCaps+" ", " "+c+" ") {
			return usage(p, "Capability to allow editing of "+c+" is not valid. Known capabilities are : "+knownCaps)
		}
	}
	for _, c := range a.all("can-edit") {
		if c == "remote_api" {
			remote = true
		}
	}
	for _, c := range a.all("cannot-edit") {
		if c == "remote_api" {
			remote = false
		}
	}
	if a.has("can-dbname") {
		l.NoDBName = false
	}
	if a.has("cannot-dbname") {
		l.NoDBName = true
	}
	if a.has("can-rename") {
		l.NoRename = false
	}
	if a.has("cannot-rename") {
		l.NoRename = true
	}
	if a.has("shell") {
		l.Shell = a.str("shell")
	}
	d.Limits, d.RemoteAPI = l, remote
	d.SSLExpiryCached = d.Cert != ""
	return ok("Successfully updated limits for " + d.User + "\n")
}

// ---------------------------------------------------------------- host

func (s *Server) info(cc *callCtx, a *args) result {
	// The full blob of the recorded host (52) is mostly its CPU, disks and
	// pending apt updates; the simulator prints the sections it models, in
	// the same YAML-like shape: fcount (from the state), host and status
	// (as recorded in 302 and 303). --search keeps the matching sections.
	counts := map[string]int{}
	for _, d := range s.st.Domains {
		counts["doms"]++
		for _, f := range d.Features {
			counts[f]++
		}
		counts["users"] += len(d.Users)
		counts["dbs"] += len(d.Databases)
	}
	var fcount strings.Builder
	fcount.WriteString("fcount: \n")
	for _, k := range []string{"dbs", "dir", "dns", "doms", "mail", "mysql", "unix", "users", "web", "webmin"} {
		fmt.Fprintf(&fcount, "    %s: %d\n", k, counts[k])
	}
	host := "host: \n    hostname: " + s.cfg.hostname + "\n    module root: /usr/share/webmin/virtual-server\n    os: Debian Linux 12\n" +
		"    root: /usr/share/webmin\n    theme version: \n    virtualmin edition: GPL\n    virtualmin version: 8.1.0\n    webmin version: 2.660\n"
	var status strings.Builder
	status.WriteString("status: \n")
	svc := func(feature, name, id string, up bool) {
		st := 0
		if up {
			st = 1
		}
		status.WriteString("    * \n        feature: " + feature + "\n")
		if id != "" {
			status.WriteString("        id: " + id + "\n")
		}
		fmt.Fprintf(&status, "        name: %s\n        status: %d\n", name, st)
	}
	svc("web", "Apache Webserver", "", true)
	svc("dns", "BIND DNS Server", "", true)
	svc("mail", "Postfix Mail Server", "", true)
	svc("sshd", "SSH Server", "", false)
	svc("mysql", "MariaDB Database Server", "", !s.st.MySQLDown)
	if s.st.PHP {
		svc("fpm", "PHP-FPM 8.2.36 Server", "8.2.36", true)
	}
	sections := []struct{ name, text string }{{"fcount", fcount.String()}, {"host", host}, {"status", status.String()}}
	var b strings.Builder
	q := a.str("search")
	for _, sec := range sections {
		if q == "" || strings.Contains(sec.name, q) {
			b.WriteString(sec.text)
		}
	}
	return ok(b.String())
}

func (s *Server) checkConfig(cc *callCtx, a *args) result {
	ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
	var b strings.Builder
	if s.st.MySQLDown {
		b.WriteString(s.stderrMySQL())
	}
	b.WriteString("Your system has 23.54 GiB of memory, which is at or above the Virtualmin recommended minimum of 256 MiB\n\n")
	b.WriteString(ts + " [127.0.0.1] Failed to work out externally visible IPv4 address\n")
	b.WriteString("BIND DNS server is installed, however, the default primary DNS server vm is not a fully qualified domain name\n\n" +
		"Mail server Postfix is installed and configured\n\nPostfix is configured to support per-domain outgoing IP addresses\n\n" +
		"Apache is installed\n\nApache does not support HTTP/2 : Missing Apache mod_http2 module\n\nCGI scripts cannot be executed on this system!\n\n")
	if s.st.PHP {
		b.WriteString("The following PHP execution modes are available : fpm\n\nThe following PHP-FPM versions are available : 8.2.36 (php8.2-fpm)\n\n" +
			"The following PHP-FPM workload profile is selected: balanced\n\n")
	}
	if s.st.MySQLDown {
		b.WriteString("ERROR: MariaDB does not appear to be installed and running on your system, or has not yet been set up properly in Webmin's MariaDB Database module. If your system does not use MariaDB, it should be disabled in Virtualmin's module configuration page\n")
		return fail(b.String())
	}
	b.WriteString("MariaDB 10.11.19 is installed and running, using Unix socket authentication\n\n" +
		"Using network interface eth0 for virtual IPs\n\nDefault IPv4 address for virtual servers is 127.0.0.1\n\n" +
		"⚠ Failed to work out externally visible IPv4 address\n\nDisk quotas have been disabled in the module configuration\n\n" +
		"Shell /bin/false for FTP users is not included in /etc/shells, which may prevent FTP access\n\n" +
		"All commands needed to create and restore backups are installed\n\nThe selected package management and update systems are installed\n\n" +
		"Chroot jails are not available : The Jailkit command jk_init was not found on your system - maybe the jailkit package is not installed?\n\n" +
		"Updating system information ..\n.. done\n\n")
	return ok(b.String())
}

// ---------------------------------------------------------------- DNS

func (s *Server) dnsDomain(cc *callCtx, p string, a *args, msg string) (*domain, *result) {
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		r := usage(p, "Virtual server "+a.str("domain")+" does not exist")
		return nil, &r
	}
	if !d.has("dns") {
		r := usage(p, "Virtual server "+d.Name+" "+msg)
		return nil, &r
	}
	if d.Parent != "" {
		if z := s.st.find(d.Parent); z != nil {
			return z, nil
		}
	}
	return d, nil
}

func (s *Server) getDNS(cc *callCtx, a *args) result {
	z, r := s.dnsDomain(cc, "get-dns", a, "does not have DNS enabled")
	if r != nil {
		return *r
	}
	var re *regexp.Regexp
	if x := a.str("regexp"); x != "" {
		var err error
		if re, err = regexp.Compile(x); err != nil {
			return fail("Invalid regexp : " + err.Error() + "\n")
		}
	}
	var recs []dnsRecord
	for _, rec := range z.DNS {
		if t := a.str("type"); t != "" && !strings.EqualFold(t, rec.Type) {
			continue
		}
		if re != nil && !re.MatchString(rec.Name) {
			continue
		}
		if rec.Type == "SOA" {
			rec.Values = append([]string(nil), rec.Values...)
			rec.Values[2] = strconv.Itoa(z.Serial)
		}
		recs = append(recs, rec)
	}
	var b strings.Builder
	if a.has("multiline") {
		for _, rec := range recs {
			b.WriteString(rec.Name + "\n    Type: " + rec.Type + "\n    Class: IN\n")
			if rec.TTL != "" {
				b.WriteString("    TTL: " + rec.TTL + "\n")
			}
			for _, v := range rec.Values {
				b.WriteString("    Value: " + v + "\n")
			}
			b.WriteString("    File: /var/lib/bind/" + z.Name + ".hosts\n")
		}
		return ok(b.String())
	}
	var rows [][]string
	for _, rec := range recs {
		n := rec.Name
		if n != z.Name+"." {
			n = strings.TrimSuffix(n, "."+z.Name+".")
		}
		rows = append(rows, []string{n, rec.Type, strings.Join(rec.Values, " ")})
	}
	b.WriteString(table([]int{30, 5, 40}, []string{"Record", "Type", "Value"}, rows))
	return ok(b.String())
}

// txtValues is what BIND makes of a TXT value written by Virtualmin: it
// wraps the value in quotes, so a value the caller quoted itself ends up as
// "" "a" "b" "" and get-dns drops the empty strings (222, 235, 236).
func txtValues(v string) []string {
	if strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) && len(v) >= 2 {
		return strings.Fields(strings.Trim(v, `"`))
	}
	return []string{v}
}

func (s *Server) modifyDNS(cc *callCtx, a *args) result {
	z, r := s.dnsDomain(cc, "modify-dns", a, "does not have a DNS domain")
	if r != nil {
		return *r
	}
	d := s.lookup(cc, a.str("domain"))
	fqdn := func(n string) string {
		switch {
		case n == "@" || n == "":
			return z.Name + "."
		case strings.HasSuffix(n, "."):
			return n
		}
		return n + "." + z.Name + "."
	}
	inZone := func(n string) bool { return n == z.Name+"." || strings.HasSuffix(n, "."+z.Name+".") }
	find := func(name, typ string) int {
		for i, rec := range z.DNS {
			if rec.Name == name && strings.EqualFold(rec.Type, typ) {
				return i
			}
		}
		return -1
	}
	var b strings.Builder
	b.WriteString("Updating server " + d.Name + " ..\n")
	changed := false
	parseRec := func(spec string, ttl bool) (dnsRecord, bool) {
		f := strings.Fields(spec)
		if len(f) < 3 || (ttl && len(f) < 4) {
			return dnsRecord{}, false
		}
		rec := dnsRecord{Name: fqdn(f[0]), Type: strings.ToUpper(f[1])}
		rest := f[2:]
		if ttl {
			rec.TTL, rest = f[2], f[3:]
		}
		val := strings.Join(rest, " ")
		if rec.Type == "TXT" || rec.Type == "SPF" {
			// Recover the value with its original spacing.
			i := strings.Index(spec, f[1]) + len(f[1])
			if ttl {
				i = strings.Index(spec[i:], f[2]) + i + len(f[2])
			}
			rec.Values = txtValues(strings.TrimSpace(spec[i:]))
		} else {
			rec.Values = strings.Fields(val)
		}
		return rec, true
	}
	adds := []string{}
	for _, x := range a.all("add-record") {
		adds = append(adds, "0"+x)
	}
	for _, x := range a.all("add-record-with-ttl") {
		adds = append(adds, "1"+x)
	}
	if len(adds) > 0 {
		fmt.Fprintf(&b, "    Adding %d DNS records ..\n", len(adds))
		for _, x := range adds {
			rec, okRec := parseRec(x[1:], x[0] == '1')
			switch {
			case !okRec:
				b.WriteString("    .. invalid record " + x[1:] + "\n\n")
			case !inZone(rec.Name):
				b.WriteString("    .. record " + rec.Name + " is not in this domain\n\n")
			case find(rec.Name, rec.Type) >= 0 && rec.Type != "MX":
				b.WriteString("    .. a record named " + rec.Name + " already exists\n\n")
			default:
				z.DNS = append(z.DNS, rec)
				changed = true
			}
		}
		b.WriteString("    .. done\n\n")
	}
	if ups := a.all("update-record"); len(ups) > 0 {
		// Virtualmin prints 0 here even when it updates (227).
		b.WriteString("    Updating 0 DNS records ..\n")
		for _, x := range ups {
			oldSpec, newSpec, _ := strings.Cut(x, "\n")
			of := strings.Fields(oldSpec)
			if len(of) < 2 {
				continue
			}
			i := find(fqdn(of[0]), of[1])
			if i < 0 {
				b.WriteString("    .. a record named " + fqdn(of[0]) + " does not exist\n\n")
				continue
			}
			if rec, ok := parseRec(newSpec, false); ok {
				z.DNS[i] = rec
				changed = true
			}
		}
		b.WriteString("    .. done\n\n")
	}
	if rems := a.all("remove-record"); len(rems) > 0 {
		fmt.Fprintf(&b, "    Deleting %d DNS records ..\n", len(rems))
		removed := false
		for _, x := range rems {
			f := strings.Fields(x)
			if len(f) < 2 {
				continue
			}
			name, typ := fqdn(f[0]), f[1]
			keep := z.DNS[:0]
			for _, rec := range z.DNS {
				if rec.Name == name && strings.EqualFold(rec.Type, typ) && (len(f) == 2 || strings.Join(rec.Values, " ") == strings.Join(f[2:], " ")) {
					removed = true
					continue
				}
				keep = append(keep, rec)
			}
			z.DNS = keep
		}
		if removed {
			changed = true
			b.WriteString("    .. done\n\n")
		} else {
			b.WriteString("    .. no matching records found!\n\n")
		}
	}
	if changed {
		z.Serial++
	}
	b.WriteString(".. done\n\n")
	return ok(b.String())
}

// ---------------------------------------------------------------- SSL

func (s *Server) letsEncrypt(cc *callCtx, a *args) result {
	const p = "generate-letsencrypt-cert"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return usage(p, "No virtual server named "+a.str("domain")+" found")
	}
	names := a.all("host")
	if len(names) == 0 {
		names = strings.Fields(s.hostnames(d, true))
	}
	if !s.cfg.letsEncryptOK {
		// What the recorded offline server answers (57, 62, 269-273).
		if !a.has("skip-dns-check") {
			return fail("Checking certificate names for resolvability ..\n.. none of the certificate names could be resolved!\n\n")
		}
		msg := "Requesting SSL certificate for " + strings.Join(names, " ") + " ..\n"
		dnsMsg := "DNS-based validation failed : Only the native ACME client supports DNS-based validation"
		for _, h := range names {
			if !s.inSomeZone(h) {
				dnsMsg = "DNS-based validation failed : Neither DNS zone  or any of its sub-domains exist on this system"
			}
		}
		if a.has("dns") {
			return fail(msg + ".. failed : " + dnsMsg + "\n\n")
		}
		return fail(msg + ".. failed : Web-based validation failed : Failed to request certificate : " + asset("acme-traceback.txt") + "   " + dnsMsg + "\n\n")
	}
	// Success output not recorded (the recorded server is offline).
	certPEM, keyPEM, pair, err := s.issueACME(names)
	if err != nil {
		return fail("Failed to issue certificate : " + err.Error() + "\n")
	}
	d.SSLDir = true
	return ok("Requesting SSL certificate for " + strings.Join(names, " ") + " ..\n.. done\n\n" +
		"Installing new SSL files ..\n.. done\n\n" + s.storeCert(d, certPEM, keyPEM, pair))
}

// inSomeZone reports whether host is a name in a DNS zone hosted here.
func (s *Server) inSomeZone(host string) bool {
	h := strings.TrimSuffix(host, ".") + "."
	for _, d := range s.st.Domains {
		if d.has("dns") && d.Parent == "" && (h == d.Name+"." || strings.HasSuffix(h, "."+d.Name+".")) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- backup

// backupFile is the content of a simulated backup: the domain and the
// sub-servers it carries, as the state file stores them.
type backupFile struct {
	Format  string    `json:"format"`
	Domains []*domain `json:"domains"`
}

func (s *Server) backupDomain(cc *callCtx, a *args) result {
	const p = "backup-domain"
	dest := a.str("dest")
	if dest == "" {
		return usage(p, "Missing --dest parameter")
	}
	var doms []*domain
	for _, n := range a.all("domain") {
		d := s.lookup(cc, n)
		if d == nil {
			return usage(p, "Virtual server "+n+" does not exist")
		}
		doms = append(doms, d)
	}
	if len(doms) == 0 {
		return usage(p, "No domains specified")
	}
	var b strings.Builder
	b.WriteString("Starting backup..\nTesting backup destination local file " + dest + " ..\n.. done\n\n")
	for _, d := range doms {
		b.WriteString("Creating backup for virtual server " + d.Name + " ..\n")
		b.WriteString(steps("    ", "Copying virtual server configuration"))
		b.WriteString("    Backing up Cron jobs ..\n    .. none defined\n\n")
		if d.has("dir") {
			b.WriteString(steps("    ", "Creating TAR file of home directory"))
		}
		if d.has("dns") {
			b.WriteString(steps("    ", "Copying records in DNS domain"))
		}
		if d.has("mail") {
			b.WriteString(steps("    ", "Saving mail aliases", "Saving mail and FTP users"))
			b.WriteString("    Backing up mail and FTP user Cron jobs ..\n    .. none to backup\n\n")
		}
		if d.has("web") {
			b.WriteString(steps("    ", "Copying Apache virtual host configuration", "Copying Apache log files"))
		}
		if d.has("mysql") {
			b.WriteString(steps("    ", "Copying MariaDB user details"))
			for _, db := range d.Databases {
				b.WriteString(steps("    ", "Dumping MariaDB database "+db.Name))
			}
		}
		if d.has("webmin") {
			b.WriteString(steps("    ", "Backing up Webmin ACL files"))
		}
	}
	content, err := s.backupContent(doms)
	if err == nil {
		err = writeFileNoMkdir(s.hostPath(dest), content)
	}
	if err != nil {
		ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
		msg := "Failed to open " + dest + " for writing : No such file or directory"
		b.WriteString(ts + " [127.0.0.1] " + msg + "\nError\n-----\n" + msg + "\n-----\n.. completed in 0 seconds\n\n")
		return fail(b.String())
	}
	info, _ := json.Marshal(map[string]interface{}{"domains": len(doms), "size": len(content)})
	_ = os.WriteFile(s.hostPath(dest)+".info", info, 0o600)
	dom, _ := json.Marshal(doms[0])
	_ = os.WriteFile(s.hostPath(dest)+".dom", dom, 0o600)
	b.WriteString(".. completed in 0 seconds\n\nCreating final backup archive ..\n.. done\n\n")
	fmt.Fprintf(&b, "%d virtual servers backed up successfully\n", len(doms))
	fmt.Fprintf(&b, "Backup completed successfully. Final size was %.2f KiB\n\n", float64(len(content))/1024)
	return ok(b.String())
}

func writeFileNoMkdir(path string, content []byte) error {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return err
	}
	return os.WriteFile(path, content, 0o600)
}

// backupContent is a gzipped tar holding virtualmin-backup.json.
func (s *Server) backupContent(doms []*domain) ([]byte, error) {
	var all []*domain
	for _, d := range doms {
		all = append(all, d)
		for _, c := range s.st.children(d.Name) {
			all = append(all, c)
		}
	}
	j, err := json.MarshalIndent(backupFile{Format: "virtualmintest-1", Domains: all}, "", "  ")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "virtualmin-backup.json", Mode: 0o600, Size: int64(len(j)), ModTime: s.cfg.now()}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(j); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func readBackup(path string) (*backupFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, err
		}
		if h.Name == "virtualmin-backup.json" {
			var bf backupFile
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(&bf); err != nil {
				return nil, err
			}
			return &bf, nil
		}
	}
}

func (s *Server) restoreDomain(cc *callCtx, a *args) result {
	const p = "restore-domain"
	seenAll := false
	for _, f := range a.order {
		if f == "all-features" {
			seenAll = true
		}
		if f == "except-feature" && !seenAll {
			return usage(p, "--except-feature must come after --all-features")
		}
	}
	src := a.str("source")
	if src == "" {
		return usage(p, "Missing --source parameter")
	}
	bf, err := readBackup(s.hostPath(src))
	if err != nil {
		if os.IsNotExist(err) {
			return usage(p, "Restore file "+src+" does not exist")
		}
		return fail("Failed to read backup file " + src + " : " + err.Error() + "\n")
	}
	want := map[string]bool{}
	for _, n := range a.all("domain") {
		want[n] = true
	}
	var b strings.Builder
	b.WriteString("Checking for missing features ..\n.. all features in backup are supported\n\n" +
		"Checking for errors in backup ..\n.. no errors found\n\nStarting restore..\nExtracting backup archive file ..\n.. done\n\n")
	sort.SliceStable(bf.Domains, func(i, j int) bool { return bf.Domains[i].isTop() && !bf.Domains[j].isTop() })
	for _, d := range bf.Domains {
		if len(want) > 0 && !want[d.Name] {
			continue
		}
		existing := s.st.find(d.Name)
		if existing == nil {
			d.UID, d.GID = s.st.NextUID, s.st.NextGID
			s.st.NextUID++
			s.st.NextGID++
			b.WriteString("Re-creating virtual server " + d.Name + " ..\n")
			fmt.Fprintf(&b, "    Re-allocating user and group IDs ..\n    .. allocated user ID is %d and group ID is %d\n\n", d.UID, d.GID)
			b.WriteString(s.ipWarning())
			b.WriteString(steps("    ", "Saving server details"))
			if d.has("unix") {
				b.WriteString(steps("    ", "Creating administration group "+d.User, "Creating administration user "+d.User,
					"Creating aliases for administration user", "Adding administration user to groups"))
			}
			if d.has("dir") {
				b.WriteString(steps("    ", "Creating home directory"))
				if d.has("mail") {
					b.WriteString(steps("    ", "Creating mailbox for administration user"))
				}
			}
			if d.has("dns") {
				b.WriteString(steps("    ", "Adding new DNS zone"))
			}
			if d.has("mail") {
				b.WriteString(steps("    ", "Adding to email domains list", "Adding default mail aliases"))
			}
			if d.has("web") {
				b.WriteString(steps("    ", "Adding new virtual website", "Adding webserver user www-data to server's group", "Performing other Apache configuration"))
			}
			if d.has("mysql") {
				b.WriteString(steps("    ", "Creating MariaDB login"))
			}
			if d.has("webmin") {
				b.WriteString(steps("    ", "Creating Webmin user"))
			}
			b.WriteString(steps("    ", "Saving server details"))
			if d.has("dns") {
				b.WriteString(steps("    ", "Re-starting DNS server for "+d.Name))
			}
			b.WriteString(steps("    ", "Applying webserver configuration", "Re-loading Webmin", "Updating Webmin user", "Re-loading Webmin"))
			s.st.Domains = append(s.st.Domains, d)
			if d.has("webmin") && d.isTop() {
				s.users[d.User] = &webminUser{password: d.Pass, role: roleDomainOwner, domain: d.Name}
				s.st.Owners[d.User] = d.Name
			}
		} else {
			d.UID, d.GID = existing.UID, existing.GID
			*existing = *d
			d = existing
		}
		b.WriteString("Restoring backup for virtual server " + d.Name + " ..\n")
		b.WriteString(steps("    ", "Restoring virtual server password, quota and other details", "Updating administration password and quotas",
			"Restoring Cron jobs", "Extracting TAR file of home directory", "Setting ownership of home directory"))
		if d.has("dns") {
			b.WriteString(steps("    ", "Re-creating records in DNS domain"))
		}
		if d.has("web") {
			b.WriteString(steps("    ", "Restoring Apache virtual host configuration"))
			b.WriteString("    Checking restored PHP execution mode ..\n    .. mode Disabled works for this system\n\n")
			b.WriteString(steps("    ", "Updating home directory in PHP configuration", "Restoring Apache log files"))
		}
		if d.has("mysql") {
			b.WriteString(steps("    ", "Restoring allowed MariaDB hosts"))
			if existing != nil {
				b.WriteString(steps("    ", "Deleting old MariaDB databases"))
			}
			for _, db := range d.Databases {
				b.WriteString("    Re-loading MariaDB database " + db.Name + " ..\n")
				b.WriteString(steps("        ", "Creating MariaDB database "+db.Name))
				b.WriteString("    .. done\n\n")
			}
		}
		if d.has("webmin") {
			b.WriteString(steps("    ", "Restoring Webmin ACL files"))
		}
		if d.has("mail") {
			b.WriteString(steps("    ", "Re-creating mail and FTP users", "Re-creating mail aliases", "Restoring mail and FTP user Cron jobs"))
		}
		b.WriteString(steps("    ", "Updating Webmin user"))
		if existing == nil {
			b.WriteString("Enabling PHP modules for restored web apps ..\n.. no PHP modules needed to be installed\n\n")
		}
		if d.has("dns") {
			b.WriteString(steps("", "Re-starting DNS server for "+d.Name))
		}
		b.WriteString(steps("", "Applying webserver configuration", "Re-loading Webmin"))
	}
	b.WriteString("Restore completed successfully.\n\n")
	return ok(b.String())
}
