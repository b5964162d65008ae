package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

const pgTeamCols = `id, alias, models, metadata, blocked, created_at, updated_at, ` + limitCols

// CreateTeam adds a team; ErrConflict when the id or the alias (case-insensitively) is taken.
func (s *Postgres) CreateTeam(ctx context.Context, t Team) error {
	t, err := normTeam(t, time.Now())
	if err != nil {
		return fmt.Errorf("store: create team: %w", err)
	}
	args := append([]any{t.ID, t.Alias, pgList(t.Models), string(t.Metadata), t.Blocked, t.CreatedAt, t.UpdatedAt},
		limitArgs(t.Limits)...)
	args = append(args, foldAlias(t.Alias))
	_, err = s.pool.Exec(ctx, `INSERT INTO teams (`+pgTeamCols+`, alias_fold) VALUES (`+pgMarks(1, len(args))+`)`, args...)
	if field, ok := pgConflict(err); ok {
		return conflict("create team", field)
	}
	if err != nil {
		return fmt.Errorf("store: create team: %w", err)
	}
	return nil
}

// GetTeam returns the team with this id, or ErrNotFound.
func (s *Postgres) GetTeam(ctx context.Context, id string) (Team, error) {
	return s.getTeam(ctx, "id", id)
}

// GetTeamByAlias returns the team with this alias (compared case-insensitively), or ErrNotFound.
func (s *Postgres) GetTeamByAlias(ctx context.Context, alias string) (Team, error) {
	return s.getTeam(ctx, "alias", alias)
}

func (s *Postgres) getTeam(ctx context.Context, by, v string) (Team, error) {
	col, arg := "id", any(v)
	if by == "alias" {
		col, arg = "alias_fold", foldAlias(v)
	}
	t, err := scanPgTeam(s.pool.QueryRow(ctx, `SELECT `+pgTeamCols+` FROM teams WHERE `+col+` = $1`, arg))
	if isPgNoRows(err) {
		return Team{}, fmt.Errorf("store: team with %s %q: %w", by, trunc(v), ErrNotFound)
	}
	if err != nil {
		return Team{}, fmt.Errorf("store: get team: %w", err)
	}
	return t, nil
}

// UpdateTeam replaces the team's mutable fields; ErrNotFound, or ErrConflict on an alias clash.
func (s *Postgres) UpdateTeam(ctx context.Context, t Team) error {
	now := time.Now()
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = now
	}
	t, err := normTeam(t, now)
	if err != nil {
		return fmt.Errorf("store: update team: %w", err)
	}
	args := append([]any{t.ID, t.Alias, foldAlias(t.Alias), pgList(t.Models), string(t.Metadata), t.Blocked, t.UpdatedAt},
		limitArgs(t.Limits)...)
	tag, err := s.pool.Exec(ctx, `UPDATE teams SET alias = $2, alias_fold = $3, models = $4, metadata = $5, blocked = $6,
		updated_at = $7, `+setList(limitCols, pgParam(8))+` WHERE id = $1`, args...)
	return pgOneRow(tag, err, "update team", "team", t.ID)
}

// DeleteTeam deletes the team, its memberships and its keys in one transaction.
func (s *Postgres) DeleteTeam(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE team_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE team_id = $1`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM teams WHERE id = $1`, id)
		return pgOneRow(tag, err, "delete team", "team", id) // not found rolls the transaction back
	})
	return wrapOp("delete team", err)
}

// ListTeams returns a page of the teams matching f, ordered by CreatedAt then ID.
func (s *Postgres) ListTeams(ctx context.Context, f TeamFilter) ([]Team, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	w := pgWhere()
	teamFilterSQL(f, w)
	q := `SELECT ` + pgTeamCols + ` FROM teams` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	ts, err := pgCollect(ctx, s.pool, scanPgTeam, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	return ts, nil
}

// CountTeams counts the teams matching f.
func (s *Postgres) CountTeams(ctx context.Context, f TeamFilter) (int, error) {
	w := pgWhere()
	teamFilterSQL(f, w)
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM teams`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count teams: %w", err)
	}
	return n, nil
}

// AddTeamMember adds a membership or changes its role; ErrNotFound when the team or the user is missing.
func (s *Postgres) AddTeamMember(ctx context.Context, m TeamMember) error {
	m, err := normMember(m, time.Now())
	if err != nil {
		return fmt.Errorf("store: add team member: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, c := range []struct{ what, q, id string }{
			{"team", `SELECT 1 FROM teams WHERE id = $1`, m.TeamID},
			{"user", `SELECT 1 FROM users WHERE id = $1`, m.UserID},
		} {
			var one int
			err := tx.QueryRow(ctx, c.q, c.id).Scan(&one)
			if isPgNoRows(err) {
				return notFound("add team member", c.what, c.id)
			}
			if err != nil {
				return err
			}
		}
		// A team or user deleted since the checks above fails the foreign key instead.
		_, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role`, m.TeamID, m.UserID, m.Role, m.CreatedAt)
		if isPgFKViolation(err) {
			return notFound("add team member", "team or user", m.TeamID+"/"+m.UserID)
		}
		return err
	})
	return wrapOp("add team member", err)
}

// RemoveTeamMember removes a membership; ErrNotFound when there is none.
func (s *Postgres) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)
	return pgOneRow(tag, err, "remove team member", fmt.Sprintf("team %q member", trunc(teamID)), userID)
}

// ListTeamMembers returns the team's members ordered by CreatedAt then UserID.
func (s *Postgres) ListTeamMembers(ctx context.Context, teamID string) ([]TeamMember, error) {
	ms, err := pgCollect(ctx, s.pool, scanPgMember, `SELECT team_id, user_id, role, created_at FROM team_members
		WHERE team_id = $1 ORDER BY created_at, user_id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: list team members: %w", err)
	}
	return ms, nil
}

// TeamsOfUser returns the user's memberships ordered by CreatedAt then TeamID.
func (s *Postgres) TeamsOfUser(ctx context.Context, userID string) ([]TeamMember, error) {
	ms, err := pgCollect(ctx, s.pool, scanPgMember, `SELECT team_id, user_id, role, created_at FROM team_members
		WHERE user_id = $1 ORDER BY created_at, team_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: teams of user: %w", err)
	}
	return ms, nil
}

func scanPgTeam(row pgx.Row) (Team, error) {
	var t Team
	var meta []byte
	dest := append([]any{&t.ID, &t.Alias, &t.Models, &meta, &t.Blocked, &t.CreatedAt, &t.UpdatedAt}, limitDest(&t.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return Team{}, err
	}
	if len(t.Models) == 0 {
		t.Models = nil
	}
	t.Metadata, t.CreatedAt, t.UpdatedAt = json.RawMessage(meta), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

func scanPgMember(row pgx.Row) (TeamMember, error) {
	var m TeamMember
	if err := row.Scan(&m.TeamID, &m.UserID, &m.Role, &m.CreatedAt); err != nil {
		return TeamMember{}, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}
