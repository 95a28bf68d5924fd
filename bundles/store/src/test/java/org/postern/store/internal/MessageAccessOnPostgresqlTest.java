package org.postern.store.internal;

class MessageAccessOnPostgresqlTest extends MessageAccessTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
