package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// start runs the command in-process and returns its URL and fingerprint.
func start(t *testing.T, args ...string) (string, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, func(string) string { return "" })
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	var url, fp string
	for sc.Scan() {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, "virtualmin-sim listening on "); ok {
			url = v
		}
		if v, ok := strings.CutPrefix(l, "certificate SHA-256: "); ok {
			fp = v
			break
		}
	}
	if url == "" || fp == "" {
		cancel()
		t.Fatalf("no URL/fingerprint printed: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return url, fp, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
	}
}

// pinned is a client that trusts exactly the printed fingerprint.
func pinned(fp string) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // verified by VerifyConnection against the pinned fingerprint
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != fp {
				return errors.New("fingerprint mismatch")
			}
			return nil
		},
	}}}
}

func listDomains(t *testing.T, c *http.Client, url, user, pass string) (int, map[string]interface{}) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/virtual-server/remote.cgi", strings.NewReader("program=list-domains&json=1&multiline="))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j map[string]interface{}
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, j
}

func TestCommandServesAndPersists(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sim.json")
	addr := freePort(t)
	url, fp, stop := start(t, "--listen", addr, "--state", state, "--user", "admin", "--password", "secret",
		"--seed-domains", "demo.test,shop.test", "--login-failure-delay", "0")
	if url != "https://"+addr {
		t.Fatalf("URL %q, want https://%s", url, addr)
	}
	c := pinned(fp)
	code, j := listDomains(t, c, url, "admin", "secret")
	if code != 200 || j["status"] != "success" {
		t.Fatalf("list-domains: %d %v", code, j)
	}
	data := j["data"].([]interface{})
	if len(data) != 2 || data[0].(map[string]interface{})["name"] != "demo.test" {
		t.Fatalf("data: %v", data)
	}
	if code, _ := listDomains(t, c, url, "admin", "wrong"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	stop()

	// Restarted on the same state file, the domains are still there (and
	// not seeded twice), behind the same certificate: pins still hold.
	url, fp2, stop := start(t, "--listen", freePort(t), "--state", state, "--password", "secret", "--seed-domains", "demo.test")
	defer stop()
	if fp2 != fp {
		t.Fatalf("the certificate changed across a restart on the same state: %s, then %s", fp, fp2)
	}
	_, j = listDomains(t, pinned(fp), url, "admin", "secret")
	if n := len(j["data"].([]interface{})); n != 2 {
		t.Fatalf("after restart: %d domains", n)
	}
}

// call runs one remote.cgi program and returns the decoded answer.
func call(t *testing.T, c *http.Client, url, body string) map[string]interface{} {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/virtual-server/remote.cgi", strings.NewReader(body+"&json=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", "secret")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j map[string]interface{}
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestCommandProfiles(t *testing.T) {
	create := "program=create-domain&domain=p.test&pass=Owner-Pass-1&unix=&dir=&web="
	features := func(url, fp string) string {
		j := call(t, pinned(fp), url, "program=list-domains&domain=p.test&multiline=")
		return fmt.Sprint(j["data"].([]interface{})[0].(map[string]interface{})["values"].(map[string]interface{})["features"])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// The installer's configuration adds ssl and logrotate to a website.
		{nil, "[unix dir web ssl logrotate]"},
		{[]string{"--profile", "minimal"}, "[unix dir web]"},
		{[]string{"--set", "logrotate=off", "--set", "ssl=available"}, "[unix dir web]"},
	} {
		args := append([]string{"--listen", freePort(t), "--password", "secret"}, tc.args...)
		url, fp, stop := start(t, args...)
		if j := call(t, pinned(fp), url, create); j["status"] != "success" {
			t.Fatalf("%v: create-domain: %v", tc.args, j)
		}
		if got := features(url, fp); got != tc.want {
			t.Errorf("%v: features %s, want %s", tc.args, got, tc.want)
		}
		stop()
	}
	for _, args := range [][]string{{"--profile", "nope"}, {"--set", "ssl=sometimes"}, {"--set", "colour=blue"}, {"--tls-cert", "x.pem"}} {
		err := run(context.Background(), append([]string{"--listen", "127.0.0.1:0", "--password", "p"}, args...), io.Discard, func(string) string { return "" })
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestCommandServesGivenCertificate(t *testing.T) {
	dir := t.TempDir()
	// A certificate from another simulator's state stands for one the user
	// made.
	first := filepath.Join(dir, "first.json")
	_, fp, stop := start(t, "--listen", freePort(t), "--state", first, "--password", "secret")
	stop()
	raw, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Cert string `json:"tls_cert"`
		Key  string `json:"tls_key"`
	}
	if err := json.Unmarshal(raw, &st); err != nil || st.Cert == "" {
		t.Fatalf("state keeps no certificate: %v", err)
	}
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, []byte(st.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(st.Key), 0o600); err != nil {
		t.Fatal(err)
	}
	url, fp2, stop := start(t, "--listen", freePort(t), "--password", "secret", "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	if fp2 != fp {
		t.Fatalf("served %s, want the given certificate's %s", fp2, fp)
	}
	if code, _ := listDomains(t, pinned(fp), url, "admin", "secret"); code != 200 {
		t.Fatalf("list-domains: %d", code)
	}
}

func TestCommandNeedsPassword(t *testing.T) {
	err := run(context.Background(), []string{"--listen", "127.0.0.1:0"}, io.Discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("err = %v", err)
	}
}

// TestCommandTwoInstances runs two instances that reach each other: an
// account seeded on the first is transferred to the second over Webmin RPC,
// then refused for a login without the rpc ACL.
func TestCommandTwoInstances(t *testing.T) {
	urlA, fpA, stopA := start(t, "--listen", freePort(t), "--password", "secret", "--seed-domains", "moved.test")
	defer stopA()
	addrB := freePort(t)
	urlB, fpB, stopB := start(t, "--listen", addrB, "--password", "secret", "--backup-root", t.TempDir())
	defer stopB()
	j := call(t, pinned(fpA), urlA, "program=transfer-domain&domain=moved.test&host="+addrB+"&webmin=&user=admin&pass=secret")
	if j["status"] != "success" || !strings.Contains(j["output"].(string), ".. restore complete") {
		t.Fatalf("transfer: %v", j)
	}
	if _, got := listDomains(t, pinned(fpB), urlB, "admin", "secret"); len(got["data"].([]interface{})) != 1 {
		t.Fatalf("on the second instance: %v", got)
	}

	urlC, fpC, stopC := start(t, "--listen", freePort(t), "--password", "secret", "--seed-domains", "denied.test")
	defer stopC()
	addrD := freePort(t)
	_, _, stopD := start(t, "--listen", addrD, "--password", "secret", "--user", "praho")
	defer stopD()
	j = call(t, pinned(fpC), urlC, "program=transfer-domain&domain=denied.test&host="+addrD+"&webmin=&user=praho&pass=secret")
	if j["status"] != "failure" || !strings.Contains(j["error"].(string), "Invalid user for RPC") {
		t.Fatalf("transfer to a login without rpc: %v", j)
	}
	addrE := freePort(t)
	_, _, stopE := start(t, "--listen", addrE, "--password", "secret", "--user", "praho", "--rpc", "allowed")
	defer stopE()
	j = call(t, pinned(fpC), urlC, "program=transfer-domain&domain=denied.test&host="+addrE+"&webmin=&user=praho&pass=secret")
	if j["status"] != "success" {
		t.Fatalf("transfer to a login with rpc=1: %v", j)
	}
}
