package virtualmintest

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// FeatureMode is how Virtualmin's module configuration sets up a feature
// (the values 0-3 of its ssl=, logrotate=, ... settings).
type FeatureMode int

const (
	// FeatureOff (0): the feature is disabled; its flag is refused with "The
	// --ssl option cannot be used unless the feature is enabled in the
	// module configuration".
	FeatureOff FeatureMode = iota
	// FeatureAvailable (2): a domain may have it, none gets it by default.
	FeatureAvailable
	// FeatureDefault (1): on for new domains created with
	// --default-features.
	FeatureDefault
	// FeatureAutomatic (3): switched on for every new domain that can have
	// it, whether asked for or not (ssl and logrotate for each domain with a
	// website on an installer-configured server).
	FeatureAutomatic
)

var featureModeNames = map[FeatureMode]string{FeatureOff: "off", FeatureAvailable: "available",
	FeatureDefault: "default", FeatureAutomatic: "automatic"}

// String names the mode as Profile.Set takes it ("automatic").
func (m FeatureMode) String() string {
	if s, ok := featureModeNames[m]; ok {
		return s
	}
	return "FeatureMode(" + strconv.Itoa(int(m)) + ")"
}

// parseFeatureMode reads a mode by name or by Virtualmin's number.
func parseFeatureMode(s string) (FeatureMode, error) {
	switch strings.ToLower(s) {
	case "off", "0":
		return FeatureOff, nil
	case "available", "2":
		return FeatureAvailable, nil
	case "default", "on", "1":
		return FeatureDefault, nil
	case "automatic", "auto", "3":
		return FeatureAutomatic, nil
	}
	return 0, fmt.Errorf("feature mode %q: want off, available, default or automatic (or Virtualmin's 0, 2, 1, 3)", s)
}

// Features are the core features the simulator knows, in Virtualmin's order
// (@opt_features of virtual-server-lib.pl, without ftp and status).
var allFeatures = []string{"unix", "dir", "dns", "mail", "web", "webalizer", "ssl", "logrotate", "mysql", "postgres", "spam", "virus", "webmin"}

// vitalFeatures cannot be switched off in the module configuration.
var vitalFeatures = []string{"unix", "dir"}

// featureDeps: a feature needs the ones listed in the same domain
// (feature_depends of each feature-*.pl). Sub-servers have no unix of their
// own, so unix is only checked on top-level servers.
var featureDeps = map[string][]string{
	"dir": {"unix"}, "web": {"dir"}, "mail": {"dir"}, "mysql": {"unix"}, "postgres": {"unix"}, "webmin": {"unix"},
	"ssl": {"web"}, "logrotate": {"web"}, "webalizer": {"web"}, "spam": {"mail"}, "virus": {"mail"},
}

// aliasFeatures are the features an alias domain can have.
var aliasFeatures = []string{"dir", "dns", "mail", "web"}

