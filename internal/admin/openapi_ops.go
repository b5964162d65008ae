package admin

import "net/http"

// docOperations are the documented routes, written by hand: a test fails when a route exists that
// is not here, or is here and does not exist. /admin/v1/review is served by the server package.
func docOperations() []operation {
	const ok, created, none = http.StatusOK, http.StatusCreated, http.StatusNoContent
	page := []string{"limit", "offset"}
	return []operation{
		// native keys
		{"GET", "/admin/v1/keys", "keys", "List keys (the caller's own unless they may see more)", append([]string{"user_id", "team_id"}, page...), "", ok, "KeyPage"},
		{"POST", "/admin/v1/keys", "keys", "Create a key; the answer holds its secret, shown only once", nil, "KeyCreate", created, "KeyWithSecret"},
		{"GET", "/admin/v1/keys/{id}", "keys", "Read a key by its id", nil, "", ok, "Key"},
		{"PATCH", "/admin/v1/keys/{id}", "keys", "Change a key; absent fields are unchanged, null clears", nil, "KeyPatch", ok, "Key"},
		{"DELETE", "/admin/v1/keys/{id}", "keys", "Revoke a key", nil, "", none, ""},
		{"POST", "/admin/v1/keys/{id}/regenerate", "keys", "Give a key a new secret; the old one works for grace_period (default none)", nil, "KeyRegenerate", ok, "KeyWithSecret"},
		// native teams
		{"GET", "/admin/v1/teams", "teams", "List teams (the caller's own unless they may list all)", append([]string{"user_id"}, page...), "", ok, "TeamPage"},
		{"POST", "/admin/v1/teams", "teams", "Create a team", nil, "TeamCreate", created, "Team"},
		{"GET", "/admin/v1/teams/{id}", "teams", "Read a team and its members", nil, "", ok, "Team"},
		{"PATCH", "/admin/v1/teams/{id}", "teams", "Change a team; models, blocked and limits only by an admin", nil, "TeamPatch", ok, "Team"},
		{"DELETE", "/admin/v1/teams/{id}", "teams", "Delete a team and its keys", nil, "", none, ""},
		{"GET", "/admin/v1/teams/{id}/members", "teams", "List a team's members", page, "", ok, "MemberPage"},
		{"POST", "/admin/v1/teams/{id}/members", "teams", "Add a member (a user unknown by id or email is created)", nil, "MemberCreate", created, "Member"},
		{"DELETE", "/admin/v1/teams/{id}/members/{user_id}", "teams", "Remove a member", nil, "", none, ""},
		// native users
		{"GET", "/admin/v1/users", "users", "List users", append([]string{"role", "team_id"}, page...), "", ok, "UserPage"},
		{"POST", "/admin/v1/users", "users", "Create a user (no key: create one with POST /admin/v1/keys)", nil, "UserCreate", created, "User"},
		{"GET", "/admin/v1/users/{id}", "users", "Read a user and their teams", nil, "", ok, "User"},
		{"PATCH", "/admin/v1/users/{id}", "users", "Change a user; only an admin changes roles", nil, "UserPatch", ok, "User"},
		{"DELETE", "/admin/v1/users/{id}", "users", "Delete a user and their keys", nil, "", none, ""},
		// usage
		{"GET", "/admin/v1/usage", "usage", "Usage report: requests, tokens and cost per key, user, team, model or UTC day (a non-admin sees their own)",
			append([]string{"group_by", "key_id", "user_id", "team_id", "model", "since", "until"}, page...), "", ok, "UsageReport"},
		// events, review, this document
		{"GET", "/admin/v1/events", "events", "List admin events, newest first", []string{"actor", "action", "target", "since", "until", "limit", "offset", "page", "page_size"}, "", ok, "EventPage"},
		{"GET", "/admin/v1/review", "review", "Access review: unused and old keys, keys without owner or justification, users in no team, admins", []string{"format"}, "", ok, "Review"},
		{"GET", "/admin/v1/openapi.json", "meta", "This document", nil, "", ok, "OpenAPIDocument"},
		// LiteLLM-compatible keys
		{"POST", "/key/generate", "litellm", "LiteLLM: generate a key", nil, "LiteLLMKeyGenerate", ok, "LiteLLMKeyAnswer"},
		{"POST", "/key/update", "litellm", "LiteLLM: update a key", nil, "LiteLLMKeyUpdate", ok, "LiteLLMKeyAnswer"},
		{"POST", "/key/delete", "litellm", "LiteLLM: delete keys", nil, "LiteLLMKeyDelete", ok, "LiteLLMAnswer"},
		{"GET", "/key/info", "litellm", "LiteLLM: read a key", []string{"key"}, "", ok, "LiteLLMAnswer"},
		{"GET", "/key/list", "litellm", "LiteLLM: list keys", []string{"page", "size", "user_id", "team_id", "return_full_object"}, "", ok, "LiteLLMAnswer"},
		{"POST", "/key/regenerate", "litellm", "LiteLLM: regenerate a key", nil, "LiteLLMKeyRegenerate", ok, "LiteLLMKeyAnswer"},
		{"POST", "/key/{key}/regenerate", "litellm", "LiteLLM: regenerate a key named in the path", nil, "LiteLLMKeyRegenerate", ok, "LiteLLMKeyAnswer"},
		// LiteLLM-compatible teams
		{"POST", "/team/new", "litellm", "LiteLLM: create a team", nil, "LiteLLMTeamNew", ok, "LiteLLMTeam"},
		{"POST", "/team/update", "litellm", "LiteLLM: update a team", nil, "LiteLLMTeamUpdate", ok, "LiteLLMAnswer"},
		{"POST", "/team/delete", "litellm", "LiteLLM: delete teams", nil, "LiteLLMTeamDelete", ok, "LiteLLMAnswer"},
		{"GET", "/team/info", "litellm", "LiteLLM: read a team", []string{"team_id"}, "", ok, "LiteLLMAnswer"},
		{"GET", "/team/list", "litellm", "LiteLLM: list teams", []string{"user_id"}, "", ok, "LiteLLMTeamList"},
		{"POST", "/team/member_add", "litellm", "LiteLLM: add team members", nil, "LiteLLMMemberAdd", ok, "LiteLLMTeam"},
		{"POST", "/team/member_delete", "litellm", "LiteLLM: remove a team member", nil, "LiteLLMMemberDelete", ok, "LiteLLMTeam"},
		// LiteLLM-compatible users
		{"POST", "/user/new", "litellm", "LiteLLM: create a user (and a first key unless auto_create_key is false)", nil, "LiteLLMUserNew", ok, "LiteLLMUserNewAnswer"},
		{"GET", "/user/info", "litellm", "LiteLLM: read a user", []string{"user_id"}, "", ok, "LiteLLMAnswer"},
		{"POST", "/user/update", "litellm", "LiteLLM: update a user", nil, "LiteLLMUserUpdate", ok, "LiteLLMAnswer"},
		{"POST", "/user/delete", "litellm", "LiteLLM: delete users", nil, "LiteLLMUserDelete", ok, "LiteLLMAnswer"},
		{"GET", "/user/list", "litellm", "LiteLLM: list users", []string{"role", "team", "page", "page_size"}, "", ok, "LiteLLMAnswer"},
		// LiteLLM-compatible spend
		{"GET", "/spend/logs", "litellm", "LiteLLM: spend per UTC day (daily aggregates, not per-request rows)",
			[]string{"start_date", "end_date", "api_key", "user_id", "summarize"}, "", ok, "LiteLLMSpendLogs"},
	}
}

