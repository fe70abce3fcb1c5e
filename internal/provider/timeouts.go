package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// opTimeouts are a resource's default operation timeouts: what its
// operations use when the configuration sets none, and what the docs of its
// timeouts attribute state. One value per resource keeps the two the same.
type opTimeouts struct {
	create, read, update, delete time.Duration
	// noCallOnDelete marks a resource whose destroy makes no call to the
	// server (it only forgets): its delete timeout is accepted and unused.
	noCallOnDelete bool
}

// The defaults of every resource with a timeouts attribute, in one table.
// An account's create waits for Virtualmin to set up its Unix user, website,
// mail and databases; a server's create runs Virtualmin's installer.
var (
	hostingAccountTimeouts   = opTimeouts{create: 20 * time.Minute, read: 5 * time.Minute, update: 10 * time.Minute, delete: 10 * time.Minute}
	childDomainTimeouts      = opTimeouts{create: 20 * time.Minute, read: 5 * time.Minute, update: 10 * time.Minute, delete: 10 * time.Minute}
	mailboxTimeouts          = opTimeouts{create: 10 * time.Minute, read: 5 * time.Minute, update: 10 * time.Minute, delete: 10 * time.Minute}
	databaseTimeouts         = opTimeouts{create: 10 * time.Minute, delete: 10 * time.Minute}
	phpSettingsTimeouts      = opTimeouts{create: 10 * time.Minute, read: 5 * time.Minute, update: 10 * time.Minute, noCallOnDelete: true}
	letsEncryptTimeouts      = opTimeouts{create: 10 * time.Minute, read: 2 * time.Minute, update: 10 * time.Minute, noCallOnDelete: true}
	backupTimeouts           = opTimeouts{create: 60 * time.Minute}
	virtualminServerTimeouts = opTimeouts{create: 45 * time.Minute, read: 5 * time.Minute, update: 20 * time.Minute, delete: 30 * time.Minute}
)

// attribute is the resource's timeouts attribute with an entry for each
// operation that has a default (and delete when noCallOnDelete), each
// stating its default.
func (d opTimeouts) attribute(ctx context.Context) schema.Attribute {
	doc := func(op string, def time.Duration) string {
		return fmt.Sprintf("How long %s may take, a duration such as `30s` or `2h45m`. Defaults to `%s`.", op, formatTimeout(def))
	}
	deleteDoc := doc("a destroy", d.delete)
	if d.noCallOnDelete {
		deleteDoc = "Accepted and not used: destroying this resource makes no call to the server."
	}
	return timeouts.Attributes(ctx, timeouts.Opts{
		Create: d.create > 0, CreateDescription: doc("a create", d.create),
		Read: d.read > 0, ReadDescription: doc("a refresh", d.read),
		Update: d.update > 0, UpdateDescription: doc("an update", d.update),
		Delete: d.delete > 0 || d.noCallOnDelete, DeleteDescription: deleteDoc,
	})
}

// formatTimeout writes a default as a configuration would (`45m`, not
// `45m0s`).
func formatTimeout(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
