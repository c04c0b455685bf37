package checkpoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventKind says what a watch Event reports.
type EventKind uint8

const (
	// EventFound: a checkpoint appeared (or an already processed one was rewritten).
	EventFound EventKind = iota + 1
	// EventWaiting: a checkpoint is not complete yet; Event.Reason says why (its
	// -unfinished marker exists, or its size or modification time still change).
	EventWaiting
	// EventValidated: a complete checkpoint was validated; Event.Report is set.
	EventValidated
	// EventCompared: a validated checkpoint was compared with the previous one;
	// Event.Diff is set.
	EventCompared
	// EventError: a checkpoint could not be validated (an unsupported layout, a read
	// error); Event.Err is set. The watch goes on.
	EventError
)

var eventKindNames = [...]string{
	EventFound:     "found",
	EventWaiting:   "waiting",
	EventValidated: "validated",
	EventCompared:  "compared",
	EventError:     "error",
}

// String returns "found", "waiting", "validated", "compared" or "error".
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// MarshalText encodes k as its String.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is what Watch reports about one checkpoint.
type Event struct {
	Kind EventKind
	// Path is the checkpoint's path: the watched directory joined with its name.
	Path string
	// Step is the training step in the checkpoint's name ("step=1000",
	// "checkpoint-1000"), or -1 when the name has none.
	Step int64
	// Reason says why a checkpoint is waiting (EventWaiting) or was found again
	// (EventFound after a rewrite).
	Reason string
	// Report is the validation report (EventValidated).
	Report *Report
	// Diff compares the checkpoint with the previous one (EventCompared):
	// Diff.Prev.Path is the previous checkpoint, Diff.Next is Report.
	Diff *DiffReport
	// Err says why the checkpoint could not be validated (EventError).
	Err error
}

// Default timing of Watch.
const (
	DefaultWatchInterval  = 2 * time.Second
	DefaultWatchStableFor = 2
)

// WatchConfig says how Watch follows a directory. The zero value is valid.
type WatchConfig struct {
	// Config is the validation config of each checkpoint; Stats and Digest are
	// switched on whatever it says, because the comparison needs them.
	// Default: the zero Config.
	Config Config
	// Diff configures the comparison of consecutive checkpoints. Default: the zero
	// DiffConfig.
	Diff DiffConfig
	// Interval is the time between two scans of the directory. Default: 2s.
	Interval time.Duration
	// StableFor is the number of consecutive scans that must see a checkpoint with
	// the same size and modification time (recursive for directories), and no
	// -unfinished marker, before it is validated; 1 validates it at first sight.
	// Default: 2.
	StableFor int
	// Once makes Watch return nil as soon as every checkpoint of its first scan has
	// been processed; checkpoints still marked unfinished are reported as waiting
	// and not waited for. Default: follow the directory until ctx is done.
	Once bool
	// Match says whether an entry of the directory is a checkpoint to follow.
	// Default: files named *.ckpt, *.nemo or *.safetensors (not the shards
	// *-00001-of-00004.safetensors of a sharded checkpoint), and directories whose
	// name carries a step, consumed samples or an epoch ("...-step=1000-...",
	// "checkpoint-500", "...-last"); hidden names and -unfinished markers never.
	Match func(name string, isDir bool) bool
}

func (c *WatchConfig) check() error {
	if c.Interval < 0 {
		return fmt.Errorf("checkpoint: WatchConfig.Interval %v is negative", c.Interval)
	}
	if c.StableFor < 0 {
		return fmt.Errorf("checkpoint: WatchConfig.StableFor %d is negative", c.StableFor)
	}
	return c.Diff.check()
}

