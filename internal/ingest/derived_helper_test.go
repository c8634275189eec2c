package ingest

import (
	"io"
)

// writeDerived is the derived blob and the import run's findings as one
// import writes them: encodeDerived's bytes to w, and the findings the
// run stores, read from findingsReader. TestWriteDerivedIsMarshal holds
// both to json.Marshal.
func writeDerived(w io.Writer, d derivedBlob) ([]byte, error) {
	if err := encodeDerived(w, d); err != nil {
		return nil, err
	}
	return io.ReadAll(newFindingsReader(d.Result.Findings))
}
