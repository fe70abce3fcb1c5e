package virtualmintest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// profileSim is a simulator of one profile with helpers for the table below.
type profileSim struct {
	t *testing.T
	s *Server
	c *http.Client
}

func newProfileSim(t *testing.T, p Profile) *profileSim {
	s, c := newTestServer(t, WithProfile(p))
	return &profileSim{t: t, s: s, c: c}
}

// run calls a program with name/value pairs (JSON answers).
func (p *profileSim) run(program string, kv ...string) jsonBody {
	p.t.Helper()
	return decode(p.t, post(p.t, p.c, p.s, "admin", "secret", append([]string{"program", program, "json", "1"}, kv...)...))
}

// ok calls a program and fails the test unless it succeeds.
func (p *profileSim) ok(program string, kv ...string) jsonBody {
	p.t.Helper()
	r := p.run(program, kv...)
	if r.Status != "success" {
		p.t.Fatalf("%s %v: %s", program, kv, r.FullError)
	}
	return r
}

// domain returns list-domains' values of one domain.
func (p *profileSim) domain(name string) map[string][]string {
	p.t.Helper()
	r := p.ok("list-domains", "domain", name, "multiline", "")
	return r.Data[0].Values
}

func (p *profileSim) value(name, key string) string {
	p.t.Helper()
	return strings.Join(p.domain(name)[key], ",")
}

// createWeb makes s1-stock.test as recording 04 does: six features, no ssl.
func (p *profileSim) createWeb(name string, extra ...string) {
	p.t.Helper()
	p.ok("create-domain", append([]string{"domain", name, "pass", "Owner-Pass-1", "desc", "x", "unix", "", "dir", "", "web", "",
		"dns", "", "mail", "", "mysql", ""}, extra...)...)
}

