package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryStopsOnSIGTERM builds the command, starts it, calls it over
// HTTPS with the printed fingerprint pinned, and stops it with SIGTERM.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "virtualmin-sim")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--listen", freePort(t), "--seed-domains", "demo.test")
	cmd.Env = append(os.Environ(), "VIRTUALMIN_SIM_PASSWORD=secret")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	sc := bufio.NewScanner(stdout)
	var url, fp string
	for sc.Scan() && fp == "" {
		if v, ok := strings.CutPrefix(sc.Text(), "virtualmin-sim listening on "); ok {
			url = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "certificate SHA-256: "); ok {
			fp = v
		}
	}
	if url == "" || fp == "" {
		t.Fatalf("nothing printed: %v", sc.Err())
	}
	code, j := listDomains(t, pinned(fp), url, "admin", "secret")
	if code != 200 || len(j["data"].([]interface{})) != 1 {
		t.Fatalf("list-domains: %d %v", code, j)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
}
