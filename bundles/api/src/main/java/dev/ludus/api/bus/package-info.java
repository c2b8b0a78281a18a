/**
 * The message bus: durable publish, consumer groups with at-least-once delivery, retries with
 * backoff, dead letters and their replay.
 *
 * <p>A publisher calls {@link dev.ludus.api.bus.MessageBus#publish}; the returned stage completes
 * only once the message is durable (on this node's disk, or acknowledged by the broker). A
 * consumer registers a {@link dev.ludus.api.bus.MessageHandler} service with a group and topics
 * (the whiteboard pattern): every bus implementation that is running delivers to it, so a bus can
 * be swapped, and a consumer bundle updated, without anyone subscribing again. A handler that
 * returns acknowledges the message; one that throws has it delivered again after a backoff, up to
 * the group's maximum number of deliveries, then it becomes a {@link dev.ludus.api.bus.DeadLetter}
 * that an operator can replay (to the handler running then) or discard.
 *
 * <p>Delivery is at least once and in order per key within a topic; messages carry an id, so
 * consumers make their effect idempotent by remembering the ids they applied.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.bus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
