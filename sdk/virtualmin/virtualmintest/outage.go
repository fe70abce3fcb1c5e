package virtualmintest

import (
	"net"
	"sync"
	"time"
)

// Outages: Webmin unreachable for a while, as when miniserv restarts. The
// connections in flight are reset, but their programs run to the end (a
// Virtualmin program does not notice that its client went away); new
// connections are reset for a while (miniserv going down), then refused (the
// port closed), and then the server answers again on the same address.

// Outage takes the server down now: every connection open is reset, new
// connections are reset for resetFor and then refused for refuseFor, and then
// it serves again. It returns at once. A FaultOutage starts one when a given
// call arrives; EndOutage ends one early.
func (s *Server) Outage(resetFor, refuseFor time.Duration) { s.gate.start(resetFor, refuseFor) }

// EndOutage brings the server back at once (a no-op when it is up).
func (s *Server) EndOutage() { s.gate.end() }

// Reachable reports whether the server accepts and serves connections (no
// outage in progress).
func (s *Server) Reachable() bool {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	return s.gate.phase == phaseUp
}

type outagePhase int

const (
	phaseUp outagePhase = iota
	phaseResetting
	phaseRefusing
)

// outageListener is the server's TCP listener with outages: it resets or
// refuses connections while one lasts, and keeps the connections it handed
// out so that an outage can reset them.
type outageListener struct {
	addr net.Addr

	mu     sync.Mutex
	inner  net.Listener // nil while refusing
	phase  outagePhase
	gen    int // counts outages, so that a stale timer does nothing
	conns  map[*trackedConn]struct{}
	back   chan struct{} // closed when the refusing phase ends (or on Close)
	closed bool
}

func listenWithOutages(addr string) (*outageListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &outageListener{addr: ln.Addr(), inner: ln, conns: map[*trackedConn]struct{}{}}, nil
}

// Accept waits through a refusing phase, resets what arrives while
// resetting, and tracks what it returns.
func (l *outageListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		inner, back, closed := l.inner, l.back, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if inner == nil {
			<-back
			continue
		}
		c, err := inner.Accept()
		l.mu.Lock()
		if err != nil {
			reopened := !l.closed && l.inner != inner // closed by an outage, not by Close
			l.mu.Unlock()
			if reopened {
				continue
			}
			return nil, err
		}
		if l.phase == phaseResetting {
			l.mu.Unlock()
			rst(c)
			continue
		}
		t := &trackedConn{Conn: c, l: l}
		l.conns[t] = struct{}{}
		l.mu.Unlock()
		return t, nil
	}
}

func (l *outageListener) Addr() net.Addr { return l.addr }

func (l *outageListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.back != nil {
		close(l.back)
		l.back = nil
	}
	if l.inner != nil {
		return l.inner.Close()
	}
	return nil
}

func (l *outageListener) start(resetFor, refuseFor time.Duration) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.gen++
	gen := l.gen
	l.phase = phaseResetting
	open := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		open = append(open, c)
	}
	l.mu.Unlock()
	for _, c := range open {
		rst(c.Conn)
	}
	l.after(resetFor, gen, func() { l.refuse(gen, refuseFor) })
}

func (l *outageListener) refuse(gen int, d time.Duration) {
	l.mu.Lock()
	if l.closed || l.gen != gen || l.phase != phaseResetting {
		l.mu.Unlock()
		return
	}
	l.phase = phaseRefusing
	if d > 0 && l.inner != nil {
		_ = l.inner.Close()
		l.inner = nil
		l.back = make(chan struct{})
	}
	l.mu.Unlock()
	l.after(d, gen, l.end)
}

// after runs f once d has passed, unless another outage started or the
// listener closed meanwhile (f checks); d == 0 runs it now.
func (l *outageListener) after(d time.Duration, gen int, f func()) {
	if d <= 0 {
		f()
		return
	}
	time.AfterFunc(d, func() {
		l.mu.Lock()
		current := l.gen == gen && !l.closed
		l.mu.Unlock()
		if current {
			f()
		}
	})
}

// end reopens the port if the outage closed it and serves again.
func (l *outageListener) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.phase == phaseUp {
		return
	}
	if l.inner == nil {
		ln, err := net.Listen("tcp", l.addr.String())
		if err != nil {
			// The port was taken meanwhile: the server stays unreachable,
			// which a test sees as a server that never came back.
			return
		}
		l.inner = ln
		close(l.back)
		l.back = nil
	}
	l.gen++
	l.phase = phaseUp
}

// trackedConn is a connection the listener handed out; it leaves the set
// when closed.
type trackedConn struct {
	net.Conn
	l    *outageListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// rst closes a TCP connection with a reset instead of a FIN.
func rst(c net.Conn) {
	if t, ok := c.(*trackedConn); ok {
		c = t.Conn
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}
