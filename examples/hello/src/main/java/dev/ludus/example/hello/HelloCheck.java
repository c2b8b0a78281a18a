package dev.ludus.example.hello;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * A health check named {@code hello} whose greeting comes from configuration PID
 * {@value #PID}. Changing the configuration updates the running component in place
 * ({@code @Modified}), so {@code modifications} counts the changes this instance has seen; a
 * restarted component would start again at 0.
 */
@Component(configurationPid = HelloCheck.PID)
@Designate(ocd = HelloCheck.Config.class)
public class HelloCheck implements HealthCheck {

    static final String PID = "dev.ludus.example.hello";

    @ObjectClassDefinition(name = "Ludus example: hello", description = "A health check that greets.")
    public @interface Config {
        @AttributeDefinition(name = "Greeting", description = "Shown in /health under components.hello.")
        String greeting() default "hello";
    }

    private volatile String greeting;
    private final AtomicInteger modifications = new AtomicInteger();

    @Activate
    void activate(Config config) {
        greeting = config.greeting();
    }

    @Modified
    void modified(Config config) {
        modifications.incrementAndGet();
        greeting = config.greeting();
    }

    @Override
    public String name() {
        return "hello";
    }

    @Override
    public HealthResult check() {
        return HealthResult.up(Map.of(
                "greeting", greeting,
                "modifications", modifications.get()));
    }
}