// TestProfileDifferences checks each difference recorded between the
// installer-configured server (stock recordings) and the old recordings'
// server (docs/virtualmin-api.md): every case runs on both profiles and states what each
// answers, as recorded.
func TestProfileDifferences(t *testing.T) {
	type answer struct{ stock, minimal string }
	cases := []struct {
		name string
		// probe runs the calls on a fresh simulator and returns the value
		// compared.
		probe func(p *profileSim) string
		want  answer
	}{
		{"1 features added without being asked (04, 05)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			return p.value("s1-stock.test", "features")
		}, answer{"unix dir dns mail web ssl logrotate mysql", "unix dir dns mail web mysql"}},
		{"1 ssl and logrotate asked for (06)", func(p *profileSim) string {
			r := p.run("create-domain", "domain", "s2-stock.test", "pass", "P-ass-2", "unix", "", "dir", "", "web", "", "ssl", "", "logrotate", "")
			if r.Status != "success" {
				return r.Error
			}
			return p.value("s2-stock.test", "features")
		}, answer{"unix dir web ssl logrotate", "The --ssl option cannot be used unless the feature is enabled in the module configuration"}},
		{"1 nothing added without a website (07, 08)", func(p *profileSim) string {
			p.ok("create-domain", "domain", "s3-stock.test", "pass", "P-ass-3", "unix", "", "dir", "")
			return p.value("s3-stock.test", "features")
		}, answer{"unix dir", "unix dir"}},
		{"1 allowed_features are the features asked for (05)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			return p.value("s1-stock.test", "allowed_features")
		}, answer{"unix dir dns mail web mysql", "unix dir dns mail web mysql"}},
		{"2 a new website's PHP mode and version (05)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			d := p.domain("s1-stock.test")
			return strings.Join([]string{d["php_execution_mode"][0], strings.Join(d["php_version"], ""), d["php_max_execution_time"][0],
				strings.Join(d["php_error_log"], "")}, "|")
		}, answer{"fpm|8.2|Unlimited|/home/s1-stock/logs/php_log", "none||Unlimited|"}},
		{"2 list-php-versions of a new domain (20)", func(p *profileSim) string {
			p.s.SetPHPInstalled(true)
			p.createWeb("s2-stock.test")
			r := p.ok("list-php-versions", "domain", "s2-stock.test", "multiline", "")
			return strings.Join(names(r), " ")
		}, answer{"8.2", ""}},
		{"2 php-version on a new domain without a mode change (21)", func(p *profileSim) string {
			p.s.SetPHPInstalled(true)
			p.createWeb("s2-stock.test")
			r := p.run("modify-web", "domain", "s2-stock.test", "php-version", "8.2")
			return r.Status + " " + firstLine(r.Output+r.FullError)
		}, answer{"success Updating server s2-stock.test ..", "failure Only the following PHP version are available for s2-stock.test : "}},
		{"2 the command of a PHP version (19)", func(p *profileSim) string {
			p.s.SetPHPInstalled(true)
			return p.ok("list-php-versions", "multiline", "").Data[0].Values["command"][0]
		}, answer{"/bin/php8.2", "/bin/php-cgi8.2"}},
		{"3 get-ssl of a new web domain (22)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			r := p.run("get-ssl", "domain", "s2-stock.test")
			if r.Status != "success" {
				return r.Error
			}
			var out []string
			for _, d := range r.Data {
				if d.Name == "cn" || d.Name == "alt" || d.Name == "size" || d.Name == "type" {
					out = append(out, d.Name+"="+d.Value)
				}
			}
			return strings.Join(out, " ")
		}, answer{"type=rsa size=4096 cn=*.s2-stock.test type=Self-signed alt=*.s2-stock.test alt=s2-stock.test alt=localhost alt=vm",
			"Virtual server s2-stock.test does not have an SSL cert"}},
		{"3 list-certs cert= of a new web domain (23)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			r := p.run("list-certs", "domain", "s2-stock.test", "cert", "", "multiline", "")
			if r.Status != "success" {
				return r.Error
			}
			return r.Data[0].Name + " " + r.Data[1].Name
		}, answer{"s2-stock.test -----BEGIN CERTIFICATE-----", "None of the specified virtual servers have an SSL cert"}},
		{"3 who serves a new domain's certificate (05)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			return p.value("s1-stock.test", "ssl_cert_used_by")
		}, answer{"webmin (s1-stock.test),postfix (s1-stock.test)", "webmin"}},
		{"3 a domain without a website keeps the bare webmin quirk (08)", func(p *profileSim) string {
			p.ok("create-domain", "domain", "s3-stock.test", "pass", "P-ass-3", "unix", "", "dir", "")
			return p.value("s3-stock.test", "ssl_cert_used_by") + " " + p.value("s3-stock.test", "ssl_cert_file")
		}, answer{"webmin ", "webmin "}},
		{"4 disable-feature ssl keeps the certificate (09, 10)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			before := p.value("s1-stock.test", "ssl_cert_expiry")
			r := p.run("disable-feature", "domain", "s1-stock.test", "ssl", "")
			if r.Status != "success" {
				return r.Error
			}
			d := p.domain("s1-stock.test")
			return strings.Join(d["features"], "") + " kept=" + yesNo(before != "" && d["ssl_cert_expiry"][0] == before)
		}, answer{"unix dir dns mail web logrotate mysql kept=Yes", "The --ssl option cannot be used unless the feature is enabled in the module configuration"}},
		{"4 enable-feature ssl makes no new certificate (13, 14)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			if r := p.run("disable-feature", "domain", "s1-stock.test", "ssl", ""); r.Status != "success" {
				return r.Error
			}
			p.ok("modify-domain", "domain", "s1-stock.test", "desc", "Stock one, ssl off")
			if f := p.value("s1-stock.test", "features"); strings.Contains(f, "ssl") {
				return "modify-domain added ssl back: " + f
			}
			r := p.ok("enable-feature", "domain", "s1-stock.test", "ssl", "")
			return yesNo(strings.Contains(r.Output, "Creating SSL certificate")) + " " + p.value("s1-stock.test", "features")
		}, answer{"No unix dir dns mail web ssl logrotate mysql", "The --ssl option cannot be used unless the feature is enabled in the module configuration"}},
		{"5 a sub-server's features and certificate (24, 26)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			p.ok("create-domain", "domain", "sub.s1-stock.test", "parent", "s1-stock.test", "dir", "", "web", "", "dns", "", "mail", "", "mysql", "")
			d := p.domain("sub.s1-stock.test")
			return strings.Join([]string{d["features"][0], strings.Join(d["php_execution_mode"], ""), strings.Join(d["ssl_shared_with"], ""),
				strings.Join(d["databases_count"], "")}, "|")
		}, answer{"dir dns mail web ssl logrotate mysql|fpm|s1-stock.test|1", "dir dns mail web mysql|none||1"}},
		{"5 an alias's features (25, 26)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			p.ok("create-domain", "domain", "s1-alias-stock.test", "alias", "s1-stock.test", "web", "", "dns", "", "mail", "")
			d := p.domain("s1-alias-stock.test")
			return d["features"][0] + " redirect=" + strings.Join(d["redirect_alias_domain"], "")
		}, answer{"dns mail web redirect=", "dns mail web redirect=Yes"}},
		{"6 a mailbox's Unix name (17, 18)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			r := p.ok("create-user", "domain", "s1-stock.test", "user", "alice", "pass", "Alice-Pass-5")
			return r.Output
		}, answer{"User alice@s1-stock.test created successfully\n", "User alice.s1-stock created successfully\n"}},
		{"6 default user, database and contact (04, 05, 08)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			p.ok("create-domain", "domain", "s3-stock.test", "pass", "P-ass-3", "unix", "", "dir", "")
			return p.value("s1-stock.test", "username") + " " + strings.Join(names(p.ok("list-databases", "domain", "s1-stock.test", "multiline", "")), "") +
				" " + p.value("s1-stock.test", "contact_email") + " " + p.value("s3-stock.test", "contact_email")
		}, answer{"s1-stock s1_stock s1-stock@s1-stock.test s3-stock@vm", "s1-stock s1_stock s1-stock@s1-stock.test s3-stock@vm"}},
		{"6 an IDN domain (15, 16)", func(p *profileSim) string {
			r := p.ok("create-domain", "domain", "xn--bcher-stock-thb.test", "pass", "P-ass-4", "unix", "", "dir", "", "web", "", "dns", "", "mysql", "")
			d := p.domain("xn--bcher-stock-thb.test")
			return d["username"][0] + " " + d["international_domain_name"][0] + " " +
				strings.Join(names(p.ok("list-databases", "domain", "xn--bcher-stock-thb.test", "multiline", "")), "") + " " +
				yesNo(strings.Contains(r.Output, "Re-starting DNS server for bücher-stock.test"))
		}, answer{"bcher-stock-thb bücher-stock.test bcher_stock_thb Yes", "bcher-stock-thb bücher-stock.test bcher_stock_thb Yes"}},
		{"6 a user name taken gives the whole domain (issue 10)", func(p *profileSim) string {
			p.ok("create-domain", "domain", "same-hv.test", "pass", "P-ass-6", "unix", "", "dir", "", "mysql", "")
			p.ok("create-domain", "domain", "same-hv.org", "pass", "P-ass-7", "unix", "", "dir", "", "mysql", "")
			return p.value("same-hv.test", "home_directory") + " " + p.value("same-hv.org", "username") + " " +
				p.value("same-hv.org", "home_directory") + " " + strings.Join(names(p.ok("list-databases", "domain", "same-hv.org", "multiline", "")), "")
		}, answer{"/home/same-hv same-hv.org /home/same-hv.org same_hv_org", "/home/same-hv same-hv.org /home/same-hv.org same_hv_org"}},
		{"7 a missing parent (27)", func(p *profileSim) string {
			return p.run("create-domain", "domain", "orphan-stock.test", "parent", "ghost.test", "dir", "", "web", "").Error
		}, answer{"Parent domain does not exist", "Parent domain does not exist"}},
		{"7 a missing parent filter (28)", func(p *profileSim) string {
			return p.run("list-domains", "parent", "ghost.test", "multiline", "").Error
		}, answer{"No parent named ghost.test found", "No parent named ghost.test found"}},
		{"7 disable-feature dir under a website (29)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			return p.run("disable-feature", "domain", "s1-stock.test", "dir", "").FullError
		}, answer{"Updating server s1-stock.test ..\n.. dependency checks failed : A domain cannot have an administration user without a home directory\n\n",
			"Updating server s1-stock.test ..\n.. dependency checks failed : A domain cannot have an administration user without a home directory\n\n"}},
		{"7 transfer-domain without arguments and without a password (31, 32)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			return p.run("transfer-domain").Error + " | " + p.run("transfer-domain", "domain", "s2-stock.test", "host", "127.0.0.1", "webmin", "").Error
		}, answer{"No domain to move specified | Failed to contact Virtualmin on destination system : Webmin failed : .. login to RPC server as root rejected",
			"No domain to move specified | Failed to contact Virtualmin on destination system : Webmin failed : .. login to RPC server as root rejected"}},
		{"7 the Let's Encrypt resolvability check of each build (issue 10; old 269)", func(p *profileSim) string {
			p.createWeb("s1-stock.test")
			return p.run("generate-letsencrypt-cert", "domain", "s1-stock.test").FullError
		}, answer{"Checking hostnames for resolvability ..\n.. none of the hostnames could be resolved!\n\n",
			"Checking certificate names for resolvability ..\n.. none of the certificate names could be resolved!\n\n"}},
		{"8 list-domains while MariaDB is down (30)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			p.s.SetMySQLDown(true)
			r := p.run("list-domains", "domain", "s2-stock.test", "multiline", "")
			return r.Status + " " + normText(r.Error)
		}, answer{"failure s2-stock.test", "failure [TS] [127.0.0.1] Failed to get MySQL/MariaDB version for user size map : Failed to get version"}},
		{"9 backup and restore (34-37)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			before := p.domain("s2-stock.test")
			b := p.ok("backup-domain", "domain", "s2-stock.test", "dest", "/tmp/stock-s2.tar.gz", "all-features", "")
			p.ok("delete-domain", "domain", "s2-stock.test")
			r := p.ok("restore-domain", "source", "/tmp/stock-s2.tar.gz", "domain", "s2-stock.test", "all-features", "")
			after := p.domain("s2-stock.test")
			same := before["id"][0] == after["id"][0] && before["features"][0] == after["features"][0] &&
				strings.Join(before["ssl_cert_expiry"], "") == strings.Join(after["ssl_cert_expiry"], "")
			return yesNo(strings.Contains(b.Output, "Copying SSL Apache virtual host configuration and certificate")) + " " +
				yesNo(strings.Contains(r.Output, ".. mode FPM works for this system")) + " kept=" + yesNo(same)
		}, answer{"Yes Yes kept=Yes", "No No kept=Yes"}},
		{"10 the external IPv4 warning on create (04)", func(p *profileSim) string {
			r := p.ok("create-domain", "domain", "s3-stock.test", "pass", "P-ass-3", "unix", "", "dir", "")
			return yesNo(strings.Contains(r.Output, "Failed to work out externally visible IPv4 address"))
		}, answer{"No", "Yes"}},
		{"10 check-config's feature lines (03)", func(p *profileSim) string {
			r := p.ok("check-config")
			var out []string
			for _, l := range []string{"Apache is configured to host SSL websites", "Logrotate is installed", "Using network interface lo",
				"Chroot jails are not available"} {
				out = append(out, yesNo(strings.Contains(r.Output, l)))
			}
			return strings.Join(out, " ")
		}, answer{"Yes Yes Yes No", "No No No Yes"}},
		{"10 delete-domain of a website with a certificate (35)", func(p *profileSim) string {
			p.createWeb("s2-stock.test")
			r := p.ok("delete-domain", "domain", "s2-stock.test")
			var out []string
			for _, l := range []string{"Disabling log file rotation", "Deleting SSL virtual website", "Restarting mail server", "Restarting PHP-FPM 8.2 server"} {
				out = append(out, yesNo(strings.Contains(r.Output, l)))
			}
			return strings.Join(out, " ")
		}, answer{"Yes Yes Yes Yes", "No No No No"}},
		{"11 an empty server lists nothing (02, 42)", func(p *profileSim) string {
			return yesNo(len(p.ok("list-domains", "multiline", "").Data) == 0)
		}, answer{"Yes", "Yes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, prof := range []Profile{StockProfile(), MinimalProfile()} {
				want := tc.want.stock
				if prof.Name == "minimal" {
					want = tc.want.minimal
				}
				if got := tc.probe(newProfileSim(t, prof)); got != want {
					t.Errorf("%s profile:\n got %q\nwant %q", prof.Name, got, want)
				}
			}
		})
	}
}

