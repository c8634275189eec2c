// Package readiness computes how ready the program is for its audit:
// periods, freshness, gaps, triggers. The rules are pure functions over
// the program and its evidence, and nothing here reads a clock: callers
// pass the instant to judge at, which is what makes status at any past
// instant exact and every rule table-testable. Reading is kept apart from
// judging: Load, LoadFrame and LoadProgram read the store in one
// transaction into an Input, and StatusOver and StatusEach alone read
// while they judge, a few controls at a time, so a report over years (or
// a pack's windows over its period) is not held whole.
package readiness
