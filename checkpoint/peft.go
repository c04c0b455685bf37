package checkpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sentinels of PEFT LoRA adapter directories (adapter_config.json and
// adapter_model.safetensors, as PEFT's save_pretrained writes them).
var (
	ErrAdapterConfigJSON = errors.New("checkpoint: adapter_config.json is not a valid JSON object")
	ErrAdapterConfig     = errors.New("checkpoint: invalid value in adapter_config.json")
	ErrPEFTType          = errors.New("checkpoint: peft_type missing or not LORA")
	ErrAdapterRank       = errors.New("checkpoint: LoRA rank is not a positive integer")
	ErrAdapterPattern    = errors.New("checkpoint: adapter config pattern that Go's regexp cannot evaluate")
	ErrAdapterWeights    = errors.New("checkpoint: adapter weights missing or not checked")
	ErrAdapterEmpty      = errors.New("checkpoint: adapter has no LoRA tensors")
	ErrAdapterPair       = errors.New("checkpoint: LoRA tensor without its pair")
	ErrAdapterShape      = errors.New("checkpoint: LoRA tensor shape does not match the rank or its pair")
	ErrDoRAMagnitude     = errors.New("checkpoint: DoRA magnitude vector missing, unexpected or of the wrong length")
	ErrModuleNotTargeted = errors.New("checkpoint: adapter module not selected by target_modules")
	ErrTargetUnused      = errors.New("checkpoint: target_modules entry without adapter tensors")
	ErrUnexpectedTensor  = errors.New("checkpoint: tensor PEFT does not expect in a LoRA adapter")
	ErrAdapterDType      = errors.New("checkpoint: LoRA tensors of mixed dtypes")
	ErrAdapterUntrained  = errors.New("checkpoint: every lora_B is zero: the adapter was never trained")
)

// Finding codes of PEFT adapter directories.
const (
	CodeAdapterConfigJSON     = "adapter_config_json"
	CodeAdapterConfig         = "adapter_config_invalid"
	CodePEFTTypeMissing       = "peft_type_missing"
	CodePEFTTypeUnsupported   = "peft_type_unsupported"
	CodeAdapterRank           = "adapter_rank_invalid"
	CodeAdapterPattern        = "adapter_pattern_unsupported"
	CodeAdapterWeightsMissing = "adapter_weights_missing"
	CodeAdapterWeightsPickle  = "adapter_weights_pickle"
	CodeAdapterEmpty          = "adapter_empty"
	CodeAdapterPair           = "adapter_pair_missing"
	CodeAdapterShape          = "adapter_shape"
	CodeDoRAMissing           = "dora_magnitude_missing"
	CodeDoRAShape             = "dora_magnitude_shape"
	CodeDoRAUnexpected        = "dora_magnitude_unexpected"
	CodeModuleNotTargeted     = "module_not_targeted"
	CodeTargetUnused          = "target_module_unused"
	CodeUnexpectedTensor      = "adapter_unexpected_tensor"
	CodeAdapterDType          = "adapter_mixed_dtype"
	CodeAdapterUntrained      = "adapter_untrained"
)

// File names of a PEFT adapter directory.
const (
	peftConfigName  = "adapter_config.json"
	peftWeightsName = "adapter_model.safetensors"
	peftLegacyName  = "adapter_model.bin"
	peftPrefix      = "base_model.model."
	peftDefaultRank = 8
)

// validatePEFT validates the PEFT LoRA adapter directory dir.
//
// adapter_config.json must be one JSON object (a syntax error is reported with its
// line and column); peft_type must be present, and only "LORA" gets the tensor
// checks (another type is a warning); r must be a positive integer (8 when absent),
// and so must every rank_pattern value. rank_pattern and alpha_pattern keys are
// Python regular expressions, used the way PEFT does: the first key for which
// re.match(r"(.*\.)?(KEY)$", module) matches gives the module's rank; a key Go's
// regexp cannot compile (lookaround, backreferences) is a warning, and rank
// mismatches are then warnings too. target_modules is a list (a module matches an
// entry it equals or ends with "." + entry), a regular expression (full match) or
// "all-linear" (not checked); exclude_modules likewise.
//
// adapter_model.safetensors is validated with ValidateFile (statistics forced on,
// and dropped again from the report unless c.Stats asked for them). Its tensors
// must be named base_model.model.<module>.<part> with part lora_A.weight
// [r, in] and lora_B.weight [out, r] (convolutions: [r, in, k...] and
// [out, r, 1...]), lora_B.bias [out], lora_embedding_A [r, n] and lora_embedding_B
// [dim, r], lora_magnitude_vector (with or without .weight) holding out values
// (DoRA, required when use_dora is set). Every lora_A needs its lora_B and the
// other way round; lora_A rows and lora_B columns must equal the module's rank.
// A module outside target_modules, a target_modules entry no module matches, a
// tensor that is neither LoRA nor in modules_to_save, LoRA tensors of mixed dtypes
// and an adapter whose lora_B tensors are all exactly zero (never trained: PEFT
// initialises lora_B to zeros) are warnings. A legacy adapter_model.bin (a pickle)
// is reported as not checked. layers_to_transform and layers_pattern are not
// applied: they only narrow target_modules, so no false warning follows.
//
// Config findings carry File = adapter_config.json, tensor findings File =
// adapter_model.safetensors. Report.Files holds the safetensors report and
// Report.Tensors its tensors with Tensor.File set; Report.Size is its size.
func validatePEFT(ctx context.Context, dir string, c Config) (*Report, error) {
	rep := &Report{Path: dir, Kind: KindPEFT}
	cfg, err := readLoRAConfig(filepath.Join(dir, peftConfigName), rep)
	if err != nil {
		return nil, err
	}
	wpath := filepath.Join(dir, peftWeightsName)
	fi, err := os.Stat(wpath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", wpath, err)
	}
	if err != nil || !fi.Mode().IsRegular() {
		if exists(filepath.Join(dir, peftLegacyName)) {
			rep.add(layoutFinding(Warning, CodeAdapterWeightsPickle, peftLegacyName, "", -1, ErrAdapterWeights,
				"the adapter weights are %s, a torch.save pickle; its tensors were not checked", peftLegacyName))
		} else {
			rep.add(layoutFinding(Error, CodeAdapterWeightsMissing, peftWeightsName, "", -1, ErrAdapterWeights,
				"the directory has neither %s nor %s", peftWeightsName, peftLegacyName))
		}
		return rep, nil
	}
	sc := c
	sc.Stats = true
	wrep, err := ValidateFile(ctx, wpath, sc)
	if err != nil {
		return nil, err
	}
	rep.Files = []*Report{wrep}
	rep.Size = wrep.Size
	rep.HeaderLen = wrep.HeaderLen
	rep.Metadata = wrep.Metadata
	unreadable := false
	for _, f := range wrep.Findings {
		if f.File == "" {
			f.File = peftWeightsName
		}
		rep.add(f)
		if f.Severity == Error && slices.Contains(headerUnreadable, f.Code) {
			unreadable = true
		}
	}
	if cfg != nil && !unreadable {
		checkLoRATensors(rep, cfg, wrep.Tensors)
	}
	if !c.Stats {
		for i := range wrep.Tensors {
			wrep.Tensors[i].Stats = nil
		}
	}
	rep.Tensors = make([]Tensor, len(wrep.Tensors))
	for i, t := range wrep.Tensors {
		t.File = peftWeightsName
		rep.Tensors[i] = t
	}
	return rep, nil
}

// loraConfig is what the tensor checks need from adapter_config.json.
type loraConfig struct {
	r             int64
	rankPattern   []rankKey
	uncertain     bool // a rank_pattern key could not be compiled
	targets       moduleSel
	exclude       moduleSel
	modulesToSave []string
	useDoRA       bool
}

type rankKey struct {
	key string
	re  *regexp.Regexp // nil when Go cannot compile the key
	r   int64
}

// moduleSel is a target_modules or exclude_modules value.
type moduleSel struct {
	kind  selKind
	list  []string
	re    *regexp.Regexp
	value string // the regular expression as written
}

type selKind uint8

const (
	selNone      selKind = iota // absent or null: no constraint
	selList                     // names
	selRegex                    // full match
	selAllLinear                // "all-linear": cannot be checked without the model
	selUnknown                  // a regex Go cannot compile: not checked
)

// matches reports whether module is selected (kind selList or selRegex).
func (s *moduleSel) matches(module string) bool {
	switch s.kind {
	case selList:
		for _, e := range s.list {
			if module == e || strings.HasSuffix(module, "."+e) {
				return true
			}
		}
		return false
	case selRegex:
		return s.re.MatchString(module)
	}
	return true
}

// readLoRAConfig parses adapter_config.json and adds its findings to rep. The
// config is nil when the tensor checks cannot run (the file is unreadable as JSON,
// peft_type is not LORA, r is invalid). The error is non-nil only when the file
// cannot be read.
func readLoRAConfig(path string, rep *Report) (*loraConfig, error) {
	const file = peftConfigName
	data, tooLarge, err := readFileLimit(path, maxJSONDoc)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.add(layoutFinding(Error, CodeAdapterConfigJSON, file, "", -1, ErrAdapterConfigJSON,
			"the directory has no %s", file))
		return nil, nil
	case err != nil:
		return nil, err
	case tooLarge:
		rep.add(layoutFinding(Error, CodeAdapterConfigJSON, file, "", -1, ErrAdapterConfigJSON,
			"%s is larger than %d bytes", file, maxJSONDoc))
		return nil, nil
	}
	members, perr := parseJSONObject(data, 0)
	if perr != nil {
		rep.add(causeFinding(Error, CodeAdapterConfigJSON, file, perr.Offset, ErrAdapterConfigJSON, perr,
			"invalid JSON at line %d, column %d: %v", perr.Line, perr.Col, perr.Err))
		return nil, nil
	}
	invalid := func(m jsonMember, format string, args ...any) {
		rep.add(layoutFinding(Error, CodeAdapterConfig, file, "", m.Offset, ErrAdapterConfig,
			"%q: "+format, append([]any{m.Key}, args...)...))
	}
	cfg := &loraConfig{r: peftDefaultRank}
	ok := true

	if m, found := lastMember(members, "peft_type"); !found || string(m.Value) == "null" {
		rep.add(layoutFinding(Error, CodePEFTTypeMissing, file, "", -1, ErrPEFTType,
			"no \"peft_type\": PEFT cannot tell which adapter this is"))
		ok = false
	} else if s, isStr := jsonString(m.Value); !isStr {
		invalid(m, "is %s, not a string", jsonKind(m.Value))
		ok = false
	} else if s != "LORA" {
		rep.add(layoutFinding(Warning, CodePEFTTypeUnsupported, file, "", m.Offset, ErrPEFTType,
			"peft_type is %q; only LORA adapters get the tensor shape checks", s))
		ok = false
	}

	if m, found := lastMember(members, "r"); found {
		r, valid := jsonPositiveInt(m.Value)
		if !valid {
			rep.add(layoutFinding(Error, CodeAdapterRank, file, "", m.Offset, ErrAdapterRank,
				"r is %s; PEFT requires a positive integer", string(m.Value)))
			ok = false
		}
		cfg.r = r
	}

	for _, name := range []string{"rank_pattern", "alpha_pattern"} {
		m, found := lastMember(members, name)
		if !found || string(m.Value) == "null" {
			continue
		}
		if m.Value[0] != '{' {
			invalid(m, "is %s, not an object", jsonKind(m.Value))
			continue
		}
		keys, _ := parseJSONObject(m.Value, m.Offset)
		for _, k := range keys {
			re, err := compilePyPattern(`(.*\.)?(`+k.Key+`)$`, false)
			if err != nil {
				effect := "rank mismatches become warnings"
				if name == "alpha_pattern" {
					effect = "alpha does not change shapes, so nothing is lost"
				}
				rep.add(causeFinding(Warning, CodeAdapterPattern, file, k.Offset, ErrAdapterPattern, err,
					"%s key %q cannot be evaluated with Go's regexp (%v); %s", name, k.Key, err, effect))
			}
			if name == "alpha_pattern" {
				if _, isNum := jsonNumber(k.Value); !isNum {
					invalid(m, "value of key %q is %s, not a number", k.Key, jsonKind(k.Value))
				}
				continue
			}
			r, valid := jsonPositiveInt(k.Value)
			if !valid {
				rep.add(layoutFinding(Error, CodeAdapterRank, file, "", k.Offset, ErrAdapterRank,
					"rank_pattern key %q gives rank %s; PEFT requires a positive integer", k.Key, string(k.Value)))
				ok = false
				continue
			}
			if re == nil {
				cfg.uncertain = true
			}
			cfg.rankPattern = append(cfg.rankPattern, rankKey{key: k.Key, re: re, r: r})
		}
	}

	for _, name := range []string{"target_modules", "exclude_modules"} {
		m, found := lastMember(members, name)
		if !found {
			continue
		}
		sel, bad := readModuleSel(m, name == "target_modules")
		switch {
		case bad != "":
			invalid(m, "%s", bad)
		case sel.kind == selUnknown:
			rep.add(layoutFinding(Warning, CodeAdapterPattern, file, "", m.Offset, ErrAdapterPattern,
				"%s regular expression %q cannot be evaluated with Go's regexp; modules are not checked against it", name, sel.value))
		}
		if name == "target_modules" {
			cfg.targets = sel
		} else {
			cfg.exclude = sel
		}
	}

	if m, found := lastMember(members, "modules_to_save"); found && string(m.Value) != "null" {
		names, isList := jsonStringList(m.Value)
		if !isList {
			invalid(m, "is %s, not a list of module names", jsonKind(m.Value))
		}
		cfg.modulesToSave = names
	}

	if m, found := lastMember(members, "use_dora"); found && string(m.Value) != "null" {
		switch string(m.Value) {
		case "true":
			cfg.useDoRA = true
		case "false":
		default:
			invalid(m, "is %s, not a boolean", jsonKind(m.Value))
		}
	}
	if !ok {
		return nil, nil
	}
	return cfg, nil
}

