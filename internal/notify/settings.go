package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"slices"
	"sync"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// This file is the one home of the settings writes: the API and the web
// UI both call these, so a preference or an endpoint is checked the same
// way whichever door it came through.

// Preferences returns the user's channel for every event kind, the
// default (e-mail) filled in where they chose nothing.
func Preferences(ctx context.Context, st *sqlstore.Store, user string) (map[string]string, error) {
	if _, err := st.User(ctx, user); err != nil {
		return nil, err
	}
	all, err := st.NotifyPrefs(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range Kinds {
		out[k] = ChannelEmail
		if c, ok := all[user][k]; ok {
			out[k] = c
		}
	}
	return out, nil
}

// SetPreferences checks every choice, then stores them all in one
// transaction: one bad entry stores none.
func SetPreferences(ctx context.Context, st *sqlstore.Store, user string, choices map[string]string) error {
	keys := make([]string, 0, len(choices))
	for k := range choices {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	prefs := make([]sqlstore.NotifyPref, 0, len(keys))
	for _, k := range keys {
		p, err := ParsePref(k, choices[k])
		if err != nil {
			return err
		}
		prefs = append(prefs, p)
	}
	return st.SetNotifyPrefs(ctx, user, prefs)
}

var endpointID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`) })

// AddEndpoint checks and stores a webhook endpoint with a new random
// secret, returned once in the result for the admin to give the receiver.
func AddEndpoint(ctx context.Context, st *sqlstore.Store, id, url string, events []string, actor string) (sqlstore.NotifyEndpoint, error) {
	if !endpointID().MatchString(id) {
		return sqlstore.NotifyEndpoint{}, evident.ErrorAt(evident.EINVALID, "id", "%q: want lower-case letters, digits, '.', '_' or '-', at most 63", id)
	}
	u, err := ParseEndpointURL(url)
	if err != nil {
		return sqlstore.NotifyEndpoint{}, err
	}
	for _, k := range events {
		if !slices.Contains(Kinds, k) {
			return sqlstore.NotifyEndpoint{}, evident.ErrorAt(evident.EINVALID, "events", "%q: want one of %v", k, Kinds)
		}
	}
	var b [32]byte
	rand.Read(b[:])
	return st.AddNotifyEndpoint(ctx, sqlstore.NotifyEndpoint{ID: id, URL: u, Secret: hex.EncodeToString(b[:]), Events: events}, actor)
}

// EndpointLog is an endpoint's delivery log: each delivery with its
// attempts, oldest first.
type EndpointLog struct {
	Delivery sqlstore.Delivery          `json:"delivery"`
	Attempts []sqlstore.DeliveryAttempt `json:"attempts"`
}

// Log returns the last limit deliveries to the endpoint with their
// attempts.
func Log(ctx context.Context, st *sqlstore.Store, id string, limit int) ([]EndpointLog, error) {
	if _, err := st.NotifyEndpoint(ctx, id); err != nil {
		return nil, err
	}
	ds, err := st.Deliveries(ctx, sqlstore.DeliveryFilter{Recipient: "endpoint:" + id, Last: limit})
	if err != nil {
		return nil, err
	}
	out := []EndpointLog{}
	for _, d := range ds {
		as, err := st.DeliveryAttempts(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, EndpointLog{Delivery: d, Attempts: as})
	}
	return out, nil
}
