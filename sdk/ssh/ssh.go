// Package ssh is the SDK's SSH client, built on golang.org/x/crypto/ssh, for
// bootstrapping and operating servers: connect with a private key, an SSH
// agent or a password; verify the host key (always, unless the caller opts
// out with InsecureIgnoreHostKey); go through a bastion; retry the dial while a
// fresh machine boots; run commands with their arguments quoted for the remote
// shell or scripts sent on stdin; upload files without putting their content
// or an unquoted path on a command line.
//
// Secrets (passwords, private keys, passphrases, Command.Secrets) never appear
// in logs or errors.
//
// Commands go through the remote user's login shell, which must be a POSIX
// shell (sh, dash, bash, ksh, zsh): Quote's quoting and the few words Run adds
// before a command (it reports the shell's PID on stderr, so that a cancelled
// command can be killed, and strips that line again) rely on it.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// Defaults for a Config's zero values.
const (
	// DefaultConnectTimeout bounds one connection attempt.
	DefaultConnectTimeout = 15 * time.Second
	// DefaultKeepAlive is the interval of keepalive requests on an idle
	// connection (long installs print nothing for minutes).
	DefaultKeepAlive = 30 * time.Second
	// DefaultMaxSessions is below OpenSSH's default MaxSessions (10), leaving
	// room for the session that kills a cancelled command.
	DefaultMaxSessions = 8

	minRetryDelay = 250 * time.Millisecond
	maxRetryDelay = 5 * time.Second
)

// Config says where and how to connect.
type Config struct {
	// Addr is host:port; a missing port means 22.
	Addr string
	// User is the remote login user.
	User string
	// Auth lists the authentication methods, tried in order: PrivateKey,
	// Agent, Password.
	Auth []AuthMethod
	// HostKey verifies the server's host key: PinnedKey, KnownHostsFile,
	// FingerprintSHA256, or InsecureIgnoreHostKey. Required.
	HostKey HostKeyCheck
	// Bastion, if set, is a jump host: the connection to Addr is opened from
	// the bastion (like ssh -J), and Addr is resolved there. Zero
	// ConnectTimeout, DialTimeout and Logger values are taken from this Config.
	Bastion *Config
	// ConnectTimeout bounds one connection attempt: TCP connect, key exchange
	// and authentication. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// DialTimeout is the overall time Dial keeps retrying (with backoff from
	// 250 ms to 5 s) while the host does not answer, for example while a fresh
	// machine boots. Zero means a single attempt. Host key, authentication and
	// configuration errors are never retried.
	DialTimeout time.Duration
	// KeepAlive is the interval of keepalive requests. Zero means
	// DefaultKeepAlive, a negative value disables them.
	KeepAlive time.Duration
	// MaxSessions bounds the commands and uploads running at once on the
	// connection; more wait for a free slot. sshd refuses sessions beyond its
	// own MaxSessions (10 by default), so zero means DefaultMaxSessions.
	MaxSessions int
	// Logger receives debug lines (attempts, commands with secrets redacted)
	// and the warning about InsecureIgnoreHostKey. Nil discards them.
	Logger *slog.Logger
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Config) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// validate checks c and returns the normalised address.
func (c *Config) validate() (string, error) {
	if c.Addr == "" {
		return "", fmt.Errorf("%w: no address", ErrInvalidConfig)
	}
	addr := c.Addr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "22")
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return "", fmt.Errorf("%w: address %q: %v", ErrInvalidConfig, c.Addr, err)
		}
	}
	if c.User == "" {
		return "", fmt.Errorf("%w: no user for %s", ErrInvalidConfig, addr)
	}
	if len(c.Auth) == 0 {
		return "", fmt.Errorf("%w: no authentication method for %s (PrivateKey, Agent or Password)", ErrInvalidConfig, addr)
	}
	for i, a := range c.Auth {
		if a == nil {
			return "", fmt.Errorf("%w: authentication method %d is nil", ErrInvalidConfig, i)
		}
	}
	if c.HostKey == nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidConfig, ErrNoHostKeyCheck)
	}
	return addr, nil
}

// Client is a connection to one host. It is safe for concurrent use: each Run
// opens its own session (at most Config.MaxSessions at once; more wait).
type Client struct {
	conn     *xssh.Client
	bastion  *Client
	addr     string
	log      *slog.Logger
	attempts int
	hostKey  xssh.PublicKey
	sessions chan struct{} // semaphore: one token per running session

	closeOnce sync.Once
	closeErr  error
}

// ClientOption configures a Client made by NewClient. A nil ClientOption is
// ignored.
type ClientOption func(*Client)

// WithMaxSessions sets how many sessions may run at once (see
// Config.MaxSessions).
func WithMaxSessions(n int) ClientOption {
	return func(c *Client) {
		if n > 0 {
			c.sessions = make(chan struct{}, n)
		}
	}
}

