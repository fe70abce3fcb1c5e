package provider

import (
	"fmt"
	"strings"
)

// importHint tells how to bring an object that exists already under this
// resource's management. The provider is not told the resource's address;
// Terraform prints it in the "with" line of the error, so the hint names
// that line instead of guessing.
func importHint(resourceType, id string) string {
	return fmt.Sprintf("To manage it with this resource, import it: add this block, with ADDRESS being the resource's "+
		"address from the \"with\" line of this error (for example %s.name or %s.name[0]):\n\n"+
		"  import {\n    to = ADDRESS\n    id = %q\n  }\n\nor run: terraform import ADDRESS %s",
		resourceType, resourceType, id, shellQuote(id))
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
