package ssh

import (
	"fmt"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. They are constants, so no program can change
// what they match.
const (
	// ErrInvalidConfig marks a Config or Command the client rejected before
	// sending anything (for example no host key option, an unparsable key).
	// Never retried.
	ErrInvalidConfig = sentinel("ssh: invalid configuration")
	// ErrNoHostKeyCheck is returned (wrapped, along with ErrInvalidConfig) when a
	// Config sets no HostKey option: host keys are always verified unless the
	// caller opts out with InsecureIgnoreHostKey.
	ErrNoHostKeyCheck = sentinel("ssh: no host key verification configured: pin the host key (PinnedKey, FingerprintSHA256 or KnownHostsFile) or opt out explicitly with InsecureIgnoreHostKey")
	// ErrAuthFailed: the server refused every authentication method offered.
	// Never retried (repeated failures get a client banned by fail2ban).
	ErrAuthFailed = sentinel("ssh: authentication failed")
	// ErrConnectTimeout: one connection attempt (TCP connect, key exchange and
	// authentication) took longer than Config.ConnectTimeout.
	ErrConnectTimeout = sentinel("ssh: connect timeout")
	// ErrExitMissing: the remote command ended without reporting an exit status
	// (for example the connection was lost).
	ErrExitMissing = sentinel("ssh: remote command ended without an exit status")
)

// sentinel is the type of the sentinel errors: a string, so that they can be
// constants.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// KeyError is a private key (PrivateKey) that cannot be used: it does not
// parse, it is encrypted and no passphrase was given, or the passphrase does
// not decrypt it. It never holds key material. It matches ErrInvalidConfig
// with errors.Is, and is never retried.
type KeyError struct {
	// Problem says what is wrong, in words ("the passphrase does not
	// decrypt it").
	Problem string
	// Passphrase is true when the passphrase is at fault (missing or wrong)
	// rather than the key.
	Passphrase bool
	// Err is x/crypto's error.
	Err error
}

// Error implements error.
func (e *KeyError) Error() string { return "ssh: private key: " + e.Problem }

// Unwrap returns ErrInvalidConfig and the parse error.
func (e *KeyError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// HostKeyError is returned when the host key the server presents is not the
// expected one. It is never retried: a changed host key is either a rebuilt
// host (update the pinned key) or a man-in-the-middle.
type HostKeyError struct {
	// Addr is the address dialled (host:port).
	Addr string
	// Reason is "mismatch", "unknown host" (not in known_hosts) or "revoked".
	Reason string
	// KeyType is the presented key's type, for example "ssh-ed25519".
	KeyType string
	// Presented is the presented key's SHA-256 fingerprint ("SHA256:...").
	Presented string
	// Expected lists the fingerprints that would have been accepted.
	Expected []string
}

// Error implements error.
func (e *HostKeyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ssh: host key verification failed for %s (%s): presented %s %s", e.Addr, e.Reason, e.KeyType, e.Presented)
	if len(e.Expected) > 0 {
		fmt.Fprintf(&b, ", expected %s", strings.Join(e.Expected, " or "))
	}
	b.WriteString("; if the host was rebuilt, update the pinned host key, otherwise this may be a man-in-the-middle attack")
	return b.String()
}

// DialError is returned when Dial gives up: after a permanent failure (host
// key, authentication, configuration) or when the overall DialTimeout or the
// context ended the retries. It unwraps to the last attempt's error.
type DialError struct {
	// Addr is the address dialled.
	Addr string
	// Attempts is the number of connection attempts made.
	Attempts int
	// Elapsed is the time spent dialling.
	Elapsed time.Duration
	// Err is the last attempt's error.
	Err error
}

// Error implements error.
func (e *DialError) Error() string {
	return fmt.Sprintf("ssh: dial %s failed after %d attempt(s) in %s: %v", e.Addr, e.Attempts, e.Elapsed.Round(time.Millisecond), e.Err)
}

// Unwrap returns the last attempt's error.
func (e *DialError) Unwrap() error { return e.Err }

// ExitError is returned by Run when the remote command exits with a non-zero
// status or is killed by a signal.
type ExitError struct {
	// Addr is the host the command ran on.
	Addr string
	// Command describes the command, secrets redacted (a script shows as
	// "sh -s" and its size; it is never logged or shown).
	Command string
	// Status is the exit status (-1 if the command was killed by a signal
	// without a status).
	Status int
	// Signal names the signal that killed the command ("KILL", "TERM"...), if any.
	Signal string
	// Tail is the last TailSize bytes of stdout and stderr combined, in the
	// order received, with Command.Secrets redacted. The two streams travel
	// separately, so their interleaving is approximate; Tail always ends with
	// the end of stderr (up to half of TailSize), the usual place of the
	// reason for a failure.
	Tail string
	// StderrTail is the last TailSize bytes of stderr alone, redacted: the
	// reason for a failure, even when a flood of stdout pushed it out of Tail.
	StderrTail string
}

// Error implements error; it includes the tail of the output so that the
// reason a command failed reaches the user.
func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ssh: command %s on %s ", e.Command, e.Addr)
	if e.Signal != "" {
		fmt.Fprintf(&b, "killed by signal %s", e.Signal)
	} else {
		fmt.Fprintf(&b, "exited with status %d", e.Status)
	}
	t := strings.TrimRight(e.Tail, "\n")
	if t != "" {
		b.WriteString("; last output:\n")
		b.WriteString(t)
	} else {
		b.WriteString(" (no output)")
	}
	return b.String()
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
