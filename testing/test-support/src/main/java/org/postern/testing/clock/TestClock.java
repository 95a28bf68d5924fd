package org.postern.testing.clock;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@code postern.clock} an itest sets: {@code now} from {@code etc/org.postern.testclock.cfg}
 * (an ISO instant), moving on in real time from the moment it was read. Ranked above the system
 * clock, so billing takes it as soon as this bundle is deployed, and gives it back when it goes.
 * This bundle is built for the itests and never shipped: no production setting moves time.
 */
@Component(service = Clock.class, configurationPid = TestClock.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {"postern.clock=true", "service.ranking:Integer=1000"})
@Designate(ocd = TestClock.Config.class)
public class TestClock extends Clock {
    static final String PID = "org.postern.testclock";

    @ObjectClassDefinition(name = "Postern test clock")
    public @interface Config {
        @AttributeDefinition(description = "the time to tell, ISO-8601 (2027-01-31T03:00:00Z)")
        String now();
    }

    private volatile Instant base;
    private volatile long readAt;

    @Activate
    @Modified
    void configure(Config config) {
        base = Instant.parse(config.now().strip());
        readAt = System.nanoTime();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(instant(), zone);
    }

    @Override
    public Instant instant() {
        return base.plusNanos(System.nanoTime() - readAt);
    }
}
