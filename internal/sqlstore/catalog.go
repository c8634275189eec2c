package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/evidenthq/evident"
)

// SyncCatalog makes the stored catalog equal to reqs (the catalog embedded
// in this binary), so foreign keys from controls and evidence always point
// at requirements this build knows. It returns how many rows it wrote;
// unchanged rows are left alone so a restart writes nothing.
func (s *Store) SyncCatalog(ctx context.Context, reqs []evident.Requirement) (int, error) {
	written := 0
	err := s.Write(ctx, func(tx *Tx) error {
		have := map[string]string{}
		rows, err := tx.Query(ctx, `SELECT standard, version, id, seq, clause, clause_title, text, types, figures, confirmed FROM catalog_requirements`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r catalogRow
			if err := rows.Scan(&r.std, &r.ver, &r.id, &r.seq, &r.clause, &r.title, &r.text, &r.types, &r.figures, &r.confirmed); err != nil {
				rows.Close()
				return err
			}
			have[r.key()] = r.fingerprint()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, q := range reqs {
			r := toCatalogRow(i, q)
			fp, ok := have[r.key()]
			if ok && fp == r.fingerprint() {
				continue
			}
			if ok {
				_, err = tx.Exec(ctx, `UPDATE catalog_requirements SET seq=?, clause=?, clause_title=?, text=?, types=?, figures=?, confirmed=? WHERE standard=? AND version=? AND id=?`,
					r.seq, r.clause, r.title, r.text, r.types, r.figures, r.confirmed, r.std, r.ver, r.id)
			} else {
				_, err = tx.Exec(ctx, `INSERT INTO catalog_requirements (standard, version, id, seq, clause, clause_title, text, types, figures, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					r.std, r.ver, r.id, r.seq, r.clause, r.title, r.text, r.types, r.figures, r.confirmed)
			}
			if err != nil {
				return fmt.Errorf("catalog %s: %w", q.Ref(), err)
			}
			written++
		}
		return nil
	})
	return written, err
}

// CatalogCount returns how many requirements of a standard version are stored.
func (s *Store) CatalogCount(ctx context.Context, std evident.Standard, version string) (int, error) {
	var n int
	err := s.Read(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM catalog_requirements WHERE standard = ? AND version = ?`, string(std), version).Scan(&n)
	})
	return n, err
}

type catalogRow struct {
	std, ver, id, clause, title, text, types, figures string
	seq, confirmed                                    int
}

func (r catalogRow) key() string { return r.std + "@" + r.ver + ":" + r.id }
func (r catalogRow) fingerprint() string {
	return fmt.Sprint(r.seq, "\x00", r.clause, "\x00", r.title, "\x00", r.text, "\x00", r.types, "\x00", r.figures, "\x00", r.confirmed)
}

func toCatalogRow(seq int, q evident.Requirement) catalogRow {
	types, _ := json.Marshal(q.Types)
	figs := []byte("[]")
	if len(q.Figures) > 0 {
		figs, _ = json.Marshal(q.Figures)
	}
	conf := 0
	if q.Confirmed {
		conf = 1
	}
	return catalogRow{std: string(q.Standard), ver: q.Version, id: string(q.ID), seq: seq, clause: q.Clause,
		title: q.ClauseTitle, text: q.Text, types: string(types), figures: string(figs), confirmed: conf}
}
