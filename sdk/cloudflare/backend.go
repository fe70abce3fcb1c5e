package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// BackendName is the name the Cloudflare backend reports.
const BackendName = "cloudflare"

// Backend is the dns.Backend of a Cloudflare account. Cloudflare keeps one
// object per record value; the backend groups them into RRsets when reading
// and, when applying an Update, changes the objects in place: a TTL, proxy
// or comment change is a PATCH of the objects concerned, a changed value a
// PUT of an existing object (its ID is kept), an added value a POST, a
// removed value a DELETE. A whole RRset is never deleted and recreated.
//
// By default all the operations of one Apply go in one call to the batch
// endpoint (POST /zones/{id}/dns_records/batch), which Cloudflare runs in a
// single database transaction: all or nothing. Above the batch size (200,
// Cloudflare's limit on the Free plan) they are split into several batches.
// With WithBatch(false) the backend sends one call per record instead,
// adding and changing before deleting within an RRset so that a name keeps
// an answer throughout, and reports a *dns.PartialApplyError on failure.
type Backend struct {
	c        *Client
	proxied  func(name, rrtype string) bool
	batch    bool
	maxBatch int

	mu      sync.Mutex
	zoneIDs map[string]string
}

// BackendOption configures a Backend. A nil BackendOption is ignored.
type BackendOption func(*Backend)

// WithProxied tells which RRsets are proxied by Cloudflare (A, AAAA and
// CNAME only). name is canonical (lowercase, trailing dot). Proxied RRsets
// must have TTL 1 (automatic): Apply refuses other TTLs before any call.
func WithProxied(f func(name, rrtype string) bool) BackendOption {
	return func(b *Backend) { b.proxied = f }
}

// WithBatch turns the batch endpoint on or off and sets the most operations
// per batch call (0 keeps the default, 200).
func WithBatch(enabled bool, maxOps int) BackendOption {
	return func(b *Backend) {
		b.batch = enabled
		if maxOps > 0 {
			b.maxBatch = maxOps
		}
	}
}

// NewBackend returns the Backend for the zones the client's token can reach.
func NewBackend(c *Client, opts ...BackendOption) *Backend {
	b := &Backend{c: c, batch: true, maxBatch: 200, zoneIDs: map[string]string{},
		proxied: func(string, string) bool { return false }}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	return b
}

// Name is "cloudflare".
func (b *Backend) Name() string { return BackendName }

// ZoneID returns the Cloudflare id of a zone, looked up by name once.
func (b *Backend) ZoneID(ctx context.Context, zone string) (string, error) {
	name := strings.TrimSuffix(dns.CanonicalName(zone), ".")
	b.mu.Lock()
	id, ok := b.zoneIDs[name]
	b.mu.Unlock()
	if ok {
		return id, nil
	}
	z, err := b.c.Zones.GetByName(ctx, name)
	if err != nil {
		return "", zoneError(err)
	}
	b.rememberZone(z)
	return z.ID, nil
}

// rememberZone caches the id of a zone just read or created.
func (b *Backend) rememberZone(z *Zone) {
	b.mu.Lock()
	b.zoneIDs[strings.TrimSuffix(dns.CanonicalName(z.Name), ".")] = z.ID
	b.mu.Unlock()
}

// forgetZone drops a cached zone id after an error that says the zone is
// gone (deleted and maybe recreated under a new id).
func (b *Backend) forgetZone(zone string, err error) error {
	var apiErr *APIError
	if errors.Is(err, ErrNotFound) || (errors.As(err, &apiErr) && apiErr.HasCode(CodeNoRoute)) {
		b.mu.Lock()
		delete(b.zoneIDs, strings.TrimSuffix(dns.CanonicalName(zone), "."))
		b.mu.Unlock()
	}
	return zoneError(err)
}

// RRsets reads every record of the zone and groups them into canonical
// RRsets, sorted by name and type. An RRset whose objects disagree on TTL
// reports the lowest (what resolvers use).
func (b *Backend) RRsets(ctx context.Context, zone string) ([]dns.RRset, error) {
	zoneID, err := b.ZoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	recs, err := b.c.Records.List(ctx, zoneID, nil)
	if err != nil {
		return nil, b.forgetZone(zone, err)
	}
	groups := group(recs)
	keys := make([]dns.Key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, dns.Key.Compare)
	out := make([]dns.RRset, 0, len(keys))
	var errs []error
	for _, k := range keys {
		rr, err := toRRset(k, groups[k])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, rr)
	}
	return out, errors.Join(errs...)
}

func group(recs []Record) map[dns.Key][]Record {
	g := map[dns.Key][]Record{}
	for _, r := range recs {
		k := dns.Key{Name: dns.CanonicalName(r.Name), Type: dns.CanonicalType(r.Type)}
		g[k] = append(g[k], r)
	}
	return g
}

