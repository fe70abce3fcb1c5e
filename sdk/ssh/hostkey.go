package ssh

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyCheck says how the server's host key is verified: PinnedKey,
// KnownHostsFile, FingerprintSHA256, or the explicit opt-out
// InsecureIgnoreHostKey.
type HostKeyCheck interface {
	// String describes the check.
	String() string
	// verifier prepares the check for one address (host:port).
	verifier(addr string) (*verifier, error)
}

// verifier is a prepared host key check. Each entry of algos is a
// HostKeyAlgorithms list for one handshake: the server presents one key per
// handshake, so a check that accepts keys of several types may need to ask
// for each type in turn (a host with an ed25519 and an RSA key whose RSA key
// was pinned by fingerprint). nil means x/crypto's default list.
type verifier struct {
	algos    [][]string
	check    func(addr string, key xssh.PublicKey) *HostKeyError
	insecure bool
}

// PinnedKey accepts exactly one host public key, given as
// /etc/ssh/ssh_host_*_key.pub shows it ("ssh-ed25519 AAAA... comment") or as
// a known_hosts line ("host ssh-ed25519 AAAA...", what ssh-keyscan prints;
// the host names are ignored).
func PinnedKey(key string) HostKeyCheck { return pinnedKey{line: key} }

type pinnedKey struct{ line string }

func (p pinnedKey) String() string { return "pinned host key " + p.line }

func (p pinnedKey) verifier(string) (*verifier, error) {
	key, _, _, _, err := xssh.ParseAuthorizedKey([]byte(p.line))
	if err != nil {
		var kerr error
		if _, _, key, _, _, kerr = xssh.ParseKnownHosts([]byte(p.line)); kerr != nil {
			return nil, fmt.Errorf("%w: pinned host key %q: %v", ErrInvalidConfig, p.line, err)
		}
	}
	want := xssh.FingerprintSHA256(key)
	return &verifier{
		algos: [][]string{algorithmsFor(key.Type())},
		check: func(addr string, got xssh.PublicKey) *HostKeyError {
			if keysEqual(got, key) {
				return nil
			}
			return mismatch(addr, "mismatch", got, []string{want})
		},
	}, nil
}

// FingerprintSHA256 accepts the host key whose SHA-256 fingerprint is fp, in
// the form ssh-keygen -l prints ("SHA256:" and unpadded base64).
func FingerprintSHA256(fp string) HostKeyCheck { return fingerprint{fp: fp} }

type fingerprint struct{ fp string }

func (f fingerprint) String() string { return "host key fingerprint " + f.fp }

func (f fingerprint) verifier(string) (*verifier, error) {
	want := strings.TrimRight(strings.TrimSpace(f.fp), "=")
	b64, ok := strings.CutPrefix(want, "SHA256:")
	if raw, err := base64.RawStdEncoding.DecodeString(b64); !ok || err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("%w: host key fingerprint %q: want SHA256: followed by 43 base64 characters, as ssh-keygen -lf prints", ErrInvalidConfig, f.fp)
	}
	return &verifier{
		// The key type is unknown: ask for each family in turn.
		algos: [][]string{
			{xssh.KeyAlgoED25519},
			{xssh.KeyAlgoECDSA256, xssh.KeyAlgoECDSA384, xssh.KeyAlgoECDSA521},
			{xssh.KeyAlgoRSASHA512, xssh.KeyAlgoRSASHA256},
		},
		check: func(addr string, got xssh.PublicKey) *HostKeyError {
			if xssh.FingerprintSHA256(got) == want {
				return nil
			}
			return mismatch(addr, "mismatch", got, []string{want})
		},
	}, nil
}

// KnownHostsFile accepts the host keys listed for the address in an OpenSSH
// known_hosts file (hashed names, markers and "[host]:port" for non-22 ports
// are understood). A host absent from the file is refused.
func KnownHostsFile(path string) HostKeyCheck { return knownHostsFile{path: path} }

type knownHostsFile struct{ path string }

func (k knownHostsFile) String() string { return "known_hosts file " + k.path }

func (k knownHostsFile) verifier(addr string) (*verifier, error) {
	cb, err := knownhosts.New(k.path)
	if err != nil {
		return nil, fmt.Errorf("%w: known_hosts: %v", ErrInvalidConfig, err)
	}
	// Ask the file which keys it holds for addr (a key it cannot hold makes it
	// list them), so that the server is asked for a key of those types.
	var (
		known []string
		algos []string
	)
	var keyErr *knownhosts.KeyError
	if err := cb(addr, dummyAddr, probeKey); errors.As(err, &keyErr) {
		for _, w := range keyErr.Want {
			known = append(known, xssh.FingerprintSHA256(w.Key))
			algos = appendNew(algos, algorithmsFor(w.Key.Type())...)
		}
	}
	v := &verifier{check: func(a string, got xssh.PublicKey) *HostKeyError {
		err := cb(a, dummyAddr, got)
		var revoked *knownhosts.RevokedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &revoked):
			return mismatch(a, "revoked", got, known)
		case len(known) == 0:
			return mismatch(a, "unknown host", got, nil)
		default:
			return mismatch(a, "mismatch", got, known)
		}
	}}
	if len(algos) > 0 {
		v.algos = [][]string{algos}
	} else {
		v.algos = [][]string{nil}
	}
	return v, nil
}

// InsecureIgnoreHostKey accepts any host key. It makes the connection open to
// a man-in-the-middle; Dial logs a warning every time it is used.
func InsecureIgnoreHostKey() HostKeyCheck { return insecure{} }

type insecure struct{}

func (insecure) String() string { return "INSECURE: host key not verified" }

func (insecure) verifier(string) (*verifier, error) {
	return &verifier{algos: [][]string{nil}, insecure: true,
		check: func(string, xssh.PublicKey) *HostKeyError { return nil }}, nil
}

func mismatch(addr, reason string, got xssh.PublicKey, want []string) *HostKeyError {
	return &HostKeyError{Addr: addr, Reason: reason, KeyType: got.Type(),
		Presented: xssh.FingerprintSHA256(got), Expected: want}
}

// algorithmsFor maps a key type to the host key algorithms that make a server
// present a key of that type (an RSA key signs with SHA-2 algorithms).
func algorithmsFor(keyType string) []string {
	switch keyType {
	case xssh.KeyAlgoRSA:
		return []string{xssh.KeyAlgoRSASHA512, xssh.KeyAlgoRSASHA256}
	default:
		return []string{keyType}
	}
}

func keysEqual(a, b xssh.PublicKey) bool {
	return string(a.Marshal()) == string(b.Marshal())
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, l := range list {
			found = found || l == it
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}

// dummyAddr stands in for the remote address: knownhosts prefers the host
// name given and only parses this one.
var dummyAddr = &net.TCPAddr{IP: net.IPv4zero, Port: 0}

// probeKey is a key no known_hosts file holds (all-zero ed25519 key).
var probeKey = func() xssh.PublicKey {
	k, err := xssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		panic(err)
	}
	return k
}()
