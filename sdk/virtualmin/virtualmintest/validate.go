package virtualmintest

import (
	"strings"
)

// validate-domains as recorded (295-305, 345, 350). The recorded host's
// hostname "vm" is not a fully qualified name, so the DNS check fails for
// every domain with the dns feature; a home directory removed on the host is
// simulated with SetHomeMissing. The exit code is the number of problems.

// SetHomeMissing simulates a domain's home directory moved away on the host
// (the recorder did "mv /home/epsilon away" before 296).
func (s *Server) SetHomeMissing(domainName string, missing bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.find(domainName)
	if d == nil {
		return false
	}
	d.HomeMissing = missing
	return true
}

func (s *Server) validateDomains(cc *callCtx, a *args) result {
	const p = "validate-domains"
	var all []*domain
	if a.has("all-domains") {
		all = s.st.ordered()
	}
	doms, r := s.namedDomains(cc, p, a, all)
	if r != nil {
		return *r
	}
	features := a.all("feature")
	if a.has("all-features") {
		features = []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"}
	}
	if len(features) == 0 {
		return s.usage(p, "No features specified")
	}
	want := map[string]bool{}
	for _, f := range features {
		want[f] = true
	}
	var out strings.Builder
	if s.st.MySQLDown && want["mysql"] {
		out.WriteString(s.stderrMySQL())
		out.WriteString("/usr/bin/mysqlshow: Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n")
	}
	problems := 0
	for _, d := range doms {
		checked := false
		var errs []string
		for _, f := range []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"} {
			if !want[f] || !d.has(f) {
				continue
			}
			checked = true
			switch {
			case f == "dir" && d.HomeMissing:
				errs = append(errs, "Home directory : Home directory "+s.homeOf(d)+" does not exist")
			case f == "dns":
				errs = append(errs, "DNS for domain : NS record "+s.cfg.hostname+". cannot be resolved to an IP address")
			case f == "mysql" && s.st.MySQLDown && len(d.Databases) > 0:
				// Wrong but recorded: the database exists, the server is down (345).
				errs = append(errs, "MariaDB database : MariaDB database "+d.Databases[0].Name+" does not exist")
			}
		}
		if !checked {
			continue
		}
		out.WriteString(d.Name + "\n")
		if len(errs) == 0 {
			out.WriteString("    All features are good\n")
		}
		for _, e := range errs {
			out.WriteString("    " + e + "\n")
		}
		problems += len(errs)
	}
	return result{out: out.String(), exit: problems}
}

// parseValidate is json-lib.pl's validate-domains parser (read from its source):
// data:[{name, status:"success"|"failed", errors:[{feature, error}]}].
func parseValidate(out string) []value {
	data := []value{}
	var cur *object
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' {
			cur = newObject()
			cur.set("name", line)
			cur.set("status", "success")
			cur.set("errors", []value{})
			data = append(data, cur)
			continue
		}
		if cur == nil {
			continue
		}
		l := strings.TrimSpace(line)
		if f, e, ok := strings.Cut(l, " : "); ok {
			eo := newObject()
			eo.set("feature", f)
			eo.set("error", e)
			cur.set("errors", append(cur.vals["errors"].([]value), eo))
			cur.set("status", "failed")
		}
	}
	return data
}
