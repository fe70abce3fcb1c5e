package virtualmin

import (
	"regexp"
	"strings"
)

// redacted replaces every secret value the client would otherwise log or
// return inside an error.
const redacted = "<redacted>"

// isSecretKey reports whether a response key (JSON/XML key, multiline label
// turned into a key) holds a secret. A master admin's list-domains carries
// password_for_mysql in plain text and hashed_password; list-users carries
// encrypted_password; list-admins carries password.
func isSecretKey(k string) bool {
	if needsNormalising(k) {
		k = strings.ToLower(strings.TrimSpace(k))
		k = strings.ReplaceAll(k, " ", "_")
	}
	if !strings.Contains(k, "pass") && !strings.Contains(k, "secret") && !strings.Contains(k, "token") &&
		!strings.Contains(k, "key") {
		return false
	}
	switch k {
	case "password_storage", "no_password_accepted":
		// Modes and flags about passwords, not passwords.
		return false
	case "pass", "passwd", "encpass", "private_key", "privatekey", "secret", "token", "api_key", "apikey":
		return true
	}
	return strings.Contains(k, "password") || strings.Contains(k, "passwd") ||
		strings.HasSuffix(k, "_pass") || strings.HasPrefix(k, "pass_") || strings.Contains(k, "secret")
}

// needsNormalising reports whether k has upper-case letters or spaces (JSON
// keys from the server are already lower case with underscores).
func needsNormalising(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c == ' ' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// isSecretParam reports whether a remote.cgi request parameter carries a
// secret that must never be logged: passwords (pass, mysql-pass, encpass,
// passfile, the key's pass) and private keys (install-cert key=, newkey=).
// Certificates are public and are not masked.
func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "key", "newkey", "token":
		return true
	}
	return strings.Contains(n, "pass") || strings.Contains(n, "secret") || strings.Contains(n, "private")
}

var (
	// "password_for_mysql" : [ "x", "y" ]  or  "password" : "x"
	// (a list matches only when it holds strings, so "data" : [ {...} ]
	// does not swallow the secrets inside it)
	reJSONSecret = regexp.MustCompile(`("([A-Za-z0-9_ -]*)"\s*:\s*)(\[\s*(?:"(?:[^"\\]|\\.)*"\s*,?\s*)*\]|"(?:[^"\\]|\\.)*")`)
	// text inside a JSON string: \n    Password for mysql: x\n
	reEscapedTextSecret = regexp.MustCompile(`(\\n[ \t]*([A-Za-z][A-Za-z0-9 _-]*?)[ \t]*:[ \t]*)((?:[^\\"]|\\[^n"])+)`)
	// <password_for_mysql>x</password_for_mysql>
	reXMLSecret = regexp.MustCompile(`<([A-Za-z0-9_-]+)>([^<]*)</`)
	// attribute form: password="x"
	reXMLAttrSecret = regexp.MustCompile(`\s([A-Za-z0-9_-]+)="([^"]*)"`)
	// text "    Password for mysql: x"
	reTextSecret = regexp.MustCompile(`(?m)^(\s*([A-Za-z][A-Za-z0-9 _-]*?)\s*:[ \t]*)(\S.*)$`)
	// form bodies: pass=x&...
	reFormSecret = regexp.MustCompile(`(^|&)([A-Za-z0-9_.-]+)=([^&\s]*)`)
	// PEM private keys, with real newlines or the tabs install-cert wants
	rePrivateKey = regexp.MustCompile(`-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END ([A-Z ]*)PRIVATE KEY-----`)
)

// redactBody masks secret values in any body the server sent or the client
// sends: JSON keys, XML elements and attributes, "Key: value" text lines,
// urlencoded form fields, and PEM private keys. The result is safe to log.
func redactBody(body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	return []byte(redactText(string(body)))
}

// redactText is redactBody for strings.
func redactText(s string) string {
	if s == "" {
		return s
	}
	s = rePrivateKey.ReplaceAllString(s, "-----BEGIN ${1}PRIVATE KEY-----"+redacted+"-----END ${2}PRIVATE KEY-----")
	s = redactURLSecrets(s)
	if strings.Contains(s, `"`) {
		s = reJSONSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reJSONSecret.FindStringSubmatch(m)
			if !isSecretKey(sub[2]) {
				return m
			}
			if strings.HasPrefix(sub[3], "[") {
				return sub[1] + `["` + redacted + `"]`
			}
			return sub[1] + `"` + redacted + `"`
		})
	}
	if strings.Contains(s, `\n`) {
		s = reEscapedTextSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reEscapedTextSecret.FindStringSubmatch(m)
			if !isSecretKey(sub[2]) {
				return m
			}
			return sub[1] + redacted
		})
	}
	if strings.Contains(s, "<") {
		s = reXMLSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reXMLSecret.FindStringSubmatch(m)
			if !isSecretKey(sub[1]) || sub[2] == "" {
				return m
			}
			return "<" + sub[1] + ">" + redacted + "</"
		})
		s = reXMLAttrSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reXMLAttrSecret.FindStringSubmatch(m)
			if !isSecretKey(sub[1]) {
				return m
			}
			return " " + sub[1] + `="` + redacted + `"`
		})
	}
	if strings.Contains(s, ":") {
		s = reTextSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reTextSecret.FindStringSubmatch(m)
			if !isSecretKey(sub[2]) || strings.HasPrefix(sub[3], `"`) || strings.HasPrefix(sub[3], "[") {
				// JSON lines were handled above.
				return m
			}
			return sub[1] + redacted
		})
	}
	if strings.Contains(s, "=") && !strings.ContainsAny(s, "\n") {
		s = reFormSecret.ReplaceAllStringFunc(s, func(m string) string {
			sub := reFormSecret.FindStringSubmatch(m)
			if !isSecretParam(sub[2]) || sub[3] == "" {
				return m
			}
			return sub[1] + sub[2] + "=" + redacted
		})
	}
	return s
}
