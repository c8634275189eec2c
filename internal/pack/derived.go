package pack

import (
	"bufio"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"reflect"
)

// rendered is a derived file (index.*, VERIFY.md, trust/*) compressed into
// a temporary file, ready to go into the zip as a raw entry.
type rendered struct {
	name, path   string
	crc          uint32
	csize, usize uint64
	sha256       string
}

// derivedFiles lists the derived files and how each is written.
func (e *exporter) derivedFiles(ix *Index, regs *Registers, ev indexEvidence) []struct {
	name string
	fn   func(io.Writer) error
} {
	files := []struct {
		name string
		fn   func(io.Writer) error
	}{
		{IndexJSON, func(w io.Writer) error { return writeJSONHook(w, ix, evidenceHook(ev)) }},
		{IndexHTML, func(w io.Writer) error { return writeHTML(w, ix, ev) }},
		{IndexXLSX, func(w io.Writer) error { return writeXLSX(w, ix, ev) }},
		{VerifyName, func(w io.Writer) error { _, err := io.WriteString(w, verifyMD); return err }},
		{PoliciesJSON, jsonFile(regs.Policies)},
		{ScopeJSON, jsonFile(regs.Scope)},
		{RisksJSON, jsonFile(regs.Risks)},
		{SoAJSON, jsonFile(ix.Requirements)},
		{IncidentsJSON, jsonFile(ix.Incidents)},
		{ChangesJSON, jsonFile(regs.Changes)},
		{RequirementsJSON, func(w io.Writer) error { return writeJSONHook(w, regs.Requirements, evidenceHook(ev)) }},
		{ReportHTML, func(w io.Writer) error { return writeReport(w, ix, regs, ev) }},
		{KeyName, func(w io.Writer) error { _, err := io.WriteString(w, e.src.Key+"\n"); return err }},
	}
	if regs.Assessment != nil {
		files = append(files, struct {
			name string
			fn   func(io.Writer) error
		}{FindingsJSON, jsonFile(regs.Assessment)})
	}
	if len(e.src.TSARoots) > 0 {
		files = append(files, struct {
			name string
			fn   func(io.Writer) error
		}{TSARootsName, func(w io.Writer) error { _, err := w.Write(e.src.TSARoots); return err }})
	}
	return files
}

// indexEvidence gives the derived files each control's evidence
// references, which the index does not hold: they are read per control,
// in ledger order, as each file reaches the control.
type indexEvidence struct {
	count func(control string) int
	each  func(control string, fn func(*EvidenceRef) error) error
}

// evidence reads the index's evidence from the spool.
func (s *refSpool) evidence() indexEvidence {
	return indexEvidence{count: s.count, each: func(c string, fn func(*EvidenceRef) error) error {
		return s.each(c, func(r *spooledRef) error { return fn(&r.EvidenceRef) })
	}}
}

var (
	controlRowType   = reflect.TypeFor[ControlRow]()
	controlTraceType = reflect.TypeFor[ControlTrace]()
)

// evidenceHook writes the "evidence" of each control in index.json (its
// references) and in the requirements register (their paths) from ev.
func evidenceHook(ev indexEvidence) func(reflect.Value, string) fieldWriter {
	return func(v reflect.Value, name string) fieldWriter {
		if name != "evidence" || (v.Type() != controlRowType && v.Type() != controlTraceType) {
			return nil
		}
		id, paths := v.FieldByName("ID").String(), v.Type() == controlTraceType
		return func(w *bufio.Writer, indent string) error {
			return writeArray(w, indent, func(elem func(any) error) error {
				return ev.each(id, func(r *EvidenceRef) error {
					if paths {
						return elem(r.Path)
					}
					return elem(*r)
				})
			})
		}
	}
}

// jsonFile writes v as indented JSON, streamed (writeJSON).
func jsonFile(v any) func(io.Writer) error {
	return func(w io.Writer) error { return writeJSON(w, v) }
}

// renderDerived writes every derived file, deflated, to temporary files.
// It runs while the blobs are copied, so building the index costs no wall
// time on a machine with a second core; temporary files rather than
// memory keep a pack of a million items from holding its index in RAM.
func (e *exporter) renderDerived(ix *Index, ev indexEvidence) ([]rendered, error) {
	var out []rendered
	regs := e.buildRegisters(ix)
	if e.opt.rendered != nil {
		defer e.opt.rendered(e, ix, regs, ev)
	}
	for _, f := range e.derivedFiles(ix, regs, ev) {
		r, err := render(f.name, f.fn)
		if err != nil {
			removeRendered(out)
			return nil, fmt.Errorf("pack %s: %w", f.name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func render(name string, fn func(io.Writer) error) (rendered, error) {
	tmp, err := os.CreateTemp("", "evident-pack-*")
	if err != nil {
		return rendered{}, err
	}
	defer tmp.Close()
	r := rendered{name: name, path: tmp.Name()}
	// The fastest level: JSON and HTML still shrink several times, and
	// the default level cost more CPU than copying the evidence.
	// flate writes its output a few hundred bytes at a time, and the
	// renderers write theirs a field at a time: buffers on both sides
	// turn a write system call per few hundred bytes, and a pass of the
	// CRC, the hash and the compressor per field, into one per 64 KiB.
	out := bufio.NewWriterSize(tmp, 64<<10)
	fw, err := flate.NewWriter(out, flate.BestSpeed)
	if err != nil {
		os.Remove(r.path)
		return r, err
	}
	crc, sum := crc32.NewIEEE(), sha256.New()
	cw := &counter{w: io.MultiWriter(fw, crc, sum)}
	in := bufio.NewWriterSize(cw, 64<<10)
	if err = fn(in); err == nil {
		err = in.Flush()
	}
	if err == nil {
		err = fw.Close()
	}
	if err == nil {
		err = out.Flush()
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = tmp.Stat()
	}
	if err != nil {
		os.Remove(r.path)
		return r, err
	}
	r.crc, r.usize, r.csize, r.sha256 = crc.Sum32(), uint64(cw.n), uint64(fi.Size()), hex.EncodeToString(sum.Sum(nil))
	return r, nil
}

// writeRendered copies the rendered files into the zip as they are
// (already deflated) and notes their hashes in the manifest.
func (e *exporter) writeRendered(rs []rendered) error {
	defer removeRendered(rs)
	for _, r := range rs {
		if err := e.writeRaw(r); err != nil {
			return err
		}
		e.man.Files[r.name] = r.sha256
	}
	return nil
}

// writeRaw copies one rendered file into the zip as it is.
func (e *exporter) writeRaw(r rendered) error {
	w, err := e.zw.CreateRaw(r.name, r.crc, r.csize, r.usize)
	if err != nil {
		return fmt.Errorf("pack %s: %w", r.name, err)
	}
	f, err := os.Open(r.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("pack %s: %w", r.name, err)
	}
	return nil
}

func removeRendered(rs []rendered) {
	for _, r := range rs {
		os.Remove(r.path)
	}
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
