package virtualmintest

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// create-domain and delete-domain, as recorded on both profiles' servers
// (old 02, 27, 28, 102, 238-245, 281, 360-362; stock 04-08, 15, 24, 25,
// 35-41). docs/virtualmin-api.md summarises what differs between them.

var (
	badDomainChars = regexp.MustCompile(`[^A-Za-z0-9.\-]`)
	goodUsername   = regexp.MustCompile(`^[a-z0-9][a-z0-9._\-]*$`)
	nonWord        = regexp.MustCompile(`[^A-Za-z0-9]`)
)

// displayName is how Virtualmin prints a domain in progress lines: an IDN in
// its Unicode form ("Re-starting DNS server for bücher-stock.test").
func displayName(ascii string) string {
	if u, err := idna.ToUnicode(ascii); err == nil {
		return u
	}
	return ascii
}

// kind of a virtual server for feature rules.
type domainKind int

const (
	kindTop domainKind = iota
	kindSub
	kindAlias
)

func (d *domain) kind() domainKind {
	switch {
	case d.Alias != "":
		return kindAlias
	case d.Parent != "":
		return kindSub
	}
	return kindTop
}

// suitable reports whether a domain of kind k can have feature f at all.
func suitable(k domainKind, f string) bool {
	switch k {
	case kindAlias:
		return slices.Contains(aliasFeatures, f)
	case kindSub:
		return f != "unix"
	}
	return true
}

// depsMet reports whether f's dependencies are in want. A sub-server or alias
// uses its owner's Unix user, so unix is never needed there.
func depsMet(k domainKind, f string, want map[string]bool) bool {
	for _, dep := range featureDeps[f] {
		if dep == "unix" && k != kindTop {
			continue
		}
		if !want[dep] {
			return false
		}
	}
	return true
}

// defaultUser is the Unix user of a new top-level server named name: its
// first label without an IDN's "xn--", or the whole domain when another
// server owns that name already (same-hv.test then same-hv.org).
func (s *Server) defaultUser(name string) string {
	u := strings.SplitN(name, ".", 2)[0]
	u = strings.TrimPrefix(u, "xn--")
	if s.unixUserExists(u) {
		return name
	}
	return u
}

// userTaken reports whether a top-level server owns the Unix user.
func (s *Server) userTaken(u string) bool {
	for _, d := range s.st.Domains {
		if d.isTop() && d.User == u {
			return true
		}
	}
	return false
}

// dbName is a database name made from a user or label: MariaDB names use _
// where a domain has - or . (s1-stock → s1_stock).
func dbName(base string) string { return nonWord.ReplaceAllString(base, "_") }

// postActions collects the actions a program runs once at its end, in the order
// they were first asked for (Virtualmin's register_post_action): the DNS
// restart names the first domain that asked.
type postActions struct {
	kinds []string
	texts []string
}

func (p *postActions) add(kind, text string) {
	if slices.Contains(p.kinds, kind) {
		return
	}
	p.kinds = append(p.kinds, kind)
	p.texts = append(p.texts, text)
}

func (p *postActions) String() string { return p.indented("") }

func (p *postActions) indented(indent string) string { return steps(indent, p.texts...) }

// Post-action kinds.
const (
	postDNS    = "dns"
	postWeb    = "web"
	postFPM    = "fpm"
	postWebmin = "webmin"
	postMail   = "mail"
)

// websiteOf is the domain whose website serves d (an alias's target).
func (s *Server) websiteOf(d *domain) *domain {
	if d.Alias != "" {
		if t := s.st.find(d.Alias); t != nil {
			return t
		}
	}
	return d
}

// certServices reports whether Webmin and Postfix use d's certificate for
// its hostnames (the ssl feature's certificate, or the one it shares), so a
// change to it reloads them.
func (s *Server) certServices(d *domain) bool {
	return d.CertServices || d.SSLShared != ""
}

