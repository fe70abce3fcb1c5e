package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.Resource               = (*placementResource)(nil)
	_ resource.ResourceWithConfigure  = (*placementResource)(nil)
	_ resource.ResourceWithModifyPlan = (*placementResource)(nil)
)

// Defaults of praho_placement.
const (
	defaultMaxLoad          = 1.0
	defaultMaxMovesPerApply = 5
)

// placementResource chooses a server for each of a set of accounts, at plan
// time, in one place: per-account choices made by each account's own plan
// would depend on the order Terraform plans them in, which it does not fix
// and which differs in the apply's new plan.
type placementResource struct {
	data *providerData
}

func newPlacementResource() resource.Resource { return &placementResource{} }

type placementModel struct {
	ID               types.String  `tfsdk:"id"`
	Accounts         types.Set     `tfsdk:"accounts"`
	Servers          types.Map     `tfsdk:"servers"`
	RequiredTags     types.Map     `tfsdk:"required_tags"`
	MaxLoad          types.Float64 `tfsdk:"max_load"`
	MaxMovesPerApply types.Int64   `tfsdk:"max_moves_per_apply"`
	Existing         types.Map     `tfsdk:"existing"`
	Assignments      types.Map     `tfsdk:"assignments"`
}

type placementServerModel struct {
	Capacity types.Int64  `tfsdk:"capacity"`
	Reserved types.Int64  `tfsdk:"reserved"`
	Tags     types.Map    `tfsdk:"tags"`
	Status   types.String `tfsdk:"status"`
	Draining types.Bool   `tfsdk:"draining"`
}

func (r *placementResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_placement"
}

func (r *placementResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: 0,
		MarkdownDescription: "Chooses a server for each of a set of hosting accounts, at plan time, so that the plan shows " +
			"where every account goes. Accounts take their server from `assignments` " +
			"(`server = praho_placement.web.assignments[each.key]`).\n\n" +
			"A new account goes to the candidate of lowest load ((`reserved` + accounts placed there) / `capacity`) that " +
			"is healthy or degraded, not draining, has every tag of `required_tags` and stays under `max_load`; ties go " +
			"to the server with fewer accounts, then to the first endpoint in alphabetical order, and accounts are placed " +
			"in the order of their keys, so 20 new accounts on two equal empty servers are 10 and 10. An assignment is " +
			"**sticky**: changes of load, capacity or health never move an account by themselves. A server whose entry " +
			"says `draining = true` gives its accounts to the other candidates, `max_moves_per_apply` per apply, each a " +
			"move of the account (see `praho_hosting_account`). When no candidate fits, the plan fails and names each " +
			"candidate with the reason it was refused.\n\n" +
			"The decision depends on this resource's configuration and its own state only (Terraform plans it again in " +
			"a new provider process during the apply, where it must come out the same): accounts this placement does " +
			"not manage count through `reserved`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Always `placement`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"accounts": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The keys of the accounts to place, typically the keys of the accounts' `for_each` " +
					"(`toset(keys(local.accounts))`). Removing a key forgets its assignment.",
			},
			"servers": schema.MapNestedAttribute{
				Required: true,
				MarkdownDescription: "The candidate servers, keyed by endpoint (`host:port`, or `host` for the provider's " +
					"`virtualmin.port`), typically from `praho_virtualmin_server` resources " +
					"(`{ for s in praho_virtualmin_server.fleet : s.id => { capacity = s.capacity, tags = s.tags, status = " +
					"s.status } }`). A server that holds accounts of this placement leaves it by draining first; removing " +
					"its entry before is refused.",
				Validators: []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.KeysAre(endpointValidator{})},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"capacity": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: "How many accounts the server takes in all (`praho_virtualmin_server.capacity`).",
						Validators:          []validator.Int64{int64validator.AtLeast(0)},
					},
					"reserved": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "Slots taken on the server by accounts this placement does not manage (other " +
							"placements, accounts placed by hand). Defaults to `0`.",
						Validators: []validator.Int64{int64validator.AtLeast(0)},
					},
					"tags": schema.MapAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "The server's labels (`praho_virtualmin_server.tags`), matched against `required_tags`.",
					},
					"status": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "`healthy`, `degraded` or `unavailable` (`praho_virtualmin_server.status`). " +
							"Only healthy and degraded servers take new accounts; accounts already on an unavailable server " +
							"stay assigned to it until it is drained (see rebuilding in the guide \"Running a fleet\"). " +
							"Left out, or not known yet (a server created in the same apply, whose creation fails if it " +
							"comes up unavailable), the server counts as healthy.",
						Validators: []validator.String{stringvalidator.OneOf(statusHealthy, statusDegraded, statusUnavailable)},
					},
					"draining": schema.BoolAttribute{
						Optional: true,
						MarkdownDescription: "Takes the server out of placement: it gets no new account, and its accounts " +
							"move to the other candidates, `max_moves_per_apply` per apply. Defaults to `false`.",
					},
				}},
			},
			"required_tags": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Tags a server must have, with these values, to take an account of this placement.",
			},
			"max_load": schema.Float64Attribute{
				Optional: true,
				Computed: true,
				Default:  float64default.StaticFloat64(defaultMaxLoad),
				MarkdownDescription: "The ceiling of a server's load, (`reserved` + accounts) / `capacity`, that a new or " +
					"moved account may bring it to. Defaults to `1` (full capacity).",
				Validators: []validator.Float64{float64validator.Between(0.01, 1)},
			},
			"max_moves_per_apply": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				Default:  int64default.StaticInt64(defaultMaxMovesPerApply),
				MarkdownDescription: "How many accounts leave draining servers in one apply. Each is a real move (copy, " +
					"verify, delete), Terraform runs up to its `-parallelism` of them at once. Defaults to `5`.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"existing": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Where accounts that exist before the placement are (account key → `host:port`): a " +
					"key without an assignment yet takes this server, so bringing existing accounts under a placement " +
					"moves none of them. The server must be in `servers`. Ignored for keys already assigned.",
				Validators: []validator.Map{mapvalidator.ValueStringsAre(endpointValidator{})},
			},
			"assignments": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The server (`host:port`) of each account key, known at plan time when the candidates " +
					"are (a server created in the same apply makes it known at apply).",
			},
		},
	}
}

