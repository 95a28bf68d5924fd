package org.postern.store.internal;

class BillingRepositoryOnDerbyTest extends BillingRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
