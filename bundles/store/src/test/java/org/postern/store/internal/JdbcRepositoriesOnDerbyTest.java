package org.postern.store.internal;

class JdbcRepositoriesOnDerbyTest extends JdbcRepositoriesTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
