package virtualmintest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

type program func(s *Server, cc *callCtx, a *args) result

// programs are the simulated Virtualmin programs. Every other name gets
// "Remote program X does not exist", except notSimulated below.
var programs = map[string]program{}

// realPrograms are the programs a build has (list-commands, old 293 and
// stock 33, plus the generate-letsencrypt-cert alias). Those without a
// simulation fail with a message saying so instead of pretending to work.
func realPrograms(listing string) []string {
	var out []string
	for _, l := range strings.Split(listing, "\n") {
		if l != "" && l[0] != ' ' {
			out = append(out, l)
		}
	}
	return out
}

// hasProgram reports whether this server's build has the program.
func (s *Server) hasProgram(name string) bool {
	_, ok := programs[name]
	return ok && (name == "generate-letsencrypt-cert" || s.buildPrograms[name])
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
		"list-features":             (*Server).listFeatures,
		"transfer-domain":           (*Server).transferDomain,
	}
	for _, p := range append(realPrograms(asset("list-commands-multiline.txt")), realPrograms(asset("8.1.0/list-commands-multiline.txt"))...) {
		if _, ok := programs[p]; !ok {
			programs[p] = func(s *Server, cc *callCtx, a *args) result {
				return fail("This program is not simulated by virtualmintest\n")
			}
		}
	}
}

// ---------------------------------------------------------------- commands, admins

func (s *Server) listCommands(cc *callCtx, a *args) result {
	ml := s.asset("list-commands-multiline.txt")
	if a.has("multiline") {
		return ok(ml)
	}
	return ok(commandTable(ml))
}

