package dns

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Answer is what an authoritative server answered to one query.
type Answer struct {
	// Rcode is the response code ("NOERROR", "NXDOMAIN", "REFUSED", ...).
	Rcode string
	// Authoritative is the AA bit.
	Authoritative bool
	// Truncated is the TC bit (the UDP answer did not fit).
	Truncated bool
	// RRset holds the answer records of the queried name and type, with the
	// TTL of the first one; it has no records for NXDOMAIN or NODATA.
	RRset RRset
	// Transport is "udp" or "tcp".
	Transport string
}

// String summarises the answer for messages.
func (a *Answer) String() string {
	if a == nil {
		return "no answer"
	}
	if len(a.RRset.Records) == 0 {
		if a.Rcode == "NOERROR" {
			return "NOERROR with no record (NODATA)"
		}
		return a.Rcode
	}
	return fmt.Sprintf("%s ttl %d %s", a.Rcode, a.RRset.TTL, summarize(a.RRset))
}

// Query asks server ("host:port"; port 53 when missing) for name and rrtype
// over transport "udp" or "tcp", with recursion off, as a secondary or a
// resolver asking the authoritative server would.
func Query(ctx context.Context, server, name, rrtype, transport string) (*Answer, error) {
	t := CanonicalType(rrtype)
	qtype, ok := mdns.StringToType[t]
	if !ok {
		return nil, fmt.Errorf("query: unknown type %q", rrtype)
	}
	switch transport {
	case "", "udp":
		transport = "udp"
	case "tcp":
	default:
		return nil, fmt.Errorf("query: transport %q is not udp or tcp", transport)
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	qname := CanonicalName(name)
	m := new(mdns.Msg)
	m.SetQuestion(qname, qtype)
	m.RecursionDesired = false
	m.SetEdns0(4096, false)
	c := &mdns.Client{Net: transport, Timeout: 5 * time.Second}
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < c.Timeout {
			c.Timeout = max(d, time.Millisecond)
		}
	}
	r, _, err := c.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("query %s %s @%s over %s: %w", qname, t, server, transport, err)
	}
	ans := &Answer{
		Rcode:         mdns.RcodeToString[r.Rcode],
		Authoritative: r.Authoritative,
		Truncated:     r.Truncated,
		Transport:     transport,
		RRset:         RRset{Name: qname, Type: t},
	}
	for _, rr := range r.Answer {
		h := rr.Header()
		if CanonicalName(h.Name) != qname || h.Rrtype != qtype {
			continue // a CNAME chain or another name: not this RRset
		}
		if len(ans.RRset.Records) == 0 {
			ans.RRset.TTL = h.Ttl
		}
		content := strings.TrimPrefix(rr.String(), h.String())
		ans.RRset.Records = append(ans.RRset.Records, Record{Content: strings.TrimSpace(content)})
	}
	return ans, nil
}

// WaitOptions bound WaitServed.
type WaitOptions struct {
	// Timeout bounds the whole wait (default 10 s).
	Timeout time.Duration
	// Interval is the pause between queries (default 100 ms).
	Interval time.Duration
	// TCP queries over TCP instead of UDP. Over UDP a truncated answer is
	// asked again over TCP.
	TCP bool
}

// ErrNotServed is matched by every *NotServedError through errors.Is.
const ErrNotServed = sentinel("change not served")

// NotServedError reports that the server did not serve the desired RRset
// before the wait ended, with what it served last.
type NotServedError struct {
	Server   string
	Desired  RRset
	LastSeen *Answer
	LastErr  error
	Waited   time.Duration
}

// Error names the RRset, the server that does not serve it, how long it was
// watched and what it answered last.
func (e *NotServedError) Error() string {
	seen := e.LastSeen.String()
	switch {
	case e.LastErr != nil && e.LastSeen != nil:
		seen += " (then: " + e.LastErr.Error() + ")"
	case e.LastErr != nil:
		seen = e.LastErr.Error()
	}
	want := "no record"
	if recs := enabled(e.Desired); len(recs.Records) > 0 {
		want = fmt.Sprintf("ttl %d %s", e.Desired.TTL, summarize(recs))
	}
	return fmt.Sprintf("%s not served by %s after %s: want %s, last seen %s",
		e.Desired.Key(), e.Server, e.Waited.Round(time.Millisecond), want, seen)
}

// Is makes errors.Is(err, ErrNotServed) true.
func (e *NotServedError) Is(target error) bool { return target == ErrNotServed }

// Unwrap returns the last query error, if any.
func (e *NotServedError) Unwrap() error { return e.LastErr }

// enabled returns rr without its disabled records, which are not served.
func enabled(rr RRset) RRset {
	out := rr
	out.Records = nil
	for _, r := range rr.Records {
		if !r.Disabled {
			out.Records = append(out.Records, r)
		}
	}
	return out
}

// Served reports whether ans serves rr: the same records (semantically) and
// TTL, or no record at all when rr has no enabled record.
func Served(ans *Answer, rr RRset) bool {
	want := enabled(rr)
	if len(want.Records) == 0 {
		return ans.Rcode == "NXDOMAIN" || (ans.Rcode == "NOERROR" && len(ans.RRset.Records) == 0)
	}
	if ans.Rcode != "NOERROR" {
		return false
	}
	got := ans.RRset
	got.Name = want.Name
	return EqualRRsets(want, got)
}

// WaitServed asks server directly (recursion off) until it serves rr (its
// enabled records with its TTL; for an RRset without records, until the name
// and type have no answer) or the wait ends, then returns a *NotServedError
// telling what was last seen.
func WaitServed(ctx context.Context, server string, rr RRset, opts WaitOptions) error {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	transport := "udp"
	if opts.TCP {
		transport = "tcp"
	}
	var last *Answer
	var lastErr error
	for {
		ans, err := Query(ctx, server, rr.Name, rr.Type, transport)
		if err == nil && ans.Truncated && transport == "udp" {
			ans, err = Query(ctx, server, rr.Name, rr.Type, "tcp")
		}
		if err == nil {
			if Served(ans, rr) {
				return nil
			}
			last, lastErr = ans, nil
		} else if ctx.Err() == nil {
			lastErr = err
		} else if last == nil {
			lastErr = err // the wait ended during the only query
		}
		t := time.NewTimer(opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return &NotServedError{Server: server, Desired: rr, LastSeen: last, LastErr: lastErr, Waited: time.Since(start)}
		case <-t.C:
		}
	}
}