// Watch follows a training run's checkpoint directory (NeMo's checkpoints/, a
// Hugging Face output_dir) and validates each checkpoint once it is complete.
//
// Every Interval it lists dir. An entry that Match accepts is a checkpoint; a
// NeMo save marks it unfinished with a sibling file named after it with the
// extension (.ckpt, .nemo) and any -EMA suffix removed and "-unfinished" added
// (megatron_gpt--val_loss=1.23-step=1000-consumed_samples=8000.0-unfinished for
// both the .ckpt file and the dist-ckpt directory of that stem). Other writers may
// mark x.safetensors with x-unfinished or x.safetensors-unfinished. A checkpoint is
// complete when it has no marker and its size and modification time were the same
// over StableFor scans. It is then validated with ValidatePath, with statistics
// and digests on; a directory that is no layout ValidatePath knows but holds
// *.safetensors files (a Hugging Face checkpoint-500/ of a full fine-tune) is
// validated file by file into a KindDirectory report. A valid checkpoint becomes
// the baseline that later ones are compared with (Compare): each checkpoint is
// compared with the latest valid one before it, ordered by the step in the names
// (checkpoints of the same step, like a -last copy, are never compared with each
// other), else by consumed samples, else by modification time; -EMA checkpoints
// are compared only with -EMA checkpoints. A checkpoint with neither a step nor
// consumed samples in its name that follows stepped ones (the <name>.nemo export
// at the end of a NeMo run) is expected to hold the last weights: its comparison
// has no weights_unchanged warning. A checkpoint whose size or time
// changes after it was processed is processed again.
//
// fn is called on Watch's goroutine, one event at a time, and may be nil; Watch
// waits for it before it goes on. For each checkpoint it sees EventFound, any
// EventWaiting, then EventValidated and EventCompared (when there is a previous
// checkpoint to compare with) or EventError. Unsupported layouts and unreadable
// checkpoints are EventError and do not stop the watch.
//
// Watch returns ctx.Err() when ctx is done (test it with errors.Is(err,
// context.Canceled)), nil when Once is set and the first scan's checkpoints are
// processed, and another error when dir cannot be listed or c is invalid. It keeps
// the reports of valid checkpoints to compare later ones with.
func Watch(ctx context.Context, dir string, c WatchConfig, fn func(Event)) error {
	w, err := newWatcher(dir, c, fn)
	if err != nil {
		return err
	}
	for {
		settled, err := w.poll(ctx)
		if err != nil {
			return err
		}
		if c.Once && settled {
			return nil
		}
		t := time.NewTimer(w.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// watcher is the state of one Watch: one poll is one scan of the directory.
type watcher struct {
	dir       string
	c         WatchConfig
	fn        func(Event)
	interval  time.Duration
	stableFor int
	match     func(string, bool) bool
	scans     int
	entries   map[string]*watchEntry
	history   []watchDone
}

type watchEntry struct {
	path   string
	name   string
	isDir  bool
	order  watchOrder
	sig    watchSig // signature seen at the last scan
	stable int      // consecutive scans that saw sig without a marker
	marked bool     // the -unfinished marker existed at the last scan
	done   bool     // processed when its signature was doneAt
	failed bool     // its size and time could not be read (reported once)
	doneAt watchSig
	reason string // the last Waiting reason reported
	first  bool   // seen in the first scan
}

// watchSig is what must stay the same for a checkpoint to count as complete.
type watchSig struct {
	size  int64
	mtime int64
	files int
}

// watchOrder orders checkpoints: by step, else consumed samples, else time.
type watchOrder struct {
	group int     // 0: step in the name; 1: consumed samples; 2: neither
	value float64 // the step or the samples
	step  int64   // the step, -1 without one
	ema   bool    // an -EMA checkpoint
	mtime int64
	name  string
}

func (a watchOrder) compare(b watchOrder) int {
	return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.value, b.value),
		cmp.Compare(a.mtime, b.mtime), strings.Compare(a.name, b.name))
}

// before reports whether a checkpoint at a can be the baseline of one at b.
func (a watchOrder) before(b watchOrder) bool {
	if a.ema != b.ema || a.compare(b) >= 0 {
		return false
	}
	return b.group == 2 || a.group != b.group || a.value < b.value
}

type watchDone struct {
	order watchOrder
	rep   *Report
}

func newWatcher(dir string, c WatchConfig, fn func(Event)) (*watcher, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("watching %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watching %s: not a directory", dir)
	}
	w := &watcher{dir: dir, c: c, fn: fn, interval: c.Interval, stableFor: c.StableFor,
		match: c.Match, entries: map[string]*watchEntry{}}
	if w.fn == nil {
		w.fn = func(Event) {}
	}
	if w.interval == 0 {
		w.interval = DefaultWatchInterval
	}
	if w.stableFor == 0 {
		w.stableFor = DefaultWatchStableFor
	}
	if w.match == nil {
		w.match = defaultWatchMatch
	}
	w.c.Config.Stats, w.c.Config.Digest = true, true
	return w, nil
}

