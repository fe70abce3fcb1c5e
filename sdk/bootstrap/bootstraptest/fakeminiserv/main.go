// Command fakeminiserv plays Webmin's miniserv on a test host, in front of
// the project's Virtualmin simulator (package virtualmintest), so that the
// bootstrap steps can be checked end to end without installing Webmin:
//
//	fakeminiserv --config <root>/etc/webmin
//
// Like miniserv it reads <config>/miniserv.conf (port, bind, keyfile,
// certfile, allow, pidfile), serves TLS with the certificate of keyfile (a
// throwaway self-signed one while there is none), refuses client addresses
// not in allow=, and checks HTTP basic logins against <config>/miniserv.users
// (SHA-512 crypt, verified with "openssl passwd -6") and the modules granted
// in <config>/webmin.acl. A login that passes is handed to the simulator with
// the matching role: virtual-server with its default ACL is a master admin,
// noconfig=1 in <config>/virtual-server/<user>.acl a restricted user, no
// virtual-server module an access-denied page. SIGHUP and SIGUSR1 re-read the
// configuration and the certificate, as miniserv does; SIGTERM stops it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func main() {
	config := flag.String("config", "/etc/webmin", "Webmin configuration directory")
	flag.Parse()
	if err := run(*config); err != nil {
		fmt.Fprintln(os.Stderr, "fakeminiserv:", err)
		os.Exit(1)
	}
}

type miniserv struct {
	dir string

	mu      sync.Mutex
	conf    map[string]string
	cert    *tls.Certificate
	allow   []*net.IPNet
	checked map[string]bool // hash + "\x00" + password -> valid

	sim *virtualmintest.Server
}

func run(dir string) error {
	m := &miniserv{dir: dir, checked: map[string]bool{}}
	if err := m.reload(); err != nil {
		return err
	}
	sim, err := virtualmintest.NewServer(virtualmintest.WithListenAddr("127.0.0.1:0"))
	if err != nil {
		return err
	}
	defer sim.Close()
	m.sim = sim
	target, _ := url.Parse(sim.URL())
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(sim.CertificatePEM())
	proxy := &forwarder{addr: target.Host, tls: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}

	m.mu.Lock()
	port := m.conf["port"]
	bind := m.conf["bind"]
	pidfile := m.conf["pidfile"]
	m.mu.Unlock()
	if port == "" {
		port = "10000"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, port))
	if err != nil {
		return err
	}
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			return err
		}
		defer os.Remove(pidfile)
	}
	tlsConf := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.cert, nil
	}}
	srv := &http.Server{Handler: m.handler(proxy), ReadHeaderTimeout: 30 * time.Second}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sigs {
			if s == syscall.SIGTERM || s == syscall.SIGINT {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = srv.Shutdown(ctx)
				cancel()
				return
			}
			if err := m.reload(); err != nil {
				fmt.Fprintln(os.Stderr, "fakeminiserv: reload:", err)
			}
		}
	}()
	fmt.Printf("fakeminiserv listening on %s (simulator %s)\n", ln.Addr(), sim.URL())
	err = srv.Serve(tls.NewListener(ln, tlsConf))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// reload re-reads miniserv.conf and the certificate.
func (m *miniserv) reload() error {
	conf, err := readKV(filepath.Join(m.dir, "miniserv.conf"))
	if err != nil {
		return err
	}
	var cert *tls.Certificate
	if kf := conf["keyfile"]; kf != "" {
		if c, err := loadKeyfile(kf, conf["certfile"]); err == nil {
			cert = c
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if cert == nil {
		if cert, err = selfSigned(); err != nil {
			return err
		}
	}
	var allow []*net.IPNet
	for _, a := range strings.Fields(conf["allow"]) {
		if !strings.Contains(a, "/") {
			if strings.Contains(a, ":") {
				a += "/128"
			} else {
				a += "/32"
			}
		}
		_, n, err := net.ParseCIDR(a)
		if err != nil {
			return fmt.Errorf("allow=%s: %v", a, err)
		}
		allow = append(allow, n)
	}
	m.mu.Lock()
	m.conf, m.cert, m.allow = conf, cert, allow
	m.mu.Unlock()
	return nil
}

func (m *miniserv) handler(proxy http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		m.mu.Lock()
		allow := m.allow
		m.mu.Unlock()
		if len(allow) > 0 {
			ok := false
			for _, n := range allow {
				ok = ok || n.Contains(ip)
			}
			if !ok {
				// miniserv: "HTTP/1.0 403 Access denied for <ip>".
				http.Error(w, "Access denied for "+host, http.StatusForbidden)
				return
			}
		}
		if user, pass, ok := r.BasicAuth(); ok {
			role, valid := m.login(user, pass)
			if valid {
				m.sim.AddUser(user, pass, role)
			} else {
				// Forget any earlier good password: the simulator answers
				// this login the way Webmin answers a failed one.
				m.sim.AddUser(user, randomPassword(), role)
			}
		}
		proxy.ServeHTTP(w, r)
	})
}

