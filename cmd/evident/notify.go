package main

import (
	"log/slog"

	"github.com/evidenthq/evident/internal/notify"
	"github.com/evidenthq/evident/internal/server"
)

// notifyConfig reads the notifier's settings from the environment: the
// SMTP relay (EVIDENT_SMTP_URL; without it e-mail waits, webhooks still
// go) and which internal addresses outbound calls may reach
// (EVIDENT_NOTIFY_ALLOW). A bad value stops serve before it listens.
func (a *app) notifyConfig(cfg server.Config, logger *slog.Logger) (notify.Config, error) {
	allow, err := notify.ParseAllow(a.getenv("EVIDENT_NOTIFY_ALLOW"))
	if err != nil {
		return notify.Config{}, err
	}
	n := notify.Config{Store: cfg.Store, Logger: logger, Sources: notify.Sources(cfg.Store), Allow: allow, Now: a.now}
	if u := a.getenv("EVIDENT_SMTP_URL"); u != "" {
		if n.SMTP, err = notify.ParseSMTPURL(u, allow); err != nil {
			return notify.Config{}, err
		}
	}
	return n, nil
}

// startNotifier runs the notifier beside the server, or refuses to start
// on a bad setting.
func (a *app) startNotifier(cfg server.Config, logger *slog.Logger, j jobs) (stop func(), err error) {
	n, err := a.notifyConfig(cfg, logger)
	if err != nil {
		return nil, err
	}
	n.Holder, n.Every = j.holder, j.every
	return notify.Start(a.ctx, n), nil
}
