package virtualmintest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// What a virtual server holds: the files of its home directory (the
// mailboxes' Maildirs are under it, as on a real server: homes/<user>/Maildir)
// and the rows of its databases. Tests put content in with PutFile, PutMail
// and PutRow, and compare two servers with ContentDigest: a backup carries the
// content, a restore brings it back exactly, a transfer moves it.

// errNoSpace is what a write past SetDiskSpace's limit fails with, in the
// words of the kernel.
//
//lint:ignore ST1005 the kernel's words, capitalised as Virtualmin prints them
var errNoSpace = errors.New("No space left on device")

// PutFile writes a file in a virtual server's home directory; path is
// relative to it ("public_html/index.html"). The server needs the dir
// feature.
func (s *Server) PutFile(domain, path string, data []byte) error {
	rel, err := relPath(path)
	if err != nil {
		return err
	}
	return s.change(func() error {
		d, err := s.homeDomain(domain)
		if err != nil {
			return err
		}
		if err := s.reserve(int64(len(data) - len(d.Files[rel]))); err != nil {
			return fmt.Errorf("virtualmintest: %s: %w", path, err)
		}
		putFile(d, rel, data)
		return nil
	})
}

// File reads a file of a virtual server's home directory back.
func (s *Server) File(domain, path string) ([]byte, bool) {
	rel, err := relPath(path)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.find(domain)
	if d == nil {
		return nil, false
	}
	b, ok := d.Files[rel]
	return append([]byte(nil), b...), ok
}

// PutMail delivers a message to a mailbox of a virtual server (user is the
// mailbox's short name, "" for the owner's own mailbox): a new file in its
// Maildir/new, whose path relative to the home directory it returns.
func (s *Server) PutMail(domain, user string, message []byte) (string, error) {
	var rel string
	err := s.change(func() error {
		d, err := s.homeDomain(domain)
		if err != nil {
			return err
		}
		dir := "Maildir/new"
		if user != "" {
			if s.findUser(d, user) == nil {
				return fmt.Errorf("virtualmintest: %s has no mailbox %q", domain, user)
			}
			dir = "homes/" + user + "/Maildir/new"
		}
		if err := s.reserve(int64(len(message))); err != nil {
			return fmt.Errorf("virtualmintest: mail to %s: %w", domain, err)
		}
		s.st.Counter++
		rel = fmt.Sprintf("%s/%d.M%dP%d.%s", dir, s.now(), s.st.Counter, 1000+s.st.Counter%9000, s.cfg.hostname)
		putFile(d, rel, message)
		return nil
	})
	return rel, err
}

// PutRow appends a row to a table of one of a virtual server's databases,
// creating the table when it does not exist. Rows are text (valid UTF-8).
func (s *Server) PutRow(domain, db, table, row string) error {
	if table == "" || strings.ContainsAny(table, " \t\n/") {
		return fmt.Errorf("virtualmintest: bad table name %q", table)
	}
	if !utf8.ValidString(row) {
		return errors.New("virtualmintest: a row must be valid UTF-8")
	}
	return s.change(func() error {
		d := s.st.find(domain)
		if d == nil {
			return fmt.Errorf("virtualmintest: virtual server %s does not exist", domain)
		}
		if s.st.MySQLDown {
			return errors.New("virtualmintest: MariaDB is down (SetMySQLDown)")
		}
		for i := range d.Databases {
			x := &d.Databases[i]
			if x.Name != db {
				continue
			}
			if err := s.reserve(int64(len(row))); err != nil {
				return fmt.Errorf("virtualmintest: row in %s: %w", db, err)
			}
			if x.Tables == nil {
				x.Tables = map[string][]string{}
			}
			x.Tables[table] = append(x.Tables[table], row)
			return nil
		}
		return fmt.Errorf("virtualmintest: %s has no database %q", domain, db)
	})
}

