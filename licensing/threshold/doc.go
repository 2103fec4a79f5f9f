// Package threshold is a small "threshold with hysteresis": it fires once
// when a value reaches or crosses a threshold downwards and re-arms only after
// the value has gone back above it. Credit reminders (licensing) and pause
// budgets (account/presence) both use it, with the armed flag persisted next
// to the value it watches so the decision survives restarts and is taken in
// the same transaction as the change.
package threshold
