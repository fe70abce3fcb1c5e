package bootstrap_test

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// serveFile serves one file over HTTP on addr (the test's side of a
// namespace's veth) and returns its URL.
func serveFile(t *testing.T, addr, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	name := "/" + filepath.Base(file)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != name {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + name
}
