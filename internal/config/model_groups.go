package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxGroupEntry bounds one model group entry, as the policy package does.
const maxGroupEntry = 256

func (c *Config) validateModelGroups(k *checker) {
	models := map[string]int{}
	var modelNames []string
	for i, m := range c.Models {
		if _, dup := models[m.Name]; !dup {
			models[m.Name] = i
			modelNames = append(modelNames, m.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.ModelGroups)) {
		p := fieldPath("model_groups", name)
		entries := c.ModelGroups[name]
		if !validGroupName(name) {
			k.fail(p, "group name must be 1 to 64 letters, digits, \"_\", \"-\" and \".\", got %s", quote(name))
		} else if i, isModel := models[name]; isModel {
			k.fail(p, "group name %s is also a model's name (%s): allowlists would mean the group, so rename one of them", quote(name), k.where(indexPath("models", i)+".name"))
		}
		if len(entries) == 0 {
			k.fail(p, "must list at least one model")
		}
		listed := map[string]bool{}
		for j, e := range entries {
			ep := indexPath(p, j)
			_, isGroup := c.ModelGroups[e]
			switch {
			case e == "":
				k.fail(ep, "must not be empty")
			case len(e) > maxGroupEntry || strings.IndexFunc(e, notPrintable) >= 0 || !utf8.ValidString(e):
				k.fail(ep, "must be a model name or pattern of at most %d characters with no spaces or control characters, got %s", maxGroupEntry, quote(e))
			case strings.Contains(e, "**"):
				k.fail(ep, "bad pattern %s: write a single \"*\"", quote(e))
			case isGroup || strings.HasPrefix(e, "@"):
				k.fail(ep, "%s names a group: a group may not name another group, list its models", quote(e))
			case listed[e]:
				k.fail(ep, "%s is listed twice", quote(e))
			case len(c.Models) > 0 && !strings.Contains(e, "*") && !slices.Contains(modelNames, e):
				k.fail(ep, "unknown model %s %s", quote(e), modelHint(e, modelNames))
			}
			listed[e] = true
		}
	}
}

// modelHint suggests the configured model nearest to an unknown name.
func modelHint(name string, models []string) string {
	if s := closest(name, models); s != "" {
		return fmt.Sprintf("(did you mean %q?)", s)
	}
	return "(not in models; a pattern with \"*\" may name models yet to come)"
}

// validGroupName reports whether s is 1 to 64 of a-z, A-Z, 0-9, "_", "-" and ".".
func validGroupName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
