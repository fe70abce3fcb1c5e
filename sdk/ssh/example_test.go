package ssh_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// Dial a fresh server through a bastion, retrying while it boots, then run a
// script with a secret on stdin and upload a file.
func Example() {
	ctx := context.Background()
	key, err := os.ReadFile("/path/to/id_ed25519")
	if err != nil {
		log.Fatal(err)
	}
	c, err := ssh.Dial(ctx, ssh.Config{
		Addr:    "203.0.113.10:22",
		User:    "root",
		Auth:    []ssh.AuthMethod{ssh.PrivateKey(key, "")},
		HostKey: ssh.FingerprintSHA256("SHA256:RJaNYdBH5Rd/K9DrDtK05HDudutAeIVHvshBxpBOsTI"),
		Bastion: &ssh.Config{
			Addr:    "bastion.example.net",
			User:    "jump",
			Auth:    []ssh.AuthMethod{ssh.Agent("")},
			HostKey: ssh.KnownHostsFile(os.ExpandEnv("$HOME/.ssh/known_hosts")),
		},
		ConnectTimeout: 10 * time.Second,
		DialTimeout:    5 * time.Minute,
	})
	var hk *ssh.HostKeyError
	if errors.As(err, &hk) {
		log.Fatalf("refusing %s: presented %s, expected %v", hk.Addr, hk.Presented, hk.Expected)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	password := "s3cret"
	_, err = c.Run(ctx, ssh.Command{
		// Arguments are quoted for the remote shell; the password goes on
		// stdin and is redacted from errors and logs.
		Args:    []string{"/usr/local/bin/create-api-user", "--user", "api-user"},
		Stdin:   strings.NewReader(password + "\n"),
		Secrets: []string{password},
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
	})
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		log.Fatalf("status %d, last output:\n%s", exit.Status, exit.Tail)
	}

	if err := c.Upload(ctx, "/root/virtualmin-install.sh", 0o700, strings.NewReader("#!/bin/sh\n")); err != nil {
		log.Fatal(err)
	}
}

func ExampleQuote() {
	fmt.Println(ssh.Quote(`it's $(not) run`))
	// Output: 'it'\''s $(not) run'
}
