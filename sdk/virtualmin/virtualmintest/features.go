package virtualmintest

import (
	"fmt"
	"slices"
	"strings"
)

// enable-feature and disable-feature: "--domain name" (repeatable) or
// "--all-domains", one bare flag per feature (the flags create-domain
// takes). Per domain: "Updating server X ..", the steps indented, ".. done";
// then the postActions actions; exit 1 when a domain could not be changed (stock 09,
// 13, 29). The steps of features other than ssl, and the dependency messages
// other than the one recorded (29), are this simulator's wording.

func (s *Server) enableFeature(cc *callCtx, a *args) result {
	return s.switchFeatures(cc, a, true)
}

func (s *Server) disableFeature(cc *callCtx, a *args) result {
	return s.switchFeatures(cc, a, false)
}

func (s *Server) switchFeatures(cc *callCtx, a *args, on bool) result {
	for _, f := range allFeatures {
		if a.has(f) && !s.cfg.profile.enabled(f) {
			return fail("The --" + f + " option cannot be used unless the feature is enabled in the module configuration\n")
		}
	}
	var doms []*domain
	switch {
	case a.has("all-domains"):
		for _, d := range s.st.ordered() {
			if s.visible(cc, d) {
				doms = append(doms, d)
			}
		}
	case a.has("domain"):
		for _, n := range a.all("domain") {
			d := s.lookup(cc, n)
			if d == nil {
				return fail("Virtual server " + n + " does not exist\n")
			}
			doms = append(doms, d)
		}
	default:
		return fail("No domains or users specified\n")
	}
	var b strings.Builder
	var pa postActions
	failed := false
	for _, d := range doms {
		b.WriteString("Updating server " + d.Name + " ..\n")
		want := slices.Clone(d.Features)
		for _, f := range allFeatures {
			if !a.has(f) {
				continue
			}
			if on && !slices.Contains(want, f) {
				want = append(want, f)
			}
			if !on {
				want = slices.DeleteFunc(want, func(x string) bool { return x == f })
			}
		}
		if msg := s.featureProblem(d, want, on); msg != "" {
			b.WriteString(msg + "\n\n")
			failed = true
			continue
		}
		var inner strings.Builder
		next := []string{}
		for _, f := range allFeatures {
			had, has := d.has(f), slices.Contains(want, f)
			switch {
			case has && !had:
				if f == "mysql" && s.st.MySQLDown {
					// As create-domain: the failure is printed, the program
					// still succeeds, and the feature stays off (old 341).
					inner.WriteString("    Creating MariaDB login ..\n    .. MariaDB database failed : mysql::execute_sql_logged failed : " +
						"DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n\n")
					continue
				}
				inner.WriteString(steps("    ", s.featureOn(d, f, &pa)...))
				next = append(next, f)
			case had && !has:
				inner.WriteString(steps("    ", s.featureOff(d, f, &pa)...))
			case has:
				next = append(next, f)
			}
		}
		d.Features = next
		b.WriteString(inner.String())
		b.WriteString(".. done\n\n")
	}
	b.WriteString(pa.String())
	if failed {
		return fail(b.String())
	}
	return ok(b.String())
}

// featureProblem is why d cannot have the features want, or "".
func (s *Server) featureProblem(d *domain, want []string, on bool) string {
	if len(want) == 0 {
		return ".. a virtual server must have at least one feature"
	}
	k := d.kind()
	for _, f := range want {
		if !suitable(k, f) && !d.has(f) {
			return ".. the feature " + f + " cannot be enabled for this type of virtual server"
		}
	}
	if k == kindTop {
		has := map[string]bool{}
		for _, f := range want {
			has[f] = true
		}
		for _, f := range allFeatures {
			if !has[f] {
				continue
			}
			for _, dep := range append(featureDeps[f], extraDeps[f]...) {
				if !has[dep] {
					return ".. dependency checks failed : " + depMessage(f, dep)
				}
			}
		}
	}
	if !on {
		for _, c := range s.st.children(d.Name) {
			if c.Alias == "" {
				continue
			}
			for _, f := range c.Features {
				if d.has(f) && !slices.Contains(want, f) {
					return ".. feature being disabled is in use by alias servers : " + c.Name
				}
			}
		}
	}
	return ""
}

// extraDeps are checked when features change, not when automatic features
// are added: a top-level server's Unix user needs its home directory.
var extraDeps = map[string][]string{"unix": {"dir"}}

// depMessage says why feature f needs dep.
func depMessage(f, dep string) string {
	if f == "unix" && dep == "dir" {
		return "A domain cannot have an administration user without a home directory" // stock 29
	}
	return "The feature " + f + " needs the feature " + dep
}

