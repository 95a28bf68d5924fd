package org.postern.billing.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.osgi.service.component.annotations.Component;

/**
 * The time billing reads: the system's, registered as a {@code java.time.Clock} service with
 * {@code postern.clock=true} and the lowest ranking, so that a test bundle registering a
 * higher-ranked one moves every billing rule through time without a production config key.
 */
@Component(service = Clock.class, property = {"postern.clock=true", "service.ranking:Integer=-1000"})
public class SystemClock extends Clock {
    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.system(zone);
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }
}
