// Package tenancytest provides test doubles for the tenancy contracts, so a
// domain's unit tests can run without building a whole tenancy.
package tenancytest
