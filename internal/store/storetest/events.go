package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

func eventNames(es []store.Event) []string {
	return ids(es, func(e store.Event) string { return e.Target })
}

func testEventRoundTrip(t *testing.T, s store.Store) {
	e := store.Event{Time: base, Actor: "u-admin", Action: "team.update", Target: "team-eng",
		Change: json.RawMessage(` {"max_budget": {"from": 100, "to": 500}} `)}
	id, err := s.AppendEvent(ctx(t), e)
	must(t, err, "append")
	es, err := s.ListEvents(ctx(t), store.EventFilter{})
	must(t, err, "list")
	want := e
	want.ID, want.Time, want.Change = id, ms(base), json.RawMessage(`{"max_budget":{"from":100,"to":500}}`)
	if len(es) != 1 || es[0].ID != want.ID || !es[0].Time.Equal(want.Time) || es[0].Time.Location() != time.UTC ||
		es[0].Actor != want.Actor || es[0].Action != want.Action || es[0].Target != want.Target ||
		string(es[0].Change) != string(want.Change) {
		t.Fatalf("events = %+v, want [%+v]", es, want)
	}

	before := time.Now().Add(-time.Second)
	id2, err := s.AppendEvent(ctx(t), store.Event{Actor: "master-key", Action: "key.delete"})
	must(t, err, "append bare event")
	if id2 <= id {
		t.Fatalf("second event id %d is not after the first %d", id2, id)
	}
	es, err = s.ListEvents(ctx(t), store.EventFilter{Action: "key.delete"})
	must(t, err, "list")
	if len(es) != 1 || es[0].Time.Before(before) || string(es[0].Change) != "{}" || es[0].Target != "" {
		t.Fatalf("bare event = %+v, want the time of the append and {} change", es)
	}

	for _, tc := range []struct {
		name string
		e    store.Event
	}{
		{"no actor", store.Event{Action: "a"}},
		{"no action", store.Event{Actor: "a"}},
		{"long target", store.Event{Actor: "a", Action: "b", Target: strings.Repeat("t", store.MaxTextLen+1)}},
		{"change array", store.Event{Actor: "a", Action: "b", Change: json.RawMessage(`[1]`)}},
		{"change broken", store.Event{Actor: "a", Action: "b", Change: json.RawMessage(`{"a"`)}},
		{"change huge", store.Event{Actor: "a", Action: "b",
			Change: json.RawMessage(`{"a":"` + strings.Repeat("x", store.MaxMetadataLen) + `"}`)}},
	} {
		_, err := s.AppendEvent(ctx(t), tc.e)
		wantErr(t, err, store.ErrInvalid, tc.name)
	}
	if n, err := s.CountEvents(ctx(t), store.EventFilter{}); err != nil || n != 2 {
		t.Fatalf("CountEvents = %d, %v; want 2 (refused events stored?)", n, err)
	}
}

func testListEventsFilters(t *testing.T, s store.Store) {
	// Appended out of time order; e3 and e4 share a time, so the later append (higher id) comes first.
	for _, e := range []store.Event{
		{Target: "e1", Time: base, Actor: "alice", Action: "key.create"},
		{Target: "e2", Time: base.Add(2 * time.Minute), Actor: "bob", Action: "key.create"},
		{Target: "e3", Time: base.Add(time.Minute), Actor: "alice", Action: "team.create"},
		{Target: "e4", Time: base.Add(time.Minute), Actor: "alice", Action: "key.delete"},
		{Target: "e5", Time: base.Add(3 * time.Minute), Actor: "bob", Action: "user.update"},
	} {
		_, err := s.AppendEvent(ctx(t), e)
		must(t, err, "append "+e.Target)
	}
	all := []string{"e5", "e2", "e4", "e3", "e1"}
	for _, tc := range []struct {
		f    store.EventFilter
		want []string
	}{
		{store.EventFilter{}, all},
		{store.EventFilter{Limit: 2}, all[:2]},
		{store.EventFilter{Limit: 2, Offset: 2}, all[2:4]},
		{store.EventFilter{Offset: 5}, nil},
		{store.EventFilter{Actor: "alice"}, []string{"e4", "e3", "e1"}},
		{store.EventFilter{Action: "key.create"}, []string{"e2", "e1"}},
		{store.EventFilter{Actor: "alice", Action: "key.create"}, []string{"e1"}},
		{store.EventFilter{Target: "e3"}, []string{"e3"}},
		{store.EventFilter{Target: "nothing"}, nil},
		{store.EventFilter{Since: base.Add(time.Minute)}, []string{"e5", "e2", "e4", "e3"}}, // inclusive
		{store.EventFilter{Until: base.Add(time.Minute)}, []string{"e1"}},                   // exclusive
		{store.EventFilter{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)}, []string{"e2", "e4", "e3"}},
		{store.EventFilter{Since: base.Add(time.Minute), Actor: "bob"}, []string{"e5", "e2"}},
	} {
		es, err := s.ListEvents(ctx(t), tc.f)
		must(t, err, "list events")
		if got := eventNames(es); !slices.Equal(got, tc.want) {
			t.Errorf("ListEvents(%+v) = %v, want %v", tc.f, got, tc.want)
		}
		if tc.f.Limit == 0 && tc.f.Offset == 0 {
			n, err := s.CountEvents(ctx(t), tc.f)
			must(t, err, "count events")
			if n != len(tc.want) {
				t.Errorf("CountEvents(%+v) = %d, want %d", tc.f, n, len(tc.want))
			}
		}
	}
	for _, f := range []store.EventFilter{{Limit: -1}, {Offset: -1}} {
		_, err := s.ListEvents(ctx(t), f)
		wantErr(t, err, store.ErrInvalid, fmt.Sprintf("ListEvents(%+v)", f))
	}
}
