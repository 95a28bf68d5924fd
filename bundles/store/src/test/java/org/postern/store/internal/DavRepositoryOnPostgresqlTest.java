package org.postern.store.internal;

class DavRepositoryOnPostgresqlTest extends DavRepositoryTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
