package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileBytes is the largest configuration file Parse and Load accept.
const MaxFileBytes = 1 << 20

// Load reads the configuration file at path ("" means the built-in defaults),
// applies WARDEN_* environment overrides and backend API keys from the
// environment, and validates the result. The error, if any, is an Errors value
// listing every problem found.
func Load(path string) (*Config, error) {
	return load(path, os.Getenv)
}

func load(path string, getenv func(string) string) (*Config, error) {
	c := Default()
	var errs Errors
	if path != "" {
		data, err := readFile(path)
		if err != nil {
			return nil, err
		}
		var fatal bool
		c, errs, fatal = parse(path, data)
		if fatal {
			return nil, errs
		}
	}
	var envErrs Errors
	if err := c.ApplyEnv(getenv); err != nil && errors.As(err, &envErrs) {
		errs = append(errs, envErrs...)
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return nil, errs.sorted(path)
	}
	return c, nil
}

// Parse decodes and validates a configuration file's contents without reading
// the environment: backend API keys stay unresolved (use Load or ApplyEnv for
// those). name is the file name used in error messages.
func Parse(name string, data []byte) (*Config, error) {
	c, errs, fatal := parse(name, data)
	if !fatal {
		errs = append(errs, c.validate()...)
	}
	if len(errs) > 0 {
		return nil, errs.sorted(name)
	}
	return c, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return data, nil
}

// parse decodes data over the defaults without validating. fatal reports that
// the document could not be read at all (syntax error, wrong shape), so the
// returned Config is only the defaults and validating it would say nothing useful.
func parse(name string, data []byte) (c *Config, errs Errors, fatal bool) {
	c = Default()
	c.src = newSources(name)
	fail := func(line int, format string, args ...any) (*Config, Errors, bool) {
		return c, Errors{{Source: name, Line: line, Msg: fmt.Sprintf(format, args...)}}, true
	}
	if len(data) > MaxFileBytes {
		return fail(0, "file is larger than the %d byte limit", MaxFileBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil, false // empty or comments only: defaults
		}
		return c, Errors{syntaxError(name, data, err)}, true
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return c, Errors{syntaxError(name, data, err)}, true
		}
		return fail(max(extra.Line, 1), "more than one YAML document (\"---\"): put the whole configuration in one document")
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return c, nil, false
		}
		root = resolveAlias(doc.Content[0])
	}
	if isNull(root) {
		return c, nil, false
	}
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, "the top level must be a mapping of fields such as \"listen: 127.0.0.1:4000\", got %s", kindName(root))
	}
	d := decoder{src: c.src}
	d.decode(root, reflect.ValueOf(c).Elem(), "")
	c.fillDerived()
	return c, d.errs, d.tooLarge
}

// syntaxError turns "yaml: line 3: did not find expected key" into a FieldError
// at line 3.
func syntaxError(name string, data []byte, err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1 // yaml omits the line number for problems on the first line
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, tail, found := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); err == nil && found {
			line, msg = n, tail
		}
	} else if rest, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// yaml gives no line here: find the first use of the alias.
		anchor, _, _ := strings.Cut(rest, "'")
		if i := bytes.Index(data, []byte("*"+anchor)); i >= 0 && anchor != "" {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
	}
	return &FieldError{Source: name, Line: line, Msg: "invalid YAML: " + msg}
}
