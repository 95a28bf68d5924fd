package org.postern.store.internal;

class MessageAccessOnDerbyTest extends MessageAccessTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
