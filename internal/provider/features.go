package provider

// Virtualmin features of accounts, sub-servers and aliases, one model for
// the three resources. A server may switch features on by itself (an
// installer-configured server adds ssl and logrotate to every website), so
// `features` means "at least these": it is what the user asked for, never
// widened by what the server added; `enabled_features` is what the server
// has. A feature asked for and missing on the server shows as a change in
// the plan (the apply turns it on again); a feature the server added shows
// in enabled_features only. A feature removed from `features` is turned off
// only if it was asked for before, so a feature the server added is never
// turned off behind the user's back.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// featuresDescription explains the model in each resource's schema.
const featuresDescription = "A server may switch features on by itself (a server set up by Virtualmin's installer adds " +
	"`ssl` and `logrotate` to every domain with a website): `features` lists the features asked for, and the " +
	"domain has at least these; `enabled_features` shows all it has. A feature asked for and missing on the server " +
	"shows in the plan, and the apply turns it on again; one the server added is no drift. The plan fails when a " +
	"feature is not enabled in the server's Virtualmin configuration (see `praho_virtualmin_server_info`)."

// enabledFeaturesAttribute is the computed set of every feature the server
// reports for the domain.
func enabledFeaturesAttribute(what string) schema.SetAttribute {
	return schema.SetAttribute{
		Computed:    true,
		ElementType: types.StringType,
		MarkdownDescription: "Every feature the " + what + " has on the server: those in `features` and those the server " +
			"switched on by itself.",
		PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
	}
}

// featureChanges lists the features an update turns on and off: those asked
// for that the domain lacks, and those asked for before, no longer asked
// for, that it has. Each is sorted.
func featureChanges(askedBefore, asked, enabled []string) (on, off []string) {
	on = minus(asked, enabled)
	off = minus(minus(askedBefore, asked), minus(askedBefore, enabled))
	sort.Strings(on)
	sort.Strings(off)
	return on, off
}

// featuresSchemaVersion is the schema version of the resources with
// features (accounts, sub-servers, aliases). Version 1 added
// enabled_features.
const featuresSchemaVersion = 1

// upgradeToEnabledFeatures upgrades a state of version 0, written before
// enabled_features existed (or, by a build between, with it): until the next
// refresh reads what the domain has, what was asked for stands for it, as
// the create had set it up. The update that turns features off relies on
// it.
func upgradeToEnabledFeatures() resource.StateUpgrader {
	return resource.StateUpgrader{
		StateUpgrader: func(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var attrs map[string]json.RawMessage
			if req.RawState == nil || json.Unmarshal(req.RawState.JSON, &attrs) != nil {
				resp.Diagnostics.AddError("Cannot upgrade the state", "The state of version 0 is not a JSON object. This is a bug in the provider.")
				return
			}
			if v, ok := attrs["enabled_features"]; !ok || string(v) == "null" {
				attrs["enabled_features"] = attrs["features"]
			}
			b, err := json.Marshal(attrs)
			if err != nil {
				resp.Diagnostics.AddError("Cannot upgrade the state", err.Error())
				return
			}
			resp.DynamicValue = &tfprotov6.DynamicValue{JSON: b}
		},
	}
}

// readFeatures returns `features` and `enabled_features` for what the server
// reports (have, filtered to the features the resource manages): features
// keeps what was asked and the server still has. Without a previous value
// (after an import) it is what the server has minus what it switches on by
// itself, which auto lists (nil when unknown).
func readFeatures(ctx context.Context, asked types.Set, have, managed, auto []string, diags *diag.Diagnostics) (features, enabled types.Set) {
	var mine []string
	for _, f := range have {
		if slices.Contains(managed, f) {
			mine = append(mine, f)
		}
	}
	enabled = stringSet(have)
	if asked.IsNull() || asked.IsUnknown() {
		return stringSet(minus(mine, auto)), enabled
	}
	var keep []string
	for _, f := range setStrings(ctx, asked, diags) {
		if slices.Contains(have, f) {
			keep = append(keep, f)
		}
	}
	return stringSet(keep), enabled
}

// automaticFeatures lists the features the server switches on by itself,
// from its shared list-features answer; nil when that cannot be read.
func automaticFeatures(ctx context.Context, srv *vmServer) []string {
	fs, err := srv.features.Get(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range fs {
		if f.Automatic {
			out = append(out, f.Name)
		}
	}
	return out
}

// checkFeaturesEnabled fails the plan when a feature to be turned on is not
// enabled in the server's Virtualmin configuration, which would fail the
// apply ("The --postgres option cannot be used unless the feature is enabled
// in the module configuration"). The server's list is one list-features call
// per server and run, shared by every resource; a server that cannot answer
// gives a warning, and the apply reports what it finds.
func checkFeaturesEnabled(ctx context.Context, data *providerData, server types.String, domain string, turnOn []string, diags *diag.Diagnostics) {
	if len(turnOn) == 0 || data == nil || server.IsUnknown() || server.IsNull() {
		return // a server created in the same apply: checked by the apply
	}
	srv, err := data.virtualminServer(server.ValueString())
	if err != nil {
		return // reported by the apply with the server attribute
	}
	fs, err := srv.features.Get(ctx)
	if err != nil {
		diags.AddAttributeWarning(path.Root("features"), "Features not checked against the server",
			fmt.Sprintf("Server: %s\nDomain: %s\nThe server's enabled features could not be listed (list-features: %v); "+
				"the apply reports a feature the server does not offer.", srv.endpoint, domain, err))
		return
	}
	offered := make([]string, 0, len(fs))
	for _, f := range fs {
		offered = append(offered, f.Name)
	}
	if missing := minus(turnOn, offered); len(missing) > 0 {
		sort.Strings(missing)
		diags.AddAttributeError(path.Root("features"), "Feature not enabled on the server",
			fmt.Sprintf("Server: %s\nDomain: %s\n%s %s not enabled in the server's Virtualmin configuration, which offers: %s "+
				"(see praho_virtualmin_server_info). Remove %s from features, or enable %s in Virtualmin (System Settings, "+
				"Features and Plugins) and plan again.", srv.endpoint, domain, strings.Join(missing, ", "), isAre(len(missing)),
				strings.Join(offered, ", "), itThem(len(missing)), itThem(len(missing))))
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// plannedFeaturesOff are the features this plan turns off on each account
// (by serverDomainID), recorded by the account's ModifyPlan so that what
// lives in the account and goes with a feature (a database with mysql) can
// say so in its own plan. Terraform plans an account before the resources
// that reference it.
type plannedFeaturesOff struct {
	mu        sync.Mutex
	byAccount map[string][]string
}

func (p *plannedFeaturesOff) record(account string, off []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byAccount == nil {
		p.byAccount = map[string][]string{}
	}
	p.byAccount[account] = off
}

// turnsOff reports whether this plan turns feature off on the account.
func (p *plannedFeaturesOff) turnsOff(account, feature string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.byAccount[account], feature)
}