// createPost registers what creating (or re-creating) d restarts: its DNS
// zone (the parent's for a sub-server), the web server, PHP-FPM when the
// website runs it, Webmin for an owner with a Webmin login or a certificate
// Webmin serves, the mail server for such a certificate.
func (s *Server) createPost(p *postActions, d *domain) {
	if d.has("dns") {
		zone := d.Name
		if d.Parent != "" {
			zone = d.Parent
		}
		p.add(postDNS, "Re-starting DNS server for "+displayName(zone))
	}
	site := s.websiteOf(d)
	if d.has("web") {
		p.add(postWeb, "Applying webserver configuration")
		if site.has("web") && site.PHPMode == "fpm" {
			p.add(postFPM, "Restarting PHP-FPM 8.2 server")
		}
	}
	certs := s.certServices(site)
	if s.st.top(d).has("webmin") || certs {
		p.add(postWebmin, "Re-loading Webmin")
	}
	if certs {
		p.add(postMail, "Restarting mail server")
	}
}

// createSteps are the progress lines of setting up d's features, in the
// order create-domain and restore-domain print them; database prints the
// mysql feature's lines, which differ between the two.
func (s *Server) createSteps(d *domain, indent string, database func() string) string {
	var b strings.Builder
	step := func(lines ...string) { b.WriteString(steps(indent, lines...)) }
	top := d.isTop()
	if top && d.has("unix") {
		step("Creating administration group "+d.User, "Creating administration user "+d.User)
		if d.has("mail") {
			step("Creating aliases for administration user")
		}
		step("Adding administration user to groups")
	}
	for _, f := range allFeatures {
		if !d.has(f) {
			continue
		}
		switch f {
		case "dir":
			step("Creating home directory")
			if top && d.has("unix") {
				step("Creating mailbox for administration user")
			}
		case "dns":
			if d.Parent != "" {
				step("Adding records to DNS zone " + d.Parent)
			} else {
				step("Adding new DNS zone")
			}
		case "mail":
			step("Adding to email domains list")
			if d.Alias == "" {
				step("Adding default mail aliases")
			}
		case "web":
			switch {
			case d.Alias != "":
				step("Updating origin virtual server", "Performing other Apache configuration")
			case top:
				step("Adding new virtual website", "Adding webserver user www-data to server's group", "Performing other Apache configuration")
			default:
				step("Adding new virtual website", "Performing other Apache configuration")
			}
		case "ssl":
			if d.SSLShared == "" {
				step("Creating SSL certificate and private key")
			}
			step("Adding new SSL virtual website")
		case "logrotate":
			step("Setting up log file rotation")
		case "mysql":
			b.WriteString(database())
		// Not recorded: these features are off on both recorded servers.
		case "webalizer":
			step("Setting up Webalizer for web logs")
		case "postgres":
			if top {
				step("Creating PostgreSQL login")
			}
		case "spam":
			step("Setting up spam filtering")
		case "virus":
			step("Setting up virus filtering")
		case "webmin":
			if top {
				step("Creating Webmin user")
			}
		}
	}
	return b.String()
}

