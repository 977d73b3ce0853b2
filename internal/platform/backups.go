package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// DefaultBackupKeep is how many of an add-on's newest backups are kept.
const DefaultBackupKeep = 7

// Backups is what backups need of the add-on engine (addons.Docker).
type Backups interface {
	// Dump writes a consistent dump of a Postgres add-on to w; Restore
	// reads one back into it.
	Dump(ctx context.Context, a releases.Addon, w io.Writer) error
	Restore(ctx context.Context, a releases.Addon, r io.Reader) error
}

// backupTime is a daily backup's time of day, UTC.
var backupTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// backupFile is where a backup of add is kept.
func (p *Platform) backupFile(add releases.Addon, b releases.Backup) string {
	p.stateDirs()
	return filepath.Join(p.opts.BackupDir, add.ID, b.ID()+".dump")
}

// postgresAddon finds a Postgres add-on, the only kind with backups.
func (p *Platform) postgresAddon(ident string) (releases.Addon, Backups, error) {
	add, err := p.findAddon(ident)
	if err != nil {
		return releases.Addon{}, nil, err
	}
	if add.Service != "postgres" {
		return releases.Addon{}, nil, fmt.Errorf("%w: %s is a %s add-on: only Postgres has backups (Redis keeps its data with an append-only file on its volume)", releases.ErrInvalid, add.Name, add.Service)
	}
	b, ok := p.addons.(Backups)
	if !ok {
		return releases.Addon{}, nil, errors.New("backups are not wired in this paasd")
	}
	return add, b, nil
}

// CaptureBackup dumps the Postgres add-on ident into a file beside the
// ledger and records it, then keeps only the newest BackupKeep. A dump
// that fails leaves nothing and is not recorded.
func (p *Platform) CaptureBackup(ctx context.Context, ident string) (api.Backup, error) {
	return p.capture(ctx, ident, time.Time{})
}

// capture takes a backup: one the schedule takes for its time due, or,
// with due zero, one asked for.
func (p *Platform) capture(ctx context.Context, ident string, due time.Time) (api.Backup, error) {
	add, engine, err := p.postgresAddon(ident)
	if err != nil {
		return api.Backup{}, err
	}
	p.stateDirs()
	dir := filepath.Join(p.opts.BackupDir, add.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return api.Backup{}, fmt.Errorf("back up %s: %w", add.Name, err)
	}
	f, err := os.CreateTemp(dir, "capture-*.tmp") // 0600
	if err != nil {
		return api.Backup{}, fmt.Errorf("back up %s: %w", add.Name, err)
	}
	defer os.Remove(f.Name()) // unless renamed into place
	began := time.Now()
	err = engine.Dump(ctx, add, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if p.observer != nil {
		status := "succeeded"
		if err != nil {
			status = "failed"
		}
		p.observer.BackupDone(add.Name, status, time.Since(began))
	}
	if err != nil {
		p.log.Warn("backup failed", "addon", add.Name, "err", err)
		return api.Backup{}, fmt.Errorf("backup of %s failed, and none was recorded: %w", add.Name, err)
	}
	fi, err := os.Stat(f.Name())
	if err != nil {
		return api.Backup{}, fmt.Errorf("back up %s: %w", add.Name, err)
	}
	b, err := p.store.AddBackup(add.Name, releases.Backup{
		Size: fi.Size(), Duration: time.Since(began), Scheduled: !due.IsZero(), Due: due, CreatedAt: began.UTC(),
	})
	if err != nil {
		return api.Backup{}, err
	}
	if err := os.Rename(f.Name(), p.backupFile(add, b)); err != nil {
		_ = p.store.RemoveBackup(add.Name, b.Num)
		return api.Backup{}, fmt.Errorf("back up %s: keep the file: %w", add.Name, err)
	}
	p.log.Info("backup captured", "addon", add.Name, "backup", b.ID(), "bytes", b.Size, "took", b.Duration)
	if owner, err := p.store.AppByID(add.AppID); err == nil {
		p.emit(owner.Name, "addon", fmt.Sprintf("Backup %s of %s captured: %d bytes in %s", b.ID(), add.Name, b.Size, b.Duration.Round(time.Millisecond)))
	}
	p.pruneBackups(add)
	return describeBackup(add, b), nil
}

// pruneBackups removes all but the newest BackupKeep backups of add.
func (p *Platform) pruneBackups(add releases.Addon) {
	bs, err := p.store.Backups(add.Name)
	if err != nil || len(bs) <= p.opts.BackupKeep {
		return
	}
	for _, b := range bs[:len(bs)-p.opts.BackupKeep] {
		if err := p.store.RemoveBackup(add.Name, b.Num); err != nil {
			p.log.Warn("prune a backup", "addon", add.Name, "backup", b.ID(), "err", err)
			continue
		}
		_ = os.Remove(p.backupFile(add, b))
	}
}

func describeBackup(add releases.Addon, b releases.Backup) api.Backup {
	return api.Backup{ID: b.ID(), Addon: api.NameRef{ID: add.ID, Name: add.Name}, Size: b.Size,
		Duration: b.Duration.Seconds(), Scheduled: b.Scheduled, CreatedAt: b.CreatedAt}
}

// Backups lists the Postgres add-on's backups, oldest first.
func (p *Platform) Backups(_ context.Context, ident string) ([]api.Backup, error) {
	add, _, err := p.postgresAddon(ident)
	if err != nil {
		return nil, err
	}
	bs, err := p.store.Backups(add.Name)
	if err != nil {
		return nil, err
	}
	out := make([]api.Backup, 0, len(bs))
	for _, b := range bs {
		out = append(out, describeBackup(add, b))
	}
	return out, nil
}

// findBackup is the add-on's backup id ("b3", "3") or, for "latest" or
// "", its newest.
func (p *Platform) findBackup(add releases.Addon, id string) (releases.Backup, error) {
	bs, err := p.store.Backups(add.Name)
	if err != nil {
		return releases.Backup{}, err
	}
	if id == "" || id == "latest" {
		if len(bs) == 0 {
			return releases.Backup{}, fmt.Errorf("%s has no backups: %w: capture one with paasctl pg:backups:capture", add.Name, releases.ErrNotFound)
		}
		return bs[len(bs)-1], nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(id), "b"))
	if err == nil {
		for _, b := range bs {
			if b.Num == n {
				return b, nil
			}
		}
	}
	return releases.Backup{}, fmt.Errorf("backup %s of %s: %w: paasctl pg:backups lists them", id, add.Name, releases.ErrNotFound)
}

