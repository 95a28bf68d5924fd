package org.postern.store.internal;

class MigrationsOnDerbyTest extends MigrationsOnDatabaseTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
