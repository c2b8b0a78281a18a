package dev.ludus.eventstore;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicReference;

/** The {@link Clock} service if one is registered (tests inject one), the system clock otherwise. */
final class ServiceClock extends Clock {

    private final AtomicReference<Clock> service = new AtomicReference<>();

    void use(Clock clock) {
        service.set(clock);
    }

    void release(Clock clock) {
        service.compareAndSet(clock, null);
    }

    private Clock current() {
        Clock c = service.get();
        return c != null ? c : Clock.systemUTC();
    }

    @Override
    public ZoneId getZone() {
        return current().getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return current().withZone(zone);
    }

    @Override
    public Instant instant() {
        return current().instant();
    }

    @Override
    public long millis() {
        return current().millis();
    }
}
