package dev.ludus.tracing.otlp;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Builds an OpenTelemetry SDK exporting over OTLP/HTTP and publishes it as the node's
 * {@link OpenTelemetry} service. A new configuration deactivates and activates the component
 * again: the old SDK is unregistered and shut down (its queued spans flushed, within the timeout)
 * before the new one is published.
 *
 * <p>Threads: the batch processor's worker ({@code BatchSpanProcessor_WorkerThread-*}) and the
 * sender's {@code ludus-otlp-*} pool, which also runs the JDK HTTP client's exchanges. Both are
 * stopped in {@link #deactivate()}.
 */
@Component(configurationPid = OtlpTracing.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = {})
@Designate(ocd = OtlpTracingConfig.class)
public class OtlpTracing {

    static final String PID = "dev.ludus.tracing.otlp";
    static final String PROTOCOL = "http/protobuf";
    private static final Logger LOG = LoggerFactory.getLogger(OtlpTracing.class);
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> SERVICE_VERSION = AttributeKey.stringKey("service.version");

    private SdkTracerProvider provider;
    private ExecutorService senders;
    private ServiceRegistration<OpenTelemetry> registration;
    private long shutdownMillis;

    @Activate
    void activate(BundleContext context, OtlpTracingConfig config) {
        String protocol = config.protocol();
        if (!PROTOCOL.equals(protocol)) {
            LOG.warn("configuration {} refused: protocol {} is not supported; using {}", PID, protocol, PROTOCOL);
        }
        double ratio = config.samplerRatio();
        if (!(ratio >= 0 && ratio <= 1)) {
            LOG.warn("configuration {} refused: samplerRatio {} is not within 0..1; using 1.0", PID, ratio);
            ratio = 1.0;
        }
        long timeout = Math.max(100, config.timeoutMillis());
        shutdownMillis = timeout + 1000;
        AtomicInteger n = new AtomicInteger();
        senders = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ludus-otlp-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        SpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.endpoint())
                .setTimeout(Duration.ofMillis(timeout))
                .setExecutorService(senders)
                // The JDK sender is embedded in this bundle: look it up with this bundle's loader.
                .setServiceClassLoader(OtlpTracing.class.getClassLoader())
                .build();
        String version = context.getBundle().getVersion().toString();
        provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, config.serviceName(),
                        SERVICE_VERSION, version))))
                .setSampler(new ActionSampler(ratio))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setScheduleDelay(Duration.ofMillis(Math.max(10, config.batchDelayMillis())))
                        .setExporterTimeout(Duration.ofMillis(timeout))
                        .setMaxQueueSize(Math.max(64, config.maxQueueSize()))
                        .build())
                .build();
        OpenTelemetry otel = new LudusOpenTelemetry(provider,
                ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("ludus.tracing.endpoint", config.endpoint());
        registration = context.registerService(OpenTelemetry.class, otel, props);
        LOG.info("tracing: exporting spans over OTLP/HTTP to {} (sampler ratio {}, service {})", config.endpoint(),
                ratio, config.serviceName());
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister(); // users switch to the no-op before the SDK goes away
            registration = null;
        }
        if (provider != null) {
            provider.shutdown().join(shutdownMillis, TimeUnit.MILLISECONDS); // flushes what is queued
            provider = null;
        }
        if (senders != null) {
            senders.shutdownNow();
            try {
                senders.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            senders = null;
        }
    }
}