// namedSchema is a component schema and the Go type it is derived from.
type namedSchema struct {
	name  string
	v     any
	about string
}

// freeObject is a JSON object the document does not detail.
type freeObject map[string]any

// teamList is LiteLLM's /team/list answer.
type teamList []teamView

// docSchemas are the component schemas, each derived from the Go type the handlers use.
func docSchemas() []namedSchema {
	return []namedSchema{
		{"Error", nativeError{}, "every error: message, type, code and the field at fault (param)"},
		{"Limits", limitsView{}, "budget and rate limits; null means no limit"},
		{"LimitsInput", limitFields{}, "limits to set; a null field clears that limit, an absent one keeps it"},
		{"Key", keyResource{}, "an API key, never its secret"},
		{"KeyWithSecret", keyWithSecret{}, "a new or regenerated key with its secret, shown only in this answer"},
		{"KeyCreate", keyCreate{}, "duration: lifetime like 30d, 12h; none means no expiry"},
		{"KeyPatch", keyPatch{}, ""},
		{"KeyRegenerate", keyRegenerate{}, "grace_period: how long the old secret keeps working, like 1h"},
		{"KeyPage", page[keyResource]{}, "next_offset is null on the last page"},
		{"Team", teamResource{}, ""},
		{"TeamCreate", teamCreate{}, ""},
		{"TeamPatch", teamPatch{}, ""},
		{"TeamPage", page[teamResource]{}, ""},
		{"Member", memberResource{}, "role is admin or member"},
		{"MemberCreate", memberCreate{}, "user_id or email; role admin or member (default member)"},
		{"MemberPage", page[memberResource]{}, ""},
		{"User", userResource{}, "role is admin, user, pending or auditor"},
		{"UserCreate", userCreate{}, ""},
		{"UserPatch", userPatch{}, ""},
		{"UserPage", page[userResource]{}, ""},
		{"Event", eventView{}, "an admin action: actor, action, target and the change, never a secret"},
		{"EventPage", eventPage{}, "items and events hold the same page"},
		{"UsageReport", usageReport{}, "Spend is kept per UTC day. Parameters: group_by key, user, team, model or day " +
			"(default); filters key_id, user_id, team_id, model; since and until, a date (2026-01-31) or an RFC 3339 time, " +
			"where a day counts when it overlaps [since, until). Admins and auditors see all spend; anyone else their own " +
			"(user_id is set to them), or with team_id a team they administer, that team's; other filters are refused (403). " +
			"Answer: since is the first UTC day counted, until the first day not counted (null: unbounded); filters are " +
			"those applied, including the caller's own user_id; data has one row per group, most costly first; total sums " +
			"data (this page); next_offset is null on the last page"},
		{"UsageGroup", usageGroup{}, "group is the key id, user id, team id, model or day (2006-01-02), null for spend " +
			"with no such id; total_tokens is prompt_tokens plus completion_tokens; estimated_requests counts requests " +
			"whose tokens Warden counted because the backend reported none"},
		{"UsageTotals", usageSums{}, "the sums of the rows' counters"},
		{"UsageFilters", usageFilters{}, "null for no filter"},
		{"Review", freeObject{}, "the access review findings (JSON, or CSV with format=csv)"},
		{"OpenAPIDocument", freeObject{}, "an OpenAPI 3 document"},
		{"LiteLLMAnswer", freeObject{}, "LiteLLM's answer shape for this endpoint"},
		{"LiteLLMKeyGenerate", generateRequest{}, ""},
		{"LiteLLMKeyUpdate", updateRequest{}, ""},
		{"LiteLLMKeyDelete", keyDeleteRequest{}, ""},
		{"LiteLLMKeyRegenerate", regenerateRequest{}, ""},
		{"LiteLLMKey", keyView{}, ""},
		{"LiteLLMKeyAnswer", keyAnswer{}, "key is the secret after generate and regenerate, the key id after update"},
		{"LiteLLMTeamNew", newTeamRequest{}, ""},
		{"LiteLLMTeamUpdate", updateTeamRequest{}, ""},
		{"LiteLLMTeamDelete", teamDeleteRequest{}, ""},
		{"LiteLLMTeam", teamView{}, ""},
		{"LiteLLMTeamList", teamList{}, ""},
		{"LiteLLMMemberAdd", memberAddRequest{}, "member: one member object or a list of them"},
		{"LiteLLMMemberDelete", memberDeleteRequest{}, ""},
		{"LiteLLMUserNew", newUserRequest{}, "teams: team ids or {team_id, user_role} objects"},
		{"LiteLLMUserNewAnswer", userNewAnswer{}, ""},
		{"LiteLLMUserUpdate", updateUserRequest{}, ""},
		{"LiteLLMUserDelete", userDeleteRequest{}, ""},
		{"LiteLLMUser", userView{}, ""},
		{"LiteLLMSpendLogs", spendLogs{}, "One entry per UTC day from start_date to end_date (dates, both included; " +
			"default the 30 days up to today, at most 366), in date order; days without spend are zeros. api_key is a key " +
			"id or a key secret; a non-admin sees their own spend. summarize=false (per-request rows) is refused: Warden " +
			"keeps daily aggregates"},
		{"LiteLLMSpendDay", spendDay{}, "startTime is the UTC day (2006-01-02); spend is its cost"},
	}
}