// Profile is the configuration of one simulated server: Virtualmin's module
// configuration (which features exist and which are switched on by
// themselves, the PHP mode of new websites, how mailbox users are named,
// quotas), the Virtualmin build (a few wordings changed between releases) and
// the host (PHP installed, the IP address settings). docs/virtualmin-api.md
// lists what each setting changes, as recorded on real servers.
//
// StockProfile is what Virtualmin's installer sets up, the usual case;
// MinimalProfile is the server of the first recordings. Start from one of
// them and change fields (or call Set) to model another server.
type Profile struct {
	// Name names the profile in messages ("stock", "minimal").
	Name string
	// Features maps every feature of allFeatures to its mode.
	Features map[string]FeatureMode
	// PHPMode is the PHP execution mode a new website starts in
	// (php_suexec): "fpm" or "none".
	PHPMode string
	// PHP: PHP 8.2 with FPM is installed on the host (list-php-versions
	// lists it, mode fpm works). Without it only mode none exists.
	PHP bool
	// PHPCGI: php-cgi is installed too; list-php-versions names it as a
	// version's command.
	PHPCGI bool
	// AppendStyle builds a mailbox's Unix user name (append_style): 0 gives
	// user.owner ("bob.alpha"), 6 user@domain ("bob@alpha.test").
	AppendStyle int
	// Quotas: home and mail quotas are on; off, --quota is accepted and
	// ignored and no quota shows in listings.
	Quotas bool
	// Build is the Virtualmin build: "8.1.0" (the release) or "master" (the
	// development build after it that the first recordings came from).
	Build string
	// DefaultIP: the default IPv4 address and interface are set in the
	// module configuration (defip, iface=lo); without them Virtualmin warns
	// "Failed to work out externally visible IPv4 address" on every create.
	DefaultIP bool
	// Jailkit: check-config finds no Jailkit and says chroot jails are not
	// available (false: jailkit_disabled=1, silent).
	Jailkit bool
	// ApacheDefaultSite: Apache has a default website of its own, first for
	// every IP address (an installer-configured host), so no virtual server
	// is the default website for its IP; without it the oldest virtual
	// server with a website is ("Default website for IP: Yes").
	ApacheDefaultSite bool
	// Chroot: the host is a bare chroot like the second server of the
	// recorded moves: it has no file command and cannot find the mount
	// point of home directories, so restores print "sh: 1: file: not
	// found" and list-domains multiline and restores print "Failed to find
	// mount point for <home>" amid their output (remote.cgi then splits a
	// domain's listing in two).
	Chroot bool
}

// StockProfile is a server set up by Virtualmin's installer (the
// Virtualmin-Config "LAMP" bundle) on Debian 12 with Virtualmin 8.1.0: ssl
// and logrotate are switched on for every domain with a website, new
// websites run PHP-FPM 8.2, mailbox users are named user@domain, quotas are
// off. It is the default.
func StockProfile() Profile {
	return Profile{
		Name: "stock",
		Features: map[string]FeatureMode{
			"unix": FeatureDefault, "dir": FeatureDefault, "dns": FeatureDefault, "mail": FeatureDefault,
			"web": FeatureDefault, "webalizer": FeatureOff, "ssl": FeatureAutomatic, "logrotate": FeatureAutomatic,
			"mysql": FeatureDefault, "postgres": FeatureOff, "spam": FeatureOff, "virus": FeatureOff, "webmin": FeatureDefault,
		},
		PHPMode: "fpm", PHP: true, AppendStyle: 6, Build: "8.1.0", DefaultIP: true, ApacheDefaultSite: true,
	}
}

// MinimalProfile is the server the first recordings came from: ssl,
// logrotate, postgres, spam, virus and webalizer off in the module
// configuration, new websites in PHP mode none, PHP not installed until a
// test installs it (SetPHPInstalled), mailbox users named user.owner, quotas
// off, no default IPv4 address set, a Virtualmin build after 8.1.0.
func MinimalProfile() Profile {
	return Profile{
		Name: "minimal",
		Features: map[string]FeatureMode{
			"unix": FeatureDefault, "dir": FeatureDefault, "dns": FeatureDefault, "mail": FeatureDefault,
			"web": FeatureDefault, "webalizer": FeatureOff, "ssl": FeatureOff, "logrotate": FeatureOff,
			"mysql": FeatureDefault, "postgres": FeatureOff, "spam": FeatureOff, "virus": FeatureOff, "webmin": FeatureDefault,
		},
		PHPMode: "none", PHPCGI: true, AppendStyle: 0, Build: "master", Jailkit: true, ApacheDefaultSite: true,
	}
}

// ProfileNames lists the named profiles.
func ProfileNames() []string { return []string{"stock", "minimal"} }

// ProfileNamed returns the named profile.
func ProfileNamed(name string) (Profile, error) {
	switch name {
	case "stock":
		return StockProfile(), nil
	case "minimal":
		return MinimalProfile(), nil
	}
	return Profile{}, fmt.Errorf("unknown profile %q: want one of %s", name, strings.Join(ProfileNames(), ", "))
}

