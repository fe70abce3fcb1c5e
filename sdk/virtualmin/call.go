package virtualmin

import "time"

// This file is the contract between the transport (client.go and the policy
// files: how a call travels) and the protocol (response.go and the operation
// files: what a call says and means).

// param is one form field of a remote.cgi call. remote.cgi turns each field into
// argv words in order: "name=" becomes the bare flag --name, "name=value" becomes
// --name value.
type param struct {
	name  string
	value string
	// flag marks a boolean flag, sent as "name=" with an empty value
	// ("name=1" would pass a stray argv word "1" and fail).
	flag bool
	// multiword allows a newline in value. remote.cgi splits such a value into
	// several argv words; only typed methods that need that by design (modify-dns
	// --update-record) set it. Every other value with a newline is refused
	// before sending.
	multiword bool
}

// callKind tells the policies how a call may be retried.
type callKind int

const (
	// read calls change nothing and may be repeated freely.
	read callKind = iota
	// write calls change state; they are repeated only when the request
	// provably never reached the program.
	write
)

// call is one remote.cgi invocation: the program and its parameters in order.
// The transport adds json=1 and the multiline flag itself.
type call struct {
	program string
	params  []param
	kind    callKind
	// multiline adds "multiline=" (every list-* and get-dns call wants it).
	multiline bool
	// timeout overrides the client's per-call timeout (WithCallTimeout) for
	// programs that take longer (create-domain, backup-domain, restore-domain).
	// Zero means the client's default.
	timeout time.Duration
}

// item is one object of a multiline listing: the header line (a domain name,
// a Unix username, a plan ID, ...) and its key/values. Every value is a list of
// strings, as the server sends it.
type item struct {
	Name   string              `json:"name"`
	Values map[string][]string `json:"values"`
	// Value is set instead of Values for the name/value pairs some programs
	// answer (get-ssl: "cert", "key", "notafter", ...).
	Value string `json:"value,omitempty"`
}

// response is a successful program answer, after the parser has removed the
// stderr warnings Virtualmin mixes into output and data.
type response struct {
	// Program is the remote program that answered.
	Program string
	// Output is the program's text output (non-list programs).
	Output string
	// Data holds the objects of a multiline listing.
	Data []item
	// Warnings are the timestamped stderr lines the server printed
	// ("[26/Nov/2026:...] Failed to ..."), kept out of Output and Data.
	Warnings []string
}
