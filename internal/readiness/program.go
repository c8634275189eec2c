package readiness

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Program is the input every view judges the stored program by, and the
// incident clocks it was judged with (the web shows them beside it).
type Program struct {
	In     Input
	Clocks []evident.IncidentClocks
}

// LoadProgram reads what the CLI, the API and the web judge readiness
// from, in one place so no view can load it differently: the
// requirements of the program's version with the overlays its services
// bring (none when cat is nil: tasks and the calendar need no catalog),
// the controls' evidence as Load reads it from from (or, with frame set,
// LoadFrame's frame for StatusOver), the per-service duties and the
// incident clocks at at.
func LoadProgram(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog, at, from time.Time, frame bool) (Program, error) {
	return loadProgram(ctx, st, cat, at, ReachAll(from), frame)
}

// ReportOf is the readiness report every view serves at at, over
// [from, to) when from is not zero: the CLI's status and the API's status
// and readiness routes call it, so none computes it differently. Over a
// range the evidence is read a few controls at a time and the windows
// judged before from their window facts (StatusOver): years of records
// are never all held. Its report is Status's over LoadProgram's input.
func ReportOf(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog, at, from, to time.Time) (Report, error) {
	p, err := LoadProgram(ctx, st, cat, at, from, !from.IsZero())
	if err != nil {
		return Report{}, err
	}
	if from.IsZero() {
		return Status(p.In, from, to), nil
	}
	return StatusOver(ctx, st, p.In, from, to)
}

// LoadProgramReach is LoadProgram with each control's evidence read as
// far back as reach says (LoadReach).
func LoadProgramReach(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog, at time.Time, reach Reach) (Program, error) {
	return loadProgram(ctx, st, cat, at, reach, false)
}

func loadProgram(ctx context.Context, st *sqlstore.Store, cat *catalog.Catalog, at time.Time, reach Reach, frame bool) (Program, error) {
	var reqs []evident.Requirement
	if cat != nil {
		p, err := st.Program(ctx)
		if err != nil {
			return Program{}, err
		}
		services, err := st.Services(ctx)
		if err != nil {
			return Program{}, err
		}
		if reqs, err = cat.Requirements(p.Version, cat.ProgramOverlays(p, services)...); err != nil {
			return Program{}, err
		}
	}
	var in Input
	var err error
	if frame {
		in, err = LoadFrame(ctx, st, reqs, at)
	} else {
		in, err = LoadReach(ctx, st, reqs, at, reach)
	}
	if err != nil {
		return Program{}, err
	}
	if err := PerService(&in, cat); err != nil {
		return Program{}, err
	}
	clocks, err := st.IncidentClocks(ctx, at)
	if err != nil {
		return Program{}, err
	}
	in.Incidents = IncidentsOf(clocks)
	return Program{In: in, Clocks: clocks}, nil
}
