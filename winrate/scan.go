package winrate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ScanFile is [Scan] on the named file.
func ScanFile(name string, c ReadConfig, fn func(Comparison) error) (ReadInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return ReadInfo{}, err
	}
	defer f.Close()
	return Scan(f, name, c, fn)
}

// Scan reads the comparisons of r as [Read] does, but passes each to fn as soon
// as its record is read instead of returning them, and stops at the first error
// from fn. JSON Lines (Arena battles, Arena-Hard judgments, the simple and score
// formats) are read line by line, so memory does not grow with the input; a
// record may span lines. A JSON array (AlpacaEval's annotations.json) has to be
// read whole first. The comparisons, ReadInfo and errors are those of Read.
func Scan(r io.Reader, name string, c ReadConfig, fn func(Comparison) error) (ReadInfo, error) {
	c, err := c.withDefaults()
	if err != nil {
		return ReadInfo{}, err
	}
	info := ReadInfo{Format: c.Format}
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		pending  []byte // lines read and not yet decoded, Python literals replaced
		pendLine = 1    // the line pending starts on
		eof      bool
		out      []Comparison
	)
	for !eof {
		line, err := readLine(br)
		switch {
		case err == io.EOF:
			eof = true
		case err != nil:
			return info, fmt.Errorf("reading %s: %w", name, err)
		}
		if info.Records == 0 && len(bytes.TrimSpace(pending)) == 0 {
			if t := bytes.TrimLeft(line, " \t\r\n"); len(t) > 0 && t[0] == '[' {
				return scanArray(io.MultiReader(bytes.NewReader(pending), bytes.NewReader(line), br), name, c, fn)
			}
		}
		pending = append(pending, pythonLiterals(line)...)
		for {
			off := 0
			for off < len(pending) && isSpace(pending[off]) {
				if pending[off] == '\n' {
					pendLine++
				}
				off++
			}
			pending = pending[off:]
			if len(pending) == 0 {
				break
			}
			raw, used, derr := nextValue(pending)
			if errors.Is(derr, io.ErrUnexpectedEOF) && !eof {
				break // the record goes on on the next line
			}
			info.Records++
			fail := func(err error) error {
				return &RecordError{File: name, Record: info.Records, Line: pendLine, Err: err}
			}
			if derr != nil {
				return info, fail(fmt.Errorf("%w: %v", ErrRecord, derr))
			}
			if raw[0] != '{' {
				return info, fail(fmt.Errorf("%w: %v", ErrRecord, errNotObject))
			}
			if info.Format == FormatAuto {
				if info.Format, err = detect(raw); err != nil {
					return info, fail(err)
				}
			}
			out, err = parseRecord(out[:0], raw, info.Format, &c)
			if err != nil {
				return info, fail(err)
			}
			if len(out) == 0 {
				info.Dropped++
			}
			for _, cmp := range out {
				if err := fn(cmp); err != nil {
					return info, err
				}
			}
			pendLine += bytes.Count(pending[:used], []byte{'\n'})
			pending = pending[used:]
		}
		// Keep the undecoded rest at the front, so the buffer does not grow.
		pending = append(make([]byte, 0, max(cap(pending), 4096)), pending...)
	}
	if info.Records == 0 {
		return info, fmt.Errorf("%s: %w", name, ErrNoData)
	}
	return info, nil
}

func scanArray(r io.Reader, name string, c ReadConfig, fn func(Comparison) error) (ReadInfo, error) {
	cs, info, err := Read(r, name, c)
	if err != nil {
		return info, err
	}
	for _, cmp := range cs {
		if err := fn(cmp); err != nil {
			return info, err
		}
	}
	return info, nil
}

// readLine returns the next line of br with its newline; io.EOF comes with the
// last bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	long := append([]byte(nil), line...)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		long = append(long, line...)
	}
	return long, err
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// nextValue returns the first JSON value of data (which starts with one) and
// how many bytes it takes; io.ErrUnexpectedEOF when data ends inside it.
func nextValue(data []byte) (json.RawMessage, int, error) {
	if end := bytes.IndexByte(data, '\n'); end == len(data)-1 || end < 0 {
		if json.Valid(data) { // the common case: one record on its line
			return bytes.TrimRight(data, " \t\r\n"), len(data), nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, err
	}
	return raw, int(dec.InputOffset()), nil
}