// OpenBackup opens the file of the add-on's backup id ("latest": the
// newest), for a download.
func (p *Platform) OpenBackup(_ context.Context, ident, id string) (io.ReadCloser, api.Backup, error) {
	add, _, err := p.postgresAddon(ident)
	if err != nil {
		return nil, api.Backup{}, err
	}
	b, err := p.findBackup(add, id)
	if err != nil {
		return nil, api.Backup{}, err
	}
	f, err := os.Open(p.backupFile(add, b))
	if err != nil {
		return nil, api.Backup{}, fmt.Errorf("open backup %s of %s: %w", b.ID(), add.Name, err)
	}
	return f, describeBackup(add, b), nil
}

// RestoreBackup puts the add-on's backup id ("latest": the newest) back
// into its database: the objects the dump holds are replaced by the
// dump's, in one transaction, so a failed restore changes nothing.
func (p *Platform) RestoreBackup(ctx context.Context, ident, id string) (api.Backup, error) {
	add, engine, err := p.postgresAddon(ident)
	if err != nil {
		return api.Backup{}, err
	}
	b, err := p.findBackup(add, id)
	if err != nil {
		return api.Backup{}, err
	}
	f, err := os.Open(p.backupFile(add, b))
	if err != nil {
		return api.Backup{}, fmt.Errorf("open backup %s of %s: %w", b.ID(), add.Name, err)
	}
	defer f.Close()
	if err := engine.Restore(context.WithoutCancel(ctx), add, f); err != nil {
		return api.Backup{}, err
	}
	p.log.Info("backup restored", "addon", add.Name, "backup", b.ID())
	if owner, err := p.store.AppByID(add.AppID); err == nil {
		p.emit(owner.Name, "addon", fmt.Sprintf("Backup %s restored into %s", b.ID(), add.Name))
	}
	return describeBackup(add, b), nil
}

// SetBackupSchedule makes the Postgres add-on back up daily at at (HH:MM,
// UTC); "" stops that.
func (p *Platform) SetBackupSchedule(_ context.Context, ident, at string) (api.Addon, error) {
	add, _, err := p.postgresAddon(ident)
	if err != nil {
		return api.Addon{}, err
	}
	if at != "" && !backupTime.MatchString(at) {
		return api.Addon{}, fmt.Errorf("%w: backup time %q: give HH:MM, UTC, as 02:00", releases.ErrInvalid, at)
	}
	add, err = p.store.UpdateAddon(add.Name, func(a *releases.Addon) error {
		a.BackupAt = at
		return nil
	})
	if err != nil {
		return api.Addon{}, err
	}
	return p.describeAddon(add, false), nil
}

// runBackupSchedule captures the scheduled backups that are due, every
// minute, until the platform closes.
func (p *Platform) runBackupSchedule() {
	defer p.background.Done()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case now := <-tick.C:
			p.backupDue(now.UTC())
		}
	}
}

// backupDue captures the backup of every add-on whose time of day has
// come today and that has no scheduled backup since.
func (p *Platform) backupDue(now time.Time) {
	all, err := p.store.Addons()
	if err != nil {
		p.log.Error("read the backup schedule", "err", err)
		return
	}
	for _, add := range all {
		if add.BackupAt == "" {
			continue
		}
		hh, _ := strconv.Atoi(add.BackupAt[:2])
		mm, _ := strconv.Atoi(add.BackupAt[3:])
		due := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, time.UTC)
		if now.Before(due) {
			continue
		}
		bs, err := p.store.Backups(add.Name)
		if err != nil {
			continue
		}
		taken := false
		for _, b := range bs {
			taken = taken || b.Scheduled && !b.Due.Before(due)
		}
		if taken {
			continue
		}
		if _, err := p.capture(p.ctx, add.Name, due); err != nil {
			p.log.Error("scheduled backup failed", "addon", add.Name, "err", err)
			if owner, oerr := p.store.AppByID(add.AppID); oerr == nil {
				p.emit(owner.Name, "addon", fmt.Sprintf("Scheduled backup of %s failed: %v", add.Name, err))
			}
		}
	}
}