func (r *placementResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// defaultPort is the port of an endpoint given without one.
func (r *placementResource) defaultPort() int {
	if r.data != nil {
		return r.data.cfg.Virtualmin.Port
	}
	return defaultVirtualminPort
}

// input turns the model into the rule's input; known is false when a value
// the decision depends on is not known yet.
func (r *placementResource) input(ctx context.Context, m *placementModel, prior types.Map) (in placementInput, known bool, diags diag.Diagnostics) {
	if m.Accounts.IsUnknown() || m.Servers.IsUnknown() || m.RequiredTags.IsUnknown() || m.MaxLoad.IsUnknown() ||
		m.MaxMovesPerApply.IsUnknown() || m.Existing.IsUnknown() {
		return in, false, diags
	}
	diags.Append(m.Accounts.ElementsAs(ctx, &in.accounts, false)...)
	for _, k := range in.accounts {
		if k == "" {
			diags.AddAttributeError(path.Root("accounts"), "Empty account key", "Every account key must be a non-empty string.")
		}
	}
	if !m.RequiredTags.IsNull() {
		diags.Append(m.RequiredTags.ElementsAs(ctx, &in.requiredTags, false)...)
	}
	in.maxLoad, in.maxMoves = m.MaxLoad.ValueFloat64(), int(m.MaxMovesPerApply.ValueInt64())
	var servers map[string]placementServerModel
	diags.Append(m.Servers.ElementsAs(ctx, &servers, false)...)
	if diags.HasError() {
		return in, false, diags
	}
	in.servers = map[string]candidate{}
	for key, s := range servers {
		if s.Capacity.IsUnknown() || s.Reserved.IsUnknown() || s.Tags.IsUnknown() || s.Draining.IsUnknown() {
			return in, false, diags
		}
		ep, err := normalizeEndpoint(key, r.defaultPort())
		if err != nil {
			diags.AddAttributeError(path.Root("servers").AtMapKey(key), "Invalid server endpoint", err.Error())
			continue
		}
		if _, dup := in.servers[ep]; dup {
			diags.AddAttributeError(path.Root("servers").AtMapKey(key), "Server listed twice",
				fmt.Sprintf("%q is %s, which another key names already: keep one entry.", key, ep))
			continue
		}
		c := candidate{endpoint: ep, capacity: s.Capacity.ValueInt64(), reserved: s.Reserved.ValueInt64(),
			status: s.Status.ValueString(), draining: s.Draining.ValueBool()}
		if !s.Tags.IsNull() {
			diags.Append(s.Tags.ElementsAs(ctx, &c.tags, false)...)
		}
		in.servers[ep] = c
	}
	if !m.Existing.IsNull() {
		var existing map[string]types.String
		diags.Append(m.Existing.ElementsAs(ctx, &existing, false)...)
		in.existing = map[string]string{}
		for k, v := range existing {
			if v.IsUnknown() {
				return in, false, diags
			}
			ep, err := normalizeEndpoint(v.ValueString(), r.defaultPort())
			if err != nil {
				diags.AddAttributeError(path.Root("existing").AtMapKey(k), "Invalid server endpoint", err.Error())
				continue
			}
			in.existing[k] = ep
		}
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		diags.Append(prior.ElementsAs(ctx, &in.prior, false)...)
	}
	return in, !diags.HasError(), diags
}

// decide runs the rule on m (with the prior assignments) and sets
// m.Assignments: unknown when an input is.
func (r *placementResource) decide(ctx context.Context, m *placementModel, prior types.Map) (*placementResult, diag.Diagnostics) {
	in, known, diags := r.input(ctx, m, prior)
	if diags.HasError() {
		return nil, diags
	}
	if !known {
		m.Assignments = types.MapUnknown(types.StringType)
		return nil, diags
	}
	res, err := place(in)
	if err != nil {
		pe := err.(*placementError)
		diags.AddAttributeError(path.Root("servers"), pe.summary, pe.detail)
		return nil, diags
	}
	vals := make(map[string]attr.Value, len(res.assignments))
	for k, ep := range res.assignments {
		vals[k] = types.StringValue(ep)
	}
	m.Assignments = types.MapValueMust(types.StringType, vals)
	return res, diags
}

// ModifyPlan makes the decision at plan time, so that the plan shows each
// account's server, and says which accounts leave draining servers.
func (r *placementResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan placementModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	prior := types.MapNull(types.StringType)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("assignments"), &prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	res, diags := r.decide(ctx, &plan, prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.ID.IsUnknown() {
		plan.ID = types.StringValue("placement")
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if res != nil && len(res.moves) > 0 {
		lines := make([]string, 0, len(res.moves))
		for _, m := range res.moves {
			lines = append(lines, fmt.Sprintf("  %s: %s -> %s", m.key, m.from, m.to))
		}
		detail := fmt.Sprintf("This apply moves %d account(s) off draining servers:\n%s", len(res.moves), strings.Join(lines, "\n"))
		if res.waiting > 0 {
			detail += fmt.Sprintf("\n%d more wait for later applies (max_moves_per_apply = %d).", res.waiting, plan.MaxMovesPerApply.ValueInt64())
		}
		resp.Diagnostics.AddWarning("Accounts leave draining servers", detail)
	}
}

func (r *placementResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan placementModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, types.MapNull(types.StringType), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *placementResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state placementModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, state.Assignments, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply decides what the plan could not (an input was unknown then).
func (r *placementResource) apply(ctx context.Context, plan *placementModel, prior types.Map, diags *diag.Diagnostics) {
	plan.ID = types.StringValue("placement")
	if !plan.Assignments.IsUnknown() {
		return
	}
	_, d := r.decide(ctx, plan, prior)
	diags.Append(d...)
	if !diags.HasError() && plan.Assignments.IsUnknown() {
		diags.AddAttributeError(path.Root("servers"), "Placement inputs still unknown",
			"An input of the placement is not known at apply time. This is a bug in the provider; please report it.")
	}
}

// Read keeps the state: the assignments are the placement's own decisions.
func (r *placementResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state placementModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
}

// Delete forgets the assignments; the accounts are not touched.
func (r *placementResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