// readModuleSel reads target_modules or exclude_modules; bad says what is wrong
// with an invalid value.
func readModuleSel(m jsonMember, allLinear bool) (sel moduleSel, bad string) {
	if string(m.Value) == "null" {
		return sel, ""
	}
	if s, ok := jsonString(m.Value); ok {
		if allLinear && strings.EqualFold(s, "all-linear") {
			return moduleSel{kind: selAllLinear, value: s}, ""
		}
		re, err := compilePyPattern(s, true)
		if err != nil {
			return moduleSel{kind: selUnknown, value: s}, ""
		}
		return moduleSel{kind: selRegex, re: re, value: s}, ""
	}
	list, ok := jsonStringList(m.Value)
	if !ok {
		return sel, fmt.Sprintf("is %s, not a list of module names or a regular expression", jsonKind(m.Value))
	}
	return moduleSel{kind: selList, list: list}, ""
}

// compilePyPattern compiles a Python regular expression for re.match (anchored at
// the start) or, with full, re.fullmatch. The text is used as Python sees it,
// wrapped in a non-capturing group so an alternation in it keeps Python's meaning.
func compilePyPattern(p string, full bool) (*regexp.Regexp, error) {
	g, err := pyToGoRegexp(p)
	if err != nil {
		return nil, err
	}
	if full {
		return regexp.Compile(`^(?:` + g + `)$`)
	}
	return regexp.Compile(`^(?:` + g + `)`)
}

