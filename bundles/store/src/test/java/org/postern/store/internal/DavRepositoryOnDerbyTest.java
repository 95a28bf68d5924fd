package org.postern.store.internal;

class DavRepositoryOnDerbyTest extends DavRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
