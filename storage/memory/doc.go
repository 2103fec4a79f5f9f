// Package memory is Switchboard's in-memory backend: complete, safe for
// concurrent use, and what users' unit tests run on.
//
// Transactions are real: InTx holds the store exclusively for the duration of
// the use case (serializable by construction) and keeps an undo log, so a use
// case that fails or panics half-way is rolled back before anyone else can
// see it. Reads outside a transaction share a read lock and see only
// committed data.
//
// One rule follows from the exclusive lock: inside InTx, call stores with the
// context InTx handed you. A read made with an outer context from inside the
// transaction would wait for the transaction to end, which never comes.
package memory
