//go:build !race

package compliance_test

const raceEnabled = false
