package store

// PgKeyByHash is the PostgreSQL hot-path query, for the plan test in package store_test.
const PgKeyByHash = pgKeyByHash