func (s *Server) createDomain(cc *callCtx, a *args) result {
	const p = "create-domain"
	prof := s.cfg.profile
	name := strings.ToLower(a.str("domain"))
	if name == "" {
		return s.usage(p, "Missing domain name") // create-domain.pl:685, not recorded
	}
	for _, f := range allFeatures {
		if a.has(f) && !prof.enabled(f) {
			// create-domain.pl:201-204, not recorded.
			return s.usage(p, "The --"+f+" option cannot be used unless the feature is enabled in the module configuration")
		}
	}
	if (cc.role == roleDomainOwner || cc.role == RoleRemoteAPI) && !a.has("parent") && !a.has("alias") {
		return s.usage(p, "Only sub-servers can be created, so the --parent, --alias or --subdom flag must be given")
	}
	if badDomainChars.MatchString(name) {
		return s.usage(p, "Domain names cannot include anything other than letters, numbers, dots, and dashes")
	}
	if strings.Contains(name, "..") {
		return s.usage(p, "Domain names cannot contain consecutive dots")
	}
	if strings.HasPrefix(name, "-") || strings.HasPrefix(name, ".") || !strings.Contains(name, ".") {
		return s.usage(p, "Invalid domain name")
	}
	parentName, aliasName := a.str("parent"), a.str("alias")
	var parent *domain
	if parentName != "" || aliasName != "" {
		pn := parentName
		if pn == "" {
			pn = aliasName
		}
		if parent = s.lookup(cc, pn); parent == nil {
			return s.usage(p, "Parent domain does not exist") // stock 27
		}
	}
	if parent == nil && !a.has("pass") && !a.has("passfile") {
		return s.usage(p, "Missing password")
	}
	if s.st.find(name) != nil {
		return s.usage(p, "You are already hosting this domain")
	}
	// create-domain.pl's other checks (not recorded).
	if a.has("quota") != a.has("uquota") && !a.has("limits-from-plan") {
		return s.usage(p, "No quota specified")
	}
	if parent != nil && a.has("unix") {
		return s.usage(p, "--unix option makes no sense for sub-servers")
	}
	fromDefaults := a.has("default-features") || a.has("features-from-plan") || a.has("features-from-template")
	asked := map[string]bool{}
	for _, f := range allFeatures {
		if a.has(f) || (fromDefaults && (prof.mode(f) == FeatureDefault || prof.mode(f) == FeatureAutomatic)) {
			asked[f] = true
		}
	}
	if len(asked) == 0 {
		return s.usage(p, "No virtual server features enabled")
	}

	now := s.cfg.now()
	d := &domain{ID: s.st.newID(now), Name: name, Desc: a.str("desc"), Created: now.Unix(), CreatedBy: cc.user,
		PHPMode: "none", Serial: 2026112600}
	if d.Desc == "" {
		d.Desc = name
	}
	top := parent
	switch {
	case parent == nil:
		d.User = a.str("user")
		if d.User == "" {
			d.User = s.defaultUser(name)
		}
		d.Pass = a.str("pass")
		d.Hashed = fakeHash()
		d.MySQLPass = randomString(25, alnum)
		d.UID, d.GID = s.st.NextUID, s.st.NextGID
		s.st.NextUID++
		s.st.NextGID++
		if prof.Quotas {
			d.Quota, d.UQuota = a.str("quota"), a.str("uquota")
		}
	case parentName != "":
		d.Parent = parentName
	default:
		d.Alias = aliasName
	}
	if parent != nil {
		top = s.st.top(parent)
		d.User = top.User
	}
	k := d.kind()

	// The features the configuration switches on by itself join those asked
	// for, where the domain can have them (ssl and logrotate need a website,
	// so a domain without one gets neither: stock 07).
	want := map[string]bool{}
	for f := range asked {
		if suitable(k, f) {
			want[f] = true
		}
	}
	for _, f := range allFeatures {
		if prof.mode(f) == FeatureAutomatic && !want[f] && suitable(k, f) && depsMet(k, f, want) {
			want[f] = true
		}
	}
	if k == kindTop {
		// allowed_features are the features asked for (stock 05), not the
		// automatic ones.
		for _, f := range allFeatures {
			if asked[f] && f != "webmin" {
				d.Allowed = append(d.Allowed, f)
			}
		}
		d.Email = d.User + "@" + name
		if !want["mail"] {
			d.Email = d.User + "@" + s.cfg.hostname // stock 08
		}
		if e := a.str("email"); e != "" {
			d.Email = e
		}
	}

	var out strings.Builder
	if s.st.MySQLDown {
		out.WriteString(s.stderrMySQL())
	}
	if aliasName == "" && !prof.DefaultIP {
		out.WriteString(s.ipWarning())
	}
	if s.st.MySQLDown && want["mysql"] {
		out.WriteString("/usr/bin/mysqlshow: Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n")
	}
	out.WriteString("Beginning server creation ..\n\n")
	out.WriteString(steps("", "Saving server details"))

	// What each feature sets up besides its name.
	for _, f := range allFeatures {
		if want[f] {
			d.Features = append(d.Features, f)
		}
	}
	if want["web"] && k != kindAlias {
		if prof.PHPMode == "fpm" && s.st.PHP {
			d.PHPMode, d.PHPVersion, d.PHPErrorLog = "fpm", "8.2", true
		}
	}
	if want["ssl"] && k != kindAlias {
		d.SSLDir = true
		if k == kindSub && s.hasCert(top) && strings.HasSuffix(name, "."+top.Name) && !strings.Contains(strings.TrimSuffix(name, "."+top.Name), ".") {
			// The parent's wildcard certificate covers it (stock 26).
			d.SSLShared = top.Name
		} else {
			s.selfSigned(d, now)
		}
	}
	// MariaDB may be down: its steps then fail without failing the call,
	// and the domain lacks mysql (old 341).
	mysqlFailed := false
	out.WriteString(s.createSteps(d, "", func() string {
		if s.st.MySQLDown {
			mysqlFailed = true
			return "Creating MariaDB login ..\n.. MariaDB database failed : mysql::execute_sql_logged failed : DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n\n\n\n"
		}
		db := dbName(d.User)
		if parent != nil {
			db = dbName(strings.SplitN(name, ".", 2)[0])
		}
		d.Databases = append(d.Databases, database{Name: db, Type: "mysql"})
		if parent == nil {
			return steps("", "Creating MariaDB login", "Creating MariaDB database "+db)
		}
		return steps("", "Creating MariaDB database "+db)
	}))
	if mysqlFailed {
		d.Features = slices.DeleteFunc(d.Features, func(f string) bool { return f == "mysql" })
	}
	webmin := want["webmin"] || (top != nil && top.has("webmin"))
	out.WriteString(steps("", "Saving server details"))
	if webmin {
		out.WriteString(steps("", "Updating Webmin user"))
	}
	if want["web"] && k != kindAlias {
		out.WriteString(steps("", "Creating initial website index page"))
		putFile(d, "public_html/index.html", []byte("<html><body><h1>"+name+"</h1></body></html>\n"))
	}
	if want["dns"] {
		s.addZone(d)
	}
	s.st.Domains = append(s.st.Domains, d)
	var pa postActions
	s.createPost(&pa, d)
	out.WriteString(pa.String())
	out.WriteString("All done!\n")
	if parent == nil && want["webmin"] {
		s.users[d.User] = &webminUser{password: d.Pass, role: roleDomainOwner, domain: d.Name}
		s.st.Owners[d.User] = d.Name
	}
	return ok(out.String())
}

