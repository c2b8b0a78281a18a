package dev.ludus.webhooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;

/**
 * One webhook receiver: a consumer group {@code webhook.<name>} of its topics on every running bus,
 * POSTing each message as JSON, signed with HMAC-SHA256. A 2xx answer acknowledges; a 5xx, 408,
 * 429, a timeout or a refused connection fails the delivery, which the bus retries after its
 * backoff and finally dead-letters; any other 4xx means the receiver will never take it (a dead
 * letter at once). The body:
 *
 * <pre>{"id": "game.finished:…", "topic": "game.finished", "publishedAt": "…", "data": { …the payload… }}</pre>
 *
 * Headers {@code X-Ludus-Id}, {@code X-Ludus-Topic}, {@code X-Ludus-Timestamp} (epoch seconds),
 * {@code X-Ludus-Delivery} (attempt), {@code X-Ludus-Signature: sha256=<hex>} over
 * {@code <timestamp>.<body>}: receivers check it and refuse old timestamps, and remember ids (a
 * message may come more than once).
 */
@Component(service = HealthCheck.class, configurationPid = Webhook.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = WebhookConfig.class, factory = true)
public final class Webhook implements MessageHandler, HealthCheck {

    static final String FACTORY_PID = "dev.ludus.webhooks.endpoint";
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private String name;
    private URI url;
    private byte[] secret;
    private Duration timeout;
    private HttpClient client;
    private ServiceRegistration<MessageHandler> registration;
    private volatile String problem;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastFailure = "";
    private volatile Resilience resilience;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilience = r;
    }

    void unbindResilience(Resilience r) {
        if (resilience == r) {
            resilience = null;
        }
    }

    @Activate
    void activate(WebhookConfig config, BundleContext context) {
        try {
            configure(config);
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
            LOG.error("webhook refused (code webhook_config_refused): {}", problem);
            return;
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(MessageHandler.GROUP, "webhook." + name);
        props.put(MessageHandler.TOPICS, Arrays.stream(config.topics().split(",")).map(String::trim)
                .filter(t -> !t.isEmpty()).toArray(String[]::new));
        props.put(MessageHandler.MAX_DELIVERIES, Math.max(1, Math.min(100, config.maxDeliveries())));
        props.put(MessageHandler.BACKOFF_MILLIS, Math.max(0, Math.min(3_600_000, config.backoffMillis())));
        props.put(MessageHandler.MAX_BACKOFF_MILLIS, 600_000L);
        registration = context.registerService(MessageHandler.class, this, props);
        LOG.info("webhook {}: {} to {}", name, config.topics(), url);
    }

    /** Reads and checks the settings. */
    void configure(WebhookConfig config) {
        name = config.name() == null ? "" : config.name().trim();
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "' is not 1 to 64 characters of a-z 0-9 -");
        }
        try {
            url = URI.create(config.url() == null ? "" : config.url().trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook " + name + ": url is not a URL: " + e.getMessage());
        }
        if (!url.isAbsolute() || url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new IllegalArgumentException("webhook " + name + ": url must be an absolute http or https URL, got '"
                    + config.url() + "'");
        }
        String s = config._secret();
        if (s == null || s.length() < 16) {
            throw new IllegalArgumentException("webhook " + name + ": .secret must be at least 16 characters");
        }
        secret = s.getBytes(StandardCharsets.UTF_8);
        timeout = Duration.ofMillis(Math.max(100, Math.min(60_000, config.timeoutMillis())));
        client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        problem = null;
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    @Override
    public void handle(Delivery d) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", d.message().id());
        body.put("topic", d.message().topic());
        body.put("publishedAt", d.message().publishedAt().toString());
        body.set("data", JSON.readTree(d.message().payload()));
        String text = JSON.writeValueAsString(body);
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Ludus-Webhook")
                .header("X-Ludus-Id", d.message().id())
                .header("X-Ludus-Topic", d.message().topic())
                .header("X-Ludus-Timestamp", timestamp)
                .header("X-Ludus-Delivery", Integer.toString(d.attempt()))
                .header("X-Ludus-Signature", "sha256=" + sign(secret, timestamp + "." + text))
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build();
        Resilience r = resilience;
        if (r == null) {
            post(request);
            return;
        }
        // Through the policy webhooks.<name> while a resilience service runs, one attempt (the bus
        // redelivers with its own backoff; a handler that slept between attempts would hold its
        // consumer): its breaker stops POSTing to a receiver that keeps failing (the delivery fails at
        // once), its time limit bounds a POST; a refusal by the receiver itself is its own answer,
        // not counted against the breaker.
        try {
            r.policy("webhooks." + name).callOnce(() -> {
                post(request);
                return null;
            }, e -> e instanceof PoisonMessageException);
        } catch (ResilienceException e) {
            note(e.getMessage() + " (" + e.code() + ")");
            throw e;
        }
    }

    /** One POST; a 2xx returns, anything else throws as the class comment says. */
    private void post(HttpRequest request) throws Exception {
        int status;
        try {
            status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            note("could not reach " + url.getHost() + ": " + e);
            throw e;
        }
        if (status >= 200 && status < 300) {
            delivered.incrementAndGet();
            return;
        }
        note("answered HTTP " + status);
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            throw new PoisonMessageException("webhook " + name + " refused the message with HTTP " + status, null);
        }
        throw new IllegalStateException("webhook " + name + " answered HTTP " + status);
    }

    private void note(String failure) {
        failed.incrementAndGet();
        lastFailure = failure;
    }

    /** HMAC-SHA256 of {@code text} with {@code key}, as lower-case hex. */
    static String sign(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    @Override
    public String name() {
        return "webhook." + (name == null || name.isEmpty() ? "unnamed" : name);
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("url", url == null ? "" : url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : ""));
        d.put("delivered", delivered.get());
        d.put("failedDeliveries", failed.get());
        if (!lastFailure.isEmpty()) {
            d.put("lastFailure", lastFailure);
        }
        if (problem != null) {
            return HealthResult.down(problem + " (webhook_config_refused)", d);
        }
        return HealthResult.up(d);
    }

}
