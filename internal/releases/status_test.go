package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestSetStatusTransitions(t *testing.T) {
	tests := []struct {
		name    string
		first   Status // applied to a fresh pending release, if set
		to      Status
		wantErr error
	}{
		{name: "pending to succeeded", to: StatusSucceeded},
		{name: "pending to failed", to: StatusFailed},
		{name: "pending to pending", to: StatusPending, wantErr: ErrInvalid},
		{name: "pending to unknown", to: "live", wantErr: ErrInvalid},
		{name: "succeeded to failed", first: StatusSucceeded, to: StatusFailed, wantErr: ErrInvalid},
		{name: "succeeded to succeeded", first: StatusSucceeded, to: StatusSucceeded, wantErr: ErrInvalid},
		{name: "failed to succeeded", first: StatusFailed, to: StatusSucceeded, wantErr: ErrInvalid},
		{name: "failed to failed", first: StatusFailed, to: StatusFailed, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			newApp(t, s, "hello")
			appendN(t, s, "hello", 1)
			want := StatusPending
			if tt.first != "" {
				if err := s.SetStatus("hello", 1, tt.first); err != nil {
					t.Fatal(err)
				}
				want = tt.first
			}
			err := s.SetStatus("hello", 1, tt.to)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("SetStatus = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("SetStatus: %v", err)
				}
				want = tt.to
			}
			rel, err := s.Release("hello", 1)
			if err != nil {
				t.Fatal(err)
			}
			if rel.Status != want {
				t.Errorf("status = %s, want %s", rel.Status, want)
			}
		})
	}
}

func TestSetStatusMovesCurrentVersion(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	appendN(t, s, "hello", 3)

	_, err := s.CurrentRelease("hello")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `app "hello" has no release yet`) {
		t.Errorf("CurrentRelease with none live = %v, want ErrNotFound saying no release yet", err)
	}

	steps := []struct {
		version     int
		st          Status
		wantCurrent int
	}{
		{1, StatusSucceeded, 1},
		{2, StatusFailed, 1}, // a failed release never becomes current
		{3, StatusSucceeded, 3},
	}
	for _, step := range steps {
		if err := s.SetStatus("hello", step.version, step.st); err != nil {
			t.Fatal(err)
		}
		a, err := s.App("hello")
		if err != nil {
			t.Fatal(err)
		}
		if a.CurrentVersion != step.wantCurrent {
			t.Errorf("after v%d %s: CurrentVersion = %d, want %d", step.version, step.st, a.CurrentVersion, step.wantCurrent)
		}
		cur, err := s.CurrentRelease("hello")
		if err != nil || cur.Version != step.wantCurrent || cur.Status != StatusSucceeded {
			t.Errorf("CurrentRelease = v%d %s, %v; want v%d succeeded", cur.Version, cur.Status, err, step.wantCurrent)
		}
	}
}

func TestSetStatusNotFound(t *testing.T) {
	s := newStore(t)
	if err := s.SetStatus("nope", 1, StatusSucceeded); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing app: %v, want ErrNotFound", err)
	}
	newApp(t, s, "hello")
	if err := s.SetStatus("hello", 1, StatusSucceeded); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing release: %v, want ErrNotFound", err)
	}
}

func TestFailPending(t *testing.T) {
	s := newStore(t)
	if n, err := s.FailPending(); err != nil || n != 0 {
		t.Fatalf("FailPending on empty ledger = %d, %v", n, err)
	}
	newApp(t, s, "one")
	newApp(t, s, "two")
	newApp(t, s, "three")
	appendN(t, s, "one", 3)
	appendN(t, s, "two", 2)
	if err := s.SetStatus("one", 1, StatusSucceeded); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus("two", 1, StatusFailed); err != nil {
		t.Fatal(err)
	}

	n, err := s.FailPending()
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // one v2, one v3, two v2
		t.Errorf("FailPending = %d, want 3", n)
	}
	want := map[string][]Status{
		"one": {StatusFailed, StatusFailed, StatusSucceeded}, // newest first
		"two": {StatusFailed, StatusFailed},
	}
	for app, statuses := range want {
		rels, err := s.Releases(app)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rels {
			if r.Status != statuses[i] {
				t.Errorf("%s v%d = %s, want %s", app, r.Version, r.Status, statuses[i])
			}
		}
	}
	if a, _ := s.App("one"); a.CurrentVersion != 1 {
		t.Errorf("CurrentVersion = %d, want 1 (unchanged)", a.CurrentVersion)
	}
	if n, err := s.FailPending(); err != nil || n != 0 {
		t.Errorf("second FailPending = %d, %v; want 0", n, err)
	}
}
