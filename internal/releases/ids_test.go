package releases

import (
	"regexp"
	"testing"
)

var uuidV5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestChildIDs(t *testing.T) {
	app := newAppID()
	other := newAppID()
	a := ChildID(app, KindRelease, "7")
	if !uuidV5.MatchString(a) || !IsUUID(a) {
		t.Fatalf("ChildID = %q, want a version 5 UUID", a)
	}
	if ChildID(app, KindRelease, "7") != a {
		t.Error("the same release got two ids")
	}
	for _, b := range []string{ChildID(app, KindRelease, "8"), ChildID(app, KindBuild, "7"), ChildID(other, KindRelease, "7")} {
		if b == a {
			t.Errorf("%s is the id of two things", b)
		}
	}
	// The well-known vector: uuid5(NAMESPACE_DNS, "python.org"), as
	// Python's uuid module gives it.
	dns, _ := parseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	if got := uuid5(dns, "python.org"); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuid5(DNS, python.org) = %s", got)
	}
	for _, s := range []string{"", "web", "12345678-1234-1234-1234-12345678901", "1234567801234-1234-1234-123456789012", "g2345678-1234-1234-1234-123456789012"} {
		if IsUUID(s) {
			t.Errorf("IsUUID(%q)", s)
		}
	}
}