// AddUnixUser adds a Unix user that no virtual server owns, as a user made
// by hand on the host: creating or restoring a server whose administration
// user has that name clashes with it ("A unix user named X already exists").
func (s *Server) AddUnixUser(name string) error {
	return s.change(func() error {
		if !goodUsername.MatchString(name) {
			return fmt.Errorf("virtualmintest: bad Unix user name %q", name)
		}
		if !s.unixUserExists(name) {
			s.st.UnixUsers = append(s.st.UnixUsers, name)
		}
		return nil
	})
}

// SetDiskSpace limits the host's disk to n bytes (0, the default: no
// limit). Home directories, databases and the files under the backup root
// count against it; a write past it fails with "No space left on device",
// as on a full disk: a backup written there, a file uploaded to the host, a
// restore that extracts content.
func (s *Server) SetDiskSpace(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.diskLimit = n
}

// DiskUsed is how many bytes SetDiskSpace's limit counts now.
func (s *Server) DiskUsed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.diskUsed()
}

// HostPath maps an absolute path on the simulated host to the real path
// under the backup root (BackupRoot), where backups and uploads land.
func (s *Server) HostPath(p string) string { return s.hostPath(p) }

// Content is what a virtual server and the sub-servers and alias domains
// under it hold, as a backup carries it: everything a restore must bring
// back. Unix user and group IDs are left out (a restore re-allocates them),
// and so is whether a server is disabled.
type Content struct {
	// Domains are the server and those under it, by name.
	Domains []DomainContent
}

// DomainContent is one virtual server's part of a Content.
type DomainContent struct {
	Name, ID, Description string
	// Parent is a sub-server's parent, AliasOf an alias domain's target.
	Parent, AliasOf string
	// User is the administration user's name.
	User     string
	Features []string
	// PasswordHash is the administration user's password hash and
	// DatabasePasswordHash a digest of the database login's password
	// (top-level servers).
	PasswordHash, DatabasePasswordHash string
	// Mailboxes with their password hashes; their mail is in Files.
	Mailboxes []MailboxContent
	// Databases with their tables' rows.
	Databases []DatabaseContent
	// Files of the home directory by path relative to it.
	Files map[string][]byte
}

// MailboxContent is a mailbox's name and password hash.
type MailboxContent struct{ Name, PasswordHash string }

// DatabaseContent is a database and its tables' rows.
type DatabaseContent struct {
	Name, Type string
	Tables     map[string][]string
}

// Content returns what the named virtual server and those under it hold.
func (s *Server) Content(domain string) (Content, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.find(domain)
	if d == nil {
		return Content{}, fmt.Errorf("virtualmintest: virtual server %s does not exist", domain)
	}
	var c Content
	for _, x := range s.tree(d) {
		c.Domains = append(c.Domains, contentOf(x))
	}
	sort.Slice(c.Domains, func(i, j int) bool { return c.Domains[i].Name < c.Domains[j].Name })
	return c, nil
}

// ContentDigest is the SHA-256 (hex) of Content: equal digests on two
// servers mean the same account, byte for byte.
func (s *Server) ContentDigest(domain string) (string, error) {
	c, err := s.Content(domain)
	if err != nil {
		return "", err
	}
	return c.Digest(), nil
}

