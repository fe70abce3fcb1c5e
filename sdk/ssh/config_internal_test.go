package ssh

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{Addr: "host", User: "root", Auth: []AuthMethod{Password("x")}, HostKey: InsecureIgnoreHostKey()}
	for _, tc := range []struct {
		name     string
		edit     func(*Config)
		wantAddr string
		wantErr  string
	}{
		{"default port", func(*Config) {}, "host:22", ""},
		{"explicit port", func(c *Config) { c.Addr = "10.0.0.1:2222" }, "10.0.0.1:2222", ""},
		{"ipv6 without port", func(c *Config) { c.Addr = "::1" }, "[::1]:22", ""},
		{"ipv6 in brackets", func(c *Config) { c.Addr = "[2001:db8::1]" }, "[2001:db8::1]:22", ""},
		{"no address", func(c *Config) { c.Addr = "" }, "", "no address"},
		{"no user", func(c *Config) { c.User = "" }, "", "no user"},
		{"no auth", func(c *Config) { c.Auth = nil }, "", "no authentication method"},
		{"nil auth", func(c *Config) { c.Auth = []AuthMethod{nil} }, "", "is nil"},
		{"no host key check", func(c *Config) { c.HostKey = nil }, "", "InsecureIgnoreHostKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			addr, err := cfg.validate()
			if tc.wantErr == "" {
				if err != nil || addr != tc.wantAddr {
					t.Errorf("validate = %q, %v; want %q", addr, err, tc.wantAddr)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want ErrInvalidConfig mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestPinnedKeyForms(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb6x+Gm3y3o2Jv0l7n2Zqk8Yy2cJ0m2sQv1p4F7c5Qd"
	for _, line := range []string{key, key + " root@host", "10.0.0.1 " + key, "[10.0.0.1]:2222,host " + key} {
		v, err := PinnedKey(line).verifier("10.0.0.1:22")
		if err != nil {
			t.Errorf("PinnedKey(%q): %v", line, err)
			continue
		}
		if len(v.algos) != 1 || len(v.algos[0]) != 1 || v.algos[0][0] != "ssh-ed25519" {
			t.Errorf("PinnedKey(%q) asks for %v", line, v.algos)
		}
	}
	if _, err := PinnedKey("not a key").verifier("h:22"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("garbage: err = %v", err)
	}
}

func TestSecretHoldersPrintRedacted(t *testing.T) {
	for _, a := range []AuthMethod{Password("hunter2"), PrivateKey([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n"), "pass-phrase")} {
		for _, s := range []string{a.String(), sprintf("%v|%+v|%#v|%s|%q", a, a, a, a, a)} {
			if strings.Contains(s, "hunter2") || strings.Contains(s, "c2VjcmV0") || strings.Contains(s, "pass-phrase") {
				t.Errorf("secret printed: %s", s)
			}
		}
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
