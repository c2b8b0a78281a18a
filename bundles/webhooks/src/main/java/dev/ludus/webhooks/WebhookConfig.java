package dev.ludus.webhooks;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One webhook: factory PID {@value Webhook#FACTORY_PID}, one configuration per receiver
 * ({@code conf/dev.ludus.webhooks.endpoint-<name>.cfg}).
 */
@ObjectClassDefinition(name = "Ludus webhook",
        description = "Finished games POSTed as signed JSON to a URL of yours, through the message bus: retried "
                + "with growing pauses, then kept as dead letters of the consumer group webhook.<name>.")
public @interface WebhookConfig {

    @AttributeDefinition(name = "Name", description = "1 to 64 characters of a-z 0-9 - ; the consumer group is "
            + "webhook.<name>.")
    String name();

    @AttributeDefinition(name = "URL", description = "Where to POST: an absolute http or https URL.")
    String url();

    @AttributeDefinition(name = "Secret", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
            description = "Key of the HMAC-SHA256 signature in X-Ludus-Signature (at least 16 characters). Written in "
                    + "a .cfg file as .secret, so it is never shown.")
    String _secret();

    @AttributeDefinition(name = "Topics", description = "Topics to send (comma separated).")
    String topics() default "game.finished";

    @AttributeDefinition(name = "Timeout (ms)", min = "100", max = "60000",
            description = "Longest wait for the receiver's answer; then the delivery counts as failed.")
    int timeoutMillis() default 5000;

    @AttributeDefinition(name = "Deliveries", min = "1", max = "100",
            description = "Attempts per message before it becomes a dead letter.")
    int maxDeliveries() default 8;

    @AttributeDefinition(name = "First retry after (ms)", min = "0", max = "3600000",
            description = "Pause before the second attempt; it doubles each time, up to ten minutes.")
    long backoffMillis() default 1000;
}
