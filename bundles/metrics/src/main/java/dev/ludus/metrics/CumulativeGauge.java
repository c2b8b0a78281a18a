package dev.ludus.metrics;

import com.codahale.metrics.Gauge;

/**
 * A gauge whose value only grows while the process runs (collections, CPU seconds, classes
 * loaded): exposed as a counter. Dropwizard's {@code Counter} holds a long it counts itself, so
 * it can neither read a bean nor carry fractions of a second.
 */
interface CumulativeGauge extends Gauge<Double> {
}
