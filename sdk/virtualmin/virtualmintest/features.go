package virtualmintest

import (
	"slices"
	"strings"
)

// enable-feature and disable-feature. No recording of either program exists:
// they follow API-NOTES.md (section 6.1 "Also useful") and Virtualmin's
// enable-feature.pl / disable-feature.pl: "--domain name" (repeatable) or
// "--all-domains", one bare flag per feature (the flags create-domain takes),
// "Updating server X .." per domain and ".. done" after it, exit 1 when a
// domain could not be changed. The dependency messages below are this
// simulator's wording, not Virtualmin's.

// simFeatures are the features this simulator can switch, in Virtualmin's
// order (list_ordered_features).
var simFeatures = []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"}

// offFeatures are switched off in the recorded module configuration.
var offFeatures = []string{"ssl", "logrotate", "postgres", "spam", "virus", "webalizer"}

// featureDeps: a feature needs the ones listed (virtual_server_depends).
var featureDeps = map[string][]string{"web": {"dir"}, "mail": {"dir"}, "mysql": {"unix"}, "webmin": {"unix"}, "dir": {"unix"}}

func (s *Server) enableFeature(cc *callCtx, a *args) result {
	return s.switchFeatures(cc, a, "enable-feature", true)
}

func (s *Server) disableFeature(cc *callCtx, a *args) result {
	return s.switchFeatures(cc, a, "disable-feature", false)
}

func (s *Server) switchFeatures(cc *callCtx, a *args, p string, on bool) result {
	for _, f := range offFeatures {
		if a.has(f) {
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
	failed := false
	for _, d := range doms {
		b.WriteString("Updating server " + d.Name + " ..\n")
		want := slices.Clone(d.Features)
		for _, f := range simFeatures {
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
			b.WriteString(msg + "\n")
			failed = true
			continue
		}
		var inner strings.Builder
		next := []string{}
		for _, f := range simFeatures {
			had, has := d.has(f), slices.Contains(want, f)
			switch {
			case has && !had:
				if f == "mysql" && s.st.MySQLDown {
					// As create-domain: the failure is printed, the program
					// still succeeds, and the feature stays off (FINDINGS2 §11).
					inner.WriteString("    Creating MariaDB login ..\n    .. MariaDB database failed : mysql::execute_sql_logged failed : " +
						"DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n\n")
					continue
				}
				inner.WriteString(steps("    ", enableStep(d, f)))
				s.featureOn(d, f)
				next = append(next, f)
			case had && !has:
				inner.WriteString(steps("    ", disableStep(f)))
				s.featureOff(d, f)
			case has:
				next = append(next, f)
			}
		}
		d.Features = next
		b.WriteString(inner.String())
		b.WriteString(steps("    ", "Saving server details"))
		b.WriteString(".. done\n\n")
	}
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
	if d.Alias != "" {
		for _, f := range want {
			if !slices.Contains([]string{"dir", "dns", "mail", "web"}, f) {
				return ".. the feature " + f + " cannot be enabled for this type of virtual server"
			}
		}
	}
	if d.Parent != "" && slices.Contains(want, "unix") && !d.has("unix") {
		return ".. the feature unix cannot be enabled for this type of virtual server"
	}
	if d.isTop() {
		for _, f := range want {
			for _, dep := range featureDeps[f] {
				if !slices.Contains(want, dep) {
					return ".. the feature " + f + " needs the feature " + dep
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

func enableStep(d *domain, f string) string {
	switch f {
	case "unix":
		return "Creating administration user " + d.User
	case "dir":
		return "Creating home directory"
	case "dns":
		return "Adding new DNS zone"
	case "mail":
		return "Adding to email domains list"
	case "web":
		return "Adding new virtual website"
	case "mysql":
		return "Creating MariaDB database " + d.User
	default:
		return "Creating Webmin user"
	}
}

func disableStep(f string) string {
	switch f {
	case "unix":
		return "Deleting administration user"
	case "dir":
		return "Deleting home directory"
	case "dns":
		return "Deleting DNS zone"
	case "mail":
		return "Removing from email domains list"
	case "web":
		return "Deleting virtual website"
	case "mysql":
		return "Deleting MariaDB login and databases"
	default:
		return "Deleting Webmin user"
	}
}

// featureOn and featureOff change what the feature holds besides its name.
func (s *Server) featureOn(d *domain, f string) {
	switch f {
	case "dns":
		if len(d.DNS) == 0 {
			s.addZone(d)
		}
	case "mysql":
		if d.isTop() && !slices.ContainsFunc(d.Databases, func(db database) bool { return db.Name == d.User }) {
			d.Databases = append(d.Databases, database{Name: d.User, Type: "mysql"})
		}
	}
}

func (s *Server) featureOff(d *domain, f string) {
	switch f {
	case "dns":
		if d.isTop() {
			d.DNS = nil
		}
	case "mysql":
		d.Databases = slices.DeleteFunc(d.Databases, func(db database) bool { return db.Type == "mysql" })
	}
}
