package powerdns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// concurrentPatches runs workers goroutines, each making perWorker PATCHes
// of its own RRsets in zone, all at once, and returns the errors.
func concurrentPatches(t *testing.T, c *Client, zone string, workers, perWorker int) []error {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, workers*perWorker)
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perWorker; i++ {
				name := fmt.Sprintf("w%d-%d.%s", w, i, zone)
				errs[w*perWorker+i] = c.Zones.PatchRRsets(ctx(t), zone, []RRsetChange{
					{Name: name, Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: fmt.Sprintf("192.0.2.%d", 1+i)}}},
				})
			}
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func count500(rec *recorder) int {
	n := 0
	for _, c := range rec.calls() {
		if c.Status >= 500 {
			n++
		}
	}
	return n
}

// sqliteLock holds an exclusive lock on a SQLite database from another
// process (the sqlite3 tool), as a long write of another writer would.
type sqliteLock struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	once  sync.Once
}

// lockSQLite returns once the lock on db is held.
func lockSQLite(t *testing.T, db string) *sqliteLock {
	t.Helper()
	cmd := exec.Command("sqlite3", db)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l := &sqliteLock{cmd: cmd, stdin: stdin}
	t.Cleanup(l.release)
	io.WriteString(stdin, "BEGIN EXCLUSIVE;\nSELECT 'locked';\n")
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("locking %s: %q, %v", db, line, err)
	}
	return l
}

// release ends the transaction and the tool.
func (l *sqliteLock) release() {
	l.once.Do(func() {
		io.WriteString(l.stdin, "COMMIT;\n.quit\n")
		l.stdin.Close()
		_ = l.cmd.Wait()
	})
}

// TestConcurrentWritesSQLite: the sqlite backend answers 500 "database is
// locked" when another writer holds the database. Without retries the PATCH
// fails with ErrServer; with them, parallel PATCHes that met the 500 are
// retried once the lock is gone, and every RRset is there afterwards. The
// lock is held by the test, so the 500 is certain, not a matter of timing.
func TestConcurrentWritesSQLite(t *testing.T) {
	srv := pdnstest.Start(t, pdnstest.WithBackend(pdnstest.SQLite3), pdnstest.WithSQLiteSync())
	const workers, per = 12, 3

	raw, rawRec := newClient(t, srv, WithRetry(RetryPolicy{MaxAttempts: 1}))
	z0 := createZone(t, raw, ZoneCreate{})
	lock := lockSQLite(t, srv.SQLiteDB)
	rawRec.reset()
	err := raw.Zones.PatchRRsets(ctx(t), z0.Name, []RRsetChange{{Name: "a." + z0.Name, Type: "A", ChangeType: Replace, TTL: 60,
		Records: []Record{{Content: "192.0.2.1"}}}})
	if !errors.Is(err, ErrServer) || count500(rawRec) != 1 {
		t.Fatalf("PATCH on a locked database without retries: %v (%d answers 500), want ErrServer", err, count500(rawRec))
	}

	lock.release()
	c, rec := newClient(t, srv, WithRetry(RetryPolicy{MaxAttempts: 21, MinBackoff: 20 * time.Millisecond, MaxBackoff: time.Second}))
	z := createZone(t, c, ZoneCreate{})
	rec.reset()
	lock = lockSQLite(t, srv.SQLiteDB)
	rec.answered = func(status int) {
		if status >= 500 {
			lock.release() // the first 500 was seen: let the retries through
		}
	}
	for i, err := range concurrentPatches(t, c, z.Name, workers, per) {
		if err != nil {
			t.Errorf("PATCH %d: %v", i, err)
		}
	}
	if n := count500(rec); n == 0 {
		t.Error("no answer 500: the test did not meet the lock it is about")
	}
	t.Logf("sqlite with retries: %d PATCH attempts for %d PATCHes, %d answers 500, all succeeded",
		rec.count(http.MethodPatch), workers*per, count500(rec))
	got, err := c.Zones.Get(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	for w := 0; w < workers; w++ {
		for i := 0; i < per; i++ {
			if findRRset(got, fmt.Sprintf("w%d-%d.%s", w, i, z.Name), "A") == nil {
				t.Errorf("w%d-%d missing", w, i)
			}
		}
	}
}

// TestConcurrentWritesLMDB: the lmdb backend serialises writers itself; the
// same parallel PATCHes all succeed and none meets a 500. (Retries stay on
// for transport hiccups of a loaded machine; a 500 would be counted.)
func TestConcurrentWritesLMDB(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	rec.reset()
	for i, err := range concurrentPatches(t, c, z.Name, 12, 3) {
		if err != nil {
			t.Errorf("PATCH %d: %v", i, err)
		}
	}
	if n := count500(rec); n != 0 {
		t.Errorf("%d answers 500 from lmdb", n)
	}
}
