package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

const sqliteTeamCols = `id, alias, models, metadata, blocked, created_at, updated_at, ` + limitCols

// CreateTeam adds a team; ErrConflict when the id or the alias (case-insensitively) is taken.
func (s *SQLite) CreateTeam(ctx context.Context, t Team) error {
	t, err := normTeam(t, time.Now())
	if err != nil {
		return fmt.Errorf("store: create team: %w", err)
	}
	args := append([]any{t.ID, t.Alias, jsonList(t.Models), string(t.Metadata), t.Blocked, millis(t.CreatedAt),
		millis(t.UpdatedAt)}, limitArgs(t.Limits)...)
	args = append(args, foldAlias(t.Alias))
	_, err = s.db.ExecContext(ctx, `INSERT INTO teams (`+sqliteTeamCols+`, alias_fold) VALUES (`+marks(len(args))+`)`, args...)
	if field, ok := sqliteConflict(err); ok {
		return conflict("create team", field)
	}
	if err != nil {
		return fmt.Errorf("store: create team: %w", err)
	}
	return nil
}

// GetTeam returns the team with this id, or ErrNotFound.
func (s *SQLite) GetTeam(ctx context.Context, id string) (Team, error) {
	return s.getTeam(ctx, "id", id)
}

// GetTeamByAlias returns the team with this alias (compared case-insensitively), or ErrNotFound.
func (s *SQLite) GetTeamByAlias(ctx context.Context, alias string) (Team, error) {
	return s.getTeam(ctx, "alias", alias)
}

func (s *SQLite) getTeam(ctx context.Context, by, v string) (Team, error) {
	col, arg := "id", any(v)
	if by == "alias" {
		col, arg = "alias_fold", foldAlias(v)
	}
	t, err := scanSQLiteTeam(s.db.QueryRowContext(ctx, `SELECT `+sqliteTeamCols+` FROM teams WHERE `+col+` = ?`, arg))
	if isNoRows(err) {
		return Team{}, fmt.Errorf("store: team with %s %q: %w", by, trunc(v), ErrNotFound)
	}
	if err != nil {
		return Team{}, fmt.Errorf("store: get team: %w", err)
	}
	return t, nil
}

// UpdateTeam replaces the team's mutable fields; ErrNotFound, or ErrConflict on an alias clash.
func (s *SQLite) UpdateTeam(ctx context.Context, t Team) error {
	now := time.Now()
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = now
	}
	t, err := normTeam(t, now)
	if err != nil {
		return fmt.Errorf("store: update team: %w", err)
	}
	args := append([]any{t.Alias, foldAlias(t.Alias), jsonList(t.Models), string(t.Metadata), t.Blocked,
		millis(t.UpdatedAt)}, limitArgs(t.Limits)...)
	res, err := s.db.ExecContext(ctx, `UPDATE teams SET alias = ?, alias_fold = ?, models = ?, metadata = ?, blocked = ?,
		updated_at = ?, `+setList(limitCols, func(int) string { return "?" })+` WHERE id = ?`, append(args, t.ID)...)
	return sqliteOneRow(res, err, "update team", "team", t.ID)
}

// DeleteTeam deletes the team, its memberships and its keys in one transaction.
func (s *SQLite) DeleteTeam(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE team_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = ?`, id)
		return sqliteOneRow(res, err, "delete team", "team", id) // not found rolls the transaction back
	})
	return wrapOp("delete team", err)
}

// ListTeams returns a page of the teams matching f, ordered by CreatedAt then ID.
func (s *SQLite) ListTeams(ctx context.Context, f TeamFilter) ([]Team, error) {
	limit, offset, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	w := sqliteWhere()
	teamFilterSQL(f, w)
	q := `SELECT ` + sqliteTeamCols + ` FROM teams` + w.sql() + ` ORDER BY created_at, id` + w.page(limit, offset)
	ts, err := sqliteCollect(ctx, s.db, scanSQLiteTeam, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	return ts, nil
}

// CountTeams counts the teams matching f.
func (s *SQLite) CountTeams(ctx context.Context, f TeamFilter) (int, error) {
	w := sqliteWhere()
	teamFilterSQL(f, w)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams`+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count teams: %w", err)
	}
	return n, nil
}

// AddTeamMember adds a membership or changes its role; ErrNotFound when the team or the user is missing.
func (s *SQLite) AddTeamMember(ctx context.Context, m TeamMember) error {
	m, err := normMember(m, time.Now())
	if err != nil {
		return fmt.Errorf("store: add team member: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range []struct{ what, q, id string }{
			{"team", `SELECT 1 FROM teams WHERE id = ?`, m.TeamID},
			{"user", `SELECT 1 FROM users WHERE id = ?`, m.UserID},
		} {
			var one int
			err := tx.QueryRowContext(ctx, c.q, c.id).Scan(&one)
			if isNoRows(err) {
				return notFound("add team member", c.what, c.id)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role`, m.TeamID, m.UserID, m.Role, millis(m.CreatedAt))
		return err
	})
	return wrapOp("add team member", err)
}

// RemoveTeamMember removes a membership; ErrNotFound when there is none.
func (s *SQLite) RemoveTeamMember(ctx context.Context, teamID, userID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = ? AND user_id = ?`, teamID, userID)
	return sqliteOneRow(res, err, "remove team member", fmt.Sprintf("team %q member", trunc(teamID)), userID)
}

// ListTeamMembers returns the team's members ordered by CreatedAt then UserID.
func (s *SQLite) ListTeamMembers(ctx context.Context, teamID string) ([]TeamMember, error) {
	ms, err := sqliteCollect(ctx, s.db, scanSQLiteMember, `SELECT team_id, user_id, role, created_at FROM team_members
		WHERE team_id = ? ORDER BY created_at, user_id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: list team members: %w", err)
	}
	return ms, nil
}

// TeamsOfUser returns the user's memberships ordered by CreatedAt then TeamID.
func (s *SQLite) TeamsOfUser(ctx context.Context, userID string) ([]TeamMember, error) {
	ms, err := sqliteCollect(ctx, s.db, scanSQLiteMember, `SELECT team_id, user_id, role, created_at FROM team_members
		WHERE user_id = ? ORDER BY created_at, team_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: teams of user: %w", err)
	}
	return ms, nil
}

func scanSQLiteTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	var models, meta string
	var created, updated int64
	dest := append([]any{&t.ID, &t.Alias, &models, &meta, &t.Blocked, &created, &updated}, limitDest(&t.Limits)...)
	if err := row.Scan(dest...); err != nil {
		return Team{}, err
	}
	var err error
	if t.Models, err = parseJSONList(models); err != nil {
		return Team{}, fmt.Errorf("team %q: models column: %w", t.ID, err)
	}
	t.Metadata, t.CreatedAt, t.UpdatedAt = json.RawMessage(meta), fromMillis(created), fromMillis(updated)
	return t, nil
}

func scanSQLiteMember(row interface{ Scan(...any) error }) (TeamMember, error) {
	var m TeamMember
	var created int64
	if err := row.Scan(&m.TeamID, &m.UserID, &m.Role, &created); err != nil {
		return TeamMember{}, err
	}
	m.CreatedAt = fromMillis(created)
	return m, nil
}
