package org.postern.core.store;

import java.util.Objects;

/**
 * A dead property (RFC 4918 section 4) as a client set it: its qualified name and the property
 * element itself as serialized XML, namespace declarations included, so that it comes back exactly.
 */
public record DavProperty(String namespace, String name, String xml) {
    public DavProperty {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        Objects.requireNonNull(xml);
    }
}
