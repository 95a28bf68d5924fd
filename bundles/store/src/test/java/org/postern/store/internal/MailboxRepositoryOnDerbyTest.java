package org.postern.store.internal;

class MailboxRepositoryOnDerbyTest extends MailboxRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
