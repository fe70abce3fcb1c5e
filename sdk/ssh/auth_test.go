package ssh_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// TestCheckPrivateKey: a key that cannot be used is a *KeyError saying why
// (and whether the passphrase is at fault), matching ErrInvalidConfig, and
// its text holds no key material.
func TestCheckPrivateKey(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const passphrase = "key-Passphrase-3c2b"
	plainBlock, err := xssh.MarshalPrivateKey(priv, "plain")
	if err != nil {
		t.Fatal(err)
	}
	encBlock, err := xssh.MarshalPrivateKeyWithPassphrase(priv, "enc", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	plain, enc := pem.EncodeToMemory(plainBlock), pem.EncodeToMemory(encBlock)
	if err := ssh.CheckPrivateKey(plain, ""); err != nil {
		t.Errorf("plain key: %v", err)
	}
	if err := ssh.CheckPrivateKey(enc, passphrase); err != nil {
		t.Errorf("encrypted key with its passphrase: %v", err)
	}
	// A PEM cut short: its body must not show in the error.
	lines := strings.Split(string(plain), "\n")
	body := lines[1]
	damaged := strings.Join([]string{lines[0], lines[1], lines[len(lines)-2]}, "\n")
	for _, tc := range []struct {
		name, key, passphrase, problem string
		passphraseAtFault              bool
	}{
		{"not a key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "", "cannot be read as a PEM or OpenSSH private key", false},
		{"damaged", damaged, "", "cannot be read", false},
		{"encrypted, no passphrase", string(enc), "", "encrypted and no passphrase was given", true},
		{"wrong passphrase", string(enc), passphrase + "x", "passphrase does not decrypt it", true},
	} {
		err := ssh.CheckPrivateKey([]byte(tc.key), tc.passphrase)
		var ke *ssh.KeyError
		if !errors.As(err, &ke) || !errors.Is(err, ssh.ErrInvalidConfig) || !strings.Contains(ke.Problem, tc.problem) || ke.Passphrase != tc.passphraseAtFault {
			t.Errorf("%s: err = %#v, want a KeyError saying %q (passphrase at fault: %t)", tc.name, err, tc.problem, tc.passphraseAtFault)
			continue
		}
		if strings.Contains(err.Error(), body[:20]) || strings.Contains(err.Error(), passphrase) {
			t.Errorf("%s: the error shows a secret: %v", tc.name, err)
		}
	}
}
