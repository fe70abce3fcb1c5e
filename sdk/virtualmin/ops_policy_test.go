package virtualmin

import (
	"errors"
	"strings"
	"testing"
)

// A create whose answer is lost (the call times out after the request was
// sent) is settled with the server: here the look-up finds the domain, so the
// create is not sent again.
func TestCreateDomainUnknownOutcomeResolvedByLookup(t *testing.T) {
	r := newReplay(t,
		"10-list-domains-nonexistent-multiline-json.txt", // look-up before: absent
		"02-create-domain-ok.txt",                        // create-domain: the answer never comes
		"06-list-domains-json-multiline.txt",             // look-up after: there
	)
	r.hold = "create-domain"
	c := r.lostAnswerClient(t)
	d, err := c.Domains.Create(testContext(t), &CreateDomainRequest{Domain: "alpha.test", User: "alphauser", Pass: "AlphaPass123", Features: []string{"unix", "dir"}})
	if err != nil {
		t.Fatalf("want success after the look-up, got %v", err)
	}
	eq(t, "name", d.Name, "alpha.test")
	eq(t, "programs", programs(r), []string{"list-domains", "create-domain", "list-domains"})
}

// Not found after a lost answer is not final (the create may still be
// queued on the server): the create is sent again, which either makes the
// domain or, when the lost one ran after all, is refused as a duplicate
// under Virtualmin's domain-name lock. Both end with the domain found once.
func TestCreateDomainUnknownOutcomeAbsentSentAgain(t *testing.T) {
	for _, tc := range []struct {
		name, again string
	}{
		{"the lost create never ran", "02-create-domain-ok.txt"},
		{"the lost create ran late", "11-create-domain-duplicate-json.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplay(t,
				"10-list-domains-nonexistent-multiline-json.txt", // look-up before: absent
				"02-create-domain-ok.txt",                        // held: the answer is lost
				"10-list-domains-nonexistent-multiline-json.txt", // look-up after: not (yet) there
				tc.again,                             // sent again
				"06-list-domains-json-multiline.txt", // look-up: there
			)
			r.hold = "create-domain"
			c := r.lostAnswerClient(t)
			d, err := c.Domains.Create(testContext(t), &CreateDomainRequest{Domain: "alpha.test", User: "alphauser", Pass: "AlphaPass123", Features: []string{"unix"}})
			if err != nil {
				t.Fatalf("want the domain, got %v", err)
			}
			eq(t, "name", d.Name, "alpha.test")
			eq(t, "programs", programs(r), []string{"list-domains", "create-domain", "list-domains", "create-domain", "list-domains"})
		})
	}
}

// Found as something else (here: the look-up shows a top-level server where
// a sub-server was asked for) is someone else's domain: already exists, never
// adopted, and the create is not sent again.
func TestCreateDomainUnknownOutcomeDifferentObject(t *testing.T) {
	r := newReplay(t,
		"10-list-domains-nonexistent-multiline-json.txt",
		"27-create-domain-subserver-json.txt",
		"06-list-domains-json-multiline.txt",
	)
	r.hold = "create-domain"
	c := r.lostAnswerClient(t)
	_, err := c.Domains.Create(testContext(t), &CreateDomainRequest{Domain: "alpha.test", Parent: "other.test", Features: []string{"dir"}})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAlreadyExists || !strings.Contains(e.Reason, "not as requested") ||
		!strings.Contains(e.Reason, "virtual server alpha.test") {
		t.Fatalf("want already exists, not as requested, naming the domain; got %v", err)
	}
	eq(t, "programs", programs(r), []string{"list-domains", "create-domain", "list-domains"})
}

// A domain that exists before the call is never adopted: no create-domain is
// sent and the error names the server and the domain.
func TestCreateDomainExistingNotAdopted(t *testing.T) {
	r := newReplay(t, "06-list-domains-json-multiline.txt")
	c := r.client(t)
	_, err := c.Domains.Create(testContext(t), &CreateDomainRequest{Domain: "alpha.test", Pass: "AlphaPass123", Features: []string{"unix"}})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAlreadyExists {
		t.Fatalf("want already exists, got %v", err)
	}
	if !strings.Contains(e.Reason, "alpha.test") || !strings.Contains(e.Reason, c.Server()) || e.Server != c.Server() {
		t.Errorf("error does not name the domain and server: %v", e)
	}
	eq(t, "programs", programs(r), []string{"list-domains"})
}

func TestCreateUserAndDatabaseUnknownOutcome(t *testing.T) {
	t.Run("user", func(t *testing.T) {
		r := newReplay(t, "91-acl-domainowner-remote_api-list-users-json.txt", "202-create-user-quota-real-ftp-json.txt",
			"206-list-users-multiline-json.txt")
		r.hold = "create-user"
		c := r.lostAnswerClient(t)
		u, err := c.Users.Create(testContext(t), &CreateUserRequest{Domain: "gamma.test", User: "carol", Pass: "CarolPass123"})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "user", u.UnixUsername, "carol.gamma")
	})
	t.Run("user sent again, refused as a duplicate", func(t *testing.T) {
		r := newReplay(t, "91-acl-domainowner-remote_api-list-users-json.txt", "202-create-user-quota-real-ftp-json.txt",
			"91-acl-domainowner-remote_api-list-users-json.txt", "33-create-user-duplicate-json.txt",
			"206-list-users-multiline-json.txt")
		r.hold = "create-user"
		c := r.lostAnswerClient(t)
		u, err := c.Users.Create(testContext(t), &CreateUserRequest{Domain: "gamma.test", User: "carol", Pass: "CarolPass123"})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "user", u.UnixUsername, "carol.gamma")
		eq(t, "programs", programs(r), []string{"list-users", "create-user", "list-users", "create-user", "list-users"})
	})
	t.Run("database sent again", func(t *testing.T) {
		r := newReplay(t, "42-list-databases-before-multiline-json.txt", "215-create-database-mysql-ok-json.txt",
			"42-list-databases-before-multiline-json.txt", "215-create-database-mysql-ok-json.txt",
			"216-list-databases-multiline-json.txt")
		r.hold = "create-database"
		c := r.lostAnswerClient(t)
		db, err := c.Databases.Create(testContext(t), "gamma.test", "mysql", "gamma_app")
		if err != nil {
			t.Fatalf("want the database, got %v", err)
		}
		eq(t, "database", db.Name, "gamma_app")
		eq(t, "programs", programs(r), []string{"list-databases", "create-database", "list-databases", "create-database", "list-databases"})
	})
	t.Run("existing user", func(t *testing.T) {
		r := newReplay(t, "206-list-users-multiline-json.txt")
		c := r.client(t)
		_, err := c.Users.Create(testContext(t), &CreateUserRequest{Domain: "gamma.test", User: "dave", Pass: "DavePass123"})
		if !errors.Is(err, ErrAlreadyExists) {
			t.Fatalf("want already exists, got %v", err)
		}
		eq(t, "programs", programs(r), []string{"list-users"})
	})
}

// A delete whose answer is lost is resolved by a look-up: gone is success
// (the destroy does not fail for an object that is no longer there); still
// there keeps the unknown outcome, saying so.
func TestDeleteUnknownOutcomeResolvedByLookup(t *testing.T) {
	for _, tc := range []struct {
		name, held, lookup string
		del                func(*Client) error
		wantErr            bool
	}{
		{"domain gone", "delete-domain", "10-list-domains-nonexistent-multiline-json.txt",
			func(c *Client) error { return c.Domains.Delete(testContext(t), "alpha.test") }, false},
		{"domain still there", "delete-domain", "06-list-domains-json-multiline.txt",
			func(c *Client) error { return c.Domains.Delete(testContext(t), "alpha.test") }, true},
		{"user gone", "delete-user", "206-list-users-multiline-json.txt",
			func(c *Client) error { return c.Users.Delete(testContext(t), "gamma.test", "nobody") }, false},
		{"database gone", "delete-database", "42-list-databases-before-multiline-json.txt",
			func(c *Client) error { return c.Databases.Delete(testContext(t), "gamma.test", "mysql", "gamma_app") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplay(t, "02-create-domain-ok.txt", tc.lookup) // the held call takes the first, never sent
			r.hold = tc.held
			err := tc.del(r.lostAnswerClient(t))
			if tc.wantErr {
				var e *Error
				if !errors.As(err, &e) || e.Kind != KindUnknownOutcome || !strings.Contains(e.Reason, "still exists") {
					t.Fatalf("err = %v, want an unknown outcome saying the object still exists", err)
				}
			} else if err != nil {
				t.Fatalf("err = %v, want success: the look-up shows the object gone", err)
			}
			if got := programs(r); len(got) != 2 || got[0] != tc.held {
				t.Errorf("programs %v, want %s then its look-up", got, tc.held)
			}
		})
	}
}

func programs(r *replayServer) []string {
	var out []string
	for _, q := range r.requests() {
		out = append(out, q.program)
	}
	return out
}

// A quoted TXT value is sent unquoted (quotes would be stored doubled).
func TestDNSQuotedTXTSentUnquoted(t *testing.T) {
	r := newReplay(t, "223-modify-dns-add-TXT-unquoted-json.txt")
	c := r.client(t)
	if err := c.DNS.AddRecord(testContext(t), "gamma.test", DNSRecordSpec{Name: "txt1", Type: "txt", Values: []string{`"hello world"`}}); err != nil {
		t.Fatal(err)
	}
	eq(t, "params", r.requests()[0].params, []param{{name: "domain", value: "gamma.test"}, {name: "add-record", value: "txt1 TXT hello world"}})
}

