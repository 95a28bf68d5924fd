package org.postern.store.internal;

class BillingRepositoryOnPostgresqlTest extends BillingRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
