package org.postern.store.internal;

class MigrationsOnPostgresqlTest extends MigrationsOnDatabaseTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
