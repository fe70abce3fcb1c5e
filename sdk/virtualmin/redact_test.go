package virtualmin

import (
	"net/http"
	"strings"
	"testing"
)

func TestRedactBody(t *testing.T) {
	for name, c := range map[string]struct{ in, secret, keep string }{
		"json list":    {`"password_for_mysql" : [ "6uilW9Frq5z268vOyrauePgSH" ], "plan" : [ "Default Plan" ]`, "6uilW9Frq5z268vOyrauePgSH", "Default Plan"},
		"json string":  {`{"password":"GammaAdm123","name":"x"}`, "GammaAdm123", `"name":"x"`},
		"json escaped": {`{"hashed_password":"$y$j9T$a\"b","user":"bob"}`, `j9T$a`, `"user":"bob"`},
		"xml element":  {`<values><hashed_password>$y$j9T$IEPS</hashed_password><home_directory>/home/beta</home_directory></values>`, "$y$j9T$IEPS", "/home/beta"},
		"xml attr":     {`<api pass="Secret1" status="success" />`, "Secret1", `status="success"`},
		"text line":    {"    Password for mysql: s3cretpw\n    Username: alpha\n", "s3cretpw", "Username: alpha"},
		"form":         {"program=create-domain&domain=a.test&pass=S3cr%2Bt&mysql-pass=x%26y&desc=hi", "S3cr%2Bt", "desc=hi"},
		"pem key": {"cert=-----BEGIN CERTIFICATE-----\tMIIB\t-----END CERTIFICATE-----\nkey=-----BEGIN PRIVATE KEY-----\tMIIEvQ\t-----END PRIVATE KEY-----",
			"MIIEvQ", "MIIB"},
	} {
		got := string(redactBody([]byte(c.in)))
		if strings.Contains(got, c.secret) {
			t.Errorf("%s: secret kept: %s", name, got)
		}
		if !strings.Contains(got, c.keep) {
			t.Errorf("%s: non-secret %q lost: %s", name, c.keep, got)
		}
		if !strings.Contains(got, redacted) {
			t.Errorf("%s: no redaction marker: %s", name, got)
		}
	}
	if got := string(redactBody([]byte(`"password_storage" : [ "Hashed" ]`))); !strings.Contains(got, "Hashed") {
		t.Errorf("password_storage is a mode, not a secret: %s", got)
	}
}

func TestIsSecretParam(t *testing.T) {
	for _, s := range []string{"pass", "passfile", "mysql-pass", "encpass", "key", "newkey"} {
		if !isSecretParam(s) {
			t.Errorf("%s not secret", s)
		}
	}
	for _, s := range []string{"domain", "user", "desc", "cert", "ca", "add-record", "dest"} {
		if isSecretParam(s) {
			t.Errorf("%s secret", s)
		}
	}
}

// Every recorded body is safe to log after redaction: no recorded password,
// hash or private key survives.
func TestRedactTranscriptBodies(t *testing.T) {
	for _, p := range allTranscripts(t) {
		tr := loadTranscript(t, p)
		got := string(redactBody(tr.body))
		for _, sec := range []string{"6uilW9Frq5z268vOyrauePgSH", "$y$j9T$", "GammaAdm123\"", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC5RgMRlfD8B8xV"} {
			if strings.Contains(got, sec) {
				t.Errorf("%s: %q survived redaction", tr.file, sec)
			}
		}
	}
}

// Errors never carry secrets, even when the server echoes them.
func TestErrorOutputRedacted(t *testing.T) {
	body := `{"command":"create-domain","status":"failure","error":"Beginning server creation ..",` +
		`"full_error":"Beginning server creation ..\n    Password for mysql: hunter2pw\n[26/Nov/2026:10:00:00 +0000] [127.0.0.1] Failed to frob\nFailed to create database : access denied\n"}`
	_, err := parseResponse("s:1", "create-domain", 200, http.Header{}, []byte(body))
	e := err.(*Error)
	if strings.Contains(e.Output, "hunter2pw") || strings.Contains(e.Error(), "hunter2pw") {
		t.Errorf("secret in error: %q", e.Output)
	}
	if e.Reason != "Failed to create database : access denied" || e.Kind != KindFailed {
		t.Errorf("got %s %q", e.Kind, e.Reason)
	}
}