// names are the object names of a data answer.
func names(r jsonBody) []string {
	var out []string
	for _, d := range r.Data {
		out = append(out, d.Name)
	}
	return out
}

func TestProfileSet(t *testing.T) {
	p := StockProfile()
	for _, s := range []string{"ssl=off", "logrotate=2", "postgres=automatic", "php_mode=none", "append_style=0", "quotas=true", "build=master"} {
		if err := p.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
	}
	if p.mode("ssl") != FeatureOff || p.mode("logrotate") != FeatureAvailable || p.mode("postgres") != FeatureAutomatic ||
		p.PHPMode != "none" || p.AppendStyle != 0 || !p.Quotas || p.Build != "master" {
		t.Fatalf("settings not applied: %s", p)
	}
	if StockProfile().mode("ssl") != FeatureAutomatic {
		t.Fatal("Set changed the stock profile itself")
	}
	for _, bad := range []string{"ssl", "ssl=maybe", "unix=off", "append_style=3", "colour=blue", "quotas=perhaps"} {
		if err := p.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if _, err := ProfileNamed("nope"); err == nil || !strings.Contains(err.Error(), "stock, minimal") {
		t.Errorf("ProfileNamed(nope): %v", err)
	}
}

func TestQuotasOn(t *testing.T) {
	p := StockProfile()
	p.Quotas = true
	sim := newProfileSim(t, p)
	sim.ok("create-domain", "domain", "q.test", "pass", "P-ass-8", "unix", "", "dir", "", "quota", "1048576", "uquota", "1048576")
	if got := sim.value("q.test", "server_block_quota"); got != "1048576" {
		t.Fatalf("server_block_quota %q", got)
	}
	sim.ok("modify-domain", "domain", "q.test", "quota", "2048", "uquota", "2048")
	if got := sim.value("q.test", "server_quota"); got != "2 MiB" {
		t.Fatalf("server_quota after modify %q", got)
	}
	sim.ok("create-user", "domain", "q.test", "user", "bob", "pass", "Bob-Pass-9", "quota", "1024")
	sim.ok("modify-user", "domain", "q.test", "user", "bob", "quota", "4096")
	u := sim.ok("list-users", "domain", "q.test", "multiline", "")
	if got := u.Data[0].Values["home_block_quota"]; !slices.Equal(got, []string{"4096"}) {
		t.Fatalf("home_block_quota %v", got)
	}
	// Off (both recorded servers), the quota is not kept.
	off := newProfileSim(t, StockProfile())
	off.ok("create-domain", "domain", "q.test", "pass", "P-ass-8", "unix", "", "dir", "", "quota", "1048576", "uquota", "1048576")
	if got := off.domain("q.test")["server_block_quota"]; got != nil {
		t.Fatalf("quotas off: server_block_quota %v", got)
	}
}
