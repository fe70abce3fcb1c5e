package virtualmintest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// backup-domain and restore-domain (old 280-289, stock 34-37, moves 17-19).
// A backup is a gzipped tar holding the virtual servers as the state file
// stores them, content included (home directory files, mail, database
// rows); a restore of a server the host lacks re-creates it with new Unix
// IDs and its old ID, creation time, password hashes and certificate. The
// destination is a path on the host, webmin://user:pass@host[:port]:/path
// (Webmin RPC to another simulator) or ssh://user:pass@host[:port]:/path (a
// real SSH server, reached with golang.org/x/crypto/ssh).

// backupFile is the content of a simulated backup archive.
type backupFile struct {
	Format  string    `json:"format"`
	Domains []*domain `json:"domains"`
}

// location is a backup destination or restore source as Virtualmin's
// parse_backup_url reads it.
type location struct {
	// proto is "local", "webmin" or "ssh".
	proto            string
	user, pass, host string
	port             int
	path             string
}

var (
	reWebminURL = regexp.MustCompile(`^webmin://([^:]*):(.*)@([^/:@]+)(:\d+)?:?(/.*)$`)
	reSSHURL    = regexp.MustCompile(`^ssh://([^:]*):(.*)@([^/:@]+)(:\d+)?:?(/.*)$`)
	reURL       = regexp.MustCompile(`^[a-z0-9]+://`)
)

// parseLocation reads a destination; the error is the message to print.
func parseLocation(s string) (location, string) {
	for _, u := range []struct {
		re    *regexp.Regexp
		proto string
		port  int
	}{{reWebminURL, "webmin", 10000}, {reSSHURL, "ssh", 22}} {
		if m := u.re.FindStringSubmatch(s); m != nil {
			l := location{proto: u.proto, user: m[1], pass: m[2], host: m[3], port: u.port, path: m[5]}
			if m[4] != "" {
				l.port, _ = strconv.Atoi(m[4][1:])
			}
			return l, ""
		}
	}
	if reURL.MatchString(s) {
		scheme, _, _ := strings.Cut(s, "://")
		return location{}, "Backup destinations of type " + scheme + ":// are not simulated by virtualmintest (local paths, webmin:// and ssh:// are)"
	}
	return location{proto: "local", path: s}, ""
}

// where names the destination in progress lines.
func (l location) where() string {
	switch l.proto {
	case "webmin":
		return l.path + " on Webmin server " + l.host
	case "ssh":
		return l.path + " on SSH server " + l.host
	}
	return "local file " + l.path
}

func (l location) rpc() *rpcClient {
	return newRPCClient(l.host+":"+strconv.Itoa(l.port), l.user, l.pass)
}

