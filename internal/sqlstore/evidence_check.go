package sqlstore

import (
	"context"

	"github.com/evidenthq/evident"
)

// CheckEvidenceRefs runs InsertEvidence's reference checks (controls,
// requirements, superseded and source records) on e without writing, so
// an upload naming an unknown control is refused before its bytes are
// stored rather than after, which would leave an unreferenced blob.
func (s *Store) CheckEvidenceRefs(ctx context.Context, e evident.Evidence) error {
	return s.Read(ctx, func(tx *Tx) error { return tx.checkEvidenceRefs(ctx, e, map[string]bool{}) })
}