// pyToGoRegexp rewrites the Python re constructs that Go's RE2 syntax spells
// differently: \Z (end of text) becomes \z, and the quantifiers {,n} and {,}
// become {0,n} and {0,}.
// Constructs RE2 lacks (lookaround, backreferences, possessive quantifiers,
// conditionals) are left alone and make regexp.Compile fail.
func pyToGoRegexp(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return "", errors.New("pattern ends with a backslash")
			}
			if !inClass && p[i+1] == 'Z' {
				b.WriteString(`\z`)
			} else {
				b.WriteByte(c)
				b.WriteByte(p[i+1])
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal member.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case c == '{' && i+1 < len(p) && p[i+1] == ',':
			j := i + 2
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j < len(p) && p[j] == '}' {
				b.WriteString("{0")
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// effectiveRank is the rank PEFT gives module: the first rank_pattern key that
// matches, else r. key is the rank_pattern key used ("" for r).
func (cfg *loraConfig) effectiveRank(module string) (r int64, key string) {
	for _, k := range cfg.rankPattern {
		if k.re != nil && k.re.MatchString(module) {
			return k.r, k.key
		}
	}
	return cfg.r, ""
}

// loraPart is the role of a tensor in a LoRA module.
type loraPart uint8

const (
	partA loraPart = iota + 1
	partB
	partBias
	partEmbA
	partEmbB
	partMag
)

// loraSuffixes map tensor name endings to their role (longest first where one
// ends another).
var loraSuffixes = []struct {
	suffix string
	part   loraPart
}{
	{".lora_A.weight", partA},
	{".lora_B.weight", partB},
	{".lora_B.bias", partBias},
	{".lora_embedding_A", partEmbA},
	{".lora_embedding_B", partEmbB},
	{".lora_magnitude_vector.weight", partMag},
	{".lora_magnitude_vector", partMag},
}

// embeddingLayerNames are the layers PEFT saves whole with save_embedding_layers.
var embeddingLayerNames = []string{"embed_tokens", "lm_head"}

// loraModule gathers the tensors of one adapted module.
type loraModule struct {
	name         string // without the base_model.model. prefix
	a, b         *Tensor
	bias, mag    *Tensor
	embedding    bool
	hasA, hasEmb bool
}

// checkLoRATensors runs the adapter checks over the tensors of the weights file.
func checkLoRATensors(rep *Report, cfg *loraConfig, tensors []Tensor) {
	const file = peftWeightsName
	add := func(sev Severity, code, tensor string, sentinel error, detail string, args ...any) {
		rep.add(layoutFinding(sev, code, file, tensor, -1, sentinel, detail, args...))
	}
	modules := map[string]*loraModule{}
	var order []*loraModule
	var dtypes []DType
	for i := range tensors {
		t := &tensors[i]
		part, module := loraPartOf(t.Name)
		if part == 0 {
			if !peftAllowedExtra(cfg, t.Name) {
				add(Warning, CodeUnexpectedTensor, t.Name, ErrUnexpectedTensor,
					"tensor %q is neither a LoRA tensor nor part of modules_to_save; PEFT reports it as an unexpected key", t.Name)
			}
			continue
		}
		if !strings.HasPrefix(t.Name, peftPrefix) {
			add(Warning, CodeUnexpectedTensor, t.Name, ErrUnexpectedTensor,
				"LoRA tensor %q does not start with %q; PEFT does not load it", t.Name, peftPrefix)
		}
		if !slices.Contains(dtypes, t.DType) {
			dtypes = append(dtypes, t.DType)
		}
		m := modules[module]
		if m == nil {
			m = &loraModule{name: module}
			modules[module] = m
			order = append(order, m)
		}
		switch part {
		case partA, partB:
			m.hasA = true
		case partEmbA, partEmbB:
			m.hasEmb = true
		}
		switch part {
		case partA, partEmbA:
			m.a = t
		case partB, partEmbB:
			m.b = t
		case partBias:
			m.bias = t
		case partMag:
			m.mag = t
		}
	}
	if len(order) == 0 {
		add(Error, CodeAdapterEmpty, "", ErrAdapterEmpty, "%s holds no LoRA tensors (lora_A, lora_B, lora_embedding_A/B)", file)
		return
	}
	slices.SortFunc(order, func(x, y *loraModule) int { return strings.Compare(x.name, y.name) })

	var bs []*Tensor
	for _, m := range order {
		if m.hasA && m.hasEmb {
			add(Error, CodeAdapterShape, firstName(m), ErrAdapterShape,
				"module %q has both lora_A/lora_B and lora_embedding_A/lora_embedding_B tensors", m.name)
			continue
		}
		m.embedding = m.hasEmb
		checkLoRAModule(cfg, m, add)
		if m.b != nil {
			bs = append(bs, m.b)
		}
		switch {
		case cfg.exclude.kind != selNone && cfg.exclude.kind != selUnknown && cfg.exclude.matches(m.name):
			add(Warning, CodeModuleNotTargeted, firstName(m), ErrModuleNotTargeted,
				"module %q matches exclude_modules; PEFT reports its tensors as unexpected keys", m.name)
		case (cfg.targets.kind == selList || cfg.targets.kind == selRegex) && !cfg.targets.matches(m.name):
			add(Warning, CodeModuleNotTargeted, firstName(m), ErrModuleNotTargeted,
				"module %q is not selected by target_modules; PEFT reports its tensors as unexpected keys", m.name)
		}
	}

	if cfg.targets.kind == selList {
		for _, e := range cfg.targets.list {
			used := false
			for _, m := range order {
				if m.name == e || strings.HasSuffix(m.name, "."+e) {
					used = true
					break
				}
			}
			if !used {
				rep.add(layoutFinding(Warning, CodeTargetUnused, peftConfigName, "", -1, ErrTargetUnused,
					"target_modules entry %q matches no module with LoRA tensors in %s", e, file))
			}
		}
	}

	if len(dtypes) > 1 {
		names := make([]string, len(dtypes))
		for i, d := range dtypes {
			names[i] = d.String()
		}
		add(Warning, CodeAdapterDType, "", ErrAdapterDType, "LoRA tensors mix dtypes %s", strings.Join(names, ", "))
	}

	if len(bs) > 0 {
		untrained := true
		for _, b := range bs {
			n, _ := b.NumElements()
			if b.Stats == nil || n == 0 || b.NaN != 0 || b.Stats.ZeroFraction != 1 {
				untrained = false
				break
			}
		}
		if untrained {
			add(Warning, CodeAdapterUntrained, "", ErrAdapterUntrained,
				"all %d lora_B tensors are exactly zero, as PEFT initialises them: the adapter was never trained (or not saved after training)", len(bs))
		}
	}
}

func firstName(m *loraModule) string {
	for _, t := range []*Tensor{m.a, m.b, m.mag, m.bias} {
		if t != nil {
			return t.Name
		}
	}
	return ""
}

// loraPartOf returns the LoRA role of a tensor name and its module (without the
// base_model.model. prefix), or 0 for other tensors.
func loraPartOf(name string) (loraPart, string) {
	for _, s := range loraSuffixes {
		if strings.HasSuffix(name, s.suffix) {
			return s.part, strings.TrimPrefix(strings.TrimSuffix(name, s.suffix), peftPrefix)
		}
	}
	return 0, ""
}

// peftAllowedExtra reports whether a non-LoRA tensor is one PEFT saves: a
// modules_to_save module's parameter, a trainable-tokens delta, or an embedding
// layer saved with save_embedding_layers.
func peftAllowedExtra(cfg *loraConfig, name string) bool {
	inner := "." + strings.TrimPrefix(name, peftPrefix) + "."
	for _, m := range cfg.modulesToSave {
		if m != "" && strings.Contains(inner, "."+m+".") {
			return true
		}
	}
	if strings.Contains(inner, ".trainable_tokens_") || strings.Contains(inner, ".token_adapter.") {
		return true
	}
	for _, e := range embeddingLayerNames {
		if strings.Contains(inner, "."+e+".") {
			return true
		}
	}
	return false
}

// checkLoRAModule checks one module's pair, ranks, bias and DoRA magnitude.
func checkLoRAModule(cfg *loraConfig, m *loraModule, add func(Severity, string, string, error, string, ...any)) {
	aName, bName := "lora_A", "lora_B"
	if m.embedding {
		aName, bName = "lora_embedding_A", "lora_embedding_B"
	}
	switch {
	case m.a != nil && m.b == nil:
		add(Error, CodeAdapterPair, m.a.Name, ErrAdapterPair, "module %q has %s but no %s", m.name, aName, bName)
		return
	case m.a == nil && m.b != nil:
		add(Error, CodeAdapterPair, m.b.Name, ErrAdapterPair, "module %q has %s but no %s", m.name, bName, aName)
		return
	case m.a == nil:
		add(Error, CodeAdapterPair, firstName(m), ErrAdapterPair, "module %q has a bias or DoRA magnitude but no lora_A/lora_B", m.name)
		return
	}
	a, b := m.a, m.b
	switch {
	case m.embedding && (len(a.Shape) != 2 || len(b.Shape) != 2):
		add(Error, CodeAdapterShape, a.Name, ErrAdapterShape,
			"module %q: %s %v and %s %v must both be 2-D", m.name, aName, a.Shape, bName, b.Shape)
		return
	case len(a.Shape) < 2 || len(b.Shape) != len(a.Shape):
		add(Error, CodeAdapterShape, a.Name, ErrAdapterShape,
			"module %q: %s %v and %s %v must have the same number of dimensions, at least 2", m.name, aName, a.Shape, bName, b.Shape)
		return
	}
	for _, d := range b.Shape[2:] {
		if d != 1 {
			add(Error, CodeAdapterShape, b.Name, ErrAdapterShape,
				"module %q: convolution lora_B %v must be [out, r, 1, ...]", m.name, b.Shape)
			return
		}
	}

	r, key := cfg.effectiveRank(m.name)
	from := fmt.Sprintf("r = %d", r)
	if key != "" {
		from = fmt.Sprintf("rank_pattern %q gives %d", key, r)
	}
	sev := Error
	if cfg.uncertain {
		sev = Warning
		from += ", though a rank_pattern key could not be evaluated"
	}
	ra, rb := a.Shape[0], b.Shape[1]
	want := uint64(r)
	switch {
	case ra == rb && ra != want:
		add(sev, CodeAdapterShape, a.Name, ErrAdapterShape,
			"module %q has rank %d (%s %v, %s %v) but adapter_config.json says %s", m.name, ra, aName, a.Shape, bName, b.Shape, from)
	case ra != rb:
		if ra != want {
			add(sev, CodeAdapterShape, a.Name, ErrAdapterShape,
				"%s %v of module %q has %d rows, the rank is %d (%s)", aName, a.Shape, m.name, ra, want, from)
		}
		if rb != want {
			add(sev, CodeAdapterShape, b.Name, ErrAdapterShape,
				"%s %v of module %q has %d columns, the rank is %d (%s)", bName, b.Shape, m.name, rb, want, from)
		}
		if ra != want && rb != want {
			add(Error, CodeAdapterShape, a.Name, ErrAdapterShape,
				"module %q: %s has %d rows but %s has %d columns", m.name, aName, ra, bName, rb)
		}
	}

	out := b.Shape[0]
	if m.bias != nil && (len(m.bias.Shape) != 1 || m.bias.Shape[0] != out) {
		add(Error, CodeAdapterShape, m.bias.Name, ErrAdapterShape,
			"lora_B.bias %v of module %q must be [%d], lora_B's rows", m.bias.Shape, m.name, out)
	}
	switch {
	case m.mag != nil && !cfg.useDoRA:
		add(Warning, CodeDoRAUnexpected, m.mag.Name, ErrDoRAMagnitude,
			"module %q has a DoRA magnitude vector but use_dora is not set; PEFT reports it as an unexpected key", m.name)
	case m.mag == nil && cfg.useDoRA:
		add(Error, CodeDoRAMissing, a.Name, ErrDoRAMagnitude,
			"use_dora is set but module %q has no lora_magnitude_vector; PEFT would start it from the base weights' norms", m.name)
	}
	if m.mag != nil {
		n, _ := m.mag.NumElements()
		big := 0
		for _, d := range m.mag.Shape {
			if d != 1 {
				big++
			}
		}
		if n != out || big > 1 {
			add(Error, CodeDoRAShape, m.mag.Name, ErrDoRAMagnitude,
				"DoRA magnitude %v of module %q must hold %d values, one per lora_B row", m.mag.Shape, m.name, out)
		}
	}
}

// jsonString decodes a JSON string value.
func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonStringList decodes a JSON array of strings.
func jsonStringList(raw json.RawMessage) ([]string, bool) {
	var l []string
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &l) != nil {
		return nil, false
	}
	return l, true
}

// jsonNumber reports whether raw is a JSON number and returns its text.
func jsonNumber(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return "", false
	}
	return string(raw), true
}

// jsonPositiveInt decodes a JSON integer literal > 0 (Python's json gives a float
// for 8.0, which PEFT cannot use as a rank).
func jsonPositiveInt(raw json.RawMessage) (int64, bool) {
	s, ok := jsonNumber(raw)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return v, false
	}
	return v, true
}
