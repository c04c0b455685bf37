package checkpoint

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nemoName = "megatron_gpt--val_loss=1.23-step=%d-consumed_samples=%d.0"

func nemoCkpt(step int) string {
	return strings.Replace(strings.Replace(nemoName, "%d", itoa(uint64(step)), 1), "%d", itoa(uint64(step*8)), 1)
}

// eventLog collects a watch's events.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

func (l *eventLog) of(kind EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (l *eventLog) take() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.evs
	l.evs = nil
	return out
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String()+" "+filepath.Base(e.Path))
	}
	return out
}

func watchTarBytes(t *testing.T) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	cfg := []byte("peft:\n  peft_scheme: lora\n")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./model_config.yaml", Mode: 0o644, Size: int64(len(cfg))}))
	_, err := tw.Write(cfg)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func TestWatchOnce(t *testing.T) {
	dir := t.TempDir()
	w1 := []stfile.Tensor{f32T("lora_A", 1, 2), f32T("lora_B", 0.1, 0.2)}
	w2 := []stfile.Tensor{f32T("lora_A", 1.5, 2), f32T("lora_B", 0.2, 0.2)}
	// Written out of order: the step orders them, not the time.
	writeST(t, filepath.Join(dir, nemoCkpt(200)+".ckpt"), w2...)
	writeST(t, filepath.Join(dir, nemoCkpt(200)+"-last.ckpt"), w2...)
	writeST(t, filepath.Join(dir, nemoCkpt(100)+".ckpt"), w1...)
	// A Hugging Face style directory; its weights did not change since step 200.
	writeST(t, filepath.Join(dir, "checkpoint-300", "model.safetensors"), w2...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checkpoint-300", "trainer_state.json"), []byte("{}"), 0o644))
	// Being saved: never validated.
	writeST(t, filepath.Join(dir, nemoCkpt(400)+".ckpt"), w2[:1]...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, nemoCkpt(400)+"-unfinished"), nil, 0o644))
	// Layouts the validator does not support (yet): errors, the watch goes on.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "megatron_gpt.nemo"), watchTarBytes(t), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "checkpoint-500"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checkpoint-500", "config.json"), []byte("{}"), 0o644))
	// Not checkpoints.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
	writeST(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), w1...)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "runs"), 0o755))

	var log eventLog
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Watch(ctx, dir, WatchConfig{Interval: 10 * time.Millisecond, Once: true, Config: Config{Workers: 1}}, log.add)
	require.NoError(t, err)

	var validated []string
	for _, e := range log.of(EventValidated) {
		validated = append(validated, filepath.Base(e.Path))
		if filepath.Base(e.Path) == "megatron_gpt.nemo" {
			// The .nemo holds a LoRA config without lora_tuning and no weights.
			assert.False(t, e.Report.Valid())
			assert.Equal(t, KindNeMo, e.Report.Kind)
			continue
		}
		assert.True(t, e.Report.Valid(), "%s: %v", e.Path, e.Report.Err())
		require.NotEmpty(t, e.Report.Tensors)
		assert.NotNil(t, e.Report.Tensors[0].Stats, "Stats forced on")
		assert.NotZero(t, e.Report.Tensors[0].Digest, "Digest forced on")
	}
	assert.Equal(t, []string{nemoCkpt(100) + ".ckpt", nemoCkpt(200) + ".ckpt", nemoCkpt(200) + "-last.ckpt", "checkpoint-300", "megatron_gpt.nemo"}, validated)

	compared := map[string]*DiffReport{}
	for _, e := range log.of(EventCompared) {
		compared[filepath.Base(e.Path)] = e.Diff
		assert.Same(t, e.Report, e.Diff.Next)
	}
	require.Len(t, compared, 3)
	// Both step-200 checkpoints are compared with step 100, never with each other.
	for _, n := range []string{nemoCkpt(200) + ".ckpt", nemoCkpt(200) + "-last.ckpt"} {
		require.Contains(t, compared, n)
		assert.Equal(t, filepath.Join(dir, nemoCkpt(100)+".ckpt"), compared[n].Prev.Path)
		assert.Empty(t, compared[n].Findings)
	}
	d := compared["checkpoint-300"]
	require.NotNil(t, d)
	assert.Contains(t, d.Prev.Path, "step=200")
	assert.Equal(t, []string{CodeWeightsUnchanged}, findingCodes(d.Findings))

	waiting := log.of(EventWaiting)
	require.Len(t, waiting, 1)
	assert.Equal(t, nemoCkpt(400)+".ckpt", filepath.Base(waiting[0].Path))
	assert.Equal(t, int64(400), waiting[0].Step)
	assert.Equal(t, "unfinished: "+nemoCkpt(400)+"-unfinished exists", waiting[0].Reason)

	errs := map[string]error{}
	for _, e := range log.of(EventError) {
		errs[filepath.Base(e.Path)] = e.Err
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs["checkpoint-500"], ErrUnknownLayout)
	assert.ErrorContains(t, errs["checkpoint-500"], "checkpoint-500", "the error names the directory")

	var found []string
	for _, e := range log.of(EventFound) {
		found = append(found, filepath.Base(e.Path))
	}
	assert.ElementsMatch(t, []string{nemoCkpt(100) + ".ckpt", nemoCkpt(200) + ".ckpt", nemoCkpt(200) + "-last.ckpt",
		"checkpoint-300", nemoCkpt(400) + ".ckpt", "megatron_gpt.nemo", "checkpoint-500"}, found)
}