func (w *watcher) emit(e *watchEntry, ev Event) {
	ev.Path, ev.Step = e.path, e.order.step
	w.fn(ev)
}

// wait reports e as waiting for reason, unless that was the last reason reported.
func (w *watcher) wait(e *watchEntry, reason string) {
	if e.reason != reason {
		e.reason = reason
		w.emit(e, Event{Kind: EventWaiting, Reason: reason})
	}
}

// poll scans the directory once and processes the checkpoints that are complete.
// settled reports whether every checkpoint of the first scan is processed or
// marked unfinished.
func (w *watcher) poll(ctx context.Context) (settled bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	list, err := os.ReadDir(w.dir)
	if err != nil {
		return false, fmt.Errorf("watching %w", err)
	}
	names := make(map[string]bool, len(list))
	for _, de := range list {
		names[de.Name()] = true
	}
	seen := make(map[string]bool, len(list))
	var ready []*watchEntry
	for _, de := range list {
		name := de.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, unfinishedSuffix) {
			continue
		}
		path := filepath.Join(w.dir, name)
		isDir := de.IsDir()
		if de.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				continue
			}
			isDir = fi.IsDir()
		}
		if !w.match(name, isDir) {
			continue
		}
		e := w.entries[name]
		if e == nil || e.isDir != isDir {
			e = &watchEntry{path: path, name: name, isDir: isDir, first: w.scans == 0}
			w.entries[name] = e
			e.order = parseWatchOrder(name)
			w.emit(e, Event{Kind: EventFound})
		}
		seen[name] = true
		sig, err := checkpointSig(path, isDir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) && !e.failed {
				e.failed, e.sig = true, watchSig{}
				w.emit(e, Event{Kind: EventError, Err: err})
			}
			continue
		}
		e.failed = false
		if e.done {
			if sig == e.doneAt {
				continue
			}
			e.done, e.stable, e.reason = false, 0, ""
			w.emit(e, Event{Kind: EventFound, Reason: "rewritten since it was processed"})
		}
		e.order.mtime = sig.mtime
		if m := markerOf(name, names); m != "" {
			e.marked, e.stable, e.sig = true, 0, sig
			w.wait(e, fmt.Sprintf("unfinished: %s exists", m))
			continue
		}
		e.marked = false
		if e.stable > 0 && sig == e.sig {
			e.stable++
		} else {
			if e.stable > 0 {
				w.wait(e, "still being written: its size or modification time changed")
			}
			e.stable, e.sig = 1, sig
		}
		if e.stable >= w.stableFor {
			ready = append(ready, e)
		}
	}
	for name := range w.entries {
		if !seen[name] {
			delete(w.entries, name)
		}
	}
	slices.SortFunc(ready, func(a, b *watchEntry) int { return a.order.compare(b.order) })
	for _, e := range ready {
		if err := w.process(ctx, e); err != nil {
			return false, err
		}
	}
	w.scans++
	w.c.Config.logger().Debug("watch scan", "dir", w.dir, "scan", w.scans, "entries", len(w.entries), "processed", len(ready))
	for _, e := range w.entries {
		if e.first && !e.done && !e.marked && !e.failed {
			return false, nil
		}
	}
	return true, nil
}

