package virtualmintest

// transfer-domain moves a domain to another Virtualmin server. The
// simulator answers its argument checks as recorded (stock 31, 32); a real
// move between two simulators is not simulated yet.
func (s *Server) transferDomain(cc *callCtx, a *args) result {
	const p = "transfer-domain"
	if !a.has("domain") {
		return s.usage(p, "No domain to move specified") // stock 31
	}
	if s.lookup(cc, a.str("domain")) == nil {
		return s.usage(p, "Virtual server "+a.str("domain")+" does not exist")
	}
	if !a.has("host") {
		return s.usage(p, "No destination hostname specified")
	}
	if a.has("webmin") && !a.has("pass") {
		// Without --pass the destination is asked as root with no
		// password, and refuses (stock 32).
		return s.usage(p, "Failed to contact Virtualmin on destination system : Webmin failed : .. login to RPC server as root rejected\n")
	}
	return fail("This program is not simulated by virtualmintest\n")
}