// An export without a step written after the stepped checkpoints (NeMo's
// <name>.nemo at the end) is compared with the last one, and its identical weights
// are no warning; identical weights between two steps still are.
func TestWatchFinalExport(t *testing.T) {
	dir := t.TempDir()
	w := []stfile.Tensor{f32T("lora_A", 1, 2), f32T("lora_B", 0.1, 0.2)}
	writeST(t, filepath.Join(dir, nemoCkpt(100)+".ckpt"), w...)
	writeST(t, filepath.Join(dir, nemoCkpt(200)+".ckpt"), w...)
	writeST(t, filepath.Join(dir, "final.safetensors"), w...)
	var log eventLog
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, Watch(ctx, dir, WatchConfig{Interval: 10 * time.Millisecond, Once: true, Config: Config{Workers: 1}}, log.add))
	compared := map[string]*DiffReport{}
	for _, e := range log.of(EventCompared) {
		compared[filepath.Base(e.Path)] = e.Diff
	}
	require.Len(t, compared, 2)
	assert.Equal(t, []string{CodeWeightsUnchanged}, findingCodes(compared[nemoCkpt(200)+".ckpt"].Findings))
	d := compared["final.safetensors"]
	require.NotNil(t, d)
	assert.Contains(t, d.Prev.Path, "step=200")
	assert.Empty(t, d.Findings)
	assert.Equal(t, 2, d.Summary.Unchanged)
}

func TestWatchEmptyOnce(t *testing.T) {
	calls := 0
	err := Watch(context.Background(), t.TempDir(), WatchConfig{Once: true}, func(Event) { calls++ })
	require.NoError(t, err)
	assert.Zero(t, calls)
}

