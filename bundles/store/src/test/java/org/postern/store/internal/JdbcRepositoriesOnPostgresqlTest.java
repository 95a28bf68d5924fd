package org.postern.store.internal;

class JdbcRepositoriesOnPostgresqlTest extends JdbcRepositoriesTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
