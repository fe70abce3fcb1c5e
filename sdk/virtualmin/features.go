package virtualmin

import "context"

// EnableFeatures turns features on for an existing virtual server
// (enable-feature --domain name --web --mail ...). Feature names are
// Virtualmin's or a plugin's (see ValidateFeatureName); any other name is
// refused before sending. Virtualmin enables them in its own order, so a
// feature and the one it depends on (web needs dir) may be given together.
//
// Like create-domain, enable-feature reports success when one feature's set-up
// failed (mysql while MariaDB is down), so callers that need the feature read
// the domain back (Get) and check its Features. A dependency or clash that
// stops the change fails with KindFailed and Virtualmin's reason.
func (s *DomainsService) EnableFeatures(ctx context.Context, name string, features ...string) error {
	return s.features(ctx, "enable-feature", name, features)
}

// DisableFeatures turns features off for an existing virtual server
// (disable-feature). It deletes what the features held (the website's
// files stay in the home directory, but a disabled mysql drops the
// databases, a disabled mail the mailboxes' mail setup): Virtualmin does not
// ask for confirmation. It fails with KindFailed when another feature still
// needs one of them, or an alias server uses it.
func (s *DomainsService) DisableFeatures(ctx context.Context, name string, features ...string) error {
	return s.features(ctx, "disable-feature", name, features)
}

func (s *DomainsService) features(ctx context.Context, program, name string, features []string) error {
	if len(features) == 0 {
		return (*service)(s).withServer(invalid("features", "no features given"), program)
	}
	var p params
	for _, f := range features {
		if err := ValidateFeatureName(f); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.flag(f, true)
	}
	return s.simple(ctx, program, name, p)
}

// Feature is a feature a server can give its domains (list-features).
type Feature struct {
	// Name is the feature's flag: unix, dir, dns, mail, web, ssl,
	// logrotate, mysql, postgres, spam, virus, webalizer, webmin, or a
	// plugin's name.
	Name        string
	Description string
	// Automatic: the server switches it on for every new domain that can
	// have it, asked for or not (ssl and logrotate for each domain with a
	// website, as Virtualmin's installer configures it).
	Automatic bool
	// Default: on for a domain created with the default features.
	Default bool
	// Plugin: a plugin module's feature, not a core one.
	Plugin bool
}

// Features lists the features the server's module configuration enables
// (list-features): a feature it does not list cannot be asked for in
// create-domain or enable-feature ("The --ssl option cannot be used unless
// the feature is enabled in the module configuration"). A feature the
// program reports as not enabled is left out.
func (s *SystemService) Features(ctx context.Context) ([]Feature, error) {
	resp, err := (*service)(s).run(ctx, &call{program: "list-features", kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]Feature, 0, len(resp.Data))
	for _, it := range resp.Data {
		v := vals(it.Values)
		if it.Name == "" || (v.str("enabled") != "" && !v.yes("enabled")) {
			continue
		}
		out = append(out, Feature{Name: it.Name, Description: v.str("description"), Automatic: v.yes("automatic"),
			Default: v.yes("default"), Plugin: v.str("source") == "Plugin"})
	}
	return out, nil
}
