// Package tenancytest provides test doubles for the tenancy contracts, so a
// domain's unit tests can run without building a whole tenancy. A test that
// wants every service wired on a backend, with fixtures and recorders of
// the outbox, uses storagetest.NewWorld.
package tenancytest