// put writes data at the location (for a local path, on this host).
func (s *Server) put(cc *callCtx, l location, p string, data []byte) error {
	switch l.proto {
	case "webmin":
		_, err := l.rpc().op(cc.context(), "write", p, data)
		return err
	case "ssh":
		return sshPut(cc.context(), l, p, data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeHostFile(p, data)
}

// get reads a file at the location.
func (s *Server) get(cc *callCtx, l location, p string) ([]byte, error) {
	switch l.proto {
	case "webmin":
		return l.rpc().op(cc.context(), "read", p, nil)
	case "ssh":
		return sshGet(cc.context(), l, p)
	}
	return os.ReadFile(s.hostPath(p))
}

// snapshot is the state of the servers being backed up, copied under the
// lock so that the backup can go on without it.
type snapshot struct {
	doms      []*domain // the servers asked for
	all       []*domain // and every server under them
	mysqlDown bool
}

// takeSnapshot copies doms, and with under the servers under them. s.mu
// is held.
func (s *Server) takeSnapshot(doms []*domain, under bool) (*snapshot, error) {
	sn := &snapshot{mysqlDown: s.st.MySQLDown}
	for _, d := range doms {
		tree := []*domain{d}
		if under {
			tree = s.tree(d)
		}
		for _, x := range tree {
			c, err := copyDomain(x)
			if err != nil {
				return nil, err
			}
			if x == d {
				sn.doms = append(sn.doms, c)
			}
			sn.all = append(sn.all, c)
		}
	}
	return sn, nil
}

func copyDomain(d *domain) (*domain, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var c domain
	return &c, json.Unmarshal(b, &c)
}

// archive makes a backup archive of doms.
func (s *Server) archive(doms []*domain) ([]byte, error) {
	j, err := json.MarshalIndent(backupFile{Format: "virtualmintest-2", Domains: doms}, "", "  ")
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

func readArchive(b []byte) ([]*domain, error) {
	gz, err := gzip.NewReader(bytes.NewReader(b))
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
			if err := json.NewDecoder(io.LimitReader(tr, 1<<30)).Decode(&bf); err != nil {
				return nil, err
			}
			return bf.Domains, nil
		}
	}
}

// mysqlSocketError is what the backup of a database says while MariaDB is
// down (moves 36).
const mysqlSocketError = "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (111)"

// backupText prints the backup of the servers in sn, as backup-domain does
// into one file (dirFormat false: the home directory's TAR comes first) or
// transfer-domain into a directory (true: one archive per server, the home
// directory last, then its upload). It stops at the first failing step and
// returns what it printed and the failure ("" when none). In the directory
// format, upload sends each server's archive to dest (described for the
// progress line) after its steps.
func (s *Server) backupText(cc *callCtx, sn *snapshot, indent string, dirFormat bool, dest string, upload func(*domain) error) (string, string) {
	var b strings.Builder
	step := func(in string, lines ...string) { b.WriteString(steps(indent+in, lines...)) }
	for _, d := range sn.all {
		b.WriteString(indent + "Creating backup for virtual server " + d.Name + " ..\n")
		step("    ", "Copying virtual server configuration")
		b.WriteString(indent + "    Backing up Cron jobs ..\n" + indent + "    .. none defined\n\n")
		if msg, fail := cc.failAt(StepBackup); fail {
			b.WriteString(indent + "    Creating TAR file of home directory ..\n\n" + indent + "    .. backup of dir failed : " + msg + "\n\n")
			return b.String(), "backup of dir failed : " + msg
		}
		if d.has("dir") && !dirFormat {
			step("    ", "Creating TAR file of home directory")
		}
		if d.has("dns") {
			step("    ", "Copying records in DNS domain")
		}
		if d.has("mail") {
			step("    ", "Saving mail aliases", "Saving mail and FTP users")
			b.WriteString(indent + "    Backing up mail and FTP user Cron jobs ..\n" + indent + "    .. none to backup\n\n")
		}
		if d.has("web") {
			step("    ", "Copying Apache virtual host configuration", "Copying Apache log files")
		}
		if d.has("ssl") {
			step("    ", "Copying SSL Apache virtual host configuration and certificate")
		}
		if d.has("logrotate") {
			step("    ", "Copying Logrotate configuration")
		}
		if d.has("mysql") {
			if sn.mysqlDown {
				b.WriteString(indent + "    Copying MariaDB user details ..\n\n" + indent + "    .. backup of mysql failed : mysql::execute_sql failed : DBI connect failed :  " + mysqlSocketError + "\n\n")
				return b.String(), "backup of mysql failed : mysql::execute_sql failed : DBI connect failed :  " + mysqlSocketError
			}
			step("    ", "Copying MariaDB user details")
			for _, db := range d.Databases {
				step("    ", "Dumping MariaDB database "+db.Name)
			}
		}
		if d.has("webmin") {
			step("    ", "Backing up Webmin ACL files")
		}
		if d.has("dir") && dirFormat {
			step("    ", "Creating TAR file of home directory")
		}
		if dirFormat && upload != nil {
			b.WriteString(indent + "    Uploading archive to " + dest + " ..\n")
			err := upload(d)
			if msg, fail := cc.failAt(StepUpload); fail {
				err = errors.New(msg)
			}
			if err != nil {
				b.WriteString(indent + "    .. upload failed : " + err.Error() + "\n\n")
				return b.String(), "upload failed : " + err.Error()
			}
			b.WriteString(indent + "    .. done\n\n")
		}
	}
	return b.String(), ""
}

// virtualminSettings is what --all-virtualmin backs up (moves 17).
const virtualminSettings = `Backing up Virtualmin settings ..
    Saving Virtualmin configuration ..
    .. done

    Saving templates and plans ..
    .. done

    Saving email templates ..
    .. done

    Saving custom fields, links, categories and shells ..
    .. done

    Saving custom web app installers ..
    .. done

    Saving scheduled backups ..
    .. done

    Saving DKIM settings ..
    .. not installed

    Saving greylisting settings ..
    .. not installed

    Save mail rate limiting configuration ..
    .. not installed

    Saving mail server configuration ..
    .. done

.. done

`

func (s *Server) backupDomain(cc *callCtx, a *args) result {
	const p = "backup-domain"
	dest := a.str("dest")
	if dest == "" {
		return s.usage(p, "Missing --dest parameter")
	}
	loc, bad := parseLocation(dest)
	if bad != "" {
		return fail(bad + "\n")
	}
	s.mu.Lock()
	// --user picks all the servers of an owner (its sub-servers and aliases
	// too), --all-domains every one, --domain the servers named.
	var picked []*domain
	for _, u := range a.all("user") {
		found := false
		for _, d := range s.st.ordered() {
			if s.st.top(d).User == u && s.visible(cc, d) {
				picked = append(picked, d)
				found = true
			}
		}
		if !found {
			s.mu.Unlock()
			return s.usage(p, "No virtual servers owned by "+u+" exist") // wording not recorded
		}
	}
	if a.has("all-domains") {
		for _, d := range s.st.ordered() {
			if s.visible(cc, d) {
				picked = append(picked, d)
			}
		}
	}
	named, r := s.namedDomains(cc, p, a, picked)
	if r != nil {
		s.mu.Unlock()
		return *r
	}
	var doms []*domain
	seen := map[*domain]bool{}
	for _, d := range named {
		if !seen[d] {
			seen[d] = true
			doms = append(doms, d)
		}
	}
	sn, err := s.takeSnapshot(doms, false)
	s.mu.Unlock()
	if err != nil {
		return fail("Failed to read the virtual servers : " + err.Error() + "\n")
	}

	var b strings.Builder
	b.WriteString("Starting backup..\nTesting backup destination " + loc.where() + " ..\n")
	if loc.proto == "webmin" {
		if _, err := loc.rpc().op(cc.context(), "ping", "", nil); err != nil {
			b.WriteString(".. failed : Webmin failed : " + err.Error() + "\n\n")
			return fail(b.String())
		}
	}
	b.WriteString(".. done\n\n")
	s.pause(cc.context(), s.latencyFor(p, nil))
	text, failed := s.backupText(cc, sn, "", false, "", nil)
	b.WriteString(text)
	if failed != "" {
		b.WriteString(".. completed in 0 seconds\n\nBackup failed!\n")
		return fail(b.String())
	}
	b.WriteString(".. completed in 0 seconds\n\n")
	if a.has("all-virtualmin") {
		b.WriteString(virtualminSettings)
	}
	b.WriteString("Creating final backup archive ..\n.. done\n\n")
	content, err := s.archive(sn.all)
	if err != nil {
		return fail(b.String() + "Failed to create the archive : " + err.Error() + "\n")
	}
	if loc.proto == "local" {
		if err := s.put(cc, loc, loc.path, content); err != nil {
			ts := s.cfg.now().UTC().Format("[02/Jan/2006:15:04:05 +0000]")
			msg := "Failed to open " + dest + " for writing : " + err.Error()
			out := strings.Replace(b.String(), "Creating final backup archive ..\n.. done\n\n", "", 1)
			out = strings.Replace(out, ".. completed in 0 seconds\n\n", "", 1)
			return fail(out + ts + " [127.0.0.1] " + msg + "\nError\n-----\n" + msg + "\n-----\n.. completed in 0 seconds\n\n")
		}
	} else {
		kind := "Webmin"
		if loc.proto == "ssh" {
			kind = "SSH"
		}
		b.WriteString("Uploading archive to " + kind + " server " + loc.host + " ..\n")
		err := s.put(cc, loc, loc.path, content)
		if msg, fail := cc.failAt(StepUpload); fail && err == nil {
			err = &rpcError{msg}
		}
		if err != nil {
			b.WriteString(".. upload failed : " + err.Error() + "\n\nBackup failed!\n")
			return fail(b.String())
		}
		b.WriteString(".. done\n\n")
	}
	info, _ := json.Marshal(map[string]interface{}{"domains": len(sn.all), "size": len(content)})
	dom, _ := json.Marshal(map[string]string{"dom": sn.doms[0].Name, "id": sn.doms[0].ID})
	_ = s.put(cc, loc, loc.path+".info", info)
	_ = s.put(cc, loc, loc.path+".dom", dom)
	fmt.Fprintf(&b, "%d virtual servers backed up successfully\n", len(sn.all))
	if a.has("all-virtualmin") {
		b.WriteString("7 Virtualmin system configurations backed up successfully\n")
	}
	fmt.Fprintf(&b, "Backup completed successfully. Final size was %.2f KiB\n\n", float64(len(content))/1024)
	return ok(b.String())
}

// readSource reads the archives of a restore source: one file, or every
// .tar.gz in a directory (one per server, as transfer-domain writes them).
func (s *Server) readSource(cc *callCtx, loc location) ([]*domain, bool, error) {
	if loc.proto == "local" {
		real := s.hostPath(loc.path)
		if fi, err := os.Stat(real); err == nil && fi.IsDir() {
			entries, err := os.ReadDir(real)
			if err != nil {
				return nil, true, err
			}
			var doms []*domain
			for _, e := range entries {
				if !strings.HasSuffix(e.Name(), ".tar.gz") {
					continue
				}
				b, err := os.ReadFile(real + "/" + e.Name())
				if err != nil {
					return nil, true, err
				}
				ds, err := readArchive(b)
				if err != nil {
					return nil, true, err
				}
				doms = append(doms, ds...)
			}
			return doms, true, nil
		}
	}
	b, err := s.get(cc, loc, loc.path)
	if err != nil {
		return nil, false, err
	}
	doms, err := readArchive(b)
	return doms, false, err
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
	loc, bad := parseLocation(src)
	if bad != "" {
		return fail(bad + "\n")
	}
	doms, isDir, err := s.readSource(cc, loc)
	if err != nil {
		if loc.proto == "local" && os.IsNotExist(err) {
			return s.usage(p, "Restore file "+src+" does not exist")
		}
		where := src
		if loc.proto != "local" {
			where = loc.where()
		}
		return fail("Failed to read backup file " + where + " : " + err.Error() + "\n")
	}
	want := map[string]bool{}
	for _, n := range a.all("domain") {
		want[n] = true
	}
	var sel []*domain
	for _, d := range doms {
		if len(want) == 0 || want[d.Name] || a.has("all-domains") {
			sel = append(sel, d)
		}
	}
	// Top-level servers first, so that their sub-servers find them.
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].isTop() && !sel[j].isTop() })

	var b strings.Builder
	b.WriteString("Checking for missing features ..\n.. all features in backup are supported\n\n" +
		"Checking for errors in backup ..\n.. no errors found\n\n")
	var flags []string
	if a.has("test") {
		flags = []string{"--test"}
	}
	s.pause(cc.context(), s.latencyFor(p, flags))
	if a.has("test") {
		return ok(b.String())
	}
	archives := "file"
	if isDir {
		archives = "files"
	}
	b.WriteString("Starting restore..\nExtracting backup archive " + archives + " ..\n.. done\n\n")
	if msg, fail := cc.failAt(StepRestore); fail {
		b.WriteString(".. restore failed : " + msg + "\n\nRestore failed!\n\n")
		return result{out: b.String(), exit: 1}
	}
	deleteMissing := false
	for _, o := range a.all("option") {
		if strings.Join(strings.Fields(o), " ") == "dir delete 1" {
			deleteMissing = true
		}
	}
	exit := 0
	err = s.change(func() error {
		for _, d := range sel {
			existing := s.st.find(d.Name)
			if (a.has("only-missing") && existing != nil) || (a.has("only-existing") && existing == nil) {
				continue
			}
			text, ok := s.restoreOne(cc, d, existing, deleteMissing)
			b.WriteString(text)
			if !ok {
				exit = 1
				b.WriteString("Restore failed!\n\n")
				return nil
			}
		}
		b.WriteString("Restore completed successfully.\n\n")
		return nil
	})
	if err != nil {
		b.WriteString("Failed to save state : " + err.Error() + "\n")
	}
	return result{out: b.String(), exit: exit}
}

