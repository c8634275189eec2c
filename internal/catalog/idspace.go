package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/evidenthq/evident"
)

// IDSpace is a standard or regulation with its own item numbers, answered
// in those numbers but proven through EN 319 401: each item is mapped to
// the EN 319 401 requirements that cover it, and an item's readiness is
// derived from theirs (readiness.SpaceStatus), never judged on its own.
// NIS2 Implementing Regulation 2024/2690 (its annex points) and the
// service-specific standards (EN 319 411-1, EN 319 421) are such spaces.
//
// A space is a catalog file of kind "idspace":
//
//	kind: idspace
//	id: example-space          # what `status --standard` takes
//	title: "..."
//	source: "..."              # where the numbers and mapping come from
//	version: 3.2.1             # the EN 319 401 version the mapping uses
//	items:
//	  - id: "1.1.1"
//	    title: "our own short paraphrase"
//	    requirements: [REQ-6.3-01, REQ-6.3-02]
//	    planned_intervals: true  # the item says "at planned intervals"
//
// Every mapped id must exist in the named version; an item mapped to
// nothing is allowed and is never verified.
type IDSpace struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Source  string      `json:"source,omitempty"`
	Version string      `json:"version"`
	Items   []SpaceItem `json:"items"`
}

// SpaceItem is one numbered item of an id space and the EN 319 401
// requirements it maps to. PlannedIntervals marks an item that asks for
// something "at planned intervals": it cannot be verified until the
// program declares the interval.
type SpaceItem struct {
	ID               string                   `json:"id"`
	Title            string                   `json:"title"`
	Requirements     []evident.RequirementRef `json:"requirements"`
	PlannedIntervals bool                     `json:"planned_intervals,omitempty"`
}

// idSpaceFile is an id space as written.
type idSpaceFile struct {
	Kind    string `yaml:"kind"`
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Source  string `yaml:"source"`
	Version string `yaml:"version"`
	Items   []struct {
		ID               string   `yaml:"id"`
		Title            string   `yaml:"title"`
		Requirements     []string `yaml:"requirements"`
		PlannedIntervals bool     `yaml:"planned_intervals"`
	} `yaml:"items"`
}

// spaceID keeps id-space ids usable as command-line values.
var spaceID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`) })

// checkIDSpace validates an id space against the catalog's versions.
func (l *loader) checkIDSpace(c *Catalog, s *source, f idSpaceFile) *IDSpace {
	if !spaceID().MatchString(f.ID) {
		l.problems.add(s.errorf("$.id", "id space %q: want lower-case letters, digits and dashes, such as nis2-2024-2690", f.ID))
		return nil
	}
	for _, o := range c.spaces {
		if o.ID == f.ID {
			l.problems.add(s.errorf("$.id", "id space %q is defined twice", f.ID))
			return nil
		}
	}
	e, err := c.edition(f.Version)
	if err != nil {
		l.problems.add(s.errorf("$.version", "id space %s: %s", f.ID, message(err)))
		return nil
	}
	sp := &IDSpace{ID: f.ID, Title: f.Title, Source: f.Source, Version: e.info.Number, Items: []SpaceItem{}}
	seen := map[string]bool{}
	for i, it := range f.Items {
		where := s.where(fmt.Sprintf("$.items[%d]", i)) + " " + it.ID
		if it.ID == "" || seen[it.ID] {
			l.problems.add(evident.ErrorAt(evident.EINVALID, where, "item id empty or used twice in id space %s", f.ID))
			continue
		}
		seen[it.ID] = true
		item := SpaceItem{ID: it.ID, Title: it.Title, PlannedIntervals: it.PlannedIntervals, Requirements: []evident.RequirementRef{}}
		for _, r := range it.Requirements {
			ref, err := evident.ParseRequirementRef(r, evident.EN319401, e.info.Number)
			if err == nil {
				_, err = c.Lookup(ref)
			}
			if err != nil {
				l.problems.add(evident.ErrorAt(evident.EINVALID, where, "requirement %s: %s", r, message(err)))
				continue
			}
			if !slices.Contains(item.Requirements, ref) {
				item.Requirements = append(item.Requirements, ref)
			}
		}
		sp.Items = append(sp.Items, item)
	}
	return sp
}

// IDSpaces lists the id spaces in the catalog.
func (c *Catalog) IDSpaces() []IDSpace {
	out := make([]IDSpace, len(c.spaces))
	for i, s := range c.spaces {
		out[i] = s.copy()
	}
	return out
}

// IDSpace returns the id space called id, or ENOTFOUND naming those there are.
func (c *Catalog) IDSpace(id string) (IDSpace, error) {
	var have []string
	for _, s := range c.spaces {
		if s.ID == id {
			return s.copy(), nil
		}
		have = append(have, s.ID)
	}
	return IDSpace{}, evident.Errorf(evident.ENOTFOUND, "no id space %q in the catalog (have %v)", id, have)
}

func (s *IDSpace) copy() IDSpace {
	out := *s
	out.Items = slices.Clone(s.Items)
	for i := range out.Items {
		out.Items[i].Requirements = slices.Clone(out.Items[i].Requirements)
	}
	return out
}
