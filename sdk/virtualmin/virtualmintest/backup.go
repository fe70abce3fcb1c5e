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
	"sort"
	"strings"
)

// backup-domain and restore-domain (old 280-289, stock 34-37). A backup is a
// gzipped tar holding the domains as the state file stores them; a restore
// of a deleted domain re-creates it with new Unix IDs and its old ID, creation
// time and certificate.

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
		return s.usage(p, "Missing --dest parameter")
	}
	doms, r := s.namedDomains(cc, p, a, nil)
	if r != nil {
		return *r
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
		if d.has("ssl") {
			b.WriteString(steps("    ", "Copying SSL Apache virtual host configuration and certificate"))
		}
		if d.has("logrotate") {
			b.WriteString(steps("    ", "Copying Logrotate configuration"))
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
			return s.usage(p, "--except-feature must come after --all-features")
		}
	}
	src := a.str("source")
	if src == "" {
		return s.usage(p, "Missing --source parameter")
	}
	bf, err := readBackup(s.hostPath(src))
	if err != nil {
		if os.IsNotExist(err) {
			return s.usage(p, "Restore file "+src+" does not exist")
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
			b.WriteString(s.recreate(d))
		} else {
			d.UID, d.GID = existing.UID, existing.GID
			*existing = *d
			d = existing
		}
		webmin := s.st.top(d).has("webmin")
		b.WriteString("Restoring backup for virtual server " + d.Name + " ..\n")
		b.WriteString(steps("    ", "Restoring virtual server password, quota and other details", "Updating administration password and quotas",
			"Restoring Cron jobs", "Extracting TAR file of home directory", "Setting ownership of home directory"))
		if d.has("dns") {
			b.WriteString(steps("    ", "Re-creating records in DNS domain"))
		}
		if d.has("web") {
			b.WriteString(steps("    ", "Restoring Apache virtual host configuration"))
			if d.PHPMode == "fpm" {
				b.WriteString("    Checking restored PHP execution mode ..\n    .. mode FPM works for this system\n\n" +
					"    Updating PHP-FPM configuration ..\n    .. no fixes needed\n\n")
			} else {
				b.WriteString("    Checking restored PHP execution mode ..\n    .. mode Disabled works for this system\n\n")
				b.WriteString(steps("    ", "Updating home directory in PHP configuration"))
			}
			b.WriteString(steps("    ", "Restoring Apache log files"))
		}
		if d.has("ssl") {
			b.WriteString(steps("    ", "Restoring SSL Apache virtual host configuration and certificate"))
		}
		if d.has("logrotate") {
			b.WriteString(steps("    ", "Restoring Logrotate configuration"))
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
		if webmin {
			b.WriteString(steps("    ", "Updating Webmin user"))
		}
		if existing == nil {
			b.WriteString("Enabling PHP modules for restored web apps ..\n.. no PHP modules needed to be installed\n\n")
		}
		var pa postActions
		s.createPost(&pa, d)
		b.WriteString(pa.String())
	}
	b.WriteString("Restore completed successfully.\n\n")
	return ok(b.String())
}

// recreate adds a backed-up domain that no longer exists: new Unix IDs, its
// features set up as create-domain does them (old 283, stock 36); the domain
// keeps its ID, creation time and certificate.
func (s *Server) recreate(d *domain) string {
	var b strings.Builder
	d.UID, d.GID = s.st.NextUID, s.st.NextGID
	s.st.NextUID++
	s.st.NextGID++
	b.WriteString("Re-creating virtual server " + d.Name + " ..\n")
	fmt.Fprintf(&b, "    Re-allocating user and group IDs ..\n    .. allocated user ID is %d and group ID is %d\n\n", d.UID, d.GID)
	if !s.cfg.profile.DefaultIP {
		b.WriteString(s.ipWarning())
	}
	b.WriteString(steps("    ", "Saving server details"))
	b.WriteString(s.createSteps(d, "    ", func() string {
		if d.isTop() {
			return steps("    ", "Creating MariaDB login")
		}
		return ""
	}))
	b.WriteString(steps("    ", "Saving server details"))
	s.st.Domains = append(s.st.Domains, d)
	if s.hasCert(d) {
		d.SSLCAFile = true
	}
	var pa postActions
	s.createPost(&pa, d)
	b.WriteString(pa.indented("    "))
	if d.has("webmin") && d.isTop() {
		b.WriteString(steps("    ", "Updating Webmin user", "Re-loading Webmin"))
		s.users[d.User] = &webminUser{password: d.Pass, role: roleDomainOwner, domain: d.Name}
		s.st.Owners[d.User] = d.Name
	}
	return b.String()
}
