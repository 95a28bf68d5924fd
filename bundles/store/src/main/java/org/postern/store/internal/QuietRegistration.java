package org.postern.store.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Registers a store component's services by hand, with no properties but the ones named here.
 * A DS component configured by {@code org.postern.store} would publish that whole configuration,
 * {@code jdbc.password} included, as service properties, which every bundle (plugins too) can read
 * from the service registry without importing a single class.
 */
final class QuietRegistration implements AutoCloseable {
    private final ServiceRegistration<?> registration;

    private QuietRegistration(ServiceRegistration<?> registration) {
        this.registration = registration;
    }

    static QuietRegistration register(BundleContext context, Object service, String[] interfaces,
            String... keyValues) {
        Dictionary<String, Object> props = new Hashtable<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return new QuietRegistration(context.registerService(interfaces, service, props));
    }

    @Override
    public void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and the framework unregistered it first
        }
    }
}
