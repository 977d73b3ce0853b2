package releases

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// goldenRelease is a fixed release whose digest is pinned below: a change to
// the encoding would invalidate every stored chain, so it must be deliberate.
func goldenRelease() Release {
	return Release{
		Version: 3, App: "hello", BuildID: 2,
		Commit:      "0123456789abcdef0123456789abcdef01234567",
		Image:       "sha256:abc",
		Config:      map[string]string{"DATABASE_URL": "postgres://db/hello", "A": "1"},
		Processes:   map[string]string{"web": "serve", "worker": "work"},
		Description: "Set DATABASE_URL config var",
		CreatedBy:   "root@host via paasctl",
		CreatedAt:   time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC),
		PrevDigest:  strings.Repeat("ab", 32),
	}
}

func TestComputeDigestStable(t *testing.T) {
	// The unkeyed scheme of old ledgers, which their migration verifies.
	if got, want := goldenRelease().digest(nil), "167fa7ff4f27433c0d93d18f96cbd0d62df867e5238112c4b9d125d3a2c25ae9"; got != want {
		t.Errorf("unkeyed digest = %s, want %s", got, want)
	}
	const want = "49491152ea0d086a0d2527da8542a31008c08c01297c0936b578958cb061825d"
	r := goldenRelease()
	if got := r.digest(testKey); got != want {
		t.Errorf("digest = %s, want %s", got, want)
	}
	if r.digest(bytes.Repeat([]byte{1}, KeySize)) == want {
		t.Error("another key gives the same digest")
	}

	same := []struct {
		name string
		edit func(*Release)
	}{
		{"map built in another order", func(r *Release) {
			r.Config = map[string]string{}
			r.Config["A"] = "1"
			r.Config["DATABASE_URL"] = "postgres://db/hello"
		}},
		{"time in another zone", func(r *Release) { r.CreatedAt = r.CreatedAt.In(time.FixedZone("CET", 3600)) }},
		{"status", func(r *Release) { r.Status = StatusFailed }},
		{"digest itself", func(r *Release) { r.Digest = "anything" }},
	}
	for _, tt := range same {
		r := goldenRelease()
		tt.edit(&r)
		if got := r.digest(testKey); got != want {
			t.Errorf("%s changed the digest to %s", tt.name, got)
		}
	}

	var nilMaps, emptyMaps Release
	emptyMaps.Config, emptyMaps.Processes = map[string]string{}, map[string]string{}
	if nilMaps.digest(testKey) != emptyMaps.digest(testKey) {
		t.Error("nil and empty maps digest differently")
	}
}

// Every field of the immutable record must change the digest, or a field
// added to Release would be stored but not protected by the chain.
func TestComputeDigestCoversEveryField(t *testing.T) {
	base := goldenRelease()
	want := base.digest(testKey)
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "Status" || f.Name == "Digest" {
			continue
		}
		r := goldenRelease()
		v := reflect.ValueOf(&r).Elem().Field(i)
		switch x := v.Interface().(type) {
		case int:
			v.SetInt(int64(x + 1))
		case string:
			v.SetString(x + "!")
		case map[string]string:
			v.Set(reflect.ValueOf(map[string]string{"web": "other"}))
		case time.Time:
			v.Set(reflect.ValueOf(x.Add(time.Nanosecond)))
		default:
			t.Fatalf("field %s has type %s: teach this test and ComputeDigest about it", f.Name, f.Type)
		}
		if r.digest(testKey) == want {
			t.Errorf("changing %s does not change the digest", f.Name)
		}
	}
}

// Moving bytes from one field to the next must change the digest.
func TestComputeDigestUnambiguous(t *testing.T) {
	pairs := []struct {
		name string
		a, b Release
	}{
		{"commit|image", Release{Commit: "ab", Image: "c"}, Release{Commit: "a", Image: "bc"}},
		{"config key|value", Release{Config: map[string]string{"AB": "C"}}, Release{Config: map[string]string{"A": "BC"}}},
		{"config entries", Release{Config: map[string]string{"A": "1", "B": "2"}}, Release{Config: map[string]string{"A": "1\x00\x00\x00\x00\x00\x00\x00\x01B\x00\x00\x00\x00\x00\x00\x00\x012"}}},
		{"config|processes", Release{Config: map[string]string{"web": "x"}}, Release{Processes: map[string]string{"web": "x"}}},
		{"description|created_by", Release{Description: "a", CreatedBy: ""}, Release{Description: "", CreatedBy: "a"}},
		{"invalid UTF-8|replacement", Release{Description: "\xff"}, Release{Description: "\uFFFD"}},
	}
	for _, p := range pairs {
		if p.a.digest(testKey) == p.b.digest(testKey) {
			t.Errorf("%s: different releases share a digest", p.name)
		}
	}
}

func TestAppendChainsDigests(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	appended := appendN(t, s, "hello", 3)
	prev := ""
	for _, r := range appended {
		if r.PrevDigest != prev {
			t.Errorf("v%d prev_digest = %q, want %q", r.Version, r.PrevDigest, prev)
		}
		if len(r.Digest) != 64 || r.Digest != r.digest(testKey) {
			t.Errorf("v%d digest = %q, want ComputeDigest %q", r.Version, r.Digest, r.digest(testKey))
		}
		stored, err := s.Release("hello", r.Version)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, r) {
			t.Errorf("stored v%d = %+v, AppendRelease returned %+v", r.Version, stored, r)
		}
		prev = r.Digest
	}
	// Each app has its own chain.
	newApp(t, s, "other")
	if r := appendN(t, s, "other", 1)[0]; r.PrevDigest != "" {
		t.Errorf("other app's v1 prev_digest = %q, want empty", r.PrevDigest)
	}
}

// JSON replaces invalid UTF-8 on the way in; the digest must cover what is
// stored, or the release would fail verification from the start.
func TestAppendDigestsWhatIsStored(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	rel, err := s.AppendRelease("hello", func(*Release) (Release, error) {
		return Release{Processes: map[string]string{"web": "serve \xff"}, Description: "Deploy \xfe"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Digest != rel.digest(testKey) {
		t.Error("returned release does not match its digest")
	}
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 {
		t.Errorf("Verify = %+v, %v; want intact", v, err)
	}
}
