package org.postern.store.internal;

class MailboxRepositoryOnPostgresqlTest extends MailboxRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