// selfSigned gives d the certificate the ssl feature makes: self-signed for
// *.domain, valid five years (stock 22). Its key is made when first needed.
func (s *Server) selfSigned(d *domain, now time.Time) {
	d.CertAuto, d.CertServices = true, true
	d.SSLExpiry = now.AddDate(5, 0, -1).Unix()
	d.SSLExpiryCached = true
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
		{Name: fq, Type: "A", Values: []string{s.cfg.ip}},
		{Name: "www." + fq, Type: "A", Values: []string{s.cfg.ip}},
		{Name: "webmail." + fq, Type: "A", Values: []string{s.cfg.ip}},
		{Name: "admin." + fq, Type: "A", Values: []string{s.cfg.ip}},
		{Name: "mail." + fq, Type: "A", Values: []string{s.cfg.ip}},
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

// deleteOne prints the removal of d's features and registers the actions it
// needs; withParent: d goes because its parent does.
func (s *Server) deleteOne(d *domain, indent string, pa *postActions, withParent bool) string {
	var b strings.Builder
	in := indent + "    "
	step := func(lines ...string) { b.WriteString(steps(in, lines...)) }
	webmin := s.st.top(d).has("webmin")
	// The master build registers nothing for an alias deleted with its
	// parent (old 360); 8.1.0 does (stock 38).
	register := !(d.Alias != "" && withParent && s.cfg.profile.isMaster())
	if d.Alias != "" {
		step("Removing alias from origin virtual server")
		if register && d.has("web") {
			pa.add(postWeb, "Applying webserver configuration")
		}
		if d.has("dns") {
			step("Deleting DNS zone")
			if register {
				pa.add(postDNS, "Re-starting DNS server for "+displayName(d.Name))
			}
		}
		if d.has("mail") {
			step("Removing from email domains list")
		}
		step("Deleting server details for " + displayName(d.Name))
		if webmin {
			step("Updating Webmin user")
			if register {
				pa.add(postWebmin, "Re-loading Webmin")
			}
		}
		return b.String()
	}
	if len(d.Users) > 0 {
		step("Deleting users")
	}
	step("Deleting mail aliases")
	if d.has("webmin") {
		step("Deleting Webmin login")
		pa.add(postWebmin, "Re-loading Webmin")
	}
	if d.has("mysql") && len(d.Databases) > 0 {
		var names []string
		for _, db := range d.Databases {
			names = append(names, db.Name)
		}
		step("Deleting MariaDB database " + strings.Join(names, ", "))
	}
	if d.has("mysql") && d.isTop() {
		step("Deleting MariaDB login")
	}
	if d.has("logrotate") {
		step("Disabling log file rotation")
	}
	if d.has("ssl") {
		step("Deleting SSL virtual website")
		pa.add(postWeb, "Applying webserver configuration")
	}
	if d.has("web") {
		step("Deleting virtual website", "Deleting Apache log files")
		pa.add(postWeb, "Applying webserver configuration")
		if d.PHPMode == "fpm" && !s.cfg.profile.isMaster() {
			// 8.1.0 restarts PHP-FPM for a deleted website (stock 35);
			// the master build did not (old 360, gamma in mode fpm).
			pa.add(postFPM, "Restarting PHP-FPM 8.2 server")
		}
	}
	if d.has("mail") {
		step("Removing from email domains list")
	}
	if d.has("dns") {
		if d.Parent != "" {
			step("Removing records from DNS zone " + d.Parent)
		} else {
			step("Deleting DNS zone")
		}
		pa.add(postDNS, "Re-starting DNS server for "+displayName(d.Name))
	}
	if d.has("dir") {
		step("Deleting home directory")
	}
	if d.has("unix") {
		step("Deleting administration user", "Deleting administration group")
	}
	step("Deleting server details for " + displayName(d.Name))
	if webmin {
		step("Updating Webmin user")
		pa.add(postWebmin, "Re-loading Webmin")
	}
	return b.String()
}

func (s *Server) deleteDomain(cc *callCtx, a *args) result {
	const p = "delete-domain"
	names := a.all("domain")
	if len(names) == 0 {
		return s.usage(p, "No domains specified")
	}
	var out strings.Builder
	for _, n := range names {
		d := s.lookup(cc, n)
		if d == nil {
			return s.usage(p, "Virtual server "+n+" does not exist")
		}
		if cc.role == roleDomainOwner {
			return fail("You are not allowed to run this command for virtual server " + n + "\n")
		}
		out.WriteString("Deleting virtual server " + d.Name + " ..\n")
		var kids []*domain
		var collect func(x *domain)
		// Aliases go first, then sub-servers (stock 38).
		collect = func(x *domain) {
			cs := s.st.children(x.Name)
			slices.SortStableFunc(cs, func(a, b *domain) int { return int(b.kind()) - int(a.kind()) })
			for _, c := range cs {
				collect(c)
				kids = append(kids, c)
			}
		}
		collect(d)
		var pa postActions
		if s.certServices(d) {
			// Webmin and Postfix stop serving its certificate first
			// (stock 35, 38).
			pa.add(postWebmin, "Re-loading Webmin")
			pa.add(postMail, "Restarting mail server")
		}
		for _, c := range kids {
			out.WriteString("    Deleting sub-server " + c.Name + " ..\n")
			out.WriteString(s.deleteOne(c, "    ", &pa, true))
			out.WriteString("    .. done\n\n")
		}
		out.WriteString(s.deleteOne(d, "", &pa, false))
		out.WriteString(pa.indented("    "))
		out.WriteString(".. deleted\n\n")
		for _, c := range kids {
			s.removeDomain(c)
		}
		s.removeDomain(d)
	}
	return ok(out.String())
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
