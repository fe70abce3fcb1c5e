package virtualmin

import (
	"context"
	"strings"
)

// ListDomainsOptions filters list-domains. Every field is optional.
type ListDomainsOptions struct {
	// Domains limits the list to these names (repeated domain=). A name that
	// does not exist makes the whole call fail with KindNotFound.
	Domains []string
	// Parent lists the sub-servers and aliases under this domain.
	Parent string
	// AliasOf lists the alias domains of this domain.
	AliasOf string
	// User lists the domains owned by this Unix user.
	User string
	// TopLevel, SubServers: only top-level servers / only sub-servers.
	TopLevel   bool
	SubServers bool
	// Enabled, Disabled: only enabled / only disabled domains.
	Enabled  bool
	Disabled bool
	// WithFeature lists the domains that have this feature.
	WithFeature string
}

// List lists virtual servers (list-domains multiline). A nil opts lists all.
func (s *DomainsService) List(ctx context.Context, opts *ListDomainsOptions) ([]Domain, error) {
	const program = "list-domains"
	var p params
	if opts != nil {
		for _, d := range opts.Domains {
			name, err := ValidateDomainName(d)
			if err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("domain", name)
		}
		for _, f := range []struct {
			name, value string
		}{{"parent", opts.Parent}, {"alias", opts.AliasOf}} {
			if f.value == "" {
				continue
			}
			name, err := validateDomainField(f.name, f.value)
			if err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add(f.name, name)
		}
		if opts.User != "" {
			if err := ValidateUsername(opts.User); err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("user", opts.User)
		}
		p.flag("toplevel", opts.TopLevel)
		p.flag("subserver", opts.SubServers)
		p.flag("enabled", opts.Enabled)
		p.flag("disabled", opts.Disabled)
		if opts.WithFeature != "" {
			if err := validateLineField("with-feature", opts.WithFeature); err != nil {
				return nil, (*service)(s).withServer(err, program)
			}
			p.add("with-feature", opts.WithFeature)
		}
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	return decodeDomains(resp.Data), nil
}

// Get returns one virtual server; KindNotFound when it does not exist (or
// is not visible to the API user).
func (s *DomainsService) Get(ctx context.Context, name string) (*Domain, error) {
	ascii, err := ValidateDomainName(name)
	if err != nil {
		return nil, (*service)(s).withServer(err, "list-domains")
	}
	list, err := s.List(ctx, &ListDomainsOptions{Domains: []string{ascii}})
	if err != nil {
		return nil, err
	}
	for i := range list {
		if strings.EqualFold(list[i].Name, ascii) {
			return &list[i], nil
		}
	}
	return nil, (*service)(s).notFound("list-domains", "virtual server "+ascii)
}

// CreateDomainRequest describes a new virtual server (create-domain).
type CreateDomainRequest struct {
	// Domain is the new domain name; an IDN is converted to punycode.
	Domain string
	// Pass is the administration password; required for a top-level server,
	// not allowed for sub-servers and aliases.
	Pass string
	// Desc is the description.
	Desc string
	// Email is the contact address.
	Email string
	// User is the Unix user to create (top-level); Virtualmin derives one
	// from the domain name when empty.
	User string
	// Parent makes a sub-server of this domain.
	Parent string
	// Alias makes an alias domain of this domain.
	Alias string
	// Plan and Template are names or IDs.
	Plan     string
	Template string
	// LimitsFromPlan takes quotas and limits from the plan.
	LimitsFromPlan bool
	// Features to enable (unix, dir, web, dns, mail, mysql, webmin, ssl, ...),
	// sent as bare flags. Aliases allow only dir, mail, dns and web; sub-servers
	// do not take unix.
	Features []string
	// DefaultFeatures / FeaturesFromPlan replace Features.
	DefaultFeatures  bool
	FeaturesFromPlan bool
	// QuotaBlocks and UserQuotaBlocks are the server and owner quotas in
	// blocks; give both or neither (Virtualmin requires the pair). They have
	// no effect while the server has quotas disabled.
	QuotaBlocks     *Limit
	UserQuotaBlocks *Limit
	// BandwidthBytes is the monthly bandwidth limit.
	BandwidthBytes *int64
	// SkipWarnings creates the domain despite warnings (such as a clash).
	SkipWarnings bool
}

func (r *CreateDomainRequest) params() (string, params, error) {
	name, err := ValidateDomainName(r.Domain)
	if err != nil {
		return "", nil, err
	}
	var p params
	p.add("domain", name)
	if r.Parent != "" && r.Alias != "" {
		return "", nil, invalid("alias", "a domain is either a sub-server (parent) or an alias, not both")
	}
	// The order follows the recorded calls: domain, user, parent/alias,
	// pass, desc (remote.cgi keeps it; create-domain does not care).
	if r.User != "" {
		if err := ValidateUsername(r.User); err != nil {
			return "", nil, err
		}
		p.add("user", r.User)
	}
	if r.Parent != "" {
		parent, err := validateDomainField("parent", r.Parent)
		if err != nil {
			return "", nil, err
		}
		p.add("parent", parent)
	}
	if r.Alias != "" {
		alias, err := validateDomainField("alias", r.Alias)
		if err != nil {
			return "", nil, err
		}
		p.add("alias", alias)
	}
	topLevel := r.Parent == "" && r.Alias == ""
	switch {
	case topLevel && r.Pass == "":
		return "", nil, invalid("pass", "a top-level virtual server needs a password")
	case r.Pass != "":
		if err := ValidatePassword(r.Pass); err != nil {
			return "", nil, err
		}
		p.add("pass", r.Pass)
	}
	if err := validateTextField("desc", r.Desc); err != nil {
		return "", nil, err
	}
	p.add("desc", r.Desc)
	if err := validateTextField("email", r.Email); err != nil {
		return "", nil, err
	}
	p.add("email", r.Email)
	if r.Template != "" {
		if err := ValidateTemplateName(r.Template); err != nil {
			return "", nil, err
		}
		p.add("template", r.Template)
	}
	if r.Plan != "" {
		if err := ValidatePlanName(r.Plan); err != nil {
			return "", nil, err
		}
		p.add("plan", r.Plan)
	}
	p.flag("limits-from-plan", r.LimitsFromPlan)
	for _, f := range r.Features {
		if err := ValidateFeatureName(f); err != nil {
			return "", nil, err
		}
		p.flag(f, true)
	}
	p.flag("default-features", r.DefaultFeatures)
	p.flag("features-from-plan", r.FeaturesFromPlan)
	if topLevel && len(r.Features) == 0 && !r.DefaultFeatures && !r.FeaturesFromPlan {
		return "", nil, invalid("features", "no features given (Virtualmin refuses a server with none); set Features, DefaultFeatures or FeaturesFromPlan")
	}
	if (r.QuotaBlocks == nil) != (r.UserQuotaBlocks == nil) {
		return "", nil, invalid("quota", "give both the server quota and the user quota, or neither")
	}
	p.limit("quota", r.QuotaBlocks)
	p.limit("uquota", r.UserQuotaBlocks)
	if r.BandwidthBytes != nil {
		if *r.BandwidthBytes < 0 {
			return "", nil, invalid("bandwidth", "bandwidth limit is negative")
		}
		p.add("bandwidth", itoa(*r.BandwidthBytes))
	}
	p.flag("skip-warnings", r.SkipWarnings)
	return name, p, nil
}

// Create creates a virtual server, idempotently: if the domain exists before
// the call it returns a KindAlreadyExists error naming the server and the
// domain (it never adopts it); if the answer is lost (KindUnknownOutcome) it
// settles the outcome with the server (see lostCreate.settle: look-ups until
// the server answers, the create sent again under Virtualmin's lock when the
// domain is not there) and succeeds only if the domain then exists as
// requested. The settling is bounded by ctx.
//
// On success it returns the domain as the server reports it afterwards:
// compare Features with the request, because create-domain reports success
// even when a feature failed (for example mysql while MariaDB is down).
func (s *DomainsService) Create(ctx context.Context, req *CreateDomainRequest) (*Domain, error) {
	const program = "create-domain"
	if req == nil {
		return nil, (*service)(s).withServer(invalid("domain", "no request given"), program)
	}
	name, p, err := req.params()
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	return createOnce[Domain]{svc: (*service)(s), program: program, what: "virtual server " + name, params: p,
		lookup:  func(ctx context.Context) (*Domain, error) { return s.Get(ctx, name) },
		matches: req.matches,
		// create-domain also refuses for other reasons (a clashing Unix
		// user or group, for example); only this one means the domain exists.
		duplicate: func(err error) bool { return strings.Contains(reasonOf(err), "already hosting this domain") },
		partial:   func() *Domain { return &Domain{Name: name} },
	}.run(ctx)
}

// MissingFeatures returns the requested features the created domain lacks.
// create-domain reports success even when a feature failed (for example
// mysql while MariaDB is down, transcripts 341 and 346).
func (r *CreateDomainRequest) MissingFeatures(d *Domain) []string {
	var missing []string
	for _, f := range r.Features {
		if !d.HasFeature(f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// matches reports whether d is the domain req asked for (used only after a
// lost answer, to decide whether the create went through).
func (r *CreateDomainRequest) matches(d *Domain) bool {
	switch {
	case r.Parent != "":
		p, _ := validateDomainField("parent", r.Parent)
		if !strings.EqualFold(d.ParentDomain, p) {
			return false
		}
	case r.Alias != "":
		a, _ := validateDomainField("alias", r.Alias)
		if !strings.EqualFold(d.AliasOf, a) {
			return false
		}
	default:
		if d.Type != "" && d.Type != DomainTypeTopLevel {
			return false
		}
	}
	if r.User != "" && d.Username != r.User {
		return false
	}
	return true
}

// Delete deletes a virtual server with its sub-servers and aliases
// (delete-domain, no confirmation). KindNotFound when it does not exist. When
// the answer is lost (KindUnknownOutcome) it looks the domain up and succeeds
// if it is gone.
func (s *DomainsService) Delete(ctx context.Context, name string) error {
	err := s.simple(ctx, "delete-domain", name, nil)
	return resolveDeleted(ctx, err, func(ctx context.Context) error { _, err := s.Get(ctx, name); return err })
}

// Enable re-enables a disabled virtual server. Enabling one that is not
// disabled fails with KindFailed ("... is not disabled").
func (s *DomainsService) Enable(ctx context.Context, name string) error {
	return s.simple(ctx, "enable-domain", name, nil)
}

// Disable disables a virtual server; why (optional) is shown as the reason
// ("Manually (why)"). Disabling a disabled one fails with KindFailed
// ("... is already disabled").
func (s *DomainsService) Disable(ctx context.Context, name, why string) error {
	if err := validateTextField("why", why); err != nil {
		return (*service)(s).withServer(err, "disable-domain")
	}
	var p params
	p.add("why", why)
	return s.simple(ctx, "disable-domain", name, p)
}

// EnsureDisabled disables a virtual server unless it is disabled already
// (then it succeeds without changing the recorded reason).
func (s *DomainsService) EnsureDisabled(ctx context.Context, name, why string) error {
	err := s.Disable(ctx, name, why)
	if isKind(err, KindFailed) && strings.HasSuffix(strings.TrimSuffix(reasonOf(err), "."), "is already disabled") {
		return nil
	}
	return err
}

// EnsureEnabled enables a virtual server unless it is enabled already.
func (s *DomainsService) EnsureEnabled(ctx context.Context, name string) error {
	err := s.Enable(ctx, name)
	if isKind(err, KindFailed) && strings.HasSuffix(strings.TrimSuffix(reasonOf(err), "."), "is not disabled") {
		return nil
	}
	return err
}

func (s *DomainsService) simple(ctx context.Context, program, name string, extra params) error {
	ascii, err := ValidateDomainName(name)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", ascii)}
	p = append(p, extra...)
	_, err = (*service)(s).run(ctx, &call{program: program, params: p, kind: write})
	return err
}

// ModifyDomainRequest changes a virtual server (modify-domain). Empty or nil
// fields are left unchanged.
type ModifyDomainRequest struct {
	// Pass is the new administration password.
	Pass string
	// Desc is the new description (it cannot be set to empty through the CLI).
	Desc string
	// Email is the new contact address.
	Email string
	// QuotaBlocks / UserQuotaBlocks: server and owner quotas in blocks. They
	// succeed silently with no effect while quotas are disabled on the server.
	QuotaBlocks     *Limit
	UserQuotaBlocks *Limit
	// BandwidthBytes: the bandwidth limit; Unlimited sends NONE.
	BandwidthBytes *Limit
	// Plan moves the domain to this plan (name or ID); ApplyPlan also applies
	// the plan's limits.
	Plan      string
	ApplyPlan bool
}

// Modify changes a virtual server. KindNotFound when it does not exist.
func (s *DomainsService) Modify(ctx context.Context, name string, req *ModifyDomainRequest) error {
	const program = "modify-domain"
	if req == nil {
		return nil
	}
	var p params
	if req.Pass != "" {
		if err := ValidatePassword(req.Pass); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.add("pass", req.Pass)
	}
	for _, f := range []struct{ name, value string }{{"desc", req.Desc}, {"email", req.Email}} {
		if err := validateTextField(f.name, f.value); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.add(f.name, f.value)
	}
	p.limit("quota", req.QuotaBlocks)
	p.limit("uquota", req.UserQuotaBlocks)
	if req.BandwidthBytes != nil {
		if req.BandwidthBytes.Unlimited {
			p.add("bw", "NONE")
		} else {
			p.add("bw", itoa(req.BandwidthBytes.Value))
		}
	}
	if req.Plan != "" {
		if err := ValidatePlanName(req.Plan); err != nil {
			return (*service)(s).withServer(err, program)
		}
		if req.ApplyPlan {
			p.add("apply-plan", req.Plan)
		} else {
			p.add("plan", req.Plan)
		}
	}
	if len(p) == 0 {
		return nil
	}
	return s.simple(ctx, program, name, p)
}