// commandTable is list-commands without --multiline: the commands by
// category, each with the first line of its description wrapped at 54
// columns, without its final period (old 291/292).
func commandTable(multiline string) string {
	var b strings.Builder
	name, desc, cat := "", "", ""
	first := true
	flush := func() {
		if name == "" {
			return
		}
		line := ""
		for _, w := range strings.Fields(desc) {
			if line != "" && len(line)+1+len(w) > 54 {
				break
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		fmt.Fprintf(&b, "%-25s %s\n", name, strings.TrimSuffix(line, "."))
	}
	for _, l := range strings.Split(multiline, "\n") {
		switch {
		case strings.HasPrefix(l, "    Description: "):
			desc = strings.TrimPrefix(l, "    Description: ")
		case strings.HasPrefix(l, "    Category: "):
			if c := strings.TrimPrefix(l, "    Category: "); c != cat {
				if !first {
					b.WriteString("\n")
				}
				first, cat = false, c
				b.WriteString(c + "\n" + strings.Repeat("-", len(c)) + "\n")
			}
			flush()
			name = ""
		case l != "" && !strings.HasPrefix(l, " "):
			name = l
		}
	}
	return b.String()
}

func (s *Server) getCommand(cc *callCtx, a *args) result {
	if a.str("command") == "create-user" {
		// get-command cannot parse create-user's own usage text (294).
		return s.usage("get-command", "Cannot parse flag pubkey-file <--ssh-pubkey-id id")
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

// usage is a rejected invocation: the message, then the program's usage text.
func (s *Server) usage(program, msg string) result {
	u, ok := s.usageText(program)
	if !ok {
		return fail(msg + "\n")
	}
	sep, ok := usageSep[program]
	if !ok {
		sep = "\n\n"
	}
	return result{out: msg + sep + u, exit: 1}
}

// usageText is a program's usage text as this server's build prints it
// (assets/usage/<build>/ where it differs from master's), with one line per
// feature the module configuration enables where the program lists them.
func (s *Server) usageText(program string) (string, bool) {
	b, err := assets.ReadFile("assets/usage/" + s.cfg.profile.Build + "/" + program + ".txt")
	if err != nil {
		b, err = assets.ReadFile("assets/usage/" + program + ".txt")
	}
	if err != nil {
		return "", false
	}
	t := string(b)
	if strings.Contains(t, "{{FEATURES}}\n") {
		var f strings.Builder
		for _, x := range s.cfg.profile.enabledFeatures() {
			f.WriteString("                        [--" + x + "]\n")
		}
		t = strings.Replace(t, "{{FEATURES}}\n", f.String(), 1)
	}
	return t, true
}

// asset is a text of this server's build (assets/<build>/name where it
// differs from master's).
func (s *Server) asset(name string) string {
	if b, err := assets.ReadFile("assets/" + s.cfg.profile.Build + "/" + name); err == nil {
		return string(b)
	}
	return asset(name)
}

func fail(out string) result { return result{out: out, exit: 1} }
func ok(out string) result   { return result{out: out} }

// run parses argv and runs the program; s.mu is held.
func (s *Server) run(cc *callCtx, name string, argv []string) result {
	p := programs[name]
	a, errMsg := parseArgs(name, argv, s.flagSpec(name))
	if errMsg != "" {
		return s.usage(name, errMsg)
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

// namedDomains adds the domains named by --domain to doms, as backup-domain
// and validate-domains take them: a missing one, or none at all, is a usage
// error.
func (s *Server) namedDomains(cc *callCtx, p string, a *args, doms []*domain) ([]*domain, *result) {
	for _, n := range a.all("domain") {
		d := s.lookup(cc, n)
		if d == nil {
			r := s.usage(p, "Virtual server "+n+" does not exist")
			return nil, &r
		}
		doms = append(doms, d)
	}
	if len(doms) == 0 {
		r := s.usage(p, "No domains specified")
		return nil, &r
	}
	return doms, nil
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
				return s.usage("list-domains", "Virtual server "+n+" does not exist")
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
		if s.lookup(cc, p) == nil {
			return s.usage("list-domains", "No parent named "+p+" found") // stock 28
		}
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

func (s *Server) disableDomain(cc *callCtx, a *args) result {
	const p = "disable-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if d.Disabled {
		return s.usage(p, "Virtual server "+d.Name+" is already disabled")
	}
	var b strings.Builder
	b.WriteString("Disabling virtual server " + d.Name + " ..\n\n")
	var pa postActions
	b.WriteString(s.disableSteps(d, "", &pa))
	b.WriteString(pa.String())
	b.WriteString("All done!\n")
	d.Disabled, d.DisabledWhy, d.DisabledAt, d.DisabledText = true, a.str("why"), s.now(), ""
	return ok(b.String())
}

// disableSteps prints what disabling d does and registers the actions it
// needs (disable-domain, moves 11; transfer-domain --disable, moves 41).
func (s *Server) disableSteps(d *domain, indent string, pa *postActions) string {
	var b strings.Builder
	step := func(lines ...string) { b.WriteString(steps(indent, lines...)) }
	if d.has("unix") {
		step("Locking administration user's password")
	}
	if d.has("dns") {
		step("Renaming DNS zone to disable it")
		pa.add(postDNS, "Re-starting DNS server for "+d.Name)
	}
	if d.has("mail") {
		step("Removing from email domains list", "Locking mail users' accounts")
	}
	if d.has("web") {
		step("Replacing website with error page")
		pa.add(postWeb, "Applying webserver configuration")
	}
	if d.has("ssl") {
		step("Replacing SSL website with error page")
	}
	if d.has("mysql") {
		step("Locking MariaDB user's password")
	}
	step("Saving server details")
	return b.String()
}

func (s *Server) enableDomain(cc *callCtx, a *args) result {
	const p = "enable-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.Disabled {
		return s.usage(p, "Virtual server "+d.Name+" is not disabled")
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
	if d.has("ssl") {
		b.WriteString(steps("", "Removing error page from SSL website"))
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
	d.Disabled, d.DisabledWhy, d.DisabledAt, d.DisabledText = false, "", 0, ""
	return ok(b.String())
}

var quotaRe = regexp.MustCompile(`^(\d+|UNLIMITED)$`)

func (s *Server) modifyDomain(cc *callCtx, a *args) result {
	const p = "modify-domain"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist.")
	}
	for _, q := range []string{"quota", "uquota"} {
		if a.has(q) && !quotaRe.MatchString(a.str(q)) {
			return s.usage(p, "Quota must be a number of blocks")
		}
	}
	// With quotas off (both recorded servers) --quota and --uquota are
	// accepted and silently ignored (23, 306, 307).
	if s.cfg.profile.Quotas && d.isTop() {
		if a.has("quota") {
			d.Quota = a.str("quota")
		}
		if a.has("uquota") {
			d.UQuota = a.str("uquota")
		}
	}
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
	d.SSLExpiryCached = s.hasCert(d)
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
		r := s.usage(p, "Virtual server "+name+" does not exist")
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

// unixName is a mailbox's Unix user name, built as the module
// configuration's append_style says: user.owner (0, old 32) or user@domain
// (6, stock 17).
func (s *Server) unixName(u *mailUser, d *domain) string {
	if s.cfg.profile.AppendStyle == 6 {
		return u.Name + "@" + d.Name
	}
	return u.Name + "." + s.st.top(d).User
}

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
			b.WriteString(s.unixName(u, d) + "\n")
			line("Unix username", s.unixName(u, d))
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
				line("Forward mail to", `\`+s.unixName(u, d))
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
			if s.cfg.profile.Quotas {
				// Not recorded (quotas are off on both recorded servers);
				// the fields list-users.pl prints.
				line("Home quota", quotaText(u.Quota))
				line("Home block quota", blocksText(u.Quota))
				line("Home quota used", "0 bytes")
				line("Home block quota used", "0")
				line("Home byte quota used", "0")
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
			return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
		}
		return *r
	}
	name := a.str("user")
	if !goodUsername.MatchString(name) {
		return s.usage(p, "Missing or invalid username")
	}
	if !a.has("pass") && !a.has("encpass") && !a.has("random-pass") && !a.has("passfile") {
		return s.usage(p, "Missing password")
	}
	if s.findUser(d, name) != nil {
		return s.usage(p, "A user or mail alias with the same name and domain already exists")
	}
	u := &mailUser{Name: name, Real: a.str("real"), Pass: a.str("pass"), Hashed: fakeHash(), FTP: a.has("ftp"),
		Extra: a.all("extra"), Recovery: a.str("recovery")}
	// --quota is dropped silently while home quotas are off (202).
	if s.cfg.profile.Quotas {
		u.Quota = a.str("quota")
	}
	d.Users = append(d.Users, u)
	return ok("User " + s.unixName(u, d) + " created successfully\n")
}

func (s *Server) modifyUser(cc *callCtx, a *args) result {
	const p = "modify-user"
	d, r := s.userDomain(cc, p, a, "users")
	if r != nil {
		return *r
	}
	u := s.findUser(d, a.str("user"))
	if u == nil {
		return s.usage(p, "No user named "+a.str("user")+" was found in the server "+d.Name)
	}
	if a.has("quota") {
		if !s.cfg.profile.Quotas {
			return s.usage(p, "--quota option is not available unless home directory quotas are enabled")
		}
		u.Quota = a.str("quota")
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
	return ok("User " + s.unixName(u, d) + " updated successfully\n")
}

func (s *Server) deleteUser(cc *callCtx, a *args) result {
	const p = "delete-user"
	d, r := s.userDomain(cc, p, a, "users")
	if r != nil {
		return *r
	}
	u := s.findUser(d, a.str("user"))
	if u == nil {
		return s.usage(p, "No user named "+a.str("user")+" was found in the server "+d.Name)
	}
	keep := d.Users[:0]
	for _, x := range d.Users {
		if x != u {
			keep = append(keep, x)
		}
	}
	d.Users = keep
	// Its home directory and mail go with it.
	for k := range d.Files {
		if strings.HasPrefix(k, "homes/"+u.Name+"/") {
			delete(d.Files, k)
		}
	}
	return ok("User " + s.unixName(u, d) + " deleted successfully\n")
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
			b.WriteString(db.Name + "\n    Type: " + db.Type + "\n")
			if !s.cfg.profile.isMaster() {
				// 8.1.0 sizes databases (moves 08); the master build
				// could not (old 216).
				n := dbBytes(db)
				b.WriteString("    Size: " + niceSize(n) + "\n    Byte size: " + strconv.Itoa(n) + "\n")
			}
			fmt.Fprintf(&b, "    Tables: %d\n    Files: %d\n", len(db.Tables), 1+2*len(db.Tables))
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
		size := "Unknown"
		if !s.cfg.profile.isMaster() {
			size = niceSize(dbBytes(db))
		}
		rows = append(rows, []string{db.Name, db.Type, size, strconv.Itoa(len(db.Tables))})
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
		return s.usage(p, "Missing --name parameter")
	}
	if typ == "" {
		return s.usage(p, "Missing --type parameter")
	}
	if !d.has(typ) {
		return s.usage(p, "The specified database type is not enabled in this virtual server")
	}
	for _, db := range d.Databases {
		if db.Name == name && db.Type == typ {
			return s.usage(p, "A database with the same name and type is already associated with this server")
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
	return s.usage(p, "The specified database is not associated with this server")
}

// ---------------------------------------------------------------- plans, templates, PHP

// listPlans answers with the one plan a fresh install has; its Domains
// column reads 0, as on the recorded server.
func (s *Server) listPlans(cc *callCtx, a *args) result {
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
		[][]string{{"0", "Default Plan", "2 GiB", "0"}}))
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
	// The command is php-cgi where it is installed (old 247), else the
	// CLI (stock 19).
	cmd := "/bin/php8.2"
	if s.cfg.profile.PHPCGI {
		cmd = "/bin/php-cgi8.2"
	}
	if a.has("multiline") {
		if !show {
			return ok("")
		}
		return ok("8.2\n    PHP modes: fpm\n    Full version: 8.2.36\n    Command: " + cmd + "\n    CLI: /bin/php8.2\n    FPM support: Yes\n")
	}
	var rows [][]string
	if show {
		rows = append(rows, []string{"8.2", cmd})
	}
	return ok(table([]int{15, 60}, []string{"Version", "Path"}, rows))
}

func (s *Server) modifyWeb(cc *callCtx, a *args) result {
	const p = "modify-web"
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.has("web") {
		return s.usage(p, "Virtual server "+d.Name+" does not have a website")
	}
	mode := a.str("mode")
	if a.has("mode") && mode != d.PHPMode && !(mode == "none" || (mode == "fpm" && s.st.PHP)) {
		return s.usage(p, "The selected PHP execution mode cannot be used with "+d.Name)
	}
	if v := a.str("php-version"); a.has("php-version") {
		// The allowed versions come from the mode before this call's change (250).
		avail := ""
		if d.PHPMode == "fpm" && s.st.PHP {
			avail = "8.2"
		}
		if v != avail || avail == "" {
			return s.usage(p, "Only the following PHP version are available for "+d.Name+" : "+avail)
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
		if mode == "fpm" && d.PHPMode != "fpm" {
			d.PHPMaxExec = "30" // old 258
		}
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
	d.SSLExpiryCached = s.hasCert(d)
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
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !d.isTop() {
		return s.usage(p, "Limits can only be modified in top-level virtual servers")
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
			return s.usage(p, m.label+" must be a number or UNLIMITED")
		}
		*m.dst = v
	}
	remote := d.RemoteAPI
	for _, c := range append(a.all("can-edit"), a.all("cannot-edit")...) {
		if !strings.Contains(" "+knownCaps+" ", " "+c+" ") {
			return s.usage(p, "Capability to allow editing of "+c+" is not valid. Known capabilities are : "+knownCaps)
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
	d.SSLExpiryCached = s.hasCert(d)
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

// checkConfig is check-config: one line per check, those of the features
// the module configuration enables among them (old 290, stock 03).
func (s *Server) checkConfig(cc *callCtx, a *args) result {
	prof := s.cfg.profile
	ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
	var b strings.Builder
	para := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l + "\n\n")
		}
	}
	if s.st.MySQLDown {
		b.WriteString(s.stderrMySQL())
	}
	b.WriteString("Your system has 23.54 GiB of memory, which is at or above the Virtualmin recommended minimum of 256 MiB\n\n")
	if !prof.DefaultIP {
		b.WriteString(ts + " [127.0.0.1] Failed to work out externally visible IPv4 address\n")
	}
	if prof.enabled("dns") {
		para("BIND DNS server is installed, however, the default primary DNS server vm is not a fully qualified domain name")
	}
	if prof.enabled("mail") {
		para("Mail server Postfix is installed and configured", "Postfix is configured to support per-domain outgoing IP addresses")
	}
	if prof.enabled("web") {
		para("Apache is installed", "Apache does not support HTTP/2 : Missing Apache mod_http2 module", "CGI scripts cannot be executed on this system!")
		if s.st.PHP {
			para("The following PHP execution modes are available : fpm", "The following PHP-FPM versions are available : 8.2.36 (php8.2-fpm)",
				"The following PHP-FPM workload profile is selected: balanced")
		}
	}
	if prof.enabled("ssl") {
		para("Apache is configured to host SSL websites")
	}
	if prof.enabled("mysql") {
		if s.st.MySQLDown {
			b.WriteString("ERROR: MariaDB does not appear to be installed and running on your system, or has not yet been set up properly in Webmin's MariaDB Database module. If your system does not use MariaDB, it should be disabled in Virtualmin's module configuration page\n")
			return fail(b.String())
		}
		para("MariaDB 10.11.19 is installed and running, using Unix socket authentication")
	}
	// Not recorded: these features are off on both recorded servers.
	if prof.enabled("postgres") {
		para("PostgreSQL 15 is installed and running")
	}
	if prof.enabled("logrotate") {
		para("Logrotate is installed")
	}
	if prof.enabled("spam") {
		para("SpamAssassin and Procmail are installed and configured for use")
	}
	if prof.enabled("virus") {
		para("ClamAV is installed and configured for use")
	}
	if prof.enabled("webalizer") {
		para("Webalizer is installed")
	}
	if prof.DefaultIP {
		para("Using network interface lo for virtual IPs", "Default IPv4 address for virtual servers is 127.0.0.1",
			"No local IPv6 address was found, and none is set on the module configuration page")
	} else {
		para("Using network interface eth0 for virtual IPs", "Default IPv4 address for virtual servers is 127.0.0.1",
			"⚠ Failed to work out externally visible IPv4 address")
	}
	if prof.Quotas {
		para("Both user and group quotas are enabled for home and email directories") // not recorded
	} else {
		para("Disk quotas have been disabled in the module configuration")
	}
	para("Shell /bin/false for FTP users is not included in /etc/shells, which may prevent FTP access",
		"All commands needed to create and restore backups are installed", "The selected package management and update systems are installed")
	if prof.Jailkit {
		para("Chroot jails are not available : The Jailkit command jk_init was not found on your system - maybe the jailkit package is not installed?")
	}
	b.WriteString("Updating system information ..\n.. done\n\n")
	return ok(b.String())
}

// ---------------------------------------------------------------- DNS

func (s *Server) dnsDomain(cc *callCtx, p string, a *args, msg string) (*domain, *result) {
	d := s.lookup(cc, a.str("domain"))
	if d == nil {
		r := s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
		return nil, &r
	}
	if !d.has("dns") {
		r := s.usage(p, "Virtual server "+d.Name+" "+msg)
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
		return s.usage(p, "No virtual server named "+a.str("domain")+" found")
	}
	names := a.all("host")
	if len(names) == 0 {
		names = strings.Fields(s.hostnames(d, true))
	}
	if !s.cfg.letsEncryptOK {
		// What the recorded offline server answers (57, 62, 269-273).
		if !a.has("skip-dns-check") {
			// 8.1.0 says "hostnames" (generate-acme-cert.pl of the
			// release); the master build "certificate names" (old 57, 269).
			if s.cfg.profile.isMaster() {
				return fail("Checking certificate names for resolvability ..\n.. none of the certificate names could be resolved!\n\n")
			}
			return fail("Checking hostnames for resolvability ..\n.. none of the hostnames could be resolved!\n\n")
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

// dbBytes is a MariaDB database's size as 8.1.0 reports it: 8 KiB empty
// (stock 05), 68 KiB more per table (moves 04, 26).
func dbBytes(db database) int { return 8192 + 69632*len(db.Tables) }
