package ssh_test

import (
	"bytes"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// BenchmarkDial measures connect + key exchange + authentication on loopback.
func BenchmarkDial(b *testing.B) {
	srv := sshtest.Start(b)
	cfg := keyConfig(srv)
	for b.Loop() {
		c, err := ssh.Dial(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkRun measures one command (a new session each) on an open connection.
func BenchmarkRun(b *testing.B) {
	srv := sshtest.Start(b)
	c, err := ssh.Dial(b.Context(), keyConfig(srv))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for b.Loop() {
		if _, err := c.Run(b.Context(), ssh.Command{Args: []string{"true"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpload1MiB measures an upload of 1 MiB (write, size check, rename).
func BenchmarkUpload1MiB(b *testing.B) {
	srv := sshtest.Start(b)
	c, err := ssh.Dial(b.Context(), keyConfig(srv))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 1<<20)
	path := b.TempDir() + "/f"
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := c.Upload(b.Context(), path, 0o600, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
