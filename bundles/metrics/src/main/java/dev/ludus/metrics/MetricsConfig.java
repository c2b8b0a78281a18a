package dev.ludus.metrics;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value NodeMetricRegistry#PID}: which series the node records itself. */
@ObjectClassDefinition(name = "Ludus metrics",
        description = "The node's metric registry and GET /metrics (Prometheus text format 0.0.4, or OpenMetrics 1.0.0"
                + " when the Accept header asks for it).")
public @interface MetricsConfig {

    @AttributeDefinition(name = "JVM series",
            description = "Record the ludus_jvm_* series: heap and non-heap memory, memory pools, garbage collections,"
                    + " threads by state, classes, buffer pools, process CPU time and file descriptors.")
    boolean jvmSeries() default true;

    @AttributeDefinition(name = "HTTP request series",
            description = "Count and time every HTTP request by method and status class (ludus_http_requests,"
                    + " ludus_http_request_duration_seconds).")
    boolean httpSeries() default true;
}
