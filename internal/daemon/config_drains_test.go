package daemon

import (
	"strings"
	"testing"
)

func TestConfigDrainAllowPrivate(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true} {
		c, err := ConfigFromEnv(env(map[string]string{"PAAS_DRAIN_ALLOW_PRIVATE": v}))
		if err != nil || c.DrainAllowPrivate != want {
			t.Errorf("PAAS_DRAIN_ALLOW_PRIVATE=%q: %v, %v; want %v", v, c.DrainAllowPrivate, err, want)
		}
	}
	if _, err := ConfigFromEnv(env(map[string]string{"PAAS_DRAIN_ALLOW_PRIVATE": "yes please"})); err == nil || !strings.Contains(err.Error(), "PAAS_DRAIN_ALLOW_PRIVATE") {
		t.Errorf("a bad value: %v", err)
	}
}
