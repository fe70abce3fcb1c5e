package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// start runs the command in-process and returns the lines it printed up to
// the provider settings, keyed by what comes before ": ".
func start(t *testing.T, env map[string]string, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, func(k string) string { return env[k] })
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		done <- err
	}()
	printed := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, "cloudflare-fake listening on "); ok {
			printed["url"] = v
			continue
		}
		k, v, _ := strings.Cut(l, ": ")
		printed[k] = v
		if k == "provider settings" {
			break
		}
	}
	if printed["url"] == "" {
		cancel()
		t.Fatalf("no URL printed: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
	})
	return printed
}

// TestFakeServesWhatItPrints: the printed URL, token, account and zone IDs
// are what the SDK client (and so the provider) needs: the seeded zone is
// there, a record can be written, and a zone can be created in the account.
func TestFakeServesWhatItPrints(t *testing.T) {
	addr := freePort(t)
	p := start(t, nil, "--listen", addr, "--zones", "example.test, other.test")
	if p["url"] != "http://"+addr+"/client/v4" || len(p["token"]) < 32 || len(p["account ID"]) != 32 || p["zone example.test"] == "" {
		t.Fatalf("printed %q", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := cloudflare.NewClient(cloudflare.WithAPIToken(p["token"]), cloudflare.WithBaseURL(p["url"]))
	if err != nil {
		t.Fatal(err)
	}
	z, err := c.Zones.GetByName(ctx, "example.test")
	if err != nil || z.ID != p["zone example.test"] || z.AccountID != p["account ID"] {
		t.Fatalf("zone: %+v %v", z, err)
	}
	if _, err := c.Records.Create(ctx, z.ID, cloudflare.Record{Name: "www", Type: "A", Content: "192.0.2.1", TTL: 300}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Zones.Create(ctx, cloudflare.ZoneCreateParams{Name: "new.test", AccountID: p["account ID"]}); err != nil {
		t.Fatal(err)
	}
	// A wrong token is refused.
	bad, _ := cloudflare.NewClient(cloudflare.WithAPIToken("not-the-token"), cloudflare.WithBaseURL(p["url"]))
	if _, err := bad.Zones.List(ctx, nil); err == nil {
		t.Fatal("a wrong token was accepted")
	}
}

// TestFakeTokenFromEnvironment: a token chosen in CLOUDFLARE_FAKE_TOKEN is
// accepted and not printed; --account-id fixes the account.
func TestFakeTokenFromEnvironment(t *testing.T) {
	const token = "chosen-token-0123456789abcdef"
	const account = "0123456789abcdef0123456789abcdef"
	p := start(t, map[string]string{"CLOUDFLARE_FAKE_TOKEN": token}, "--listen", freePort(t), "--account-id", account, "--plan", "paid")
	for k, v := range p {
		if strings.Contains(v, token) {
			t.Errorf("the token is printed (%s)", k)
		}
	}
	if p["account ID"] != account {
		t.Errorf("account %q", p["account ID"])
	}
	c, _ := cloudflare.NewClient(cloudflare.WithAPIToken(token), cloudflare.WithBaseURL(p["url"]))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Zones.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFakeBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"--plan", "enterprise"},
		{"--account-id", "not-hex"},
		{"--rate-limit", "-1"},
		{"extra"},
		{"--listen", "256.0.0.1:1"},
	} {
		if err := run(context.Background(), args, io.Discard, func(string) string { return "" }); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
