package virtualmin

import (
	"net/http"
	"testing"
)

func TestParseResponseShapes(t *testing.T) {
	for name, c := range map[string]struct {
		status int
		header http.Header
		body   string
		kind   ErrorKind
		reason string
	}{
		"502":            {status: 502, body: "<html>Bad Gateway</html>", kind: KindTransient, reason: "server error (HTTP 502)"},
		"404":            {status: 404, body: "<html>Not found</html>", kind: KindUnexpectedResponse, reason: "unexpected HTTP status 404"},
		"empty":          {status: 200, body: " \n", kind: KindUnexpectedResponse, reason: "the server sent an empty body"},
		"bad json":       {status: 200, body: `{"status":`, kind: KindUnexpectedResponse},
		"numeric status": {status: 200, body: `{"status":1}`, kind: KindUnexpectedResponse},
		"unknown status": {status: 200, body: `{"status":"ok"}`, kind: KindUnexpectedResponse, reason: `the response has an unknown status "ok"`},
		// A stderr warning printed before the failure is not its reason.
		"warning first": {status: 200, kind: KindFailed, reason: "Failed to open /x for writing",
			body: `{"command":"backup-domain","status":"failure","error":"[26/Nov/2026:09:57:25 +0000] [127.0.0.1] Failed to work out externally visible IPv4 address",` +
				`"full_error":"[26/Nov/2026:09:57:25 +0000] [127.0.0.1] Failed to work out externally visible IPv4 address\nStarting backup..\n.. done\nFailed to open /x for writing\n"}`},
		// create-domain prints progress before the cause (create-domain.pl 1201-1211).
		"progress then cause": {status: 200, kind: KindFailed, reason: "Apache configuration failed : syntax error",
			body: `{"command":"create-domain","status":"failure","error":"Beginning server creation ..","full_error":"Beginning server creation ..\n\nCreating home directory ..\n.. done\n\nApache configuration failed : syntax error\n\n"}`},
		// A failed step followed by a remark: the failure is the reason,
		// not the last line.
		"failed step then remark": {status: 200, kind: KindFailed,
			reason: "Web-based validation failed : Failed to request certificate : Temporary failure in name resolution",
			body: `{"command":"generate-letsencrypt-cert","status":"failure","error":"Checking hostnames for resolvability ..",` +
				`"full_error":"Checking hostnames for resolvability ..\n.. all hostnames can be resolved\n\nRequesting SSL certificate for a.test ..\n` +
				`.. failed : Web-based validation failed : Failed to request certificate : Temporary failure in name resolution\n` +
				`   DNS-based validation could not be used, as the DNS zone is hosted elsewhere\n\n"}`},
		// The warning block of create-domain (exit 5): not "already exists".
		"warnings": {status: 200, kind: KindFailed,
			reason: "The following possible problems were detected: A MySQL database named alpha already exists; The DNS zone alpha.test already exists (the server refuses to go on unless warnings are skipped)",
			body: `{"command":"create-domain","status":"failure","error":"The following possible problems were detected :",` +
				`"full_error":"The following possible problems were detected :\n  A MySQL database named alpha already exists\n  The DNS zone alpha.test already exists\n\n"}`},
		"text exit 256": {status: 200, body: "Missing password\n\nvirtualmin create-domain --domain name\n\nExit status: 256\n", kind: KindInvalidInput, reason: "Missing password"},
		"xml failure": {status: 200, kind: KindNotFound, reason: "No user named bob was found in the server a.test",
			body: `<api command="delete-user" error="No user named bob was found in the server a.test" full_error="No user named bob was found in the server a.test&#10;" status="failure" />`},
		"redirect": {status: 302, header: http.Header{"Location": {"https://vm:10000"}}, kind: KindTransient,
			reason: `the server redirected the call (HTTP 302) to "https://vm:10000"; it was probably sent over plain HTTP: use an https:// endpoint`},
	} {
		t.Run(name, func(t *testing.T) {
			h := c.header
			if h == nil {
				h = http.Header{}
			}
			resp, err := parseResponse("s:1", "p", c.status, h, []byte(c.body))
			if resp != nil || err == nil {
				t.Fatalf("want an error, got %+v", resp)
			}
			e := err.(*Error)
			if e.Kind != c.kind || (c.reason != "" && e.Reason != c.reason) {
				t.Errorf("got %s %q; want %s %q", e.Kind, e.Reason, c.kind, c.reason)
			}
			if e.HTTPStatus != c.status {
				t.Errorf("HTTPStatus %d", e.HTTPStatus)
			}
		})
	}
}

func TestParseResponseSuccessShapes(t *testing.T) {
	// Numbers and lone strings in values, and a string element, take the
	// general path and still decode.
	resp, err := parseResponse("s:1", "list-domains", 200, http.Header{},
		[]byte(`{"status":"success","data":["a.test",{"name":"b.test","values":{"user_id":1002,"plan":"Default","tags":["x",true]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "items", len(resp.Data), 2)
	eq(t, "name", resp.Data[0].Name, "a.test")
	eq(t, "values", resp.Data[1].Values, map[string][]string{"user_id": {"1002"}, "plan": {"Default"}, "tags": {"x", "true"}})

	// Text mode success.
	resp, err = parseResponse("s:1", "info", 200, http.Header{}, []byte("[26/Nov/2026:10:00:00 +0000] [127.0.0.1] warn\nhost: vm\n\nExit status: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "output", resp.Output, "host: vm\n")
	eq(t, "warnings", len(resp.Warnings), 1)
}
