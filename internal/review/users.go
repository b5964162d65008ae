package review

import (
	"context"
	"fmt"

	"github.com/warden-gw/warden/internal/store"
)

// reviewUsers appends the findings of every user in st to fs: users in no team, admins and team admins.
func reviewUsers(ctx context.Context, st store.Store, opt Options, fs []Finding) ([]Finding, error) {
	err := pages(ctx, opt.pageSize, func(offset int) ([]store.User, error) {
		return st.ListUsersFiltered(ctx, store.UserFilter{Limit: opt.pageSize, Offset: offset})
	}, func(us []store.User) error {
		for _, u := range us {
			ms, err := st.TeamsOfUser(ctx, u.ID)
			if err != nil {
				return err
			}
			fs = append(fs, userFindings(u, ms)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("review: users: %w", err)
	}
	return fs, nil
}

// userFindings returns what a reviewer should see about one user with its memberships ms.
func userFindings(u store.User, ms []store.TeamMember) []Finding {
	state := userState(u)
	var fs []Finding
	if len(ms) == 0 {
		fs = append(fs, Finding{Kind: KindUserInNoTeam, UserID: u.ID, Detail: "role " + u.Role + "; member of no team" + state,
			Since: u.CreatedAt})
	}
	if u.Role == store.RoleAdmin {
		fs = append(fs, Finding{Kind: KindAdmin, UserID: u.ID, Detail: "role admin: manages everything" + state,
			Since: u.CreatedAt})
	}
	for _, m := range ms {
		if m.Role == store.TeamRoleAdmin {
			fs = append(fs, Finding{Kind: KindAdmin, UserID: u.ID, TeamID: m.TeamID,
				Detail: "team admin: manages the team's members and keys" + state, Since: m.CreatedAt})
		}
	}
	return fs
}

// userState notes in a detail that a user is blocked.
func userState(u store.User) string {
	if u.Blocked {
		return " (user blocked)"
	}
	return ""
}