// restore-domain reads its arguments in order: except-feature must follow
// all-features (282 shows the server refusing the other order).
func TestRestoreExceptFeatureAfterAllFeatures(t *testing.T) {
	r := newReplay(t, "283-restore-domain-ok-json.txt")
	c := r.client(t)
	if _, err := c.Backups.Restore(testContext(t), "/b/e.tar.gz", "epsilon.test", &BackupOptions{ExceptFeatures: []string{"mysql"}, SkipWarnings: true}); err != nil {
		t.Fatal(err)
	}
	eq(t, "params", r.requests()[0].params, []param{
		{name: "source", value: "/b/e.tar.gz"}, {name: "domain", value: "epsilon.test"},
		{name: "all-features"}, {name: "except-feature", value: "mysql"}, {name: "skip-warnings"}})
}

// Modify with nothing to change sends nothing (the server would still
// reload its configuration, 26).
func TestModifyNoChangeSendsNothing(t *testing.T) {
	r := newReplay(t)
	c := r.client(t)
	ctx := testContext(t)
	if err := c.Domains.Modify(ctx, "alpha.test", &ModifyDomainRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Users.Modify(ctx, "alpha.test", "bob", &ModifyUserRequest{}); err != nil {
		t.Fatal(err)
	}
	eq(t, "requests", len(r.requests()), 0)
}

// Inputs the client refuses before sending: each error names its field.
func TestClientSideValidation(t *testing.T) {
	r := newReplay(t)
	c := r.client(t)
	ctx := testContext(t)
	for field, err := range map[string]error{
		"features": func() error {
			_, err := c.Domains.Create(ctx, &CreateDomainRequest{Domain: "a.test", Pass: "p"})
			return err
		}(),
		"quota": func() error {
			_, err := c.Domains.Create(ctx, &CreateDomainRequest{Domain: "a.test", Pass: "p", Features: []string{"unix"}, QuotaBlocks: &Limit{Value: 1}})
			return err
		}(),
		"alias": func() error {
			_, err := c.Domains.Create(ctx, &CreateDomainRequest{Domain: "a.test", Parent: "b.test", Alias: "c.test"})
			return err
		}(),
		"desc":   c.Domains.Modify(ctx, "a.test", &ModifyDomainRequest{Desc: "two\nlines"}),
		"why":    c.Domains.Disable(ctx, "a.test", "x\ny"),
		"name":   c.Databases.Delete(ctx, "a.test", "mysql", "bad-name"),
		"type":   c.Databases.Delete(ctx, "a.test", "oracle", "x"),
		"mode":   c.PHP.SetMode(ctx, "a.test", "turbo"),
		"values": c.DNS.AddRecord(ctx, "a.test", DNSRecordSpec{Name: "x", Type: "A"}),
		"ttl":    c.DNS.UpdateRecord(ctx, "a.test", "x", "A", DNSRecordSpec{Name: "x", Type: "A", TTL: 5, Values: []string{"1.2.3.4"}}),
		"dest":   func() error { _, err := c.Backups.Backup(ctx, "a.test", "", nil); return err }(),
		"features2": func() error {
			_, err := c.Domains.Create(ctx, &CreateDomainRequest{Domain: "a.test", Pass: "p", Features: []string{"json"}})
			return err
		}(),
	} {
		want := strings.TrimSuffix(field, "2")
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalidInput || e.Field != want || e.Server != c.Server() || e.Program == "" {
			t.Errorf("%s: got %#v", field, err)
		}
	}
	eq(t, "requests", len(r.requests()), 0)
}

func TestMissingFeatures(t *testing.T) {
	req := &CreateDomainRequest{Features: []string{"unix", "dir", "mysql", "web"}}
	eq(t, "missing", req.MissingFeatures(&Domain{Features: []string{"unix", "dir", "dns", "mail", "web", "webmin"}}), []string{"mysql"})
	eq(t, "none", req.MissingFeatures(&Domain{Features: []string{"unix", "dir", "web", "mysql"}}), []string(nil))
}

func TestEnsureDisabledEnabledIdempotent(t *testing.T) {
	r := newReplay(t, "19-disable-domain-again-json.txt", "21-enable-domain-again-json.txt", "103-delete-domain-again-nonexistent-json.txt")
	r.anyProgram = true
	c := r.client(t)
	ctx := testContext(t)
	if err := c.Domains.EnsureDisabled(ctx, "alpha.test", "why"); err != nil {
		t.Errorf("EnsureDisabled on a disabled domain: %v", err)
	}
	if err := c.Domains.EnsureEnabled(ctx, "alpha.test"); err != nil {
		t.Errorf("EnsureEnabled on an enabled domain: %v", err)
	}
	// Other failures still surface.
	if err := c.Domains.EnsureEnabled(ctx, "alpha.test"); !errors.Is(err, ErrNotFound) {
		t.Errorf("EnsureEnabled on a missing domain: %v", err)
	}
}
