package virtualmin

import "context"

// List lists the databases of a virtual server (list-databases multiline),
// including the domain's default database. dbType ("mysql", "postgres") is
// optional.
func (s *DatabasesService) List(ctx context.Context, domain, dbType string) ([]Database, error) {
	const program = "list-databases"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	p := params{arg("domain", dom)}
	if dbType != "" {
		if dbType != DatabaseMySQL && dbType != DatabasePostgres {
			return nil, (*service)(s).withServer(invalid("type", "database type %q is not mysql or postgres", dbType), program)
		}
		p.add("type", dbType)
	}
	resp, err := (*service)(s).run(ctx, &call{program: program, params: p, kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodeDatabase(it))
	}
	return out, nil
}

// Get returns one database of the domain; KindNotFound when there is none.
func (s *DatabasesService) Get(ctx context.Context, domain, dbType, name string) (*Database, error) {
	if err := ValidateDatabaseName(dbType, name); err != nil {
		return nil, (*service)(s).withServer(err, "list-databases")
	}
	list, err := s.List(ctx, domain, dbType)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Name == name && (list[i].Type == "" || list[i].Type == dbType) {
			return &list[i], nil
		}
	}
	return nil, (*service)(s).notFound("list-databases", dbType+" database "+name+" of "+domain)
}

// Create creates a database for the domain, idempotently: an existing one
// gives KindAlreadyExists (never adopted); a lost answer is settled with the
// server (lostCreate.settle), bounded by ctx. Plan limits such as max-dbs do not bind a master admin.
func (s *DatabasesService) Create(ctx context.Context, domain, dbType, name string) (*Database, error) {
	const program = "create-database"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	if err := ValidateDatabaseName(dbType, name); err != nil {
		return nil, (*service)(s).withServer(err, program)
	}
	return createOnce[Database]{svc: (*service)(s), program: program, what: dbType + " database " + name + " of " + dom,
		params:  params{arg("domain", dom), arg("name", name), arg("type", dbType)},
		lookup:  func(ctx context.Context) (*Database, error) { return s.Get(ctx, dom, dbType, name) },
		matches: func(*Database) bool { return true },
		partial: func() *Database { return &Database{Name: name, Type: dbType} },
	}.run(ctx)
}

// Delete drops a database of the domain; KindNotFound when the domain has no
// such database ("... is not associated with this server"). When the answer
// is lost (KindUnknownOutcome) it looks the database up and succeeds if it is
// gone.
func (s *DatabasesService) Delete(ctx context.Context, domain, dbType, name string) error {
	const program = "delete-database"
	dom, err := ValidateDomainName(domain)
	if err != nil {
		return (*service)(s).withServer(err, program)
	}
	if err := ValidateDatabaseName(dbType, name); err != nil {
		return (*service)(s).withServer(err, program)
	}
	_, err = (*service)(s).run(ctx, &call{program: program, params: params{arg("domain", dom), arg("name", name), arg("type", dbType)}, kind: write})
	return resolveDeleted(ctx, err, func(ctx context.Context) error { _, err := s.Get(ctx, dom, dbType, name); return err })
}

// List lists the account plans (list-plans multiline).
func (s *PlansService) List(ctx context.Context) ([]Plan, error) {
	resp, err := (*service)(s).run(ctx, &call{program: "list-plans", kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]Plan, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodePlan(it))
	}
	return out, nil
}

// List lists the server templates (list-templates multiline).
func (s *TemplatesService) List(ctx context.Context) ([]Template, error) {
	resp, err := (*service)(s).run(ctx, &call{program: "list-templates", kind: read, multiline: true})
	if err != nil {
		return nil, err
	}
	out := make([]Template, 0, len(resp.Data))
	for _, it := range resp.Data {
		out = append(out, decodeTemplate(it))
	}
	return out, nil
}
