package virtualmintest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Webmin RPC between simulated hosts. A real Virtualmin reaches another
// Webmin (transfer-domain --webmin, webmin:// backup destinations) through
// Webmin's RPC: miniserv's login with the target's Webmin user, then
// fastrpc.cgi, which refuses users without the rpc ACL and runs whatever it
// is asked as root. The simulator serves the same checks on the same path,
// over its own small JSON protocol (the real one is Perl-serialised):
// running a program, writing, reading and removing files.

// rpcPath is where Webmin serves RPC.
const rpcPath = "/fastrpc.cgi"

// RPCAccess is a Webmin user's rpc ACL: whether the user may make Webmin RPC
// calls to this server, which is what another Virtualmin needs to transfer
// an account here with --webmin or to back up to webmin://. RPC runs
// anything as root on the server: granting it is root-equivalent.
type RPCAccess int

const (
	// RPCDefault is Webmin's default ACL (rpc=2): only users named root,
	// admin or sysadm may.
	RPCDefault RPCAccess = iota
	// RPCAllowed is rpc=1 (/etc/webmin/<user>.acl): the user may.
	RPCAllowed
	// RPCDenied is rpc=0: the user may not.
	RPCDenied
)

// SetRPCAccess sets a Webmin user's rpc ACL. It is kept in the state file.
func (s *Server) SetRPCAccess(user string, a RPCAccess) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.RPC == nil {
		s.st.RPC = map[string]RPCAccess{}
	}
	if a == RPCDefault {
		delete(s.st.RPC, user)
	} else {
		s.st.RPC[user] = a
	}
	_ = s.saveLocked()
}

// canRPC is web-lib-funcs.pl's webmin_user_can_rpc. s.mu is held.
func (s *Server) canRPC(user string) bool {
	switch s.st.RPC[user] {
	case RPCAllowed:
		return true
	case RPCDenied:
		return false
	}
	return user == "root" || user == "admin" || user == "sysadm"
}

// rpcRequest is one RPC call.
type rpcRequest struct {
	// Op is "ping", "api" (run Program with Argv as root), "write",
	// "read", "mkdir" or "remove" (Path, Data).
	Op      string   `json:"op"`
	Program string   `json:"program,omitempty"`
	Argv    []string `json:"argv,omitempty"`
	Path    string   `json:"path,omitempty"`
	Data    []byte   `json:"data,omitempty"`
	// Fault is a step fault the caller forwards to the program (a transfer
	// told to fail at its restore step).
	Fault *Fault `json:"fault,omitempty"`
}

// rpcResponse is its answer: Error when the call failed as a whole.
type rpcResponse struct {
	Error string `json:"error,omitempty"`
	Out   string `json:"out,omitempty"`
	Exit  int    `json:"exit,omitempty"`
	Data  []byte `json:"data,omitempty"`
}

// serveRPC answers an authenticated RPC call.
func (s *Server) serveRPC(w http.ResponseWriter, r *http.Request, user string, body []byte) {
	reply := func(resp rpcResponse) {
		b, _ := json.Marshal(resp)
		s.write(w, rawResponse{code: 200, reason: "Document follows", ctype: "application/json", body: string(b)})
	}
	s.mu.Lock()
	allowed := s.canRPC(user)
	s.mu.Unlock()
	if !allowed {
		reply(rpcResponse{Error: "Invalid user for RPC"})
		return
	}
	var req rpcRequest
	if err := json.Unmarshal(body, &req); err != nil {
		reply(rpcResponse{Error: "Invalid RPC request : " + err.Error()})
		return
	}
	reply(s.rpcOp(&callCtx{user: user, role: RoleMaster, ctx: r.Context()}, req))
}