// WithLogger sets the Client's logger.
func WithLogger(l *slog.Logger) ClientOption {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// NewClient wraps a connection established elsewhere (for example by an
// x/crypto ssh.Dial with its own settings).
func NewClient(conn *xssh.Client, opts ...ClientOption) *Client {
	c := &Client{conn: conn, addr: conn.RemoteAddr().String(), log: slog.New(slog.DiscardHandler), attempts: 1,
		sessions: make(chan struct{}, DefaultMaxSessions)}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Addr returns the address the client is connected to.
func (c *Client) Addr() string { return c.addr }

// DialAttempts returns how many connection attempts Dial made.
func (c *Client) DialAttempts() int { return c.attempts }

// HostKey returns the host key the server presented (nil for NewClient).
func (c *Client) HostKey() xssh.PublicKey { return c.hostKey }

// ServerVersion returns the server's identification, for example
// "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10".
func (c *Client) ServerVersion() string { return string(c.conn.ServerVersion()) }

// Conn returns the underlying x/crypto client (for port forwarding, SFTP...).
func (c *Client) Conn() *xssh.Client { return c.conn }

// Close closes the connection and, if any, the bastion's.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.conn.Close()
		if c.bastion != nil {
			if err := c.bastion.Close(); c.closeErr == nil {
				c.closeErr = err
			}
		}
	})
	return c.closeErr
}

// Dial connects to cfg.Addr (through cfg.Bastion if set), verifies the host
// key and authenticates, retrying connection failures until cfg.DialTimeout.
// Failures are a *DialError wrapping the last attempt's error: a
// *HostKeyError, ErrAuthFailed, ErrConnectTimeout, ErrInvalidConfig or a
// network error.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	start := time.Now()
	var deadline time.Time
	if cfg.DialTimeout > 0 {
		deadline = start.Add(cfg.DialTimeout)
	}
	return dial(ctx, cfg, deadline)
}

func dial(ctx context.Context, cfg Config, deadline time.Time) (*Client, error) {
	start := time.Now()
	log := cfg.logger()
	addr, err := cfg.validate()
	if err != nil {
		return nil, &DialError{Addr: cfg.Addr, Err: err}
	}
	ver, err := cfg.HostKey.verifier(addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Err: err}
	}
	if ver.insecure {
		log.WarnContext(ctx, "ssh: host key verification disabled (InsecureIgnoreHostKey): the connection is open to a man-in-the-middle", "addr", addr)
	}

	var bastion *Client
	if cfg.Bastion != nil {
		bc := *cfg.Bastion
		if bc.ConnectTimeout == 0 {
			bc.ConnectTimeout = cfg.ConnectTimeout
		}
		if bc.Logger == nil {
			bc.Logger = cfg.Logger
		}
		if bc.KeepAlive == 0 {
			bc.KeepAlive = cfg.KeepAlive
		}
		bdeadline := deadline
		if bc.DialTimeout > 0 {
			bdeadline = time.Now().Add(bc.DialTimeout)
		}
		log.DebugContext(ctx, "ssh: dialling bastion", "bastion", bc.Addr, "target", addr)
		bastion, err = dial(ctx, bc, bdeadline)
		if err != nil {
			return nil, fmt.Errorf("ssh: bastion for %s: %w", addr, err)
		}
	}

	// Without DialTimeout one attempt; with it, attempts until the deadline.
	policy := retry.Policy{MaxAttempts: 1}
	waitCtx := ctx
	if !deadline.IsZero() {
		policy = retry.Policy{MinBackoff: minRetryDelay, MaxBackoff: maxRetryDelay}
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	var (
		conn    *xssh.Client
		hostKey xssh.PublicKey
	)
	hooks := retry.Hooks{OnRetry: func(attempt int, wait time.Duration, err error) {
		log.DebugContext(ctx, "ssh: dial attempt failed, retrying", "addr", addr, "attempt", attempt, "error", err.Error(), "retry_in", wait)
	}}
	attempts, err := retry.Do(waitCtx, policy, hooks, func(int) (bool, error) {
		var err error
		conn, hostKey, err = dialOnce(ctx, &cfg, addr, ver, bastion, deadline)
		return retryable(err), err
	})
	if err != nil {
		if bastion != nil {
			bastion.Close()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (last error: %v)", context.Cause(ctx), err)
		}
		return nil, &DialError{Addr: addr, Attempts: attempts, Elapsed: time.Since(start), Err: err}
	}
	maxSessions := cfg.MaxSessions
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessions
	}
	c := &Client{conn: conn, bastion: bastion, addr: addr, log: log, attempts: attempts, hostKey: hostKey,
		sessions: make(chan struct{}, maxSessions)}
	log.DebugContext(ctx, "ssh: connected", "addr", addr, "user", cfg.User, "attempts", attempts,
		"host_key", xssh.FingerprintSHA256(hostKey), "server", string(conn.ServerVersion()),
		"elapsed", time.Since(start).Round(time.Millisecond))
	c.keepAlive(cfg.KeepAlive)
	return c, nil
}

// retryable says whether another attempt may succeed: network failures and
// timeouts are retried; host key, authentication, algorithm negotiation and
// configuration errors are not.
func retryable(err error) bool {
	var hk *HostKeyError
	var neg *xssh.AlgorithmNegotiationError
	return !errors.As(err, &hk) && !errors.As(err, &neg) && !errors.Is(err, ErrAuthFailed) && !errors.Is(err, ErrInvalidConfig)
}

