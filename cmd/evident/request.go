package main

import (
	"github.com/evidenthq/evident"
)

// requestSubs are `evident request`'s subcommands: the assessor asks,
// accepts or reopens; the TSP answers; either comments.
var requestSubs = []sub{
	{"add", "ask for evidence against a requirement, control or period (assessor)", requestAdd},
	{"answer", "answer a request with evidence or a comment (manager)", requestStepCmd(evident.StepAnswer)},
	{"comment", "comment on a request", requestStepCmd(evident.StepComment)},
	{"accept", "accept the answer to a request (assessor)", requestStepCmd(evident.StepAccept)},
	{"reopen", "reopen an answered or accepted request (assessor)", requestStepCmd(evident.StepReopen)},
}

func requestAdd(a *app, args []string) error {
	fs := a.flags("request add")
	var r evident.Request
	fs.StringVar(&r.Engagement, "engagement", "", "the engagement (`id`)")
	req := fs.String("req", "", "the requirement asked about (`id` or STANDARD@VERSION:ID)")
	fs.StringVar(&r.Control, "control", "", "the control asked about (`id`)")
	from := fs.String("from", "", "start of the period asked about (`date`)")
	to := fs.String("to", "", "end of the period asked about, exclusive (`date`)")
	due := fs.String("due", "", "when the answer is due (`date`)")
	fs.StringVar(&r.Text, "text", "", "what evidence is asked for")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("request add", pos); err != nil {
		return err
	}
	if r.From, err = dateFlag("from", *from); err != nil {
		return err
	}
	if r.To, err = dateFlag("to", *to); err != nil {
		return err
	}
	if r.Due, err = dateFlag("due", *due); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if *req != "" {
		p, err := st.Program(a.ctx)
		if err != nil {
			return err
		}
		ref, err := evident.ParseRequirementRef(*req, p.Standard, p.Version)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "--req", "%s", evident.ErrorMessage(err))
		}
		r.Requirement = &ref
	}
	r.RaisedBy = a.actor
	if r, err = st.AddRequest(a.ctx, r); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(r)
	}
	a.out("Request %s against %s, due %s.\n", r.ID, requestSubject(r), stamp(r.Due))
	return nil
}

// requestStepCmd is the subcommand making one kind of step on a request.
func requestStepCmd(kind string) func(a *app, args []string) error {
	return func(a *app, args []string) error {
		name := "request " + kind
		fs := a.flags(name)
		text := fs.String("text", "", "a comment recorded with the step")
		var evidence listFlag
		if kind == evident.StepAnswer {
			fs.Var(&evidence, "evidence", "an evidence record that answers (`id`, repeatable)")
		}
		pos, err := a.parse(fs, args)
		if err != nil {
			return err
		}
		id, err := oneID(name, "request", pos)
		if err != nil {
			return err
		}
		st, err := a.openStore()
		if err != nil {
			return err
		}
		defer st.Close()
		r, err := st.RequestStep(a.ctx, id, evident.AssessmentStep{Kind: kind, Actor: a.actor, Text: *text, Evidence: evidence})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(r)
		}
		a.out("Request %s is %s.\n", r.ID, r.State())
		return nil
	}
}
