package auth

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (an account and client, or a client
// address) with backoff: each refused attempt doubles the time a token
// takes to come back, up to maxStrikes doublings, so a patient guesser gets slower and
// slower while a person who mistyped twice is not held up at all.
//
// Buckets live in memory: with several replicas each enforces its own
// limit, which multiplies an attacker's rate by the replica count, not
// more; the audit trail still sees every attempt.
type limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	tokens  float64
	last    time.Time
	strikes int
}

const (
	maxStrikes = 6 // refill slows to at most 64 times its base interval
	maxBuckets = 100000
)

func newLimiter(burst int, every time.Duration) *limiter {
	return &limiter{burst: float64(burst), every: every, buckets: map[string]*bucket{}}
}

func (b *bucket) interval(base time.Duration) time.Duration {
	return base << b.strikes
}

// take spends a token for key. When none is left it returns false, how
// long until the next one, and whether this is the first refusal since
// the bucket was last full.
func (l *limiter) take(key string, now time.Time) (ok bool, wait time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.prune(now)
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	iv := b.interval(l.every)
	if el := now.Sub(b.last); el > 0 {
		b.tokens += float64(el) / float64(iv)
		if b.tokens >= l.burst {
			// A full bucket forgives: the guesser has gone quiet.
			b.tokens, b.strikes = l.burst, 0
		}
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, false
	}
	first = b.strikes == 0
	if b.strikes < maxStrikes {
		b.strikes++
	}
	return false, time.Duration((1 - b.tokens) * float64(b.interval(l.every))), first
}

// forgive drops key's bucket: a correct password shows the earlier
// failures were the account holder's typos.
func (l *limiter) forgive(key string) {
	l.mu.Lock()
	delete(l.buckets, key)
	l.mu.Unlock()
}

// prune bounds memory when many keys (spoofed names) are tried: buckets
// that would be full again are dropped, since a new one starts full.
func (l *limiter) prune(now time.Time) {
	if len(l.buckets) < maxBuckets {
		return
	}
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(b.interval(l.every)) >= l.burst {
			delete(l.buckets, k)
		}
	}
}
