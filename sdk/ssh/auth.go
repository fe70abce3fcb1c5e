package ssh

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// AuthMethod is a way to authenticate: PrivateKey, Agent or Password. Its
// String, fmt and slog forms never show the secret it holds.
type AuthMethod interface {
	// String describes the method without its secret.
	String() string
	// method returns the x/crypto method for one connection attempt and a
	// function releasing what it opened (an agent connection).
	methods() ([]xssh.AuthMethod, func(), error)
}

// PrivateKey authenticates with a private key in PEM form (OpenSSH, PKCS#1,
// PKCS#8 or SEC1). passphrase decrypts an encrypted key; leave it empty for an
// unencrypted one.
func PrivateKey(pemBytes []byte, passphrase string) AuthMethod {
	return &privateKeyAuth{pem: append([]byte(nil), pemBytes...), passphrase: passphrase}
}

// Agent authenticates with the keys of the SSH agent listening on the unix
// socket path; an empty path means $SSH_AUTH_SOCK.
func Agent(socket string) AuthMethod { return &agentAuth{socket: socket} }

// Password authenticates with a password (the "password" method, and
// "keyboard-interactive" answering every hidden prompt with it).
func Password(pw string) AuthMethod { return &passwordAuth{pw: pw} }

type privateKeyAuth struct {
	pem        []byte
	passphrase string
}

func (a *privateKeyAuth) String() string { return "private key (redacted)" }

func (a *privateKeyAuth) methods() ([]xssh.AuthMethod, func(), error) {
	signer, err := a.signer()
	if err != nil {
		return nil, nil, err
	}
	return []xssh.AuthMethod{xssh.PublicKeys(signer)}, func() {}, nil
}

func (a *privateKeyAuth) signer() (xssh.Signer, error) {
	var (
		signer xssh.Signer
		err    error
	)
	if a.passphrase != "" {
		signer, err = xssh.ParsePrivateKeyWithPassphrase(a.pem, []byte(a.passphrase))
	} else {
		signer, err = xssh.ParsePrivateKey(a.pem)
	}
	var missing *xssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, &KeyError{Problem: "it is encrypted and no passphrase was given", Passphrase: true, Err: err}
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, &KeyError{Problem: "the passphrase does not decrypt it", Passphrase: true, Err: err}
	case err != nil:
		// x/crypto's parse errors never quote the key material.
		return nil, &KeyError{Problem: "it cannot be read as a PEM or OpenSSH private key: " + err.Error(), Err: err}
	}
	return signer, nil
}

// CheckPrivateKey reports whether PrivateKey(pemBytes, passphrase) can be
// used to log in: the key parses and the passphrase, if any, decrypts it. The
// error is a *KeyError (wrapping ErrInvalidConfig), the one Dial would
// return, so a caller can report a bad key before connecting anywhere.
func CheckPrivateKey(pemBytes []byte, passphrase string) error {
	_, err := (&privateKeyAuth{pem: pemBytes, passphrase: passphrase}).signer()
	return err
}

type agentAuth struct{ socket string }

func (a *agentAuth) String() string { return "ssh agent " + a.path() }

func (a *agentAuth) path() string {
	if a.socket != "" {
		return a.socket
	}
	return os.Getenv("SSH_AUTH_SOCK")
}

func (a *agentAuth) methods() ([]xssh.AuthMethod, func(), error) {
	p := a.path()
	if p == "" {
		return nil, nil, fmt.Errorf("%w: no agent socket given and SSH_AUTH_SOCK is not set", ErrInvalidConfig)
	}
	conn, err := net.Dial("unix", p)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ssh agent %s: %v", ErrInvalidConfig, p, err)
	}
	return []xssh.AuthMethod{xssh.PublicKeysCallback(agent.NewClient(conn).Signers)}, func() { conn.Close() }, nil
}

type passwordAuth struct{ pw string }

func (a *passwordAuth) String() string { return "password (redacted)" }

func (a *passwordAuth) methods() ([]xssh.AuthMethod, func(), error) {
	pw := a.pw
	answer := func(_, _ string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range questions {
			if !echos[i] {
				answers[i] = pw
			}
		}
		return answers, nil
	}
	return []xssh.AuthMethod{xssh.Password(pw), xssh.KeyboardInteractive(answer)}, func() {}, nil
}

// authMethods builds the x/crypto methods for one attempt.
func authMethods(auth []AuthMethod) ([]xssh.AuthMethod, func(), error) {
	var (
		out     []xssh.AuthMethod
		closers []func()
	)
	release := func() {
		for _, c := range closers {
			c()
		}
	}
	for _, a := range auth {
		m, closer, err := a.methods()
		if err != nil {
			release()
			return nil, nil, err
		}
		closers = append(closers, closer)
		out = append(out, m...)
	}
	return out, release, nil
}

// The secret-holding methods print and log as their description only, even
// through %#v or inside a printed Config.

// Format implements fmt.Formatter.
func (a *privateKeyAuth) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// LogValue implements slog.LogValuer.
func (a *privateKeyAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Format implements fmt.Formatter.
func (a *passwordAuth) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// LogValue implements slog.LogValuer.
func (a *passwordAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }
