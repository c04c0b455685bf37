package cli

import "strings"

// sacreBLEUFlags maps sacreBLEU's single-dash multi-letter flags to the long flags of
// "sophia-eval bleu", so that sacreBLEU command lines work unchanged.
var sacreBLEUFlags = map[string]string{
	"-tok":  "--tokenize",
	"-lc":   "--lowercase",
	"-sv":   "--smooth-value",
	"-sl":   "--sentence-level",
	"-nr":   "--num-refs",
	"-sh":   "--short",
	"-ci":   "--confidence",
	"-cin":  "--confidence-n",
	"-pbs":  "--paired-bs",
	"-par":  "--paired-ar",
	"-pbsn": "--paired-bs-n",
	"-parn": "--paired-ar-n",
	"-nc":   "--no-color",
	"-V":    "--version",
}

// rewriteBLEUArgs rewrites the arguments of the bleu command: sacreBLEU's multi-letter
// single-dash flags become long flags; "-i a b c" (sacreBLEU's nargs='*' input list)
// becomes "--input a --input b --input c", and "-m bleu bleu" likewise. An "-i"
// followed by no file becomes the hidden flag "--no-inputs". Everything after "--" is
// kept as is.
func rewriteBLEUArgs(args []string) []string {
	out := make([]string, 0, len(args))
	list := "" // the long flag whose values are being collected
	count := 0 // values collected for it
	endList := func() {
		if list == "--input" && count == 0 {
			out = append(out, "--no-inputs")
		}
		list = ""
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			endList()
			return append(out, args[i:]...)
		}
		if list != "" && (a == "-" || !strings.HasPrefix(a, "-")) {
			out = append(out, list, a)
			count++
			continue
		}
		endList()
		name, value, hasValue := strings.Cut(a, "=")
		if long, ok := sacreBLEUFlags[name]; ok {
			if hasValue {
				out = append(out, long+"="+value)
			} else {
				out = append(out, long)
			}
			continue
		}
		switch a {
		case "-i", "--input":
			list, count = "--input", 0
			continue
		case "-m", "--metrics":
			list, count = "--metrics", 0
			continue
		}
		out = append(out, a)
	}
	endList()
	return out
}
