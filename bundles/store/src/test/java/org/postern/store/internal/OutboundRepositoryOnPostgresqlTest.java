package org.postern.store.internal;

class OutboundRepositoryOnPostgresqlTest extends OutboundRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
