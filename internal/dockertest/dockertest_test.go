package dockertest

import (
	"context"
	"testing"
)

func TestBusyboxImage(t *testing.T) {
	cli := Client(t)
	ref := BusyboxImage(t, cli)
	if _, err := cli.ImageInspect(context.Background(), ref); err != nil {
		t.Fatalf("inspect %s: %v", ref, err)
	}
}