// Set changes one setting from "name=value", as tools/virtualmin-sim's --set
// takes it: a feature (ssl=off, logrotate=automatic, postgres=available;
// Virtualmin's numbers 0-3 work too), php_mode=fpm|none, php=true|false,
// php_cgi=true|false, append_style=0|6, quotas=true|false,
// build=8.1.0|master, default_ip=true|false, jailkit=true|false,
// apache_default_site=true|false, chroot=true|false.
func (p *Profile) Set(setting string) error {
	name, value, ok := strings.Cut(setting, "=")
	if !ok {
		return fmt.Errorf("setting %q: want name=value", setting)
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("setting %s: %q is not true or false", name, value)
		}
		*dst = b
		return nil
	}
	switch {
	case slices.Contains(allFeatures, name):
		m, err := parseFeatureMode(value)
		if err != nil {
			return fmt.Errorf("setting %s: %w", name, err)
		}
		if m == FeatureOff && slices.Contains(vitalFeatures, name) {
			return fmt.Errorf("setting %s: %s cannot be switched off in Virtualmin", name, name)
		}
		p.Features = maps(p.Features)
		p.Features[name] = m
		return nil
	case name == "php_mode":
		if value != "fpm" && value != "none" {
			return fmt.Errorf("setting php_mode: %q: want fpm or none", value)
		}
		p.PHPMode = value
		return nil
	case name == "php":
		return boolean(&p.PHP)
	case name == "php_cgi":
		return boolean(&p.PHPCGI)
	case name == "append_style":
		if value != "0" && value != "6" {
			return fmt.Errorf("setting append_style: %q: the simulator models 0 (user.owner) and 6 (user@domain)", value)
		}
		p.AppendStyle, _ = strconv.Atoi(value)
		return nil
	case name == "quotas":
		return boolean(&p.Quotas)
	case name == "build":
		if value != "8.1.0" && value != "master" {
			return fmt.Errorf("setting build: %q: want 8.1.0 or master", value)
		}
		p.Build = value
		return nil
	case name == "default_ip":
		return boolean(&p.DefaultIP)
	case name == "jailkit":
		return boolean(&p.Jailkit)
	case name == "chroot":
		return boolean(&p.Chroot)
	case name == "apache_default_site":
		return boolean(&p.ApacheDefaultSite)
	}
	known := append(slices.Clone(allFeatures), "php_mode", "php", "php_cgi", "append_style", "quotas", "build", "default_ip", "jailkit",
		"apache_default_site", "chroot")
	return fmt.Errorf("unknown setting %q: want one of %s", name, strings.Join(known, ", "))
}

// maps copies a feature map so a changed profile never alters another's.
func maps(m map[string]FeatureMode) map[string]FeatureMode {
	out := make(map[string]FeatureMode, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// String lists the settings, for the command's start-up line.
func (p Profile) String() string {
	var fs []string
	for _, f := range allFeatures {
		fs = append(fs, f+"="+p.mode(f).String())
	}
	sort.Strings(fs)
	return fmt.Sprintf("%s (build %s; %s; php_mode=%s php=%t append_style=%d quotas=%t default_ip=%t)",
		p.Name, p.Build, strings.Join(fs, " "), p.PHPMode, p.PHP, p.AppendStyle, p.Quotas, p.DefaultIP)
}

func (p Profile) mode(f string) FeatureMode { return p.Features[f] }

// enabled reports whether the module configuration has the feature at all.
func (p Profile) enabled(f string) bool { return p.mode(f) != FeatureOff }

// enabledFeatures lists the enabled features in Virtualmin's order.
func (p Profile) enabledFeatures() []string {
	var out []string
	for _, f := range allFeatures {
		if p.enabled(f) {
			out = append(out, f)
		}
	}
	return out
}

// isMaster: the development build the first recordings came from.
func (p Profile) isMaster() bool { return p.Build == "master" }

// WithProfile sets the configuration the simulator models (default
// StockProfile()).
func WithProfile(p Profile) Option {
	return func(c *config) { c.profile = p }
}
