// Command incidentgen fills an initialised data directory's store with a
// register of incidents for the incident benchmark (bench/incidents.sh).
// Each incident goes through the real store methods, so every row has its
// ledger record: opened, classified (a third of them significant), and
// notified, spread over the past two years so some clocks are met, some
// late and some missed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

func main() {
	dsn := flag.String("dsn", "", "store to fill: DATA/evident.db or a postgres:// URL, after `evident init`")
	n := flag.Int("incidents", 2000, "number of incidents")
	flag.Parse()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, *dsn, sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	// Two years ending three days ago, so every notification is in the past.
	end := time.Now().UTC().AddDate(0, 0, -3)
	start := end.AddDate(-2, 0, 0)
	step := end.Sub(start) / time.Duration(*n)
	for i := range *n {
		aware := start.Add(time.Duration(i) * step)
		inc, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: fmt.Sprintf("incident %d", i),
			Reporter: "noc", AwareAt: aware, RootCause: fmt.Sprintf("cause %d", i%50)}, "bench")
		if err != nil {
			log.Fatal(err)
		}
		im := evident.Impact{FinancialLossEUR: float64(i%7) * 10000}
		if i%3 == 0 {
			im.FullOutageMinutes = 45
		}
		if _, err := st.ClassifyIncident(ctx, inc.ID, evident.Classification{Severity: "medium", Category: "availability", Impact: im}, "", "bench"); err != nil {
			log.Fatal(err)
		}
		sent := aware.Add(time.Duration(10+i%30) * time.Hour)
		if _, err := st.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody, evident.ToCSIRT},
			Kind: evident.NoticeNotification, SentAt: sent}, nil, "bench"); err != nil {
			log.Fatal(err)
		}
	}
}
