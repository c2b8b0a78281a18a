package dev.ludus.tracing.otlp;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(name = "Ludus tracing over OTLP",
        description = "An OpenTelemetry SDK published as the node's OpenTelemetry service: the spans of players'"
                + " actions are sampled, batched and exported to an OTLP/HTTP endpoint (a collector, Jaeger, Tempo).")
public @interface OtlpTracingConfig {

    @AttributeDefinition(name = "Endpoint",
            description = "The full URL spans are POSTed to, path included (an OTLP/HTTP receiver's /v1/traces).")
    String endpoint() default "http://127.0.0.1:4318/v1/traces";

    @AttributeDefinition(name = "Protocol", description = "The OTLP transport; protobuf over HTTP only.",
            options = @Option(label = "http/protobuf", value = "http/protobuf"))
    String protocol() default "http/protobuf";

    @AttributeDefinition(name = "Sampler ratio",
            description = "The share of actions traced, 0.0 to 1.0, decided by trace id (so a client's trace is"
                    + " sampled the same way on every node). A client's own sampled flag does not force sampling.",
            type = AttributeType.DOUBLE, min = "0", max = "1")
    double samplerRatio() default 1.0;

    @AttributeDefinition(name = "Service name", description = "The service.name resource attribute of every span.")
    String serviceName() default "ludus";

    @AttributeDefinition(name = "Timeout (ms)",
            description = "How long one export may take before it is given up (its spans are dropped).",
            min = "100", max = "600000")
    int timeoutMillis() default 10_000;

    @AttributeDefinition(name = "Batch delay (ms)",
            description = "The longest a finished span waits before its batch is exported.",
            min = "10", max = "600000")
    int batchDelayMillis() default 1000;

    @AttributeDefinition(name = "Queue size",
            description = "Finished spans kept for export; when full, new spans are dropped (and counted).",
            min = "64", max = "1000000")
    int maxQueueSize() default 2048;
}
