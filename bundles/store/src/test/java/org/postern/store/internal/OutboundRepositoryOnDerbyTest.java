package org.postern.store.internal;

class OutboundRepositoryOnDerbyTest extends OutboundRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