func (s *Server) rpcOp(cc *callCtx, req rpcRequest) rpcResponse {
	switch req.Op {
	case "ping":
		return rpcResponse{}
	case "api":
		if !s.hasProgram(req.Program) {
			return rpcResponse{Error: "Remote program " + req.Program + " does not exist"}
		}
		res, fault := s.execute(cc, req.Program, req.Argv, req.Fault)
		if fault != nil && fault.Kind != FaultCompleteThenHang {
			return rpcResponse{Error: "Perl execution failed"}
		}
		return rpcResponse{Out: res.out, Exit: res.exit}
	case "write":
		s.mu.Lock()
		err := s.writeHostFile(req.Path, req.Data)
		s.mu.Unlock()
		if err != nil {
			return rpcResponse{Error: "Failed to write to " + req.Path + " : " + err.Error()}
		}
		return rpcResponse{}
	case "read":
		b, err := os.ReadFile(s.hostPath(req.Path))
		if err != nil {
			return rpcResponse{Error: "Failed to read " + req.Path + " : No such file or directory"}
		}
		return rpcResponse{Data: b}
	case "mkdir":
		if err := os.MkdirAll(s.hostPath(req.Path), 0o700); err != nil {
			return rpcResponse{Error: "Failed to create directory " + req.Path + " : " + err.Error()}
		}
		return rpcResponse{}
	case "remove":
		_ = os.RemoveAll(s.hostPath(req.Path))
		return rpcResponse{}
	}
	return rpcResponse{Error: "Unknown RPC operation " + req.Op}
}

// rpcClient is one Virtualmin's Webmin RPC session with another Webmin.
type rpcClient struct {
	// host is the destination as given ("10.99.0.2:10000"); name is its
	// host part, addr what is dialled.
	host, name, addr string
	user, pass       string
	hc               *http.Client
}

// rpcError is a failed RPC, worded as Webmin's remote_rpc_call reports it
// (what follows "Webmin failed : ").
type rpcError struct{ msg string }

func (e *rpcError) Error() string { return e.msg }

// newRPCClient prepares RPC calls to host[:port] (port 10000 by default)
// as user. Webmin does not check the other Webmin's certificate.
func newRPCClient(host, user, pass string) *rpcClient {
	name, port := splitHostDefault(host, 10000)
	return &rpcClient{host: host, name: name, addr: net.JoinHostPort(name, strconv.Itoa(port)), user: user, pass: pass,
		hc: &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // Webmin RPC does not verify the peer; this is the simulated Virtualmin, not the SDK
			DisableKeepAlives: true,
		}}}
}

// splitHostDefault splits "host[:port]".
func splitHostDefault(host string, def int) (string, int) {
	if h, p, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			return h, n
		}
	}
	return strings.Trim(host, "[]"), def
}

func (c *rpcClient) call(ctx context.Context, req rpcRequest) (rpcResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return rpcResponse{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+c.addr+rpcPath, bytes.NewReader(body))
	if err != nil {
		return rpcResponse{}, &rpcError{"Failed to connect to " + c.name + " : " + err.Error()}
	}
	hr.SetBasicAuth(c.user, c.pass)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(hr)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return rpcResponse{}, &rpcError{"Failed to connect to " + c.name + " : Failed to connect to " + c.addr + " : Connection refused"}
		}
		return rpcResponse{}, &rpcError{"Failed to connect to " + c.name + " : " + err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return rpcResponse{}, &rpcError{"Failed to read RPC response from " + c.name + " : " + err.Error()}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return rpcResponse{}, &rpcError{".. login to RPC server as " + c.user + " rejected"}
	case resp.StatusCode != http.StatusOK:
		return rpcResponse{}, &rpcError{fmt.Sprintf("HTTP error : %s", resp.Status)}
	}
	var out rpcResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return rpcResponse{}, &rpcError{"Invalid RPC response : " + err.Error()}
	}
	if out.Error != "" {
		return out, &rpcError{"RPC error : " + out.Error}
	}
	return out, nil
}

// api runs a program on the other host as root and returns its output and
// exit code.
func (c *rpcClient) api(ctx context.Context, fault *Fault, program string, argv ...string) (result, error) {
	r, err := c.call(ctx, rpcRequest{Op: "api", Program: program, Argv: argv, Fault: fault})
	if err != nil {
		return result{}, err
	}
	return result{out: r.Out, exit: r.Exit}, nil
}

func (c *rpcClient) op(ctx context.Context, op, path string, data []byte) ([]byte, error) {
	r, err := c.call(ctx, rpcRequest{Op: op, Path: path, Data: data})
	return r.Data, err
}