// restoreOne restores one server from its backup, into the existing one
// or as a new one, and prints what it did; false when it failed (what was
// done so far stays). s.mu and s.writeMu are held.
func (s *Server) restoreOne(cc *callCtx, d, existing *domain, deleteMissing bool) (string, bool) {
	var b strings.Builder
	step := func(lines ...string) { b.WriteString(steps("    ", lines...)) }
	prof := s.cfg.profile
	if existing == nil {
		if !d.isTop() {
			parent := d.Parent
			if parent == "" {
				parent = d.Alias
			}
			if s.st.find(parent) == nil {
				b.WriteString("Re-creating virtual server " + d.Name + " ..\n.. the parent virtual server " + parent + " does not exist\n\n")
				return b.String(), false
			}
		}
		text, ok := s.recreate(d)
		b.WriteString(text)
		if !ok {
			return b.String(), false
		}
	}
	if msg, fail := cc.failAt(StepHalfRestored); fail {
		// Re-created, but nothing of its content is back.
		if existing == nil {
			d.Files, d.Users, d.Databases = nil, nil, nil
		}
		b.WriteString("Restoring backup for virtual server " + d.Name + " ..\n.. restore failed : " + msg + "\n\n")
		return b.String(), false
	}
	var old int64
	if existing != nil {
		old = domainBytes(existing)
	}
	if err := s.reserve(domainBytes(d) - old); err != nil {
		if existing == nil {
			d.Files, d.Users, d.Databases = nil, nil, nil
		}
		b.WriteString("Restoring backup for virtual server " + d.Name + " ..\n")
		step("Restoring virtual server password, quota and other details")
		b.WriteString("    Extracting TAR file of home directory ..\n    .. extraction failed : " + err.Error() + "\n\n")
		return b.String(), false
	}
	if existing != nil {
		d.UID, d.GID = existing.UID, existing.GID
		files := map[string][]byte{}
		if !deleteMissing {
			for k, v := range existing.Files {
				files[k] = v
			}
		}
		for k, v := range d.Files {
			files[k] = v
		}
		d.Files = files
		*existing = *d
		d = existing
		if s.hasCert(d) {
			d.SSLCAFile = true // written by the restore (moves 21)
		}
	}
	webmin := s.st.top(d).has("webmin")
	b.WriteString("Restoring backup for virtual server " + d.Name + " ..\n")
	step("Restoring virtual server password, quota and other details", "Updating administration password and quotas",
		"Restoring Cron jobs")
	if prof.Chroot {
		b.WriteString("sh: 1: file: not found\n    Extracting TAR file of home directory ..\nFailed to find mount point for " +
			s.homeOf(d) + "\nsh: 1: file: not found\n    .. done\n\n")
	} else {
		step("Extracting TAR file of home directory")
	}
	step("Setting ownership of home directory")
	if d.has("dns") {
		step("Re-creating records in DNS domain")
	}
	if d.has("web") {
		step("Restoring Apache virtual host configuration")
		if d.PHPMode == "fpm" {
			b.WriteString("    Checking restored PHP execution mode ..\n    .. mode FPM works for this system\n\n" +
				"    Updating PHP-FPM configuration ..\n    .. no fixes needed\n\n")
		} else {
			b.WriteString("    Checking restored PHP execution mode ..\n    .. mode Disabled works for this system\n\n")
			step("Updating home directory in PHP configuration")
		}
		step("Restoring Apache log files")
	}
	if d.has("ssl") {
		step("Restoring SSL Apache virtual host configuration and certificate")
	}
	if d.has("logrotate") {
		step("Restoring Logrotate configuration")
	}
	if d.has("mysql") {
		step("Restoring allowed MariaDB hosts")
		if existing != nil {
			step("Deleting old MariaDB databases")
		}
		for _, db := range d.Databases {
			b.WriteString("    Re-loading MariaDB database " + db.Name + " ..\n")
			b.WriteString(steps("        ", "Creating MariaDB database "+db.Name))
			b.WriteString("    .. done\n\n")
		}
	}
	if d.has("webmin") {
		step("Restoring Webmin ACL files")
	}
	if d.has("mail") {
		step("Re-creating mail and FTP users", "Re-creating mail aliases", "Restoring mail and FTP user Cron jobs")
	}
	if webmin {
		step("Updating Webmin user")
	}
	if existing == nil {
		b.WriteString("Enabling PHP modules for restored web apps ..\n.. no PHP modules needed to be installed\n\n")
	}
	var pa postActions
	s.createPost(&pa, d)
	b.WriteString(pa.String())
	return b.String(), true
}

// recreate adds a backed-up server the host lacks: new Unix IDs for a
// top-level server (a clash with an existing Unix user stops it, moves 41),
// its features set up as create-domain does them (old 283, stock 36); it
// keeps its ID, creation time, password hashes and certificate.
func (s *Server) recreate(d *domain) (string, bool) {
	var b strings.Builder
	b.WriteString("Re-creating virtual server " + d.Name + " ..\n")
	if d.isTop() {
		d.UID, d.GID = s.st.NextUID, s.st.NextGID
		s.st.NextUID++
		s.st.NextGID++
		fmt.Fprintf(&b, "    Re-allocating user and group IDs ..\n    .. allocated user ID is %d and group ID is %d\n\n", d.UID, d.GID)
		if s.unixUserExists(d.User) {
			b.WriteString(".. a clash was detected : A unix user named " + d.User + " already exists - try selecting a different administration username\n\n")
			return b.String(), false
		}
	}
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
	return b.String(), true
}

// transferDir is where transfer-domain puts its backup on the target.
func transferDir(pid int) string { return path.Join("/tmp", "virtualmin-transfer-"+strconv.Itoa(pid)) }