// process validates a complete checkpoint and compares it with its baseline.
func (w *watcher) process(ctx context.Context, e *watchEntry) error {
	rep, err := ValidatePath(ctx, e.path, w.c.Config)
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	// A checkpoint rewritten or marked unfinished while it was read is read again
	// once it is complete. One removed meanwhile (NeMo deletes checkpoints that leave
	// the top k) keeps the result of what was read.
	if sig, serr := checkpointSig(e.path, e.isDir); serr == nil && (sig != e.sig || markerOf(e.path, nil) != "") {
		e.stable, e.sig = 0, sig
		w.wait(e, "changed while it was validated")
		return nil
	}
	e.done, e.doneAt, e.reason = true, e.sig, ""
	if err != nil {
		w.emit(e, Event{Kind: EventError, Err: errorNaming(e.path, err)})
		return nil
	}
	w.emit(e, Event{Kind: EventValidated, Report: rep})
	if len(rep.Tensors) > 0 {
		var base *watchDone
		for i := range w.history {
			h := &w.history[i]
			if h.order.before(e.order) && (base == nil || h.order.compare(base.order) > 0) {
				base = h
			}
		}
		if base != nil {
			d := Compare(base.rep, rep, w.c.Diff)
			if e.order.group == 2 && base.order.group != 2 {
				// An export without a step (the <name>.nemo NeMo writes at the end)
				// holds the last checkpoint's weights: unchanged is what it should be.
				d.Findings = slices.DeleteFunc(d.Findings, func(f Finding) bool { return f.Code == CodeWeightsUnchanged })
			}
			w.emit(e, Event{Kind: EventCompared, Report: rep, Diff: d})
		}
	}
	if rep.Valid() && len(rep.Tensors) > 0 {
		w.history = append(w.history, watchDone{order: e.order, rep: rep})
	}
	return nil
}

// checkpointSig is the size and latest modification time of a file, or of all
// files and directories under a directory.
func checkpointSig(path string, isDir bool) (watchSig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return watchSig{}, err
	}
	s := watchSig{size: fi.Size(), mtime: fi.ModTime().UnixNano(), files: 1}
	if !isDir {
		return s, nil
	}
	s.size = 0
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != path && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		s.files++
		if info.Mode().IsRegular() {
			s.size += info.Size()
		}
		s.mtime = max(s.mtime, info.ModTime().UnixNano())
		return nil
	})
	return s, err
}

const unfinishedSuffix = "-unfinished"

// markerOf returns the name of the -unfinished marker of checkpoint name that
// exists beside it ("" if none); names is the directory listing, or nil to look on
// disk (then name must be a path).
func markerOf(name string, names map[string]bool) string {
	dir, base := filepath.Split(name)
	cands := []string{base + unfinishedSuffix}
	stem := base
	for _, ext := range []string{".nemo", ".ckpt", ".safetensors"} {
		stem = strings.TrimSuffix(stem, ext)
	}
	stem = strings.TrimSuffix(stem, "-EMA")
	if stem+unfinishedSuffix != cands[0] {
		cands = append(cands, stem+unfinishedSuffix)
	}
	for _, m := range cands {
		if names != nil {
			if names[m] {
				return m
			}
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, m)); err == nil {
			return m
		}
	}
	return ""
}

var (
	stepRE    = regexp.MustCompile(`(?:^|[-_])step=(\d+)`)
	hfStepRE  = regexp.MustCompile(`^checkpoint-(\d+)$`)
	samplesRE = regexp.MustCompile(`(?:^|[-_])consumed_samples=(\d+(?:\.\d+)?)`)
	epochRE   = regexp.MustCompile(`(?:^|[-_])epoch=(\d+)`)
	shardRE   = regexp.MustCompile(`-\d+-of-\d+\.safetensors$`)
)

func parseWatchOrder(name string) watchOrder {
	o := watchOrder{group: 2, step: -1, name: name}
	stem := name
	for _, ext := range []string{".nemo", ".ckpt", ".safetensors"} {
		stem = strings.TrimSuffix(stem, ext)
	}
	o.ema = strings.HasSuffix(stem, "-EMA")
	m := stepRE.FindStringSubmatch(name)
	if m == nil {
		m = hfStepRE.FindStringSubmatch(name)
	}
	if m != nil {
		if v, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			o.group, o.value, o.step = 0, float64(v), v
			return o
		}
	}
	if m := samplesRE.FindStringSubmatch(name); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			o.group, o.value = 1, v
		}
	}
	return o
}

func defaultWatchMatch(name string, isDir bool) bool {
	if isDir {
		o := parseWatchOrder(name)
		return o.group != 2 || epochRE.MatchString(name) || strings.HasSuffix(name, "-last")
	}
	switch {
	case strings.HasSuffix(name, ".safetensors"):
		return !shardRE.MatchString(name)
	case strings.HasSuffix(name, ".ckpt"), strings.HasSuffix(name, ".nemo"):
		return true
	}
	return false
}
