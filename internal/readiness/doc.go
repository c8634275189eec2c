// Package readiness computes how ready the program is for its audit:
// periods, freshness, gaps, triggers — pure functions over the program and
// its evidence. Nothing here reads a clock or a database; callers pass the
// model, the catalog requirements and the instant to judge at, which is
// what makes status at any past instant exact and every rule table-testable.
package readiness
