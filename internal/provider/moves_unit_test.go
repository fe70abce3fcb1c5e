package provider

import (
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// TestAccountTreeAndSummary: an account's tree holds its sub-servers, their
// aliases and its own aliases, not the other accounts; the summary counts
// them and the size, and takes longer with databases.
func TestAccountTreeAndSummary(t *testing.T) {
	size := int64(45 << 20)
	all := map[string]virtualmin.Domain{
		"shop.ro":       {Name: "shop.ro", ServerBytesUsed: &size, Features: []string{"web", "mysql"}},
		"blog.shop.ro":  {Name: "blog.shop.ro", ParentDomain: "shop.ro"},
		"store.ro":      {Name: "store.ro", AliasOf: "shop.ro"},
		"blog-alias.ro": {Name: "blog-alias.ro", AliasOf: "blog.shop.ro"},
		"other.ro":      {Name: "other.ro"},
	}
	tree := accountTree(all, "shop.ro")
	if len(tree) != 4 || tree[0].Name != "shop.ro" {
		t.Fatalf("tree = %v", tree)
	}
	what, duration := moveSummary(tree)
	if what != "the account and its 1 sub-server(s) and 2 alias domain(s), with the files (45 MiB), mail and databases" {
		t.Errorf("what = %q", what)
	}
	if duration != "3 min" {
		t.Errorf("duration = %q", duration)
	}
	if _, d := moveSummary(accountTree(all, "other.ro")); d != "20 s" {
		t.Errorf("small account without databases: %q", d)
	}
}

// TestBackupStoreURLs: the store's URL is read in Virtualmin's form, a
// destination in the store gets the password (one outside does not), and the
// ID is read from either form of the .dom file.
func TestBackupStoreURLs(t *testing.T) {
	user, host, dir, err := parseStoreURL("ssh://praho@vault.example.ro:2222:/srv/praho/")
	if err != nil || user != "praho" || host != "vault.example.ro:2222" || dir != "/srv/praho" {
		t.Fatalf("parse = %q %q %q %v", user, host, dir, err)
	}
	for _, bad := range []string{"/srv/praho", "ssh://vault:/srv", "ssh://praho:secret@vault:/srv", "ssh://praho@vault/srv", "ftp://praho@vault:/srv"} {
		if _, _, _, err := parseStoreURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s := &backupStore{User: "praho", Host: "vault.example.ro", Dir: "/srv/praho", Password: "Store-Pass-1"}
	if got := s.withPassword("ssh://praho@vault.example.ro:22:/srv/praho/shop.tar.gz"); got != "ssh://praho:Store-Pass-1@vault.example.ro:/srv/praho/shop.tar.gz" {
		t.Errorf("in the store: %q", got)
	}
	for _, other := range []string{"/var/backups/shop.tar.gz", "ssh://backup@vault.example.ro:/srv/praho/shop.tar.gz", "ssh://praho@elsewhere:/x.tar.gz"} {
		if got := s.withPassword(other); got != other {
			t.Errorf("%q became %q", other, got)
		}
	}
	if !strings.HasPrefix(s.movePath("shop.ro", "17962"), "/srv/praho/") {
		t.Errorf("move path %q is not in the store", s.movePath("shop.ro", "17962"))
	}
	for in, want := range map[string]string{`{"dom":"shop.ro","id":"179622636325750"}`: "179622636325750",
		"dom=shop.ro\nid=179622636325751\nuser=shop\n": "179622636325751", "garbage": ""} {
		if got := backupDomainID([]byte(in)); got != want {
			t.Errorf("backupDomainID(%q) = %q, want %q", in, got, want)
		}
	}
}
