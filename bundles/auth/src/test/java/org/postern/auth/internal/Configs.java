package org.postern.auth.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A typed configuration as SCR would make it: the annotation's defaults, some of them overridden. */
final class Configs {
    private Configs() {
    }

    static AuthConfig auth(Map<String, Object> overrides) {
        return (AuthConfig) Proxy.newProxyInstance(AuthConfig.class.getClassLoader(), new Class<?>[] {AuthConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return AuthConfig.class;
                    }
                    Object v = overrides.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }
}