func toRRset(k dns.Key, recs []Record) (dns.RRset, error) {
	rr := dns.RRset{Name: k.Name, Type: k.Type}
	for i, r := range recs {
		if i == 0 || uint32(r.TTL) < rr.TTL {
			rr.TTL = uint32(r.TTL)
		}
		if i == 0 {
			rr.Comment = r.Comment
		}
		c, err := presentation(r)
		if err != nil {
			return rr, err
		}
		rr.Records = append(rr.Records, dns.Record{Content: c})
	}
	return dns.CanonicalRRset(rr)
}

// presentation turns a Cloudflare record into the zone-file form of its
// value ("10 mail.example.com." for MX, "10 5 5060 sip.example.com." for SRV).
func presentation(r Record) (string, error) {
	t := dns.CanonicalType(r.Type)
	var s string
	switch t {
	case "MX":
		p := 0
		if r.Priority != nil {
			p = *r.Priority
		}
		s = strconv.Itoa(p) + " " + r.Content
	case "SRV":
		if r.Data != nil {
			s = fmt.Sprintf("%v %v %v %v", numStr(r.Data["priority"]), numStr(r.Data["weight"]), numStr(r.Data["port"]), r.Data["target"])
		} else {
			p := 0
			if r.Priority != nil {
				p = *r.Priority
			}
			s = strconv.Itoa(p) + " " + r.Content
		}
	case "CAA":
		if r.Data != nil {
			v, _ := r.Data["value"].(string)
			s = fmt.Sprintf("%v %v %s", numStr(r.Data["flags"]), r.Data["tag"], quoteCAA(v))
		} else {
			s = r.Content
		}
	default:
		s = r.Content
	}
	return dns.CanonicalContent(t, s)
}

func numStr(v any) string {
	switch n := v.(type) {
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	case int:
		return strconv.Itoa(n)
	}
	return fmt.Sprint(v)
}

func quoteCAA(v string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
}