// dialOnce makes one connection attempt, bounded by the connect timeout and
// the overall deadline. A check that accepts keys of several types may use one
// handshake per type (see verifier).
func dialOnce(ctx context.Context, cfg *Config, addr string, ver *verifier, bastion *Client, deadline time.Time) (*xssh.Client, xssh.PublicKey, error) {
	timeout := cfg.connectTimeout()
	if !deadline.IsZero() {
		if rem := time.Until(deadline); rem < timeout {
			timeout = rem
		}
	}
	actx, cancel := context.WithTimeoutCause(ctx, timeout, ErrConnectTimeout)
	defer cancel()

	var firstMismatch error
	for i, algos := range ver.algos {
		conn, key, err := handshake(actx, cfg, addr, ver, algos, bastion)
		if err == nil {
			return conn, key, nil
		}
		var hk *HostKeyError
		var neg *xssh.AlgorithmNegotiationError
		more := i < len(ver.algos)-1
		switch {
		case errors.As(err, &hk):
			if firstMismatch == nil {
				firstMismatch = err
			}
			if more {
				continue
			}
		case errors.As(err, &neg) && firstMismatch != nil:
			// The server has no key of this type; the mismatch stands.
			if more {
				continue
			}
		case errors.As(err, &neg) && more:
			continue
		}
		if firstMismatch != nil {
			return nil, nil, firstMismatch
		}
		return nil, nil, err
	}
	return nil, nil, firstMismatch
}

// handshake opens one TCP connection (directly or from the bastion), then runs
// the key exchange and authentication with the given host key algorithms.
func handshake(ctx context.Context, cfg *Config, addr string, ver *verifier, algos []string, bastion *Client) (*xssh.Client, xssh.PublicKey, error) {
	timedOut := func(err error) error {
		if errors.Is(context.Cause(ctx), ErrConnectTimeout) {
			return fmt.Errorf("%w (%s) to %s: %v", ErrConnectTimeout, cfg.connectTimeout(), addr, err)
		}
		return err
	}
	var (
		conn net.Conn
		err  error
	)
	if bastion != nil {
		conn, err = bastion.conn.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, nil, timedOut(err)
	}
	// Deadlines do not work on a channel through a bastion: closing the
	// connection ends a stalled handshake either way.
	stop := context.AfterFunc(ctx, func() { conn.Close() })

	auth, release, err := authMethods(cfg.Auth)
	if err != nil {
		stop()
		conn.Close()
		return nil, nil, err
	}
	defer release()

	var (
		keyErr  *HostKeyError
		hostKey xssh.PublicKey
	)
	cc := &xssh.ClientConfig{
		User: cfg.User,
		Auth: auth,
		HostKeyCallback: func(_ string, _ net.Addr, key xssh.PublicKey) error {
			hostKey = key
			if e := ver.check(addr, key); e != nil {
				keyErr = e
				return e
			}
			return nil
		},
		HostKeyAlgorithms: algos,
	}
	c, chans, reqs, err := xssh.NewClientConn(conn, addr, cc)
	if !stop() {
		// The timeout or the caller's context closed the connection.
		if err == nil {
			c.Close()
		}
		if ctx.Err() != nil && !errors.Is(context.Cause(ctx), ErrConnectTimeout) {
			return nil, nil, context.Cause(ctx)
		}
		return nil, nil, timedOut(fmt.Errorf("handshake did not complete: %v", err))
	}
	switch {
	case keyErr != nil:
		conn.Close()
		return nil, nil, keyErr
	case err != nil && strings.Contains(err.Error(), "unable to authenticate"):
		conn.Close()
		// x/crypto's message names the methods tried, never their secrets.
		return nil, nil, fmt.Errorf("%w for %s@%s: %v", ErrAuthFailed, cfg.User, addr, err)
	case err != nil:
		conn.Close()
		return nil, nil, err
	}
	return xssh.NewClient(c, chans, reqs), hostKey, nil
}

// keepAlive sends keepalive requests until the connection ends; a request
// that gets no answer closes the connection so that a Run waiting on a dead
// link fails instead of hanging.
func (c *Client) keepAlive(every time.Duration) {
	if every < 0 {
		return
	}
	if every == 0 {
		every = DefaultKeepAlive
	}
	done := make(chan struct{})
	go func() {
		_ = c.conn.Wait()
		close(done)
	}()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				reply := make(chan error, 1)
				go func() {
					_, _, err := c.conn.SendRequest("keepalive@openssh.com", true, nil)
					reply <- err
				}()
				select {
				case <-done:
					return
				case err := <-reply:
					if err != nil {
						c.log.Debug("ssh: keepalive failed, closing", "addr", c.addr, "error", err.Error())
						c.conn.Close()
						return
					}
				case <-time.After(3 * every):
					c.log.Debug("ssh: keepalive unanswered, closing", "addr", c.addr)
					c.conn.Close()
					return
				}
			}
		}
	}()
}