// login checks user and pass against miniserv.users and the user's modules.
func (m *miniserv) login(user, pass string) (virtualmintest.Role, bool) {
	users, err := os.ReadFile(filepath.Join(m.dir, "miniserv.users"))
	if err != nil {
		return virtualmintest.RoleNoModule, false
	}
	var hash string
	for _, l := range strings.Split(string(users), "\n") {
		f := strings.Split(l, ":")
		if len(f) > 1 && f[0] == user {
			hash = f[1]
		}
	}
	role := virtualmintest.RoleNoModule
	acl, _ := os.ReadFile(filepath.Join(m.dir, "webmin.acl"))
	for _, l := range strings.Split(string(acl), "\n") {
		name, mods, ok := strings.Cut(l, ":")
		if !ok || name != user {
			continue
		}
		for _, mod := range strings.Fields(mods) {
			if mod == "virtual-server" {
				role = virtualmintest.RoleMaster
			}
		}
	}
	if role == virtualmintest.RoleMaster {
		if modACL, err := readKV(filepath.Join(m.dir, "virtual-server", user+".acl")); err == nil && modACL["noconfig"] == "1" {
			role = virtualmintest.RoleRestricted
		}
	}
	if !strings.HasPrefix(hash, "$6$") {
		return role, false
	}
	return role, m.verify(hash, pass)
}

// verify checks pass against a SHA-512 crypt hash with openssl (the
// password goes on stdin).
func (m *miniserv) verify(hash, pass string) bool {
	key := hash + "\x00" + pass
	m.mu.Lock()
	v, ok := m.checked[key]
	m.mu.Unlock()
	if ok {
		return v
	}
	parts := strings.Split(hash, "$") // "", "6", salt, digest
	if len(parts) != 4 {
		return false
	}
	cmd := exec.Command("openssl", "passwd", "-6", "-salt", parts[2], "-stdin")
	cmd.Stdin = strings.NewReader(pass + "\n")
	out, err := cmd.Output()
	v = err == nil && strings.TrimSpace(string(out)) == hash
	m.mu.Lock()
	m.checked[key] = v
	m.mu.Unlock()
	return v
}

func readKV(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	return kv, sc.Err()
}

// loadKeyfile reads Webmin's keyfile, which holds the key and, without a
// certfile, the certificate too.
func loadKeyfile(keyfile, certfile string) (*tls.Certificate, error) {
	key, err := os.ReadFile(keyfile)
	if err != nil {
		return nil, err
	}
	certPEM := key
	if certfile != "" {
		if certPEM, err = os.ReadFile(certfile); err != nil {
			return nil, err
		}
	}
	c, err := tls.X509KeyPair(onlyBlocks(certPEM, "CERTIFICATE"), onlyBlocks(key, "PRIVATE KEY"))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", keyfile, err)
	}
	return &c, nil
}

func onlyBlocks(data []byte, suffix string) []byte {
	var out bytes.Buffer
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out.Bytes()
		}
		if strings.HasSuffix(b.Type, suffix) {
			_ = pem.Encode(&out, b)
		}
	}
}

func selfSigned() (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fakeminiserv"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func randomPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// forwarder hands a request to the simulator on a connection of its own and
// reads the whole answer before replying. The simulator answers like
// miniserv (HTTP/1.0, body ended by closing the connection), which
// http.Transport may cut short when the close races its request writer.
type forwarder struct {
	addr string
	tls  *tls.Config
}

func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, header, body, err := f.roundTrip(r)
	if err != nil {
		http.Error(w, "fakeminiserv: simulator: "+err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Del("Connection")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *forwarder) roundTrip(r *http.Request) (int, http.Header, []byte, error) {
	reqBody, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: f.tls}
	conn, err := d.DialContext(r.Context(), "tcp", f.addr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	out, err := http.NewRequest(r.Method, "https://"+f.addr+r.URL.RequestURI(), bytes.NewReader(reqBody))
	if err != nil {
		return 0, nil, nil, err
	}
	out.Header = r.Header.Clone()
	out.Close = true
	if err := out.Write(conn); err != nil {
		return 0, nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), out)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
}
