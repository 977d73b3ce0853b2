package releases

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// secret is a config value that must never show up in a Problem.
const secret = "s3cret-value"

// chain makes app with n releases, each with the config var SECRET, and puts
// each one live.
func chain(t *testing.T, s *Store, app string, n int) {
	t.Helper()
	newApp(t, s, app)
	for range n {
		rel, err := s.AppendRelease(app, func(*Release) (Release, error) {
			return Release{Config: map[string]string{"SECRET": secret}, CreatedBy: "test"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		setStatus(t, s, app, rel.Version, StatusSucceeded)
	}
}

// rewrite goes behind the ledger's back: it lets edit change app's buckets
// directly, as damage or a hand edit of the data file would.
func rewrite(t *testing.T, s *Store, app string, edit func(rels, statuses *bolt.Bucket) error) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		return edit(sub(tx, bucketReleases, app), sub(tx, bucketStatus, app))
	})
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
}

// editRecord returns an edit that decodes version, changes it with fn and
// stores it again.
func editRecord(version int, fn func(*record)) func(rels, statuses *bolt.Bucket) error {
	return func(rels, _ *bolt.Bucket) error {
		var rec record
		if err := decode(rels.Get(itob(version)), &rec); err != nil {
			return err
		}
		fn(&rec)
		data, err := encode(rec)
		if err != nil {
			return err
		}
		return rels.Put(itob(version), data)
	}
}

// redigest makes rec's digest match its (edited) content, as a careful
// tamperer who has the ledger key would.
func redigest(rec *record) { rec.Digest = rec.release("").digest(testKey) }

func TestVerifyIntactChain(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "empty")
	if v, err := s.Verify("empty"); err != nil || v != (Verification{App: "empty"}) {
		t.Errorf("Verify of an app without releases = %+v, %v", v, err)
	}
	chain(t, s, "hello", 4)
	appendN(t, s, "hello", 1) // a pending release is part of the chain too
	v, err := s.Verify("hello")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Verification{App: "hello", Checked: 5}); v != want {
		t.Errorf("Verify = %+v, want %+v", v, want)
	}
	if _, err := s.Verify("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify of a missing app: %v, want ErrNotFound", err)
	}
}

func TestVerifyNamesFirstBadRelease(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(rels, statuses *bolt.Bucket) error
		wantBad     int
		wantProblem string
	}{
		{
			name:        "config value changed",
			edit:        editRecord(3, func(r *record) { r.Config["SECRET"] = "stolen" }),
			wantBad:     3,
			wantProblem: "v3: digest does not match its content",
		},
		{
			name:        "config value changed and digest recomputed",
			edit:        editRecord(3, func(r *record) { r.Config["SECRET"] = "stolen"; redigest(r) }),
			wantBad:     4,
			wantProblem: "v4: prev_digest does not match v3's digest",
		},
		{
			name:        "newest release changed",
			edit:        editRecord(5, func(r *record) { r.Image = "sha256:evil" }),
			wantBad:     5,
			wantProblem: "v5: digest does not match its content",
		},
		{
			name:        "time changed",
			edit:        editRecord(2, func(r *record) { r.CreatedAt = r.CreatedAt.Add(-1) }),
			wantBad:     2,
			wantProblem: "v2: digest does not match its content",
		},
		{
			name: "prev_digest swapped",
			edit: func(rels, statuses *bolt.Bucket) error {
				var v1 record
				if err := decode(rels.Get(itob(1)), &v1); err != nil {
					return err
				}
				return editRecord(3, func(r *record) { r.PrevDigest = v1.Digest })(rels, statuses)
			},
			wantBad:     3,
			wantProblem: "v3: prev_digest does not match v2's digest",
		},
		{
			name:        "prev_digest swapped and digest recomputed",
			edit:        editRecord(3, func(r *record) { r.PrevDigest = strings.Repeat("0", 64); redigest(r) }),
			wantBad:     3,
			wantProblem: "v3: prev_digest does not match v2's digest",
		},
		{
			name:        "v1 given a predecessor",
			edit:        editRecord(1, func(r *record) { r.PrevDigest = strings.Repeat("0", 64); redigest(r) }),
			wantBad:     1,
			wantProblem: "v1: prev_digest is set, but v1 has no release before it",
		},
		{
			name:        "middle release deleted",
			edit:        func(rels, _ *bolt.Bucket) error { return rels.Delete(itob(2)) },
			wantBad:     2,
			wantProblem: "v2 is missing",
		},
		{
			name:        "first release deleted",
			edit:        func(rels, _ *bolt.Bucket) error { return rels.Delete(itob(1)) },
			wantBad:     1,
			wantProblem: "v1 is missing",
		},
		{
			name:        "newest, current release deleted",
			edit:        func(rels, _ *bolt.Bucket) error { return rels.Delete(itob(5)) },
			wantBad:     5,
			wantProblem: "v5 is missing (the app's current release is v5)",
		},
		{
			name:        "record undecodable",
			edit:        func(rels, _ *bolt.Bucket) error { return rels.Put(itob(2), []byte(`{"config":{"SECRET":"`+secret)) },
			wantBad:     2,
			wantProblem: "v2: record cannot be decoded",
		},
		{
			name: "record moved to another version",
			edit: func(rels, _ *bolt.Bucket) error {
				return rels.Put(itob(3), rels.Get(itob(2)))
			},
			wantBad:     3,
			wantProblem: "v3: record says it is v2",
		},
		{
			name:        "record of another app",
			edit:        editRecord(2, func(r *record) { r.App = "other"; redigest(r) }),
			wantBad:     2,
			wantProblem: `v2: record belongs to app "other"`,
		},
		{
			name:        "status deleted",
			edit:        func(_, statuses *bolt.Bucket) error { return statuses.Delete(itob(4)) },
			wantBad:     4,
			wantProblem: "v4: has no status record",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			chain(t, s, "hello", 5)
			rewrite(t, s, "hello", tt.edit)
			v, err := s.Verify("hello")
			if err != nil {
				t.Fatalf("Verify: %v (damage must be reported, not returned as an error)", err)
			}
			want := Verification{App: "hello", Checked: tt.wantBad - 1, FirstBad: tt.wantBad, Problem: tt.wantProblem}
			if v != want {
				t.Errorf("Verify = %+v, want %+v", v, want)
			}
			if strings.Contains(v.Problem, secret) || strings.Contains(v.Problem, "stolen") {
				t.Errorf("Problem %q shows a config value", v.Problem)
			}
		})
	}
}

func TestVerifyAll(t *testing.T) {
	s := newStore(t)
	if vs, err := s.VerifyAll(); err != nil || vs == nil || len(vs) != 0 {
		t.Fatalf("VerifyAll on an empty ledger = %#v, %v; want empty, non-nil", vs, err)
	}
	chain(t, s, "zeta", 2)
	chain(t, s, "alpha", 3)
	chain(t, s, "mid", 2)
	newApp(t, s, "fresh")
	rewrite(t, s, "alpha", editRecord(2, func(r *record) { r.Description = "Deploy 0000000" }))

	vs, err := s.VerifyAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []Verification{
		{App: "alpha", Checked: 1, FirstBad: 2, Problem: "v2: digest does not match its content"},
		{App: "fresh"},
		{App: "mid", Checked: 2},
		{App: "zeta", Checked: 2},
	}
	if !reflect.DeepEqual(vs, want) {
		t.Errorf("VerifyAll = %+v, want %+v", vs, want)
	}
}
