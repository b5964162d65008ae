package policy

import "slices"

// Management actions: one per management endpoint (LiteLLM-compatible and
// native), plus TeamUpdateLimits for the budget and limit fields of a team
// update, which only admins may change.
const (
	KeyGenerate   = "key.generate"
	KeyUpdate     = "key.update"
	KeyDelete     = "key.delete"
	KeyInfo       = "key.info"
	KeyList       = "key.list"
	KeyRegenerate = "key.regenerate"

	TeamNew          = "team.new"
	TeamUpdate       = "team.update"
	TeamUpdateLimits = "team.update_limits" // max_budget, budget_duration, rpm/tpm limits, max_parallel_requests
	TeamDelete       = "team.delete"
	TeamInfo         = "team.info"
	TeamList         = "team.list"
	TeamMemberAdd    = "team.member_add"
	TeamMemberDelete = "team.member_delete"

	UserNew    = "user.new"
	UserInfo   = "user.info"
	UserUpdate = "user.update"
	UserDelete = "user.delete"
	UserList   = "user.list"

	EventsList  = "events.list"
	UsageRead   = "usage.read"
	ReviewRead  = "review.read"
	MetricsRead = "metrics.read"
	ModelManage = "model.manage" // Ollama pull, push, create, copy, delete
)

// rule says who besides an admin may take an action.
type rule struct {
	action    string
	read      bool // an auditor may: it changes nothing
	self      bool // a user may, on what they own (Target.OwnerUserID is the user)
	teamAdmin bool // a team admin may, within their team (Target.TeamID)
	member    bool // any member of the target team may (reading their own team)
	addresses bool // it names an existing resource: out of the actor's sight it is 404
}

// rules is the permission table, in the order Actions lists it. It is never written.
var rules = [...]rule{
	{action: KeyGenerate, self: true, teamAdmin: true},
	{action: KeyUpdate, self: true, teamAdmin: true, addresses: true},
	{action: KeyDelete, self: true, teamAdmin: true, addresses: true},
	{action: KeyInfo, read: true, self: true, teamAdmin: true, addresses: true},
	{action: KeyList, read: true, self: true, teamAdmin: true},
	{action: KeyRegenerate, self: true, teamAdmin: true, addresses: true},

	{action: TeamNew},
	{action: TeamUpdate, teamAdmin: true, addresses: true},
	{action: TeamUpdateLimits},
	{action: TeamDelete},
	{action: TeamInfo, read: true, teamAdmin: true, member: true, addresses: true},
	{action: TeamList, read: true},
	{action: TeamMemberAdd, teamAdmin: true, addresses: true},
	{action: TeamMemberDelete, teamAdmin: true, addresses: true},

	{action: UserNew, teamAdmin: true},
	{action: UserInfo, read: true, self: true, teamAdmin: true, addresses: true},
	{action: UserUpdate},
	{action: UserDelete},
	{action: UserList, read: true, teamAdmin: true},

	{action: EventsList, read: true},
	{action: UsageRead, read: true, self: true, teamAdmin: true},
	{action: ReviewRead, read: true},
	{action: MetricsRead, read: true},
	{action: ModelManage},
}

// Actions returns every management action the permission table knows, so that
// a server test can fail when an endpoint maps to no action.
func Actions() []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.action
	}
	return out
}

// lookupRule returns the rule for action.
func lookupRule(action string) (rule, bool) {
	i := slices.IndexFunc(rules[:], func(r rule) bool { return r.action == action })
	if i < 0 {
		return rule{}, false
	}
	return rules[i], true
}