// Digest is the SHA-256 (hex) of the content in a canonical form.
func (c Content) Digest() string {
	b, err := json.Marshal(c) // map keys are sorted; slices are sorted by Content
	if err != nil {
		panic("virtualmintest: content digest: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func contentOf(d *domain) DomainContent {
	dc := DomainContent{Name: d.Name, ID: d.ID, Description: d.Desc, Parent: d.Parent, AliasOf: d.Alias,
		Features: append([]string(nil), d.Features...), Files: map[string][]byte{}}
	if d.isTop() {
		dc.User, dc.PasswordHash = d.User, d.Hashed
		if d.MySQLPass != "" {
			sum := sha256.Sum256([]byte(d.MySQLPass))
			dc.DatabasePasswordHash = hex.EncodeToString(sum[:])
		}
	}
	for k, v := range d.Files {
		dc.Files[k] = append([]byte(nil), v...)
	}
	for _, u := range d.Users {
		dc.Mailboxes = append(dc.Mailboxes, MailboxContent{Name: u.Name, PasswordHash: u.Hashed})
	}
	sort.Slice(dc.Mailboxes, func(i, j int) bool { return dc.Mailboxes[i].Name < dc.Mailboxes[j].Name })
	for _, db := range d.Databases {
		t := map[string][]string{}
		for k, rows := range db.Tables {
			t[k] = append([]string(nil), rows...)
		}
		dc.Databases = append(dc.Databases, DatabaseContent{Name: db.Name, Type: db.Type, Tables: t})
	}
	sort.Slice(dc.Databases, func(i, j int) bool { return dc.Databases[i].Name < dc.Databases[j].Name })
	return dc
}

// tree is d and every server under it (sub-servers, aliases, theirs).
func (s *Server) tree(d *domain) []*domain {
	out := []*domain{d}
	for _, c := range s.st.children(d.Name) {
		out = append(out, s.tree(c)...)
	}
	return out
}

// homeDomain finds a server that has a home directory.
func (s *Server) homeDomain(name string) (*domain, error) {
	d := s.st.find(name)
	if d == nil {
		return nil, fmt.Errorf("virtualmintest: virtual server %s does not exist", name)
	}
	if !d.has("dir") {
		return nil, fmt.Errorf("virtualmintest: virtual server %s has no home directory (feature dir)", name)
	}
	return d, nil
}

func putFile(d *domain, rel string, data []byte) {
	if d.Files == nil {
		d.Files = map[string][]byte{}
	}
	d.Files[rel] = append([]byte(nil), data...)
}

// relPath cleans a path relative to a home directory; it may not leave it.
func relPath(p string) (string, error) {
	c := path.Clean("/" + p)
	if c == "/" || strings.ContainsRune(p, 0) || strings.Contains(p, "..") {
		return "", fmt.Errorf("virtualmintest: bad path %q in a home directory", p)
	}
	return strings.TrimPrefix(c, "/"), nil
}

// unixUserExists reports whether the host has the Unix user: a top-level
// server's administration user or one added by hand. s.mu is held.
func (s *Server) unixUserExists(u string) bool {
	for _, x := range s.st.UnixUsers {
		if x == u {
			return true
		}
	}
	return s.userTaken(u)
}

// domainBytes is the disk space a server's content takes.
func domainBytes(d *domain) int64 {
	var n int64
	for _, b := range d.Files {
		n += int64(len(b))
	}
	for _, db := range d.Databases {
		for _, rows := range db.Tables {
			for _, r := range rows {
				n += int64(len(r))
			}
		}
	}
	return n
}

// diskUsed adds up the content of every server and the files under the
// backup root. s.mu is held.
func (s *Server) diskUsed() int64 {
	var n int64
	for _, d := range s.st.Domains {
		n += domainBytes(d)
	}
	_ = filepath.WalkDir(s.cfg.backupRoot, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// reserve fails when extra more bytes do not fit on the disk. s.mu is held.
func (s *Server) reserve(extra int64) error {
	if s.diskLimit <= 0 || extra <= 0 {
		return nil
	}
	if s.diskUsed()+extra > s.diskLimit {
		return errNoSpace
	}
	return nil
}

// writeHostFile writes a file on the simulated host like a program does:
// the directory must exist, and the disk must have room. s.mu is held.
func (s *Server) writeHostFile(p string, data []byte) error {
	real := s.hostPath(p)
	if _, err := os.Stat(filepath.Dir(real)); err != nil {
		//lint:ignore ST1005 the kernel's words, capitalised as Virtualmin prints them
		return errors.New("No such file or directory")
	}
	old := int64(0)
	if fi, err := os.Stat(real); err == nil {
		old = fi.Size()
	}
	if err := s.reserve(int64(len(data)) - old); err != nil {
		return err
	}
	return os.WriteFile(real, data, 0o600)
}

// change runs f with the write and state locks held (a program's change to
// the host) and saves the state after it.
func (s *Server) change(f func() error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := f(); err != nil {
		return err
	}
	return s.saveLocked()
}