func unquoteCAA(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

// value is one record value in Cloudflare's terms.
type value struct {
	key      string // dns.ContentKey, to match existing objects
	content  string
	priority *int
	data     map[string]any
}

// toValue maps a model record to Cloudflare's fields: names without the
// trailing dot, MX preference in priority, SRV and CAA in data, TXT quoted.
func toValue(rrtype, content string) (value, error) {
	c, err := dns.CanonicalContent(rrtype, content)
	if err != nil {
		return value{}, err
	}
	v := value{key: dns.ContentKey(rrtype, c)}
	f := strings.Fields(c)
	switch rrtype {
	case "A", "AAAA", "TXT":
		v.content = c
	case "CNAME", "NS", "PTR":
		v.content = strings.TrimSuffix(c, ".")
	case "MX":
		p, _ := strconv.Atoi(f[0])
		v.priority = &p
		v.content = strings.TrimSuffix(f[1], ".")
	case "SRV":
		n := make([]int, 3)
		for i := range n {
			n[i], _ = strconv.Atoi(f[i])
		}
		v.data = map[string]any{"priority": n[0], "weight": n[1], "port": n[2], "target": strings.TrimSuffix(f[3], ".")}
	case "CAA":
		parts := strings.SplitN(c, " ", 3)
		flags, _ := strconv.Atoi(parts[0])
		v.data = map[string]any{"flags": flags, "tag": parts[1], "value": unquoteCAA(parts[2])}
	default:
		return value{}, fmt.Errorf("type %s is not supported by the Cloudflare backend", rrtype)
	}
	return v, nil
}

// plannedChange is one dns.Change turned into Cloudflare values.
type plannedChange struct {
	change  dns.Change
	key     dns.Key
	ttl     int
	proxied bool
	comment string
	values  []value
}

func (b *Backend) plan(zone string, changes []dns.Change) ([]plannedChange, error) {
	out := make([]plannedChange, 0, len(changes))
	var errs []error
	for _, ch := range changes {
		pc := plannedChange{change: ch, key: ch.Key().Canonical()}
		if !dns.InZone(pc.key.Name, zone) {
			errs = append(errs, &ValidationError{What: pc.key.String(), Reason: "not in zone " + zone})
			continue
		}
		if ch.Op == dns.Delete {
			out = append(out, pc)
			continue
		}
		if ch.Desired == nil {
			errs = append(errs, &ValidationError{What: pc.key.String(), Reason: "create or update without a desired RRset"})
			continue
		}
		pc.ttl = int(ch.Desired.TTL)
		pc.proxied = b.proxied(pc.key.Name, pc.key.Type)
		pc.comment = ch.Desired.Comment
		what := pc.key.String()
		if pc.proxied && !proxiable[pc.key.Type] {
			errs = append(errs, &ValidationError{What: what, Reason: "only A, AAAA and CNAME records can be proxied"})
			continue
		}
		if err := checkTTL(what, pc.ttl, pc.proxied); err != nil {
			errs = append(errs, err)
			continue
		}
		if pc.ttl == 0 {
			errs = append(errs, &ValidationError{What: what, Reason: "ttl 0; use 1 for automatic"})
			continue
		}
		if len(ch.Desired.Records) == 0 {
			errs = append(errs, &ValidationError{What: what, Reason: "an RRset needs at least one record; delete it instead"})
			continue
		}
		for _, r := range ch.Desired.Records {
			if r.Disabled {
				errs = append(errs, &ValidationError{What: what, Reason: "Cloudflare has no disabled records"})
				continue
			}
			v, err := toValue(pc.key.Type, r.Content)
			if err != nil {
				errs = append(errs, &ValidationError{What: what, Reason: err.Error()})
				continue
			}
			pc.values = append(pc.values, v)
		}
		out = append(out, pc)
	}
	return out, errors.Join(errs...)
}

// existing reads the records of the keys concerned: one filtered list per
// RRset when there are few, else the whole zone.
func (b *Backend) existing(ctx context.Context, zoneID string, planned []plannedChange) (map[dns.Key][]Record, error) {
	const perKeyMax = 10
	if len(planned) <= perKeyMax {
		out := map[dns.Key][]Record{}
		for _, pc := range planned {
			recs, err := b.c.Records.List(ctx, zoneID, &RecordListOptions{Name: pc.key.Name, Type: pc.key.Type})
			if err != nil {
				return nil, err
			}
			for k, v := range group(recs) {
				if k == pc.key {
					out[k] = v
				}
			}
		}
		return out, nil
	}
	recs, err := b.c.Records.List(ctx, zoneID, nil)
	if err != nil {
		return nil, err
	}
	return group(recs), nil
}

// ops are the record operations of one change.
type ops struct {
	deletes []string
	patches []RecordPatch
	puts    []Record
	posts   []Record
}

func (o *ops) len() int { return len(o.deletes) + len(o.patches) + len(o.puts) + len(o.posts) }

func (pc *plannedChange) record(v value) Record {
	return Record{Name: strings.TrimSuffix(pc.key.Name, "."), Type: pc.key.Type, Content: v.content, TTL: pc.ttl,
		Proxied: pc.proxied, Priority: v.priority, Data: v.data, Comment: pc.comment}
}

// diff computes the minimal record operations taking current to pc.
func (pc *plannedChange) diff(current []Record) (ops, error) {
	var o ops
	switch pc.change.Op {
	case dns.Delete:
		for _, r := range current {
			o.deletes = append(o.deletes, r.ID)
		}
		return o, nil
	case dns.Create:
		if len(current) > 0 {
			return o, fmt.Errorf("%s: %d record(s) exist already: %w", pc.key, len(current), dns.ErrConflict)
		}
	}
	// Keep objects whose value is desired; patch them if TTL, proxy or
	// comment differ.
	used := make([]bool, len(current))
	var missing []value
	for _, v := range pc.values {
		found := false
		for i, r := range current {
			if used[i] {
				continue
			}
			c, err := presentation(r)
			if err != nil || dns.ContentKey(pc.key.Type, c) != v.key {
				continue
			}
			used[i], found = true, true
			if r.TTL != pc.ttl || r.Proxied != pc.proxied || r.Comment != pc.comment {
				ttl, proxied, comment := pc.ttl, pc.proxied, pc.comment
				o.patches = append(o.patches, RecordPatch{ID: r.ID, Type: pc.key.Type, TTL: &ttl, Proxied: &proxied, Comment: &comment})
			}
			break
		}
		if !found {
			missing = append(missing, v)
		}
	}
	// Reuse the other objects for the new values (PUT keeps the id), then
	// create or delete what is left.
	for i, r := range current {
		if used[i] {
			continue
		}
		if len(missing) > 0 {
			rec := pc.record(missing[0])
			rec.ID = r.ID
			o.puts = append(o.puts, rec)
			missing = missing[1:]
			continue
		}
		o.deletes = append(o.deletes, r.ID)
	}
	for _, v := range missing {
		o.posts = append(o.posts, pc.record(v))
	}
	return o, nil
}

// Apply makes the changes. Nothing is sent if any change is invalid (bad
// content, a proxied RRset with a TTL other than 1, a disabled record, an
// unsupported type) or if a Create finds records already there
// (dns.ErrConflict). In batch mode an error means nothing of the failed batch
// was applied; earlier batches are reported with *dns.PartialApplyError.
func (b *Backend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	if len(changes) == 0 {
		return nil
	}
	planned, err := b.plan(zone, changes)
	if err != nil {
		return err
	}
	zoneID, err := b.ZoneID(ctx, zone)
	if err != nil {
		return err
	}
	current, err := b.existing(ctx, zoneID, planned)
	if err != nil {
		return b.forgetZone(zone, err)
	}
	all := make([]ops, len(planned))
	var errs []error
	for i := range planned {
		o, err := planned[i].diff(current[planned[i].key])
		if err != nil {
			errs = append(errs, err)
		}
		all[i] = o
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if b.batch {
		return b.applyBatches(ctx, zoneID, planned, all)
	}
	return b.applyOneByOne(ctx, zoneID, planned, all)
}

// applyBatches packs whole changes into batches of at most maxBatch
// operations (a change larger than that is split on its own).
func (b *Backend) applyBatches(ctx context.Context, zoneID string, planned []plannedChange, all []ops) error {
	var applied []dns.Change
	var cur BatchRequest
	var members []int
	flush := func() error {
		if cur.Len() == 0 {
			for _, i := range members {
				applied = append(applied, planned[i].change)
			}
			members = nil
			return nil
		}
		if _, err := b.c.Records.Batch(ctx, zoneID, cur); err != nil {
			return err
		}
		for _, i := range members {
			applied = append(applied, planned[i].change)
		}
		cur, members = BatchRequest{}, nil
		return nil
	}
	fail := func(err error) error {
		if len(applied) == 0 {
			return err
		}
		return &dns.PartialApplyError{Applied: applied, Err: err}
	}
	for i := range all {
		o := all[i]
		if cur.Len() > 0 && cur.Len()+o.len() > b.maxBatch {
			if err := flush(); err != nil {
				return fail(err)
			}
		}
		if o.len() <= b.maxBatch {
			cur.Deletes = append(cur.Deletes, o.deletes...)
			cur.Patches = append(cur.Patches, o.patches...)
			cur.Puts = append(cur.Puts, o.puts...)
			cur.Posts = append(cur.Posts, o.posts...)
			members = append(members, i)
			continue
		}
		// One change bigger than a batch: additions and changes first, deletions last.
		var chunks []BatchRequest
		var c BatchRequest
		add := func(fn func(*BatchRequest)) {
			if c.Len() >= b.maxBatch {
				chunks = append(chunks, c)
				c = BatchRequest{}
			}
			fn(&c)
		}
		for _, p := range o.posts {
			add(func(r *BatchRequest) { r.Posts = append(r.Posts, p) })
		}
		for _, p := range o.puts {
			add(func(r *BatchRequest) { r.Puts = append(r.Puts, p) })
		}
		for _, p := range o.patches {
			add(func(r *BatchRequest) { r.Patches = append(r.Patches, p) })
		}
		for _, d := range o.deletes {
			add(func(r *BatchRequest) { r.Deletes = append(r.Deletes, d) })
		}
		chunks = append(chunks, c)
		for _, ch := range chunks {
			if _, err := b.c.Records.Batch(ctx, zoneID, ch); err != nil {
				return fail(fmt.Errorf("%s (split over several batches, partly applied): %w", planned[i].key, err))
			}
		}
		applied = append(applied, planned[i].change)
	}
	if err := flush(); err != nil {
		return fail(err)
	}
	return nil
}

// applyOneByOne sends one call per record, change by change in the given
// order (dns.Diff puts deletes first so that a CNAME can replace an A);
// within a change: creates, puts and patches before deletes.
func (b *Backend) applyOneByOne(ctx context.Context, zoneID string, planned []plannedChange, all []ops) error {
	var applied []dns.Change
	fail := func(key dns.Key, err error) error {
		err = fmt.Errorf("%s: %w", key, err)
		if len(applied) == 0 {
			return err
		}
		return &dns.PartialApplyError{Applied: applied, Err: err}
	}
	for i, o := range all {
		key := planned[i].key
		for _, r := range o.posts {
			if _, err := b.c.Records.Create(ctx, zoneID, r); err != nil {
				return fail(key, err)
			}
		}
		for _, r := range o.puts {
			if _, err := b.c.Records.Update(ctx, zoneID, r.ID, r); err != nil {
				return fail(key, err)
			}
		}
		for _, p := range o.patches {
			if _, err := b.c.Records.Patch(ctx, zoneID, p.ID, p); err != nil {
				return fail(key, err)
			}
		}
		for _, id := range o.deletes {
			// A record already gone is what a delete wants.
			if err := b.c.Records.Delete(ctx, zoneID, id); err != nil && !errors.Is(err, ErrNotFound) {
				return fail(key, err)
			}
		}
		applied = append(applied, planned[i].change)
	}
	return nil
}

var _ dns.Backend = (*Backend)(nil)
