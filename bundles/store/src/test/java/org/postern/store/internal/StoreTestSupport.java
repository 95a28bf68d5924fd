package org.postern.store.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.osgi.service.jdbc.DataSourceFactory;
import org.postern.api.store.DataDirectory;

/** Fakes for what Declarative Services would hand the store components. */
final class StoreTestSupport {
    static {
        // Keep Derby's log out of the module directory (it defaults to ${user.dir}/derby.log).
        System.setProperty("derby.stream.error.file", Path.of("target", "derby.log").toAbsolutePath().toString());
        // Every test creates a fresh database; skip Derby's fsyncs, which make creation slow.
        System.setProperty("derby.system.durability", "test");
    }

    private StoreTestSupport() {
    }

    /** A DataSourceFactory as pax-jdbc-derby registers it; only the driver is used by the store. */
    static DataSourceFactory derbyFactory() {
        return driverFactory(org.apache.derby.jdbc.EmbeddedDriver::new);
    }

    /** A DataSourceFactory whose only working method is the one the store calls: createDriver. */
    static DataSourceFactory driverFactory(java.util.function.Supplier<Driver> driver) {
        return (DataSourceFactory) Proxy.newProxyInstance(DataSourceFactory.class.getClassLoader(),
                new Class<?>[] {DataSourceFactory.class},
                (proxy, method, args) -> method.getName().equals("createDriver") ? driver.get() : null);
    }

    /**
     * A StoreConfig whose attributes come from {@code values} (keyed by method name, e.g.
     * {@code jdbc_url}) or else from the annotation's declared defaults, as DS would build it.
     */
    static StoreConfig storeConfig(Map<String, Object> values) {
        Map<String, Object> copy = new HashMap<>(values);
        return (StoreConfig) Proxy.newProxyInstance(StoreConfig.class.getClassLoader(),
                new Class<?>[] {StoreConfig.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "annotationType":
                            return StoreConfig.class;
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return "StoreConfig" + copy;
                        default:
                            return copy.containsKey(method.getName()) ? copy.get(method.getName())
                                    : defaultOf(method);
                    }
                });
    }

    static StoreConfig defaultStoreConfig() {
        return storeConfig(Map.of());
    }

    private static Object defaultOf(Method method) {
        Object d = method.getDefaultValue();
        if (d == null) {
            throw new IllegalStateException("no default for " + method.getName());
        }
        return d;
    }

    /** Points {@code postern.data} at {@code dir}; tests clear it afterwards. */
    static void useDataDirectory(Path dir) {
        System.setProperty(DataDirectory.PROPERTY, dir.toString());
    }

    static void clearDataDirectory() {
        System.clearProperty(DataDirectory.PROPERTY);
    }

    /** Shuts down an embedded database a failed constructor left booted. */
    static void shutdownDerby(Path dataDir) {
        try {
            new org.apache.derby.jdbc.EmbeddedDriver().connect("jdbc:derby:" + dataDir.resolve("db") + ";shutdown=true",
                    new Properties());
        } catch (SQLException expected) {
            // 08006: shut down; XJ004: was never booted
        }
    }
}