// featureOn sets feature f up on d and returns the progress lines.
func (s *Server) featureOn(d *domain, f string, pa *postActions) []string {
	switch f {
	case "unix":
		return []string{"Creating administration user " + d.User}
	case "dir":
		return []string{"Creating home directory"}
	case "dns":
		if len(d.DNS) == 0 && d.Parent == "" {
			s.addZone(d)
		}
		pa.add(postDNS, "Re-starting DNS server for "+displayName(d.Name))
		return []string{"Adding new DNS zone"}
	case "mail":
		return []string{"Adding to email domains list"}
	case "web":
		pa.add(postWeb, "Applying webserver configuration")
		return []string{"Adding new virtual website"}
	case "ssl":
		pa.add(postWeb, "Applying webserver configuration")
		lines := []string{"Changing IP address of virtual website", "Adding new SSL virtual website"}
		if !s.hasCert(d) {
			s.selfSigned(d, s.cfg.now())
			d.SSLDir = true
			lines = append([]string{"Creating SSL certificate and private key"}, lines...)
		}
		if s.certServices(d) {
			pa.add(postWebmin, "Re-loading Webmin")
			pa.add(postMail, "Restarting mail server")
		}
		return lines
	case "logrotate":
		return []string{"Setting up log file rotation"}
	case "mysql":
		db := dbName(d.User)
		if !d.isTop() {
			db = dbName(strings.SplitN(d.Name, ".", 2)[0])
		}
		if !slices.ContainsFunc(d.Databases, func(x database) bool { return x.Name == db }) {
			d.Databases = append(d.Databases, database{Name: db, Type: "mysql"})
		}
		return []string{"Creating MariaDB database " + db}
	case "postgres":
		return []string{"Creating PostgreSQL login"}
	case "webalizer":
		return []string{"Setting up Webalizer for web logs"}
	case "spam":
		return []string{"Setting up spam filtering"}
	case "virus":
		return []string{"Setting up virus filtering"}
	}
	pa.add(postWebmin, "Re-loading Webmin")
	return []string{"Creating Webmin user"}
}

// featureOff removes what feature f holds on d and returns the progress
// lines. The certificate stays when ssl goes (stock 10).
func (s *Server) featureOff(d *domain, f string, pa *postActions) []string {
	switch f {
	case "unix":
		return []string{"Deleting administration user"}
	case "dir":
		return []string{"Deleting home directory"}
	case "dns":
		if d.isTop() {
			d.DNS = nil
		}
		pa.add(postDNS, "Re-starting DNS server for "+displayName(d.Name))
		return []string{"Deleting DNS zone"}
	case "mail":
		return []string{"Removing from email domains list"}
	case "web":
		pa.add(postWeb, "Applying webserver configuration")
		return []string{"Deleting virtual website"}
	case "ssl":
		pa.add(postWeb, "Applying webserver configuration")
		return []string{"Deleting SSL virtual website", "Changing IP address of virtual website"}
	case "logrotate":
		return []string{"Disabling log file rotation"}
	case "mysql":
		d.Databases = slices.DeleteFunc(d.Databases, func(db database) bool { return db.Type == "mysql" })
		return []string{"Deleting MariaDB login and databases"}
	case "postgres":
		d.Databases = slices.DeleteFunc(d.Databases, func(db database) bool { return db.Type == "postgres" })
		return []string{"Deleting PostgreSQL login and databases"}
	case "webalizer":
		return []string{"Removing Webalizer for web logs"}
	case "spam":
		return []string{"Removing spam filtering"}
	case "virus":
		return []string{"Removing virus filtering"}
	}
	pa.add(postWebmin, "Re-loading Webmin")
	return []string{"Deleting Webmin user"}
}

// featureDescriptions are list-features' descriptions (this simulator's
// wording; list-features was not recorded).
var featureDescriptions = map[string]string{
	"unix": "Administration user", "dir": "Home directory", "dns": "DNS domain", "mail": "Email for domain",
	"web": "Apache website", "webalizer": "Webalizer reporting", "ssl": "SSL website", "logrotate": "Log file rotation",
	"mysql": "MariaDB database", "postgres": "PostgreSQL database", "spam": "Spam filtering", "virus": "Virus filtering",
	"webmin": "Webmin login",
}

// listFeatures is list-features.pl: the features the module configuration
// enables for a new top-level server, or for a sub-server (--parent) or an
// alias (--alias) of an existing one. --multiline gives each feature's
// Description, Source, Automatic (switched on by itself), Enabled and
// Default (on with --default-features); --name-only the codes; otherwise a
// table. Its shape follows the script; no answer of it was recorded.
func (s *Server) listFeatures(cc *callCtx, a *args) result {
	const p = "list-features"
	k := kindTop
	if n := a.str("parent"); a.has("parent") {
		if s.lookup(cc, n) == nil {
			return s.usage(p, "Parent virtual server "+n+" does not exist")
		}
		k = kindSub
	}
	if n := a.str("alias"); a.has("alias") {
		if s.lookup(cc, n) == nil {
			return s.usage(p, "Alias target virtual server "+n+" does not exist")
		}
		k = kindAlias
	}
	prof := s.cfg.profile
	var b strings.Builder
	if !a.has("multiline") && !a.has("name-only") {
		fmt.Fprintf(&b, "%-20.20s %-50.50s %-8.8s\n", "Code", "Description", "Enabled")
		fmt.Fprintf(&b, "%-20.20s %-50.50s %-8.8s\n", strings.Repeat("-", 20), strings.Repeat("-", 50), strings.Repeat("-", 8))
	}
	for _, f := range allFeatures {
		m := prof.mode(f)
		if m == FeatureOff || !suitable(k, f) {
			continue
		}
		auto, def := m == FeatureAutomatic, m == FeatureAutomatic || m == FeatureDefault
		switch {
		case a.has("multiline"):
			b.WriteString(f + "\n    Description: " + featureDescriptions[f] + "\n    Source: Core\n    Automatic: " + yesNo(auto) +
				"\n    Enabled: Yes\n    Default: " + yesNo(def) + "\n")
		case a.has("name-only"):
			b.WriteString(f + "\n")
		default:
			state := "Off"
			if auto {
				state = "Auto"
			} else if def {
				state = "Yes"
			}
			fmt.Fprintf(&b, "%-20.20s %-50.50s %-8.8s\n", f, featureDescriptions[f], state)
		}
	}
	return ok(b.String())
}
