package virtualmintest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The texts below follow list-domains.pl --multiline as recorded (06, 18, 31,
// 115, 239, 241, 254, 258, 284, 313, 340, 348). remote.cgi turns each
// "    Label: value" line into values.label (lowercased, spaces to "_").

func fmtDate(unix int64) string { return time.Unix(unix, 0).UTC().Format("02/Jan/2006 15:04") }

func (s *Server) hostnames(d *domain, candidates bool) string {
	// Without its DNS names (a disabled domain's zone is renamed, 18; a
	// sub-server without dns, 241) only the domain itself is a candidate.
	if candidates && (d.Disabled || !d.has("dns") || (d.Alias == "" && !d.has("web"))) {
		return d.Name
	}
	list := func(n string) []string {
		if candidates {
			return []string{n, "www." + n, "mail." + n, "admin." + n, "webmail." + n}
		}
		return []string{n, "www." + n, "mail." + n, "webmail." + n, "admin." + n}
	}
	out := list(d.Name)
	if d.isTop() {
		for _, c := range s.st.children(d.Name) {
			if c.Alias != "" {
				out = append(out, list(c.Name)...)
			}
		}
	}
	return strings.Join(out, " ")
}

func (s *Server) homeOf(d *domain) string {
	top := s.st.top(d)
	if d == top {
		return "/home/" + d.User
	}
	return "/home/" + top.User + "/domains/" + d.Name
}

// simpleSkip are the lines --simple-multiline leaves out (73).
var simpleSkip = map[string]bool{
	"Databases count": true, "Databases size": true, "Databases byte size": true, "Possible PHP execution modes": true,
	"PHP FPM socket": true, "PHP FPM config file": true, "CGI script execution mode": true,
	"Possible CGI script execution modes": true, "PHP fCGId subprocesses": true, "PHP version": true,
	"Webmail redirects": true, "Match all web sub-domains": true, "Server-side includes": true,
	"Default website for IP": true, "Website hostnames": true, "SSL candidate hostnames": true,
	"SSL cert used by": true, "SPF DNS record": true, "DMARC DNS record": true, "Allowed MySQL hosts": true,
}

func (s *Server) renderDomain(d *domain, master, simple bool) string {
	var b strings.Builder
	line := func(label, v string) {
		if simple && simpleSkip[label] {
			return
		}
		b.WriteString("    " + label + ": " + v + "\n")
	}
	top := s.st.top(d)
	target := d
	if d.Alias != "" {
		if t := s.st.find(d.Alias); t != nil {
			target = t
		}
	}
	b.WriteString(d.Name + "\n")
	line("ID", d.ID)
	line("File", "/etc/webmin/virtual-server/domains/"+d.ID)
	switch {
	case d.Alias != "":
		line("Type", "Alias")
	case d.Parent != "":
		line("Type", "Sub-server")
	default:
		line("Type", "Top-level server")
	}
	website := d.has("web") || d.Alias != ""
	if website {
		line("URL", "http://"+d.Name+"/")
	}
	line("Description", d.Desc)
	if u := displayName(d.Name); u != d.Name {
		line("International domain name", u) // stock 16
	}
	if d.isTop() {
		line("Template ID", "0")
		line("Template", "Default Settings")
	} else {
		line("Template ID", "1")
		line("Template", "Settings For Sub-Servers")
	}
	line("Plan ID", "0")
	line("Plan", "Default Plan")
	if d.Parent != "" {
		line("Parent domain", d.Parent)
	}
	if d.Alias != "" {
		line("Real domain", d.Alias)
	}
	line("Username", top.User)
	line("User ID", strconv.Itoa(top.UID))
	line("Group name", top.User)
	line("Group ID", strconv.Itoa(top.GID))
	// Sub-servers use their first label (sub, shop), aliases the name
	// without the TLD (gamma-alias), top-level servers the user (06, 31, 239).
	prefix := top.User
	switch {
	case d.Alias != "":
		prefix = d.Name
		if i := strings.LastIndex(d.Name, "."); i > 0 {
			prefix = d.Name[:i]
		}
	case d.Parent != "":
		prefix = strings.SplitN(d.Name, ".", 2)[0]
	}
	line("Mailbox username prefix", prefix)
	line("Password storage", "Hashed")
	if master {
		line("Hashed password", top.Hashed)
	}
	mysql := d.has("mysql")
	if mysql {
		line("Username for mysql", top.User)
		if master {
			line("Password for mysql", top.MySQLPass)
		}
		line("Hostname for mysql", "localhost")
		line("Port for mysql", "3306")
	}
	line("Home directory", s.homeOf(d))
	if d.has("web") || d.Alias != "" {
		line("HTML directory", s.homeOf(target)+"/public_html")
		line("CGI directory", s.homeOf(target)+"/cgi-bin")
		line("Access log", "/var/log/virtualmin/"+target.Name+"_access_log")
		line("Error log", "/var/log/virtualmin/"+target.Name+"_error_log")
	}
	line("Contact email", top.Email)
	line("Contact address", top.Email)
	line("Created on", fmtDate(d.Created))
	line("Created Unix time", strconv.FormatInt(d.Created, 10))
	line("Created by", d.CreatedBy)
	line("IP address", s.cfg.ip+" (Shared)")
	prof := s.cfg.profile
	if prof.DefaultIP {
		line("External IP address", s.cfg.ip)
	}
	if d.Disabled {
		if d.DisabledText != "" {
			line("Disabled", d.DisabledText)
		} else {
			line("Disabled", "Manually ("+d.DisabledWhy+")")
		}
		line("Disabled at", fmtDate(d.DisabledAt))
	}
	line("Features", strings.Join(d.Features, " "))
	line("Plugins", "")
	if prof.Chroot {
		// Printed on stdout while the disk usage is worked out; remote.cgi
		// takes it for the next item's name (moves 06).
		b.WriteString("Failed to find mount point for " + s.homeOf(d) + "\n")
	}
	if prof.Quotas && d.isTop() {
		// Not recorded (quotas are off on both recorded servers); the
		// fields list-domains.pl prints, nothing used yet.
		for _, q := range []struct{ label, blocks string }{{"Server", d.Quota}, {"User", d.UQuota}} {
			line(q.label+" quota", quotaText(q.blocks))
			line(q.label+" block quota", blocksText(q.blocks))
			if !simple {
				line(q.label+" quota used", "0 bytes")
				line(q.label+" block quota used", "0")
				line(q.label+" byte quota used", "0")
			}
		}
	}
	if mysql {
		// The master build could not size databases (old 340); 8.1.0
		// counts 8 KiB for an empty one (stock 05).
		size := 0
		if !prof.isMaster() {
			for _, db := range d.Databases {
				size += dbBytes(db)
			}
		}
		line("Databases count", strconv.Itoa(len(d.Databases)))
		line("Databases size", niceSize(size))
		line("Databases byte size", strconv.Itoa(size))
	}
	if d.has("web") && d.Alias == "" {
		line("PHP execution mode", d.PHPMode)
		if s.st.PHP {
			line("Possible PHP execution modes", "none fpm")
		} else {
			line("Possible PHP execution modes", "none")
		}
		if d.PHPMode == "fpm" {
			line("PHP FPM socket", "File /run/php/"+d.ID+".sock")
			line("PHP FPM config file", "/etc/php/8.2/fpm/pool.d/"+d.ID+".conf")
		}
		line("CGI script execution mode", "disabled")
		line("Possible CGI script execution modes", "")
		if d.PHPMode == "fpm" {
			line("PHP fCGId subprocesses", "None")
			// A website set up in mode fpm has no limit (stock 05); one
			// switched to it later gets 30 s (old 258).
			line("PHP max execution time", orText(d.PHPMaxExec, "Unlimited"))
			if d.PHPVersion != "" {
				line("PHP version", d.PHPVersion)
			}
			if d.PHPErrorLog {
				line("PHP error log", s.homeOf(d)+"/logs/php_log")
			}
		} else {
			line("PHP fCGId subprocesses", "Not set")
			line("PHP max execution time", "Unlimited")
		}
		line("Webmail redirects", "Yes")
		line("Match all web sub-domains", "No")
		line("Server-side includes", "Global default")
		line("Default website for IP", yesNo(s.defaultWebsite(d)))
	}
	if d.Alias != "" {
		line("Alias has own DNS records", "No")
		line("Mail aliases mode", "Copy")
		if prof.isMaster() {
			line("Redirect alias domain", "Yes") // not in 8.1.0 (stock 26)
		}
	}
	if d.has("web") || d.Alias != "" {
		if d.Alias != "" {
			line("Website hostnames", s.hostnames(target, false))
		} else {
			line("Website hostnames", s.hostnames(d, false))
		}
	}
	if website {
		line("Proxy hostname", "No")
	}
	hasCert := s.hasCert(d)
	if hasCert {
		owner := s.certOwner(d)
		base := s.sslDir(owner)
		if d.SSLShared != "" {
			line("SSL shared with", d.SSLShared)
			line("SSL CA file", base+"/ssl.combined")
		} else if d.SSLCAFile {
			line("SSL CA file", base+"/ssl.cert")
		}
		line("SSL key file", base+"/ssl.key")
		line("SSL cert file", base+"/ssl.cert")
		line("SSL cert and CA file", base+"/ssl.combined")
		line("SSL cert and key file", base+"/ssl.everything")
	}
	line("SSL candidate hostnames", s.hostnames(d, true))
	if hasCert {
		owner := s.certOwner(d)
		if owner.SSLExpiryCached {
			line("SSL cert expiry", fmtDate(owner.SSLExpiry))
			line("SSL cert expiry time", strconv.FormatInt(owner.SSLExpiry, 10))
		}
		if s.certServices(d) {
			line("SSL provider renewal", "Enabled")
			line("SSL provider renewal email", "Always")
			line("SSL provider renewal email master", "No")
		}
	}
	line("SSL provider subset mode", "No")
	switch {
	case hasCert && s.certServices(d):
		// Webmin and Postfix serve the certificate for the domain's
		// hostnames (stock 05).
		line("SSL cert used by", "webmin ("+d.Name+")")
		line("SSL cert used by", "postfix ("+d.Name+")")
	case (!hasCert && s.st.WebminCertDomain == "") || s.st.WebminCertDomain == d.Name:
		// With no certificate file on either side Virtualmin believes
		// Webmin uses the domain's certificate (docs/virtualmin-api.md).
		line("SSL cert used by", "webmin")
	}
	for _, p := range []string{"dns", "mysql", "spam", "virus"} {
		line("Provisioning for "+p, "Local")
	}
	if d.has("dns") && d.Parent == "" {
		line("SPF DNS record", "Enabled")
		line("DMARC DNS record", "Disabled")
	}
	if !prof.isMaster() && d.has("ssl") && d.has("mail") && d.has("dns") && d.Alias == "" {
		line("MTA-STS status", "Disabled (Missing mta-sts DNS address record)")
	}
	if d.Parent != "" && d.has("dns") {
		line("Parent DNS virtual server", d.Parent)
	}
	if d.isTop() {
		l := d.Limits
		line("Maximum sub-servers", limitText(l.Doms, "Cannot create"))
		line("Maximum alias servers", limitText(l.AliasDoms, "*"))
		line("Maximum non-alias servers", limitText(l.RealDoms, "*"))
		line("Maximum mailboxes", limitText(l.Mailboxes, "Unlimited"))
		line("Maximum databases", limitText(l.DBs, "Unlimited"))
		line("Maximum aliases", limitText(l.Aliases, "Unlimited"))
		line("Maximum Mongrel instances", "Unlimited")
		line("Can choose database names", yesNo(!l.NoDBName))
		line("Can rename servers", yesNo(!l.NoRename))
		line("Can migrate backups", "No")
		line("Sub-servers must be under main domain", "No")
		line("Sub-servers cannot be under other domains", "No")
		line("Sub-servers inherit IP address", "No")
		line("Read-only mode", "No")
		line("Allowed features", strings.Join(d.Allowed, " "))
		caps := "users aliases passwd"
		if l.Caps != "" {
			caps = l.Caps
		}
		if d.RemoteAPI && !strings.Contains(caps, "remote_api") {
			caps += " remote_api"
		}
		line("Edit capabilities", caps)
		line("Allowed scripts", "All")
		if mysql && !s.st.MySQLDown {
			line("Allowed MySQL hosts", "127.0.0.1 localhost")
		}
		// The master build lists it for every owner (old 115, beta.test
		// without webmin); 8.1.0 only for one with a Webmin login (stock).
		if d.has("webmin") || prof.isMaster() {
			line("Webmin module access", "dns=1 mail=1 web=1 webalizer=0 mysql=1 postgres=1 spam=1 filemin=1 passwd=1 proc=2 cron=1 at=1 systemd=0 xterm=0 updown=0 change-user=1 htaccess-htpasswd=1 mailboxes=1 custom=0 shell=0 webminlog=1 logviewer=1 phpini=1")
		}
		if l.Shell == "nologin" || d.Disabled {
			line("Shell type", "nologin")
			line("Login permissions", "Email only")
			line("Shell command", "/dev/null")
		} else {
			line("Shell type", "ssh")
			line("Login permissions", "Email, FTP and SSH")
			line("Shell command", "/bin/bash")
		}
	}
	line("Last login", "Never")
	return b.String()
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}

// table prints Virtualmin's fixed-width tables: a header, dashes, rows; each
// cell is padded (and cut) to its width and separated by one space.
func table(widths []int, header []string, rows [][]string) string {
	var b strings.Builder
	row := func(cells []string) {
		for i, w := range widths {
			if i > 0 {
				b.WriteByte(' ')
			}
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(pad(c, w))
		}
		b.WriteByte('\n')
	}
	row(header)
	dashes := make([]string, len(widths))
	for i, w := range widths {
		dashes[i] = strings.Repeat("-", w)
	}
	row(dashes)
	for _, r := range rows {
		row(r)
	}
	return b.String()
}

// stderrMySQL are the warnings the master build prints while MariaDB is down
// (old 340); 8.1.0 prints none (stock 30).
func (s *Server) stderrMySQL() string {
	if !s.cfg.profile.isMaster() {
		return ""
	}
	ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
	return fmt.Sprintf("%s [127.0.0.1] Failed to get MySQL/MariaDB version for user size map : Failed to get version\n"+
		"%s [127.0.0.1] Failed to detect MySQL/MariaDB user name length : DBI connect failed :  Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2) \n", ts, ts)
}

func (s *Server) ipWarning() string {
	return s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]") + " [127.0.0.1] /virtual-server/remote.cgi : Failed to work out externally visible IPv4 address\n"
}

// niceSize is Virtualmin's nice_size: bytes, then KiB, MiB, GiB.
func niceSize(n int) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', -1, 64) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

func orText(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// quotaText and blocksText show a quota of 1 KiB blocks ("" or UNLIMITED is
// none).
func quotaText(blocks string) string {
	n, err := strconv.Atoi(blocks)
	if err != nil || n == 0 {
		return "Unlimited"
	}
	return niceSize(n * 1024)
}

func blocksText(blocks string) string {
	if n, err := strconv.Atoi(blocks); err == nil && n > 0 {
		return blocks
	}
	return "Unlimited"
}

// defaultWebsite reports whether d's website is the first one for its IP
// address: the oldest virtual server with a website, unless Apache has a
// default site of its own (moves 04, 26, 43).
func (s *Server) defaultWebsite(d *domain) bool {
	if s.cfg.profile.ApacheDefaultSite {
		return false
	}
	for _, x := range s.st.Domains {
		if x.has("web") && x.Alias == "" {
			return x == d
		}
	}
	return false
}
