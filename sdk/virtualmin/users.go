package virtualmin

import (
	"context"
)

// List lists the mail/FTP users of a virtual server (list-users multiline).
// The domain owner is not included.
func (s *UsersService) List(ctx context.Context, domain string) ([]User, error) {
	return s.list(ctx, domain, "")
}

func (s *UsersService) list(ctx context.Context, domain, user string) ([]User, error) {
	const program = "list-users"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom)}
	p.add("user", user)
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodeUser(it))
	}
	return out, nil
}

// Get returns one user by its short name ("bob") or full Unix name
// ("bob.example"); KindNotFound when there is none.
func (s *UsersService) Get(ctx context.Context, domain, user string) (*User, error) {
	if err := ValidateUsername(user); err != nil {
		return nil, (*service)(s).withServer(err, "list-users")
	}
	list, err := s.list(ctx, domain, user)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Name == user || list[i].UnixUsername == user {
			return &list[i], nil
		}
	}
	return nil, (*service)(s).notFound("list-users", "user "+user+" in "+domain)
}

// CreateUserRequest describes a new mail/FTP user (create-user).
// create-user has no forwarding flag: set forwarding afterwards with Modify
// (AddForward).
type CreateUserRequest struct {
	// Domain is the virtual server.
	Domain string
	// User is the short name; Virtualmin may append the domain's suffix for
	// the Unix login ("bob" becomes "bob.example").
	User string
	// Pass is the password (required).
	Pass string
	// RealName is the user's full name.
	RealName string
	// QuotaBlocks is the home quota; silently ignored while quotas are off.
	QuotaBlocks *Limit
	// FTP gives FTP access (shell /bin/false instead of /dev/null).
	FTP bool
	// ExtraAddresses are further addresses delivered to this mailbox.
	ExtraAddresses []string
	// RecoveryEmail is the address for password recovery.
	RecoveryEmail string
	// NoEmail creates the user without a mailbox.
	NoEmail bool
}

func (r *CreateUserRequest) params() (string, params, error) {
	dom, err := ValidateDomainName(r.Domain)
	if err != nil {
		return "", nil, err
	}
	if err := ValidateUsername(r.User); err != nil {
		return "", nil, err
	}
	if err := ValidatePassword(r.Pass); err != nil {
		return "", nil, err
	}
	p := params{arg("domain", dom), arg("user", r.User), arg("pass", r.Pass)}
	p.limit("quota", r.QuotaBlocks)
	if err := validateTextField("real", r.RealName); err != nil {
		return "", nil, err
	}
	p.add("real", r.RealName)
	p.flag("ftp", r.FTP)
	for _, e := range r.ExtraAddresses {
		if err := validateLineField("extra", e); err != nil {
			return "", nil, err
		}
		p.add("extra", e)
	}
	if err := validateTextField("recovery", r.RecoveryEmail); err != nil {
		return "", nil, err
	}
	p.add("recovery", r.RecoveryEmail)
	p.flag("noemail", r.NoEmail)
	return dom, p, nil
}

// Create creates a user, idempotently: an existing user gives
// KindAlreadyExists (never adopted); a lost answer is settled with the server
// (lostCreate.settle), bounded by ctx. It returns the user as the server lists
// it afterwards.
func (s *UsersService) Create(ctx context.Context, req *CreateUserRequest) (*User, error) {
	const program = "create-user"
	if req == nil {
		return nil, (*service)(s).withServer(invalid("user", "no request given"), program)
	}
	dom, p, err := req.params()
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	return createOnce[User]{svc: (*service)(s), program: program, what: "user " + req.User + " in " + dom, params: p,
		lookup:  func(ctx context.Context) (*User, error) { return s.Get(ctx, dom, req.User) },
		matches: func(*User) bool { return true },
		partial: func() *User { return &User{Name: req.User, Domain: dom} },
	}.run(ctx)
}

// ModifyUserRequest changes a user (modify-user). Empty or nil fields are
// left unchanged. The whole call fails (and changes nothing) if any part is
// refused, for example a quota while home quotas are disabled.
type ModifyUserRequest struct {
	// Pass is the new password.
	Pass string
	// RealName is the new full name.
	RealName string
	// QuotaBlocks fails the whole call while home quotas are disabled.
	QuotaBlocks *Limit
	// AddForward and DelForward add and remove forwarding addresses
	// (repeated add-forward= / del-forward=).
	AddForward []string
	DelForward []string
	// KeepLocalCopy: true sends local= (forward and also deliver locally),
	// false sends no-local=.
	KeepLocalCopy *bool
	// Disabled: true disables the user, false enables it.
	Disabled *bool
	// FTP: true enables FTP access, false disables it.
	FTP *bool
}

// Modify changes a user; KindNotFound when the user does not exist.
func (s *UsersService) Modify(ctx context.Context, domain, user string, req *ModifyUserRequest) error {
	const program = "modify-user"
	if req == nil {
		return nil
	}
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	if err := ValidateUsername(user); err != nil {
		return (*service)(s).withServer(err, program)
	}
	var p params
	p.limit("quota", req.QuotaBlocks)
	if req.Pass != "" {
		if err := ValidatePassword(req.Pass); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.add("pass", req.Pass)
	}
	for _, f := range req.DelForward {
		if err := validateLineField("del-forward", f); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.add("del-forward", f)
	}
	for _, f := range req.AddForward {
		if err := validateLineField("add-forward", f); err != nil {
			return (*service)(s).withServer(err, program)
		}
		p.add("add-forward", f)
	}
	if err := validateTextField("real", req.RealName); err != nil {
		return (*service)(s).withServer(err, program)
	}
	p.add("real", req.RealName)
	if req.KeepLocalCopy != nil {
		p.flag("local", *req.KeepLocalCopy)
		p.flag("no-local", !*req.KeepLocalCopy)
	}
	if req.Disabled != nil {
		p.flag("disable", *req.Disabled)
		p.flag("enable", !*req.Disabled)
	}
	if req.FTP != nil {
		p.flag("enable-ftp", *req.FTP)
		p.flag("disable-ftp", !*req.FTP)
	}
	if len(p) == 0 {
		return nil
	}
	p = append(params{arg("domain", dom), arg("user", user)}, p...)
	_, err = (*service)(s).run(ctx, &call{program: program, params: p, kind: write})
	return err
}

// Delete deletes a user; KindNotFound when it does not exist. When the answer
// is lost (KindUnknownOutcome) it looks the user up and succeeds if it is gone.
func (s *UsersService) Delete(ctx context.Context, domain, user string) error {
	const program = "delete-user"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	if err := ValidateUsername(user); err != nil {
		return (*service)(s).withServer(err, program)
	}
	_, err = (*service)(s).run(ctx, &call{program: program, params: params{arg("domain", dom), arg("user", user)}, kind: write})
	return resolveDeleted(ctx, err, func(ctx context.Context) error { _, err := s.Get(ctx, dom, user); return err })
}