// TestWatchFollowsWriter runs Watch against a writer that saves checkpoints the
// way NeMo does: the marker first, then the file in parts, then the marker goes.
func TestWatchFollowsWriter(t *testing.T) {
	dir := t.TempDir()
	steps := []int{100, 200, 300}
	var mu sync.Mutex
	finished := map[string]bool{} // checkpoint names whose marker is gone
	events := make(chan Event, 100)
	var bad []string

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watchErr := make(chan error, 1)
	go func() {
		watchErr <- Watch(ctx, dir, WatchConfig{Interval: 10 * time.Millisecond, Config: Config{Workers: 1}}, func(e Event) {
			if e.Kind == EventValidated {
				mu.Lock()
				if !finished[filepath.Base(e.Path)] {
					bad = append(bad, e.Path)
				}
				mu.Unlock()
			}
			select {
			case events <- e:
			case <-ctx.Done():
			}
		})
	}()

	writerDone := make(chan error, 1)
	go func() {
		writerDone <- func() error {
			for i, step := range steps {
				name := nemoCkpt(step) + ".ckpt"
				marker := filepath.Join(dir, nemoCkpt(step)+"-unfinished")
				if err := os.WriteFile(marker, nil, 0o644); err != nil {
					return err
				}
				b := stBytes(f32T("lora_A", float32(i+1), 2), f32T("lora_B", 0.5, float32(i)))
				f, err := os.Create(filepath.Join(dir, name))
				if err != nil {
					return err
				}
				for part := range 3 {
					if _, err := f.Write(b[part*len(b)/3 : (part+1)*len(b)/3]); err != nil {
						return err
					}
					time.Sleep(15 * time.Millisecond) // let the watcher see the partial file
				}
				if err := f.Close(); err != nil {
					return err
				}
				mu.Lock()
				finished[name] = true
				mu.Unlock()
				if err := os.Remove(marker); err != nil {
					return err
				}
			}
			return nil
		}()
	}()

	compared := map[string]*DiffReport{}
	timeout := time.After(8 * time.Second)
	for len(compared) < 2 {
		select {
		case e := <-events:
			switch e.Kind {
			case EventCompared:
				compared[filepath.Base(e.Path)] = e.Diff
			case EventError:
				t.Fatalf("error event: %v", e.Err)
			case EventValidated:
				assert.True(t, e.Report.Valid(), "%s: %v", e.Path, e.Report.Err())
			}
		case err := <-watchErr:
			t.Fatalf("Watch returned early: %v", err)
		case <-timeout:
			t.Fatalf("timed out; compared so far: %v", compared)
		}
	}
	require.NoError(t, <-writerDone)
	cancel()
	select {
	case err := <-watchErr:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
	mu.Lock()
	assert.Empty(t, bad, "validated before the marker was removed")
	mu.Unlock()
	d := compared[nemoCkpt(300)+".ckpt"]
	require.NotNil(t, d)
	assert.Contains(t, d.Prev.Path, "step=200-")
	assert.Empty(t, d.Findings)
	assert.Equal(t, 2, d.Summary.Changed)
}

// TestWatchStates drives the watcher scan by scan, without timing.
func TestWatchStates(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var log eventLog
	w, err := newWatcher(dir, WatchConfig{}, log.add)
	require.NoError(t, err)
	poll := func() []string {
		t.Helper()
		_, err := w.poll(ctx)
		require.NoError(t, err)
		return kinds(log.take())
	}
	p := filepath.Join(dir, "adapter.safetensors")
	at := time.Now().Add(-time.Hour)
	write := func(ts ...stfile.Tensor) {
		writeST(t, p, ts...)
		at = at.Add(time.Second)
		require.NoError(t, os.Chtimes(p, at, at))
	}

	write(f32T("a", 1))
	assert.Equal(t, []string{"found adapter.safetensors"}, poll())
	write(f32T("a", 1, 2))
	assert.Equal(t, []string{"waiting adapter.safetensors"}, poll(), "size changed between scans")
	assert.Equal(t, []string{"validated adapter.safetensors"}, poll(), "stable over 2 scans")
	assert.Empty(t, poll(), "processed once")

	// Rewritten in place: processed again and compared with its previous version.
	write(f32T("a", 1, 3))
	evs := poll()
	assert.Equal(t, []string{"found adapter.safetensors"}, evs)
	assert.Equal(t, []string{"validated adapter.safetensors", "compared adapter.safetensors"}, poll())

	// A marker holds it back; stability counts from its removal.
	marker := filepath.Join(dir, "adapter-unfinished")
	require.NoError(t, os.WriteFile(marker, nil, 0o644))
	write(f32T("a", 1, 4))
	assert.Equal(t, []string{"found adapter.safetensors", "waiting adapter.safetensors"}, poll())
	assert.Empty(t, poll())
	require.NoError(t, os.Remove(marker))
	assert.Empty(t, poll())
	evs = poll()
	assert.Equal(t, []string{"validated adapter.safetensors", "compared adapter.safetensors"}, evs)

	// Gone: forgotten; back: found again.
	require.NoError(t, os.Remove(p))
	assert.Empty(t, poll())
	write(f32T("a", 1, 5))
	assert.Equal(t, []string{"found adapter.safetensors"}, poll())
}

func TestWatchStableForOne(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "checkpoint-7", "adapter_model.safetensors"), f32T("a", 1))
	var log eventLog
	w, err := newWatcher(dir, WatchConfig{StableFor: 1}, log.add)
	require.NoError(t, err)
	settled, err := w.poll(context.Background())
	require.NoError(t, err)
	assert.True(t, settled)
	evs := log.take()
	assert.Equal(t, []string{"found checkpoint-7", "validated checkpoint-7"}, kinds(evs))
	assert.Equal(t, int64(7), evs[1].Step)
	assert.Equal(t, KindDirectory, evs[1].Report.Kind)
}

func TestWatchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, t.TempDir(), WatchConfig{Interval: time.Hour}, nil) }()
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func TestWatchConfigErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []WatchConfig{
		{Interval: -1},
		{StableFor: -1},
		{Diff: DiffConfig{NormFactor: 0.5}},
	} {
		assert.Error(t, Watch(ctx, dir, c, nil), "%+v", c)
	}
	missing := filepath.Join(dir, "nope")
	err := Watch(ctx, missing, WatchConfig{Once: true}, nil)
	require.True(t, errors.Is(err, os.ErrNotExist), "%v", err)
	assert.Contains(t, err.Error(), missing)
	f := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	assert.ErrorContains(t, Watch(ctx, f, WatchConfig{Once: true}, nil), "not a directory")
}

func TestMarkerOf(t *testing.T) {
	tests := []struct{ name, marker string }{
		{nemoCkpt(5) + ".ckpt", nemoCkpt(5) + "-unfinished"},
		{nemoCkpt(5), nemoCkpt(5) + "-unfinished"}, // dist-ckpt directory
		{nemoCkpt(5) + "-EMA.ckpt", nemoCkpt(5) + "-unfinished"},
		{nemoCkpt(5) + "-last.ckpt", nemoCkpt(5) + "-last-unfinished"},
		{"megatron_gpt.nemo", "megatron_gpt-unfinished"},
		{"adapter.safetensors", "adapter-unfinished"},
		{"adapter.safetensors", "adapter.safetensors-unfinished"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.marker, markerOf(tt.name, map[string]bool{tt.marker: true}), tt.name)
		assert.Empty(t, markerOf(tt.name, map[string]bool{"other-unfinished": true}), tt.name)
	}
}

func TestParseWatchOrder(t *testing.T) {
	tests := []struct {
		name  string
		group int
		value float64
		step  int64
		ema   bool
	}{
		{nemoCkpt(1000) + ".ckpt", 0, 1000, 1000, false},
		{nemoCkpt(1000) + "-last.ckpt", 0, 1000, 1000, false},
		{nemoCkpt(1000) + "-EMA.ckpt", 0, 1000, 1000, true},
		{"checkpoint-500", 0, 500, 500, false},
		{"default--val_loss=0.53-epoch=0-consumed_samples=800.0-last", 1, 800, -1, false},
		{"megatron_gpt.nemo", 2, 0, -1, false},
		{"model.safetensors", 2, 0, -1, false},
		{"nostep=12.ckpt", 2, 0, -1, false},
	}
	for _, tt := range tests {
		o := parseWatchOrder(tt.name)
		assert.Equal(t, []any{tt.group, tt.value, tt.step, tt.ema}, []any{o.group, o.value, o.step, o.ema}, tt.name)
	}
	a, b := parseWatchOrder("x-step=1.ckpt"), parseWatchOrder("x-step=2.ckpt")
	assert.True(t, a.before(b))
	assert.False(t, b.before(a))
	assert.False(t, a.before(parseWatchOrder("x-step=1-last.ckpt")), "same step")
	assert.False(t, a.before(parseWatchOrder("x-step=2-EMA.ckpt")), "EMA apart")
	assert.True(t, b.before(parseWatchOrder("x.nemo")), "the final .nemo after the steps")
}

func TestDefaultWatchMatch(t *testing.T) {
	tests := []struct {
		name  string
		dir   bool
		match bool
	}{
		{nemoCkpt(1) + ".ckpt", false, true},
		{nemoCkpt(1), true, true},
		{nemoCkpt(1) + "-last", true, true},
		{"default--val_loss=0.53-epoch=0-consumed_samples=800.0", true, true},
		{"checkpoint-500", true, true},
		{"megatron_gpt.nemo", false, true},
		{"adapter_model.safetensors", false, true},
		{"model-00001-of-00004.safetensors", false, false},
		{"model.safetensors.index.json", false, false},
		{"runs", true, false},
		{"trainer_state.json", false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.match, defaultWatchMatch(tt.name, tt.dir), tt.name)
	}
}

func TestEventKindString(t *testing.T) {
	assert.Equal(t, "compared", EventCompared.String())
	b, err := EventError.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "error", string(b))
	assert.Equal(t, "EventKind(0)", EventKind(0).String())
	assert.Equal(t, "EventKind(99)", EventKind(99).String())
}
