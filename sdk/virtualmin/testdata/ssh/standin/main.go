// Command standin plays the virtualmin command (/usr/sbin/virtualmin) on a
// test host for the SSH transport's tests. It behaves like Virtualmin's
// wrapper and programs seen from the command line: it turns its argv back into
// the form fields remote.cgi would have received, runs them on a virtualmintest
// simulator over HTTPS in text mode (no json key), prints the program's output
// (timestamped warnings on stderr, the rest on stdout) and exits with the
// program's exit code (the "Exit status: N" trailer is Perl's wait status,
// N/256). Like the real scripts it reads --passfile's file as the password,
// CR and LF removed.
//
// Its settings are in a JSON file named after the path it was invoked by plus
// ".json" (tests link the binary into a directory of their own). Every
// invocation appends two records to the log file the settings name: one when
// it starts (its argv, and the mode and path of the password file) and one
// when it got the program's answer. The start record also holds the command
// line of its parent process, to show what the host's process list showed.
//
// A program named in the settings' gate_programs reports to the test through
// the Unix socket named by gate: "start PID" once it runs, then it waits for
// the test's "go" line before it calls the simulator, and reports "done PID
// EXIT" when it has the answer. The test so decides, without any timing, when
// a call is cancelled, times out or loses its connection: while its program
// is known to run.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	Endpoint     string   `json:"endpoint"`
	User         string   `json:"user"`
	Pass         string   `json:"pass"`
	CAPEM        string   `json:"ca_pem"`
	Log          string   `json:"log"`
	Gate         string   `json:"gate"`
	GatePrograms []string `json:"gate_programs"`
}

type record struct {
	PID      int      `json:"pid"`
	Event    string   `json:"event"`
	Argv     []string `json:"argv,omitempty"`
	PassFile string   `json:"passfile,omitempty"`
	PassMode string   `json:"passfile_mode,omitempty"`
	Parent   string   `json:"parent_cmdline,omitempty"`
	Exit     int      `json:"exit"`
}

var reWarning = regexp.MustCompile(`^\[\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2}[^\]]*\]`)

func main() {
	// Perl keeps the SIGHUP and SIGPIPE dispositions it inherits; the
	// transport's write wrapper ignores both so that a program outlives its
	// SSH session. Go would die on a write to a closed stdout otherwise.
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP)
	os.Exit(run())
}

func run() int {
	self := os.Args[0]
	raw, err := os.ReadFile(self + ".json")
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 3
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 3
	}
	if os.Geteuid() != 0 {
		fmt.Println(self + " must be run as root")
		return 2
	}
	if len(os.Args) < 2 {
		fmt.Println("usage: " + self + " <command> [args..]")
		return 0
	}
	program := os.Args[1]
	rec := record{PID: os.Getpid(), Event: "start", Argv: os.Args[1:]}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", os.Getppid())); err == nil {
		rec.Parent = strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
	}

	// argv back to form fields: "--name" then the words up to the next flag
	// (several words were one value with newlines, as remote.cgi splits them).
	form := []string{"program=" + url.QueryEscape(program)}
	args := os.Args[2:]
	for i := 0; i < len(args); {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			writeLog(cfg, rec)
			fmt.Println("Unknown parameter " + a)
			return 1
		}
		name := a[2:]
		i++
		var vals []string
		for i < len(args) && !strings.HasPrefix(args[i], "--") {
			vals = append(vals, args[i])
			i++
		}
		value := strings.Join(vals, "\n")
		if name == "passfile" && len(vals) == 1 {
			rec.PassFile = vals[0]
			if st, err := os.Stat(vals[0]); err == nil {
				rec.PassMode = fmt.Sprintf("%04o", st.Mode().Perm())
			}
			b, err := os.ReadFile(vals[0])
			if err != nil {
				writeLog(cfg, rec)
				fmt.Println("Failed to read password file " + vals[0] + " : " + err.Error())
				return 1
			}
			name, value = "pass", strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
		}
		form = append(form, url.QueryEscape(name)+"="+url.QueryEscape(value))
	}
	writeLog(cfg, rec)
	gate, err := openGate(cfg, program)
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 3
	}
	if gate != nil {
		defer gate.Close()
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(cfg.CAPEM))
	hc := &http.Client{
		Timeout:   5 * time.Minute,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}},
	}
	req, err := http.NewRequest(http.MethodPost, "https://"+cfg.Endpoint+"/virtual-server/remote.cgi", strings.NewReader(strings.Join(form, "&")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 3
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "virtualmin-standin (webmin)")
	req.SetBasicAuth(cfg.User, cfg.Pass)
	resp, err := hc.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 3
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		fmt.Fprintf(os.Stderr, "standin: HTTP %d %v\n", resp.StatusCode, err)
		return 3
	}
	text := string(body)
	if strings.HasPrefix(text, "ERROR: Remote program") {
		// The wrapper finds no script for the command.
		fmt.Println("Command " + program + ".pl was not found")
		done(cfg, 1)
		return 1
	}
	if strings.HasPrefix(text, "ERROR: ") {
		fmt.Fprintln(os.Stderr, "standin: "+strings.TrimSpace(text))
		return 3
	}
	i := strings.LastIndex(text, "\nExit status: ")
	if i < 0 {
		fmt.Fprintln(os.Stderr, "standin: no exit status in the answer")
		return 3
	}
	status, err := strconv.Atoi(strings.TrimSpace(text[i+len("\nExit status: "):]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin: bad exit status")
		return 3
	}
	out := text[:i]
	for _, line := range strings.SplitAfter(out, "\n") {
		if line == "" {
			continue
		}
		if reWarning.MatchString(line) {
			os.Stderr.WriteString(line)
		} else {
			os.Stdout.WriteString(line)
		}
	}
	code := status >> 8
	if status&0xff != 0 {
		code = 1
	}
	done(cfg, code)
	return code
}

func done(cfg config, code int) {
	writeLog(cfg, record{PID: os.Getpid(), Event: "done", Exit: code})
	if gateConn != nil {
		fmt.Fprintf(gateConn, "done %d %d\n", os.Getpid(), code)
	}
}

// gateConn is the connection to the test's gate, when the program is gated.
var gateConn net.Conn

// openGate reports the start of a gated program to the test and waits for
// its "go"; nil when the program is not gated.
func openGate(cfg config, program string) (net.Conn, error) {
	gated := false
	for _, p := range cfg.GatePrograms {
		gated = gated || p == program
	}
	if cfg.Gate == "" || !gated {
		return nil, nil
	}
	c, err := net.Dial("unix", cfg.Gate)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(c, "start %d\n", os.Getpid()); err != nil {
		c.Close()
		return nil, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "go\n" {
		c.Close()
		return nil, fmt.Errorf("gate: %q, %v", line, err)
	}
	gateConn = c
	return c, nil
}

func writeLog(cfg config, r record) {
	if cfg.Log == "" {
		return
	}
	b, _ := json.Marshal(r)
	f, err := os.OpenFile(cfg.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(append(bytes.TrimSpace(b), '\n'))
}
